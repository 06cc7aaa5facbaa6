//! `gatebot run`: assembles the real adapters from the configuration, then runs the engine, the
//! HTTP endpoints, the chat front (Slack or the console), for gates with `runs = "triggered"`
//! the rounds that trigger their jobs through Gangway, with a `[release_streams]` section the
//! refresh of each gate's GA status from the release-controller, and with an `[escalation]`
//! section the scheduled ON_QA escalation scans, until asked to stop.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use crate::chat::launch::{ChatMode, ChatRunning, ChatServices, start_chat};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, KubernetesConfig, ReleaseStreamsConfig};
use crate::emergency::EmergencySettings;
use crate::engine::{Engine, GateSpec, Pace};
use crate::escalation::{EscalationConfig, EscalationSchedule, post_digests};
use crate::konflux::Konflux;
use crate::metrics::Metrics;
use crate::prow::gangway::{GangwayClient, GangwaySettings};
use crate::prow::{ProwClient, ProwSettings};
use crate::release_streams::{CatalogRefresher, ReleaseControllerClient, ReleaseStreamsSettings};
use crate::rounds::{RoundRunner, RoundSettings, Runs};
use crate::store::Store;

/// How `gatebot run` was asked to run, beyond the configuration file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub chat: ChatMode,
    /// Who the console chat's typed lines come from.
    pub console_user: String,
}

