//! One escalation scan: page through the ON_QA issues, and for each one past a threshold, ask
//! the next person on the ladder, once.
//!
//! What was already sent comes from two places: the store, and the issue's own comments since
//! it entered ON_QA. The comments are read before every post, so a lost store, a second replica,
//! or a comment whose POST answer was lost never leads to a second comment. Each issue gets at
//! most one comment per scan, which keeps the ladder in order when several thresholds passed at
//! once.
//!
//! When Jira is down, refuses the login, or keeps answering 429 or 5xx, the scan stops where it
//! is and says why; everything it did is recorded, and the next scan picks up the rest. A dry
//! run logs each comment it would post and writes nothing, neither to Jira nor to the store.

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::calendar::WorkingCalendar;
use super::comment::{CommentFacts, comment_body, whole_hours};
use super::config::{EscalationConfig, EscalationConfigProblem};
use super::issue::{OnQaIssue, fields_needed};
use super::ladder::{Ladder, Step};
use super::recipients::{Candidate, Directory, candidates};
use super::report::{Escalated, ScanReport};
use super::sent::sent_since;
use crate::clock::Clock;
use crate::jira::{self, JiraClient, JiraError, SearchQuery};
use crate::store::{AuditEntry, EscalationScan, SentStep, Store, StoreError, WatchedIssue};

/// How a scan is asked to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// Log what would be commented; change nothing. `dry_run = true` in the config does the same.
    pub dry_run: bool,
    /// Only issues that entered ON_QA on or after this day (in the configured time zone).
    pub from_date: Option<Date>,
}

/// Why a scan could not run at all. Jira trouble is not here: it ends the scan early with a
/// report that says why.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("the escalation configuration is not usable: {0}")]
    Config(#[from] EscalationConfigProblem),
    #[error("the escalation scan could not use the store: {0}")]
    Store(#[from] StoreError),
}

/// What ends a scan early.
enum Halt {
    Jira(JiraError),
    Store(StoreError),
}

impl From<JiraError> for Halt {
    fn from(error: JiraError) -> Self {
        Halt::Jira(error)
    }
}

impl From<StoreError> for Halt {
    fn from(error: StoreError) -> Self {
        Halt::Store(error)
    }
}

/// Runs one scan.
pub async fn scan(
    jira: &JiraClient,
    store: &Store,
    clock: &dyn Clock,
    config: &EscalationConfig,
    options: ScanOptions,
) -> Result<ScanReport, ScanError> {
    let calendar = config.calendar()?;
    let dry_run = options.dry_run || config.dry_run;
    let started_at = clock.now();
    let previous = store.last_escalation_scan().await?;
    let mut run = Run {
        jira,
        store,
        clock,
        config,
        ladder: config.ladder(),
        from: options.from_date.and_then(|date| calendar.start_of(date)),
        calendar,
        dry_run,
        now: started_at,
        active_users: HashMap::new(),
        report: ScanReport {
            started_at,
            finished_at: started_at,
            dry_run,
            issues_seen: 0,
            escalated: Vec::new(),
            problems: Vec::new(),
            stopped_because: None,
            previous,
        },
    };
    match run.all_pages(options.from_date).await {
        Ok(()) => {}
        Err(Halt::Jira(error)) => {
            tracing::warn!(%error, "the escalation scan stopped early; the next scan catches up");
            run.report.stopped_because = Some(error.to_string());
        }
        Err(Halt::Store(error)) => return Err(error.into()),
    }
    let mut report = run.report;
    report.finished_at = clock.now();
    if !dry_run {
        store
            .record_escalation_scan(&EscalationScan {
                started_at,
                finished_at: report.finished_at,
                complete: report.complete(),
                issues_seen: report.issues_seen,
                comments_sent: report.escalated.len() as u64,
                stopped_because: report.stopped_because.clone(),
            })
            .await?;
        if report.complete() && options.from_date.is_none() {
            store
                .forget_escalation_issues_unseen_since(started_at)
                .await?;
        }
    }
    tracing::info!(
        issues = report.issues_seen,
        escalated = report.escalated.len(),
        problems = report.problems.len(),
        complete = report.complete(),
        dry_run,
        "escalation scan finished"
    );
    Ok(report)
}

/// The state of one scan in progress.
struct Run<'a> {
    jira: &'a JiraClient,
    store: &'a Store,
    clock: &'a dyn Clock,
    config: &'a EscalationConfig,
    calendar: WorkingCalendar,
    ladder: Ladder,
    /// Issues that entered ON_QA before this are left out (`--from-date`).
    from: Option<Timestamp>,
    dry_run: bool,
    /// The instant ages are measured to, the same for every issue of the scan.
    now: Timestamp,
    /// Configured people already checked in Jira during this scan.
    active_users: HashMap<String, bool>,
    report: ScanReport,
}

