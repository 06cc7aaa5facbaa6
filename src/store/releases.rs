//! Releases: the ones gatebot decided to create (written before the Kubernetes call, so a crash
//! in between is finished on restart), the ones it found that it did not create, and the last
//! check of each gate's ReleasePlan.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::time::{from_db, from_db_opt, to_db};
use super::{Result, Store, StoreError};
use crate::gate::{ReleaseKind, ReleaseRecord, ReleaseStatus};

/// A Release for a gated plan that gatebot did not create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnexpectedRelease {
    pub namespace: String,
    pub name: String,
    pub release_plan: String,
    pub snapshot: String,
    pub author: Option<String>,
    pub first_seen_at: Timestamp,
}

/// The last look at a gate's ReleasePlan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasePlanCheck {
    pub gate: String,
    pub release_plan: String,
    /// The `release.appstudio.openshift.io/auto-release` label; `None` when missing.
    pub auto_release: Option<String>,
    /// Whether Konflux would release by itself (label missing or not `"false"`).
    pub bypassed: bool,
    pub checked_at: Timestamp,
}

const RELEASE_COLUMNS: &str = "name, namespace, gate, snapshot, release_plan, kind, status, \
    status_message, decided_at, created_at, updated_at";

/// The Release record that holds for a snapshot after a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseClaim {
    pub record: ReleaseRecord,
    /// Whether the decision just made is the one that holds.
    pub won: bool,
}

impl Store {
    /// Records the decision to release a snapshot, with the annotations its Release is to be
    /// created with, unless a decision is already recorded for it. Returns the record that
    /// holds — the new one, or the one decided earlier (possibly by another replica, or by
    /// another path such as an emergency release) — and whether this call's decision is the
    /// one that holds.
    pub async fn decide_release(
        &self,
        record: &ReleaseRecord,
        annotations: &BTreeMap<String, String>,
    ) -> Result<ReleaseClaim> {
        let annotations = serde_json::to_string(annotations)
            .map_err(|error| corrupt("release annotations", &error.to_string()))?;
        let inserted = sqlx::query(
            "INSERT INTO releases (name, namespace, gate, snapshot, release_plan, kind, status, \
             status_message, decided_at, created_at, updated_at, annotations) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
        )
        .bind(&record.name)
        .bind(&record.namespace)
        .bind(&record.gate)
        .bind(&record.snapshot)
        .bind(&record.release_plan)
        .bind(<&str>::from(record.kind))
        .bind(<&str>::from(record.status))
        .bind(&record.status_message)
        .bind(to_db(record.decided_at))
        .bind(record.created_at.map(to_db))
        .bind(to_db(record.updated_at))
        .bind(annotations)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1;
        let holding = self
            .release_for_snapshot(&record.gate, &record.snapshot)
            .await?
            .ok_or_else(|| corrupt("release", "vanished right after it was recorded"))?;
        Ok(ReleaseClaim {
            record: holding,
            won: inserted,
        })
    }

