//! ON_QA escalation records: each step sent, the issues in ON_QA as of the last scan, and each
//! scan's outcome.
//!
//! The primary key of `escalation_steps` (issue, ON_QA entry, step) is the last line of defence
//! against asking someone twice: a second record of the same step is refused by the database.
//! The entry time is part of the key so that an issue that comes back to ON_QA starts over.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::time::{from_db, to_db};
use super::{Result, Store, StoreError};
use crate::escalation::Step;

/// One escalation step that reached Jira.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentStep {
    pub issue_key: String,
    pub on_qa_since: Timestamp,
    pub step: Step,
    /// Who was mentioned (username or account id), or `unknown` when read back from a comment
    /// that mentions nobody.
    pub person: String,
    pub comment_id: String,
    pub sent_at: Timestamp,
}

/// An issue in ON_QA as of the last scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedIssue {
    pub key: String,
    pub summary: String,
    pub on_qa_since: Timestamp,
}

/// How a scan ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationScan {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Whether the scan went through every issue.
    pub complete: bool,
    pub issues_seen: u64,
    pub comments_sent: u64,
    /// Why it stopped early, in a sentence.
    pub stopped_because: Option<String>,
}

impl Store {
    /// Records a sent step; `false` if that step was already recorded for this ON_QA entry.
    pub async fn record_escalation_step(&self, sent: &SentStep) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO escalation_steps (issue_key, on_qa_since, step, person, comment_id, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&sent.issue_key)
        .bind(to_db(sent.on_qa_since))
        .bind(<&str>::from(sent.step))
        .bind(&sent.person)
        .bind(&sent.comment_id)
        .bind(to_db(sent.sent_at))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The steps recorded for one ON_QA entry of an issue, lowest first.
    pub async fn escalation_steps(
        &self,
        issue_key: &str,
        on_qa_since: Timestamp,
    ) -> Result<Vec<SentStep>> {
        let rows = sqlx::query(
            "SELECT issue_key, on_qa_since, step, person, comment_id, sent_at FROM escalation_steps \
             WHERE issue_key = $1 AND on_qa_since = $2",
        )
        .bind(issue_key)
        .bind(to_db(on_qa_since))
        .fetch_all(self.pool())
        .await?;
        let mut steps = rows.iter().map(sent_step).collect::<Result<Vec<_>>>()?;
        steps.sort_by_key(|sent| sent.step);
        Ok(steps)
    }