/// Runs gatebot until `shutdown` completes.
pub async fn run(
    config: &Config,
    options: &RunOptions,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let gates: Vec<GateSpec> = config.gates.clone();
    let store = Store::open(&config.store.url).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let escalation = config
        .escalation
        .as_ref()
        .map(|escalation| escalation_schedule(escalation, &store, &clock))
        .transpose()?;
    let kube = kube_client(&config.kubernetes).await?;
    let http = reqwest::Client::builder()
        .user_agent(concat!("gatebot/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client for Prow results")?;
    let prow = ProwClient::new(ProwSettings::from_config(&config.prow), http.clone())?;
    let gangway = gangway_client(config, &http, &clock)?;
    let engine = Engine::new(
        gates,
        store.clone(),
        Konflux::new(kube),
        prow.clone(),
        clock.clone(),
        Pace::from_config(&config.prow),
    )
    .await?;

    let chat = start_chat(
        options.chat,
        config.chat.as_ref(),
        &options.console_user,
        ChatServices {
            engine: &engine,
            store: &store,
            clock: &clock,
            escalation: config.escalation.as_ref(),
            emergency: EmergencySettings::from_config(config),
        },
    )
    .await?;
    let digests = digest_poster(
        config.escalation.as_ref(),
        escalation.as_ref(),
        chat.as_ref(),
    );

    let metrics = Arc::new(Metrics::default());
    let mut registry = Registry::default();
    metrics.register(&mut registry);
    tokio::spawn(metrics.follow(engine.clone()));

    let (stop, stopped) = watch::channel(false);
    let ga_status = match &config.release_streams {
        Some(streams) => {
            let client = release_controller_client(streams, &http)?;
            let every = streams.refresh_interval.unsigned_abs();
            tracing::info!(url = %streams.url, ?every, "GA status comes from the release-controller");
            follow_ga_status(&client, every, &engine, &clock, &stopped)
        }
        None => Vec::new(),
    };
    let ga_following = futures::future::join_all(ga_status);
    let rounds = gangway.map(|gangway| {
        let runner = RoundRunner::new(
            engine.clone(),
            store.clone(),
            gangway,
            prow,
            clock.clone(),
            RoundSettings::default(),
        );
        let mut rounds_stopped = stopped.clone();
        tokio::spawn(runner.run(async move {
            let _ = rounds_stopped.wait_for(|stop| *stop).await;
        }))
    });
    let chat_connected = chat.as_ref().and_then(|chat| chat.connected.clone());
    let router = crate::server::router(engine.clone(), Arc::new(registry), chat_connected);
    let mut server_stopped = stopped.clone();
    let server = tokio::spawn(crate::server::serve(
        config.server.listen,
        router,
        async move {
            let _ = server_stopped.wait_for(|stop| *stop).await;
        },
    ));
    tracing::info!(gates = engine.gates().len(), "gatebot is running");
    let mut escalation_stopped = stopped.clone();
    let escalations = async move {
        if let Some(schedule) = escalation {
            let shutdown = async move {
                let _ = escalation_stopped.wait_for(|stop| *stop).await;
            };
            schedule.run_until(shutdown).await;
        }
    };
    let mut chat_stopped = stopped.clone();
    let chatting = async move {
        if let Some(chat) = chat {
            chat.run(async move {
                let _ = chat_stopped.wait_for(|stop| *stop).await;
            })
            .await;
        }
    };
    let gates_and_endpoints = async move {
        let outcome = tokio::select! {
            () = engine.run(shutdown) => Ok(()),
            // The endpoints ended before any shutdown was asked for: the port is taken, say.
            served = server => served
                .context("the HTTP endpoints stopped")
                .and_then(|served| served.context("cannot serve the HTTP endpoints")),
        };
        let _ = stop.send(true);
        outcome
    };
    let digesting = async move {
        if let Some(digests) = digests {
            digests.await;
        }
    };
    let (outcome, (), (), (), _) = tokio::join!(
        gates_and_endpoints,
        escalations,
        chatting,
        digesting,
        ga_following
    );
    if let Some(rounds) = rounds {
        let _ = rounds.await;
    }
    outcome?;
    tracing::info!("gatebot stopped");
    Ok(())
}

/// The Gangway client of `[gangway]` when a gate runs its own tests; `None` when every gate
/// runs on periodics. A missing token stops gatebot at start, not at the first round.
fn gangway_client(
    config: &Config,
    http: &reqwest::Client,
    clock: &Arc<dyn Clock>,
) -> anyhow::Result<Option<GangwayClient>> {
    let triggered: Vec<&str> = config
        .gates
        .iter()
        .filter(|gate| gate.runs == Runs::Triggered)
        .map(|gate| gate.name.as_str())
        .collect();
    if triggered.is_empty() {
        return Ok(None);
    }
    let section = config
        .gangway
        .as_ref()
        .context("a gate runs triggered, but the configuration has no [gangway] section")?;
    let settings = GangwaySettings::from_config(section)
        .map_err(anyhow::Error::msg)
        .context("cannot start the rounds of the gates that trigger their own tests")?;
    tracing::info!(url = %section.url, gates = ?triggered, "these gates trigger their own tests through Gangway");
    Ok(Some(
        GangwayClient::new(settings, http.clone(), clock.clone())
            .context("cannot build the Gangway client")?,
    ))
}

/// The release-controller client of `[release_streams]`.
fn release_controller_client(
    streams: &ReleaseStreamsConfig,
    http: &reqwest::Client,
) -> anyhow::Result<ReleaseControllerClient> {
    ReleaseControllerClient::new(ReleaseStreamsSettings::from_config(streams), http.clone())
        .context("cannot build the release-controller client")
}

/// One GA catalog refresher per gate, reading the release-controller through `client` every
/// `every`, each handing the engine its gate's catalog at every refresh until `stopped`.
/// `gatebot run` and `gatebot sandbox` both follow GA status this way.
pub fn follow_ga_status(
    client: &ReleaseControllerClient,
    every: Duration,
    engine: &Engine,
    clock: &Arc<dyn Clock>,
    stopped: &watch::Receiver<bool>,
) -> Vec<impl Future<Output = ()> + use<>> {
    engine
        .gates()
        .iter()
        .map(|gate| {
            let refresher =
                CatalogRefresher::new(client.clone(), gate.versions.clone(), clock.clone());
            let (engine, gate, mut stopped) = (engine.clone(), gate.name.clone(), stopped.clone());
            async move {
                let shutdown = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                engine
                    .follow_ga_catalog(&gate, &refresher, every, shutdown)
                    .await;
            }
        })
        .collect()
}

/// The scheduled scans of the `[escalation]` section, logged in to Jira; a missing token stops
/// gatebot at start rather than at the first scan, hours later.
fn escalation_schedule(
    escalation: &EscalationConfig,
    store: &Store,
    clock: &Arc<dyn Clock>,
) -> anyhow::Result<EscalationSchedule> {
    let jira = escalation
        .jira_client()
        .map_err(anyhow::Error::msg)
        .context("cannot start the ON_QA escalation scans")?;
    Ok(EscalationSchedule::new(
        escalation.clone(),
        jira,
        store.clone(),
        clock.clone(),
    ))
}

/// The poster of `[escalation.digest]`, which follows the schedule's reports and ends with it;
/// `None` without a digest section or a chat to post it in.
fn digest_poster<'a>(
    escalation: Option<&'a EscalationConfig>,
    schedule: Option<&EscalationSchedule>,
    chat: Option<&ChatRunning>,
) -> Option<impl Future<Output = ()> + use<'a>> {
    let (escalation, schedule) = (escalation?, schedule?);
    let digest = escalation.digest.as_ref()?;
    let Some(chat) = chat else {
        tracing::warn!(
            channel = %digest.channel,
            "[escalation.digest] is set but no chat runs (see --chat); escalation digests are not posted"
        );
        return None;
    };
    Some(post_digests(
        schedule.feed(),
        chat.surface_for(&digest.channel),
        digest.thread_ts.clone(),
        escalation,
    ))
}

/// A Kubernetes client: the configured API URL, else in-cluster credentials, else kubeconfig.
async fn kube_client(config: &KubernetesConfig) -> anyhow::Result<kube::Client> {
    let config = match &config.api_url {
        Some(url) => kube::Config::new(
            url.as_str()
                .parse()
                .with_context(|| format!("[kubernetes] api_url `{url}` is not a valid URI"))?,
        ),
        None => kube::Config::infer().await.context(
            "cannot find Kubernetes credentials (no in-cluster service account, no kubeconfig); \
             set [kubernetes] api_url or KUBECONFIG",
        )?,
    };
    kube::Client::try_from(config).context("cannot build the Kubernetes client")
}

/// Completes on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops gatebot");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted"),
        () = terminate => tracing::info!("terminated"),
    }
}
