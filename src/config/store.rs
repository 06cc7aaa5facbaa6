//! `[store]`: where gatebot keeps what it has seen and done.

use super::document::Table;
use super::problems::Invalid;

/// SQLite in the working directory: enough for one replica, nothing to operate.
pub const DEFAULT_STORE_URL: &str = "sqlite://gatebot.db?mode=rwc";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// A database URL for sqlx: `sqlite://…` for one replica, `postgres://…` for several.
    pub url: String,
}

impl StoreConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let url = table.parse_or("url", DEFAULT_STORE_URL, store_url);
        table.finish();
        Some(Self { url: url? })
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