    pub async fn release_for_snapshot(
        &self,
        gate: &str,
        snapshot: &str,
    ) -> Result<Option<ReleaseRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE gate = $1 AND snapshot = $2"
        )))
        .bind(gate)
        .bind(snapshot)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(release_from_row).transpose()
    }

    /// The annotations a decided Release is created with; empty when it has none or is unknown.
    pub async fn release_annotations(&self, name: &str) -> Result<BTreeMap<String, String>> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT annotations FROM releases WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        match text {
            Some(text) => serde_json::from_str(&text)
                .map_err(|error| corrupt("release annotations", &error.to_string())),
            None => Ok(BTreeMap::new()),
        }
    }

    /// How many Releases of each kind were decided since `since`, across every gate.
    pub async fn release_kinds_since(&self, since: Timestamp) -> Result<Vec<(ReleaseKind, u64)>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS decided FROM releases WHERE decided_at >= $1 GROUP BY kind",
        )
        .bind(to_db(since))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let kind = parse(&row.try_get::<String, _>("kind")?, "release kind")?;
                let decided = row.try_get::<i64, _>("decided")?;
                Ok((kind, u64::try_from(decided).unwrap_or_default()))
            })
            .collect()
    }

    /// Releases that are not final yet (decided or progressing), oldest first.
    pub async fn open_releases(&self) -> Result<Vec<ReleaseRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE status IN ('decided', 'progressing') \
             ORDER BY decided_at, name"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(release_from_row).collect()
    }

    /// Every release of a gate, newest first.
    pub async fn releases(&self, gate: &str) -> Result<Vec<ReleaseRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE gate = $1 ORDER BY decided_at DESC, name"
        )))
        .bind(gate)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(release_from_row).collect()
    }

    /// Moves a release to a new status; returns whether anything changed. A final status is
    /// never left again.
    pub async fn update_release_status(
        &self,
        name: &str,
        status: ReleaseStatus,
        message: Option<&str>,
        at: Timestamp,
    ) -> Result<bool> {
        let created_at = (status != ReleaseStatus::Decided).then(|| to_db(at));
        let changed = sqlx::query(
            "UPDATE releases SET status = $2, status_message = $3, updated_at = $4, \
             created_at = COALESCE(created_at, $5) \
             WHERE name = $1 AND status NOT IN ('succeeded', 'failed') \
             AND (status <> $2 OR COALESCE(status_message, '') <> COALESCE($3, ''))",
        )
        .bind(name)
        .bind(<&str>::from(status))
        .bind(message)
        .bind(to_db(at))
        .bind(created_at)
        .execute(self.pool())
        .await?;
        Ok(changed.rows_affected() > 0)
    }

    /// Records a Release gatebot did not create; returns `true` the first time it is seen.
    pub async fn record_unexpected_release(&self, release: &UnexpectedRelease) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO unexpected_releases (namespace, name, release_plan, snapshot, author, \
             first_seen_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (namespace, name) DO NOTHING",
        )
        .bind(&release.namespace)
        .bind(&release.name)
        .bind(&release.release_plan)
        .bind(&release.snapshot)
        .bind(&release.author)
        .bind(to_db(release.first_seen_at))
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    pub async fn unexpected_releases(&self) -> Result<Vec<UnexpectedRelease>> {
        let rows = sqlx::query(
            "SELECT namespace, name, release_plan, snapshot, author, first_seen_at \
             FROM unexpected_releases ORDER BY first_seen_at, name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UnexpectedRelease {
                    namespace: row.try_get("namespace")?,
                    name: row.try_get("name")?,
                    release_plan: row.try_get("release_plan")?,
                    snapshot: row.try_get("snapshot")?,
                    author: row.try_get("author")?,
                    first_seen_at: from_db(row.try_get("first_seen_at")?)?,
                })
            })
            .collect()
    }

    /// Records the latest ReleasePlan check; returns whether the verdict on it changed.
    pub async fn record_release_plan_check(&self, check: &ReleasePlanCheck) -> Result<bool> {
        let previous = self.release_plan_check(&check.gate).await?;
        sqlx::query(
            "INSERT INTO release_plan_checks (gate, release_plan, auto_release, bypassed, checked_at) \
             VALUES ($1,$2,$3,$4,$5) ON CONFLICT (gate) DO UPDATE SET \
             release_plan = excluded.release_plan, auto_release = excluded.auto_release, \
             bypassed = excluded.bypassed, checked_at = excluded.checked_at",
        )
        .bind(&check.gate)
        .bind(&check.release_plan)
        .bind(&check.auto_release)
        .bind(i64::from(check.bypassed))
        .bind(to_db(check.checked_at))
        .execute(self.pool())
        .await?;
        Ok(previous
            .is_none_or(|p| p.bypassed != check.bypassed || p.auto_release != check.auto_release))
    }

    pub async fn release_plan_check(&self, gate: &str) -> Result<Option<ReleasePlanCheck>> {
        let row = sqlx::query(
            "SELECT gate, release_plan, auto_release, bypassed, checked_at \
             FROM release_plan_checks WHERE gate = $1",
        )
        .bind(gate)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(ReleasePlanCheck {
                gate: row.try_get("gate")?,
                release_plan: row.try_get("release_plan")?,
                auto_release: row.try_get("auto_release")?,
                bypassed: row.try_get::<i64, _>("bypassed")? != 0,
                checked_at: from_db(row.try_get("checked_at")?)?,
            })
        })
        .transpose()
    }
}

fn release_from_row(row: &AnyRow) -> Result<ReleaseRecord> {
    Ok(ReleaseRecord {
        name: row.try_get("name")?,
        namespace: row.try_get("namespace")?,
        gate: row.try_get("gate")?,
        snapshot: row.try_get("snapshot")?,
        release_plan: row.try_get("release_plan")?,
        kind: parse(&row.try_get::<String, _>("kind")?, "release kind")?,
        status: parse(&row.try_get::<String, _>("status")?, "release status")?,
        status_message: row.try_get("status_message")?,
        decided_at: from_db(row.try_get("decided_at")?)?,
        created_at: from_db_opt(row.try_get("created_at")?)?,
        updated_at: from_db(row.try_get("updated_at")?)?,
    })
}

/// A stored enum value read back; anything else is corruption.
fn parse<T: std::str::FromStr>(text: &str, what: &'static str) -> Result<T> {
    text.parse().map_err(|_| corrupt(what, text))
}

fn corrupt(what: &'static str, detail: &str) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_string(),
    }
}
