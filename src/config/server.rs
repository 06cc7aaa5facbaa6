//! `[server]`: where gatebot serves `/healthz`, `/readyz` and `/metrics`.

use std::net::SocketAddr;

use serde::Deserialize;
use toml::Spanned;

use super::problems::Invalid;
use super::report::{Place, Report};

/// Every interface, port 8080: what a Kubernetes Service in front of the pod expects.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ServerSection {
    listen: Option<Spanned<String>>,
}

impl ServerSection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<ServerConfig> {
        let listen = report.setting(
            &place.key("listen"),
            self.listen.as_ref(),
            DEFAULT_LISTEN,
            socket_address,
        );
        Some(ServerConfig { listen: listen? })
    }
}

fn socket_address(text: &str) -> Result<SocketAddr, Invalid> {
    text.parse().map_err(|_| {
        Invalid::new(
            format!("`{text}` is not an IP address and port"),
            "write it as `0.0.0.0:8080`, or `[::]:8080` for IPv6",
        )
    })
}