impl Run<'_> {
    async fn all_pages(&mut self, from_date: Option<Date>) -> Result<(), Halt> {
        let query = SearchQuery {
            jql: self.config.search_jql(from_date),
            fields: fields_needed(&self.config.qa_contact_field),
            expand_changelog: true,
            page_size: u64::from(self.config.page_size),
        };
        let mut start_at = 0;
        loop {
            let page = self.jira.search(&query, start_at).await?;
            let mut watched = Vec::with_capacity(page.issues.len());
            for issue in &page.issues {
                if let Some(seen) = self.one_issue(issue).await? {
                    watched.push(seen);
                }
            }
            if !self.dry_run {
                self.store
                    .watch_escalation_issues(&watched, self.now)
                    .await?;
            }
            start_at += page.issues.len() as u64;
            if page.issues.is_empty() || start_at >= page.total {
                return Ok(());
            }
        }
    }

    /// Handles one search result; returns it for the watchlist unless it was left out.
    async fn one_issue(&mut self, raw: &jira::Issue) -> Result<Option<WatchedIssue>, Halt> {
        let deployment = self.jira.deployment();
        let issue = match OnQaIssue::from_jira(
            raw,
            &self.config.status,
            &self.config.qa_contact_field,
            deployment,
        ) {
            Ok(issue) => issue,
            Err(why) => {
                self.problem(why);
                return Ok(None);
            }
        };
        if self.from.is_some_and(|from| issue.entered < from) {
            return Ok(None);
        }
        self.report.issues_seen += 1;
        let watched = WatchedIssue {
            key: issue.key.clone(),
            summary: issue.summary.clone(),
            on_qa_since: issue.entered,
        };
        let waited = self.calendar.weekday_hours(issue.entered, self.now);
        if self.ladder.reached(waited).is_some() {
            self.climb(&issue, waited).await?;
        }
        Ok(Some(watched))
    }

    /// Sends the lowest due step that has someone to ask.
    async fn climb(&mut self, issue: &OnQaIssue, waited: SignedDuration) -> Result<(), Halt> {
        let recorded = self
            .store
            .escalation_steps(&issue.key, issue.entered)
            .await?;
        let mut sent: BTreeSet<Step> = recorded.iter().map(|sent| sent.step).collect();
        if self.ladder.due(waited, &sent).is_empty() {
            return Ok(());
        }
        let comments = match self.jira.comments(&issue.key).await {
            Ok(comments) => comments,
            Err(error) if !error.is_outage() => {
                self.problem(format!(
                    "{}: its comments could not be read: {error}",
                    issue.key
                ));
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        };
        for found in sent_since(&comments, issue.entered) {
            if sent.insert(found.step) && !self.dry_run {
                self.store
                    .record_escalation_step(&SentStep {
                        issue_key: issue.key.clone(),
                        on_qa_since: issue.entered,
                        step: found.step,
                        person: found.person.unwrap_or_else(|| "unknown".into()),
                        comment_id: found.comment_id,
                        sent_at: found.created,
                    })
                    .await?;
            }
        }
        for step in self.ladder.due(waited, &sent) {
            match self.recipient(step, issue).await? {
                Ok(candidate) => return self.send(issue, step, &candidate, waited).await,
                Err(why) => self.problem(format!(
                    "{} has waited {} weekday hours, past the {} step, but nobody can be asked: {why}",
                    issue.key,
                    whole_hours(waited),
                    step.role()
                )),
            }
        }
        Ok(())
    }

    /// The first candidate for the step who can be mentioned, or why there is none.
    async fn recipient(
        &mut self,
        step: Step,
        issue: &OnQaIssue,
    ) -> Result<Result<Candidate, String>, Halt> {
        let directory = Directory {
            teams: &self.config.teams,
            people: &self.config.people,
        };
        let mut passed_over = Vec::new();
        for candidate in candidates(step, issue, directory) {
            if !candidate.via.is_configured() || self.is_active_user(&candidate.id).await? {
                return Ok(Ok(candidate));
            }
            passed_over.push(format!(
                "{} ({}) is not an active Jira user",
                candidate.id,
                candidate.via.describe()
            ));
        }
        if passed_over.is_empty() {
            return Ok(Err(match step {
                Step::QaContact => "it has no active QA contact, assignee or reporter".into(),
                _ => format!(
                    "no {} is configured for its components ({}), its QA contact or its assignee",
                    step.role(),
                    issue.components.join(", ")
                ),
            }));
        }
        Ok(Err(passed_over.join("; ")))
    }

    async fn is_active_user(&mut self, id: &str) -> Result<bool, Halt> {
        if let Some(active) = self.active_users.get(id) {
            return Ok(*active);
        }
        let active = match self.jira.user(id).await {
            Ok(user) => user.is_some_and(|user| user.active),
            Err(error) if !error.is_outage() => {
                self.problem(format!(
                    "the Jira user {id} could not be looked up: {error}"
                ));
                false
            }
            Err(error) => return Err(error.into()),
        };
        self.active_users.insert(id.to_string(), active);
        Ok(active)
    }

    async fn send(
        &mut self,
        issue: &OnQaIssue,
        step: Step,
        recipient: &Candidate,
        waited: SignedDuration,
    ) -> Result<(), Halt> {
        let facts = CommentFacts {
            issue_key: &issue.key,
            status: &self.config.status,
            step,
            recipient,
            entered: issue.entered,
            waited,
        };
        let body = comment_body(facts, &self.ladder, &self.calendar, self.jira.deployment());
        let mut escalated = Escalated {
            issue_key: issue.key.clone(),
            summary: issue.summary.clone(),
            step,
            person: recipient.id.clone(),
            via: recipient.via.describe(),
            waited,
            comment_id: None,
            body,
        };
        if self.dry_run {
            tracing::info!(
                issue = %issue.key,
                %step,
                person = %recipient.id,
                body = %escalated.body,
                "dry run: would comment"
            );
            self.report.escalated.push(escalated);
            return Ok(());
        }
        let comment = match self.jira.add_comment(&issue.key, &escalated.body).await {
            Ok(comment) => comment,
            Err(error) if !error.is_outage() => {
                self.problem(format!(
                    "{}: the {} step could not be posted: {error}",
                    issue.key,
                    step.role()
                ));
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        };
        let sent_at = self.clock.now();
        self.store
            .record_escalation_step(&SentStep {
                issue_key: issue.key.clone(),
                on_qa_since: issue.entered,
                step,
                person: recipient.id.clone(),
                comment_id: comment.id.clone(),
                sent_at,
            })
            .await?;
        self.store
            .audit(&AuditEntry {
                at: sent_at,
                actor: "gatebot".into(),
                action: "jira.escalate".into(),
                target: issue.key.clone(),
                outcome: "ok".into(),
                detail: format!(
                    "asked {} as {} after {} weekday hours in {} (step {}, comment {})",
                    recipient.id,
                    escalated.via,
                    whole_hours(waited),
                    self.config.status,
                    step.number(),
                    comment.id
                ),
                channel: None,
                thread: None,
            })
            .await?;
        tracing::info!(issue = %issue.key, %step, person = %recipient.id, comment = %comment.id, "escalated");
        escalated.comment_id = Some(comment.id);
        self.report.escalated.push(escalated);
        Ok(())
    }

    fn problem(&mut self, sentence: String) {
        tracing::warn!(problem = %sentence, "escalation scan could not act on an issue");
        self.report.problems.push(sentence);
    }
}
