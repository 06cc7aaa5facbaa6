//! `[server]`: where gatebot serves `/healthz`, `/readyz` and `/metrics`.

use std::net::SocketAddr;

use super::document::Table;
use super::problems::Invalid;

/// Every interface, port 8080: what a Kubernetes Service in front of the pod expects.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
}

impl ServerConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let listen = table.parse_or("listen", DEFAULT_LISTEN, socket_address);
        table.finish();
        Some(Self { listen: listen? })
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