    /// Notes issues seen in ON_QA by a scan, in one transaction.
    pub async fn watch_escalation_issues(
        &self,
        issues: &[WatchedIssue],
        seen_at: Timestamp,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for issue in issues {
            sqlx::query(
                "INSERT INTO escalation_watch (issue_key, summary, on_qa_since, seen_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (issue_key) DO UPDATE SET \
                 summary = excluded.summary, on_qa_since = excluded.on_qa_since, seen_at = excluded.seen_at",
            )
            .bind(&issue.key)
            .bind(&issue.summary)
            .bind(to_db(issue.on_qa_since))
            .bind(to_db(seen_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops issues a complete scan no longer found in ON_QA; returns how many.
    pub async fn forget_escalation_issues_unseen_since(&self, since: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM escalation_watch WHERE seen_at < $1")
            .bind(to_db(since))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// The issues in ON_QA as of the last scan, each with the steps sent since it entered ON_QA.
    pub async fn escalation_watchlist(&self) -> Result<Vec<(WatchedIssue, Vec<SentStep>)>> {
        let watched = sqlx::query(
            "SELECT issue_key, summary, on_qa_since FROM escalation_watch ORDER BY issue_key",
        )
        .fetch_all(self.pool())
        .await?;
        let sent = sqlx::query(
            "SELECT s.issue_key, s.on_qa_since, s.step, s.person, s.comment_id, s.sent_at \
             FROM escalation_steps s JOIN escalation_watch w \
             ON s.issue_key = w.issue_key AND s.on_qa_since = w.on_qa_since",
        )
        .fetch_all(self.pool())
        .await?;
        let mut by_issue: BTreeMap<String, Vec<SentStep>> = BTreeMap::new();
        for row in &sent {
            let step = sent_step(row)?;
            by_issue
                .entry(step.issue_key.clone())
                .or_default()
                .push(step);
        }
        watched
            .iter()
            .map(|row| {
                let issue = WatchedIssue {
                    key: row.try_get("issue_key")?,
                    summary: row.try_get("summary")?,
                    on_qa_since: from_db(row.try_get("on_qa_since")?)?,
                };
                let mut steps = by_issue.remove(&issue.key).unwrap_or_default();
                steps.sort_by_key(|sent| sent.step);
                Ok((issue, steps))
            })
            .collect()
    }

    pub async fn record_escalation_scan(&self, scan: &EscalationScan) -> Result<()> {
        sqlx::query(
            "INSERT INTO escalation_scans (started_at, finished_at, complete, issues_seen, \
             comments_sent, stopped_because) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(to_db(scan.started_at))
        .bind(to_db(scan.finished_at))
        .bind(i64::from(scan.complete))
        .bind(count_to_db(scan.issues_seen))
        .bind(count_to_db(scan.comments_sent))
        .bind(&scan.stopped_because)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The most recent scan, if any ran.
    pub async fn last_escalation_scan(&self) -> Result<Option<EscalationScan>> {
        let row = sqlx::query(
            "SELECT started_at, finished_at, complete, issues_seen, comments_sent, stopped_because \
             FROM escalation_scans ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(EscalationScan {
                started_at: from_db(row.try_get("started_at")?)?,
                finished_at: from_db(row.try_get("finished_at")?)?,
                complete: row.try_get::<i64, _>("complete")? != 0,
                issues_seen: count_from_db(row.try_get("issues_seen")?)?,
                comments_sent: count_from_db(row.try_get("comments_sent")?)?,
                stopped_because: row.try_get("stopped_because")?,
            })
        })
        .transpose()
    }
}

fn sent_step(row: &AnyRow) -> Result<SentStep> {
    let step: String = row.try_get("step")?;
    Ok(SentStep {
        issue_key: row.try_get("issue_key")?,
        on_qa_since: from_db(row.try_get("on_qa_since")?)?,
        step: step.parse().map_err(|_| StoreError::Corrupt {
            what: "escalation step",
            detail: step.clone(),
        })?,
        person: row.try_get("person")?,
        comment_id: row.try_get("comment_id")?,
        sent_at: from_db(row.try_get("sent_at")?)?,
    })
}

fn count_to_db(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

fn count_from_db(count: i64) -> Result<u64> {
    u64::try_from(count).map_err(|_| StoreError::Corrupt {
        what: "escalation scan count",
        detail: count.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("gatebot.db").display()
        );
        (Store::open(&url).await.unwrap(), dir)
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn sent(step: Step, since: &str) -> SentStep {
        SentStep {
            issue_key: "OCPBUGS-1".into(),
            on_qa_since: at(since),
            step,
            person: "qa".into(),
            comment_id: "10001".into(),
            sent_at: at("2025-01-08T10:00:00Z"),
        }
    }

    #[tokio::test]
    async fn a_step_is_recorded_once_per_on_qa_entry() {
        let (store, _dir) = store().await;
        let first = sent(Step::QaContact, "2025-01-06T09:00:00Z");
        assert!(store.record_escalation_step(&first).await.unwrap());
        let again = SentStep {
            person: "someone-else".into(),
            ..first.clone()
        };
        assert!(!store.record_escalation_step(&again).await.unwrap());
        let reentered = sent(Step::QaContact, "2025-01-09T09:00:00Z");
        assert!(store.record_escalation_step(&reentered).await.unwrap());
        assert_eq!(
            store
                .escalation_steps("OCPBUGS-1", first.on_qa_since)
                .await
                .unwrap(),
            [first]
        );
    }

    #[tokio::test]
    async fn the_watchlist_shows_steps_of_the_current_entry_and_forgets_departed_issues() {
        let (store, _dir) = store().await;
        let old = sent(Step::QaContact, "2025-01-02T09:00:00Z");
        let current = sent(Step::QaContact, "2025-01-06T09:00:00Z");
        store.record_escalation_step(&old).await.unwrap();
        store.record_escalation_step(&current).await.unwrap();
        let issue = WatchedIssue {
            key: "OCPBUGS-1".into(),
            summary: "HostedCluster stuck".into(),
            on_qa_since: current.on_qa_since,
        };
        let gone = WatchedIssue {
            key: "OCPBUGS-2".into(),
            ..issue.clone()
        };
        store
            .watch_escalation_issues(&[issue.clone(), gone], at("2025-01-08T00:00:00Z"))
            .await
            .unwrap();
        store
            .watch_escalation_issues(std::slice::from_ref(&issue), at("2025-01-08T02:00:00Z"))
            .await
            .unwrap();
        assert_eq!(
            store
                .forget_escalation_issues_unseen_since(at("2025-01-08T02:00:00Z"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store.escalation_watchlist().await.unwrap(),
            [(issue, vec![current])]
        );
    }

    #[tokio::test]
    async fn the_last_scan_is_the_one_recorded_last() {
        let (store, _dir) = store().await;
        assert_eq!(store.last_escalation_scan().await.unwrap(), None);
        let stopped = EscalationScan {
            started_at: at("2025-01-08T00:00:00Z"),
            finished_at: at("2025-01-08T00:01:00Z"),
            complete: false,
            issues_seen: 50,
            comments_sent: 3,
            stopped_because: Some("Jira failed GET /rest/api/2/search with HTTP 503".into()),
        };
        store.record_escalation_scan(&stopped).await.unwrap();
        assert_eq!(store.last_escalation_scan().await.unwrap(), Some(stopped));
    }
}
