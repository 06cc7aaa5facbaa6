//! `[store]`: where gatebot keeps what it has seen and done.

use serde::Deserialize;
use toml::Spanned;

use super::problems::Invalid;
use super::report::{Place, Report};

/// SQLite in the working directory: enough for one replica, nothing to operate.
pub const DEFAULT_STORE_URL: &str = "sqlite://gatebot.db?mode=rwc";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// A database URL for sqlx: `sqlite://…` for one replica, `postgres://…` for several.
    pub url: String,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct StoreSection {
    url: Option<Spanned<String>>,
}

impl StoreSection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<StoreConfig> {
        let url = report.setting(
            &place.key("url"),
            self.url.as_ref(),
            DEFAULT_STORE_URL,
            store_url,
        );
        Some(StoreConfig { url: url? })
    }
}

fn store_url(text: &str) -> Result<String, Invalid> {
    let scheme = text.split_once(':').map(|(scheme, _)| scheme);
    match scheme {
        Some("sqlite" | "postgres" | "postgresql") => Ok(text.to_string()),
        _ => Err(Invalid::new(
            format!("`{text}` is neither a SQLite nor a Postgres URL"),
            format!(
                "use `{DEFAULT_STORE_URL}` for a single replica, or `postgres://user@host/db` for several"
            ),
        )),
    }
}
