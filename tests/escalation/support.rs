//! A world for escalation tests: an emulated Jira seeded with the people of a small team, a
//! client pointed at it, a fresh store, a manual clock and an `[escalation]` config that knows
//! the team.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatebot::clock::{Clock, ManualClock};
use gatebot::escalation::{
    EscalationConfig, PersonConfig, ScanOptions, ScanReport, TeamConfig, scan,
};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, JiraSettings, RetryPolicy, Secret};
use gatebot::store::Store;
use gatebot_emulators::jira::{
    self as emulated, Credentials, EmulatedUser, EmulatorOptions, JiraEmulator,
};
use jiff::Timestamp;

/// The token every test uses; the secrets test looks for it in the logs.
pub const TOKEN: &str = "pat-7Hq2-NEVER-LOG-ME-91xZ";

/// Monday 2025-01-06 09:00 UTC, when most test issues enter ON_QA.
pub const MONDAY_9AM: &str = "2025-01-06T09:00:00Z";

pub fn at(text: &str) -> Timestamp {
    text.parse().expect("test timestamps are RFC 3339")
}

pub fn hours_after(start: &str, hours: i64) -> Timestamp {
    at(start) + jiff::SignedDuration::from_hours(hours)
}

pub struct World {
    pub jira: JiraEmulator,
    pub client: JiraClient,
    pub store: Store,
    pub clock: ManualClock,
    pub config: EscalationConfig,
    /// Every wait the client asked for between retries; nobody actually waits.
    pub pauses: Arc<Mutex<Vec<Duration>>>,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn server() -> World {
        World::new(Deployment::Server).await
    }

    pub async fn new(deployment: Deployment) -> World {
        let (auth, credentials, emulated_deployment) = match deployment {
            Deployment::Server => (
                JiraAuth::Bearer(Secret::new(TOKEN)),
                Credentials::Bearer(TOKEN.into()),
                emulated::Deployment::Server,
            ),
            Deployment::Cloud => (
                JiraAuth::Basic {
                    email: "gatebot@example.com".into(),
                    token: Secret::new(TOKEN),
                },
                Credentials::Basic {
                    email: "gatebot@example.com".into(),
                    token: TOKEN.into(),
                },
                emulated::Deployment::Cloud,
            ),
        };
        let clock = ManualClock::new(at(MONDAY_9AM));
        let emulated_clock = clock.clone();
        let jira = JiraEmulator::start(EmulatorOptions {
            auth: credentials,
            deployment: emulated_deployment,
            bot_user: "gatebot".into(),
            max_results: 50,
            clock: Arc::new(move || emulated_clock.now()),
        })
        .await
        .expect("the emulated Jira starts");
        for name in [
            "qa",
            "dev",
            "reporter",
            "hcp-lead",
            "hcp-manager",
            "dev-lead",
            "dev-manager",
        ] {
            jira.add_user(EmulatedUser::new(name));
        }
        let pauses = Arc::new(Mutex::new(Vec::new()));
        let recorded = pauses.clone();
        let client = JiraClient::new(jira.base_url(), deployment, auth)
            .expect("the emulator URL is valid")
            .with_retry(RetryPolicy::default())
            .with_pause(Arc::new(move |wait| {
                recorded.lock().unwrap().push(wait);
                Box::pin(async {})
            }));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("gatebot.db").display()
        );
        let store = Store::open(&url).await.expect("the store opens");
        let config = EscalationConfig {
            jira: JiraSettings {
                url: jira.base_url().to_string(),
                deployment,
                email: (deployment == Deployment::Cloud).then(|| "gatebot@example.com".into()),
                ..JiraSettings::default()
            },
            target_versions: vec!["4.20.0".into()],
            teams: BTreeMap::from([(
                "hcp".to_string(),
                TeamConfig {
                    components: vec!["HyperShift".into()],
                    lead: Some("hcp-lead".into()),
                    manager: Some("hcp-manager".into()),
                },
            )]),
            people: BTreeMap::from([(
                "dev".to_string(),
                PersonConfig {
                    lead: Some("dev-lead".into()),
                    manager: Some("dev-manager".into()),
                },
            )]),
            ..EscalationConfig::default()
        };
        assert_eq!(config.validate("escalation"), []);
        World {
            jira,
            client,
            store,
            clock,
            config,
            pauses,
            _dir: dir,
        }
    }

    /// A scan at `now`, bounded so that a hang fails the test instead of stalling it.
    pub async fn scan_at(&self, now: Timestamp) -> ScanReport {
        self.scan_with(now, ScanOptions::default()).await
    }

    pub async fn scan_with(&self, now: Timestamp, options: ScanOptions) -> ScanReport {
        self.clock.set(now);
        let run = scan(
            &self.client,
            &self.store,
            &self.clock,
            &self.config,
            options,
        );
        tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("the scan finishes within a minute")
            .expect("the scan can use its store and config")
    }

    /// `(step header line, first mention)` of each comment on an issue, oldest first.
    pub fn escalations_on(&self, key: &str) -> Vec<(String, String)> {
        self.jira
            .comments(key)
            .into_iter()
            .map(|comment| {
                let header = comment.body.lines().next().unwrap_or_default().to_string();
                let mention = gatebot::escalation::sent::first_mention(&comment.body)
                    .unwrap_or_default()
                    .to_string();
                (header, mention)
            })
            .collect()
    }

    /// How many requests of a method went to paths ending in `suffix`.
    pub fn count_requests(&self, method: &str, suffix: &str) -> usize {
        self.jira
            .requests()
            .iter()
            .filter(|request| request.method == method && request.path.ends_with(suffix))
            .count()
    }
}

pub const QA_STEP: &str = "*gatebot escalation, step 1 of 3: QA contact*";
pub const LEAD_STEP: &str = "*gatebot escalation, step 2 of 3: team lead*";
pub const MANAGER_STEP: &str = "*gatebot escalation, step 3 of 3: manager*";

pub fn sent(header: &str, person: &str) -> (String, String) {
    (header.to_string(), person.to_string())
}
