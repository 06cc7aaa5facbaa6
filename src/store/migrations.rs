//! The schema, embedded in the binary so a deployed gatebot needs no files beside it.
//!
//! SQLite and Postgres each get their own SQL where their DDL differs (auto-increment keys); a
//! migration in portable SQL (`migrations/shared/`) names one file for both. A new migration is
//! one new entry in `MIGRATIONS`.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

struct Step {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Step] = &[
    Step {
        version: 1,
        description: "gate",
        sqlite: include_str!("../../migrations/sqlite/0001_gate.sql"),
        postgres: include_str!("../../migrations/postgres/0001_gate.sql"),
    },
    Step {
        version: 2,
        description: "escalations",
        sqlite: include_str!("../../migrations/sqlite/0002_escalations.sql"),
        postgres: include_str!("../../migrations/postgres/0002_escalations.sql"),
    },
    Step {
        version: 3,
        description: "chat",
        sqlite: include_str!("../../migrations/sqlite/0003_chat.sql"),
        postgres: include_str!("../../migrations/postgres/0003_chat.sql"),
    },
    Step {
        version: 4,
        description: "emergency",
        sqlite: include_str!("../../migrations/sqlite/0004_emergency.sql"),
        postgres: include_str!("../../migrations/postgres/0004_emergency.sql"),
    },
    // Portable SQL, so one file serves both backends.
    Step {
        version: 5,
        description: "approvals",
        sqlite: include_str!("../../migrations/shared/0005_approvals.sql"),
        postgres: include_str!("../../migrations/shared/0005_approvals.sql"),
    },
];

/// The migrator for one backend.
pub fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|step| {
                let sql = match backend {
                    Backend::Sqlite => step.sqlite,
                    Backend::Postgres => step.postgres,
                };
                Migration::new(
                    step.version,
                    Cow::Borrowed(step.description),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(sql),
                    false,
                )
            })
            .collect(),
    )
}
