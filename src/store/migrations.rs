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
    Step {
        version: 6,
        description: "rounds",
        sqlite: include_str!("../../migrations/shared/0006_rounds.sql"),
        postgres: include_str!("../../migrations/shared/0006_rounds.sql"),
    },
    Step {
        version: 7,
        description: "round attempt details",
        sqlite: include_str!("../../migrations/shared/0007_round_attempt_details.sql"),
        postgres: include_str!("../../migrations/shared/0007_round_attempt_details.sql"),
    },
];

/// The migrator for one backend.
pub fn migrator(backend: Backend) -> Migrator {
    migrator_up_to(backend, i64::MAX)
}

/// The migrator for one backend, up to and including `version`.
fn migrator_up_to(backend: Backend, version: i64) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .filter(|step| step.version <= version)
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

#[cfg(test)]
mod tests {
    use sqlx::any::AnyPoolOptions;

    use super::*;
    use crate::approvals::RequestState;
    use crate::gate::SnapshotKey;
    use crate::store::Store;

    /// A store made by the version before the approvals room, holding a decided emergency
    /// request with its approvals, keeps all of it through the move to the approvals tables.
    #[tokio::test]
    async fn emergency_history_survives_the_move_to_the_approvals_room() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let old = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        migrator_up_to(Backend::Sqlite, 4).run(&old).await.unwrap();
        for statement in [
            "INSERT INTO emergency_requests VALUES ('em-1', 'ho', 'snap-1', 'sha256:a', 'abc', \
             'BLOCKED', 'U0REQ', 'OCPBUGS-1 must ship', 2, 'approved', 10, 20, 'C0', '1.1', \
             '2.2', 'https://slack/p22', 'U0B', 15, NULL, 'snap-1-rel')",
            "INSERT INTO emergency_requests VALUES ('em-2', 'ho', 'snap-2', NULL, NULL, \
             'PENDING', 'U0REQ', 'OCPBUGS-2 must ship', 1, 'pending', 30, 40, 'C0', NULL, \
             NULL, NULL, NULL, NULL, NULL, NULL)",
            "INSERT INTO emergency_approvals VALUES ('em-1', 'U0A', 12), ('em-1', 'U0B', 15)",
        ] {
            sqlx::query(statement).execute(&old).await.unwrap();
        }
        old.close().await;

        let store = Store::open(&url).await.unwrap();
        let approved = store.emergency_request("em-1").await.unwrap().unwrap();
        assert_eq!(approved.key, SnapshotKey::new("ho", "snap-1"));
        assert_eq!(approved.approval.state, RequestState::Approved);
        assert_eq!(approved.approval.closed_by.as_deref(), Some("U0B"));
        assert_eq!(
            approved.approval.permalink.as_deref(),
            Some("https://slack/p22")
        );
        assert_eq!(approved.justification, "OCPBUGS-1 must ship");
        assert_eq!(approved.release_name.as_deref(), Some("snap-1-rel"));
        let approvers: Vec<String> = store
            .approvals("em-1")
            .await
            .unwrap()
            .into_iter()
            .filter(|approval| approval.subject_digest == approved.approval.subject_digest)
            .map(|approval| approval.approver)
            .collect();
        assert_eq!(approvers, ["U0A", "U0B"], "old approvals still count");
        let pending = store
            .pending_emergency_request(&SnapshotKey::new("ho", "snap-2"))
            .await
            .unwrap()
            .expect("the open request is still open");
        assert_eq!(pending.approval.id, "em-2");
    }
}
