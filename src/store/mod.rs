//! Persistence: everything gatebot observed, decided and did, so a restart resumes where it
//! stopped and a second replica sees the same facts.
//!
//! One code base serves SQLite (the default, a single file) and Postgres (for several replicas)
//! through sqlx's `Any` driver. SQL stays in the subset both understand; times are unix seconds
//! in `BIGINT` columns because `Any` cannot decode timestamp types. Each table has its own file.

mod approvals;
mod audit;
mod chat;
mod cursors;
mod emergency;
mod escalations;
mod migrations;
mod problems;
mod releases;
mod rounds;
mod runs;
mod snapshots;
mod time;
mod verdicts;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

use migrations::{Backend, migrator};

pub use audit::AuditEntry;
pub use chat::{ChatThread, OutboxEntry};
pub use escalations::{EscalationScan, SentStep, WatchedIssue};
pub use problems::Problem;
pub use releases::{ReleaseClaim, ReleasePlanCheck, UnexpectedRelease};
pub use rounds::AttemptOutcome;
pub use runs::RunChange;
pub use verdicts::RecordedVerdict;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {url}: {source}")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot bring the store's schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the store holds a value gatebot cannot read ({what}): {detail}")]
    Corrupt { what: &'static str, detail: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle to the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// Opens (creating if needed) the store at a `sqlite://…` or `postgres://…` URL and applies
    /// pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let pool = AnyPoolOptions::new()
            // SQLite allows one writer at a time; a single connection avoids "database is locked".
            .max_connections(if backend == Backend::Postgres { 8 } else { 1 })
            // Long enough for a busy server, short enough that a wrong URL is reported promptly.
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|source| StoreError::Open {
                url: redact_password(url),
                source,
            })?;
        migrator(backend).run(&pool).await?;
        Ok(Self { pool })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A database URL fit for a log line: the password, if any, replaced by `***`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_error_messages() {
        assert_eq!(
            redact_password("postgres://gate:s3cret@db:5432/gatebot"),
            "postgres://gate:***@db:5432/gatebot"
        );
        assert_eq!(
            redact_password("sqlite://gatebot.db"),
            "sqlite://gatebot.db"
        );
    }
}
