//! Databases for tests that need a store of their own: SQLite always, and Postgres when
//! `GATEBOT_TEST_POSTGRES_URL` names a server (CI runs the store and round tests against both).

use sqlx::Executor as _;

/// One empty database, deleted with the value (SQLite) or recreated on the next run (Postgres).
pub struct Database {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Database {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("gatebot.db").display()
        );
        Self {
            url,
            _dir: Some(dir),
        }
    }

    pub async fn postgres(test: &str) -> Option<Self> {
        let server = std::env::var("GATEBOT_TEST_POSTGRES_URL").ok()?;
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&server)
            .await
            .expect("Postgres answers");
        let name = format!("gatebot_{test}");
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .await
            .unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        Some(Self {
            url: format!("{base}/{name}"),
            _dir: None,
        })
    }

    /// SQLite, then Postgres when available.
    pub async fn all(test: &str) -> Vec<Self> {
        let mut databases = vec![Self::sqlite().await];
        databases.extend(Self::postgres(test).await);
        databases
    }
}
