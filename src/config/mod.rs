//! gatebot's typed configuration, read from one TOML file and validated as a whole.
//!
//! Loading either yields a `Config` in which every value has been checked — names Kubernetes
//! will accept, job templates that render, overrides that point at real cells — or a
//! `ConfigError` listing every problem with its field path, its line and a fix. Unknown keys are
//! problems too, so a misspelt setting can never silently fall back to its default.
//!
//! Reading is one mechanism in two steps. First the whole file is deserialized with serde into
//! the sections as written (`deny_unknown_fields`, defaults; values that are validated later keep
//! their span), reporting every refusal rather than the first ([`tolerant`]). Then each section
//! validates its typed values into its `…Config`, reporting at the spans it kept.
//!
//! Each section of the file has its own module; a new section is a field of [`ConfigFile`], a
//! module with its section and config structs, and one line in [`validate`]. The reference for
//! every field is `docs/configuration.md`.

mod chat;
mod duration;
mod environment;
mod escalation;
mod field_path;
mod gangway;
mod gate;
mod kubernetes;
mod names;
mod problems;
mod prow;
mod release_streams;
mod report;
mod serde_errors;
mod server;
mod store;
pub(crate) mod suggest;
mod template;
mod tolerant;
mod url;

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use chat::{ChatConfig, EmergencyConfig, RolesConfig, SlackConfig};
pub use gangway::GangwayConfig;
pub use gate::{GateConfig, ReleaseMode};
pub use kubernetes::KubernetesConfig;
pub use problems::{ConfigError, Location, Problem};
pub use prow::ProwConfig;
pub use release_streams::{DEFAULT_RELEASE_STREAMS_URL, ReleaseStreamsConfig};
pub use server::ServerConfig;
pub use store::StoreConfig;
pub use template::EnvTemplate;

use crate::escalation::EscalationConfig;

use chat::ChatSection;
use field_path::FieldPath;
use gangway::GangwaySection;
use gate::GatesSection;
use kubernetes::KubernetesSection;
use problems::Invalid;
use prow::ProwSection;
use release_streams::ReleaseStreamsSection;
use report::{Place, Report};
use server::ServerSection;
use store::StoreSection;

/// The whole configuration of one gatebot deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub store: StoreConfig,
    pub kubernetes: KubernetesConfig,
    pub prow: ProwConfig,
    pub server: ServerConfig,
    /// The ON_QA escalation; `None` when the file has no `[escalation]` section.
    pub escalation: Option<EscalationConfig>,
    /// The Slack front; `None` when the file has no `[chat]` section.
    pub chat: Option<ChatConfig>,
    /// Where GA status is read; `None` when the file has no `[release_streams]` section, and
    /// each gate's `ga` decides alone.
    pub release_streams: Option<ReleaseStreamsConfig>,
    /// Where the jobs of gates with `runs = "triggered"` are triggered; `None` when the file has
    /// no `[gangway]` section, which only gates running on periodics allow.
    pub gangway: Option<GangwayConfig>,
    /// At least one gate; names are unique.
    pub gates: Vec<GateConfig>,
}

/// The file as written: its sections, before validation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConfigFile {
    store: StoreSection,
    kubernetes: KubernetesSection,
    prow: ProwSection,
    server: ServerSection,
    escalation: Option<EscalationConfig>,
    chat: Option<Spanned<ChatSection>>,
    release_streams: Option<Spanned<ReleaseStreamsSection>>,
    gangway: Option<Spanned<GangwaySection>>,
    gates: Option<GatesSection>,
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Validates configuration text; `origin` names where it came from in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let mut report = Report::new(text);
        let (document, syntax_errors) = DeTable::parse_recoverable(text);
        let config = if syntax_errors.is_empty() {
            let document = Spanned::new(0..text.len(), DeValue::Table(document.into_inner()));
            tolerant::deserialize::<ConfigFile>(&document, &mut report)
                .and_then(|file| validate(file, &document, &mut report))
        } else {
            for error in syntax_errors {
                report.add(
                    &FieldPath::default(),
                    error.span(),
                    syntax_problem(error.message()),
                );
            }
            None
        };
        let clean = report.is_clean();
        let problems = report.into_problems();
        match config {
            Some(config) if clean => Ok(config),
            _ => {
                debug_assert!(!problems.is_empty(), "a refused file always says why");
                Err(ConfigError::Invalid {
                    origin: origin.to_string(),
                    problems,
                })
            }
        }
    }

    /// The gate with this name.
    pub fn gate(&self, name: &str) -> Option<&GateConfig> {
        self.gates.iter().find(|gate| gate.name == name)
    }
}

/// Every section validated; `None` when any was refused (each problem is in `report`).
fn validate(
    file: ConfigFile,
    document: &Spanned<DeValue<'_>>,
    report: &mut Report<'_>,
) -> Option<Config> {
    let root = Place::root();
    let store = file.store.validate(&root.section("store"), report);
    let kubernetes = file
        .kubernetes
        .validate(&root.section("kubernetes"), report);
    let prow = file.prow.validate(&root.section("prow"), report);
    let server = file.server.validate(&root.section("server"), report);
    let escalation = match file.escalation {
        None => Some(None),
        Some(section) => escalation::validate(section, document, report).map(Some),
    };
    let chat = match &file.chat {
        None => Some(None),
        Some(chat) => {
            let place = Place::table(root.key("chat"), chat);
            chat.get_ref().validate(&place, report).map(Some)
        }
    };
    let release_streams = match &file.release_streams {
        None => Some(None),
        Some(section) => {
            let place = Place::table(root.key("release_streams"), section);
            section.get_ref().validate(&place, report).map(Some)
        }
    };
    let gangway = match &file.gangway {
        None => Some(None),
        Some(section) => {
            let place = Place::table(root.key("gangway"), section);
            section.get_ref().validate(&place, report).map(Some)
        }
    };
    let gates = gate::validate_gates(file.gates.as_ref(), &root, report);
    if let (Some(None), Some(gates), Some(written)) = (&gangway, &gates, &file.gates) {
        require_gangway(gates, written, report);
    }
    Some(Config {
        store: store?,
        kubernetes: kubernetes?,
        prow: prow?,
        server: server?,
        escalation: escalation?,
        chat: chat?,
        release_streams: release_streams?,
        gangway: gangway?,
        gates: gates?,
    })
}

/// Reports every gate that runs its own tests when the file does not say where Gangway is.
fn require_gangway(gates: &[GateConfig], written: &GatesSection, report: &mut Report<'_>) {
    let path = Place::root().key("gates");
    for (index, (gate, entry)) in gates.iter().zip(written.get_ref()).enumerate() {
        if gate.runs == crate::rounds::Runs::Triggered {
            report.add(
                &path.index(index).key("runs"),
                Some(entry.span()),
                Invalid::new(
                    "is `triggered`, but the file has no `[gangway]` section to trigger jobs through",
                    "add `[gangway]` (its defaults are OpenShift CI's Gangway and the token in                      GATEBOT_GANGWAY_TOKEN), or set `runs = \"periodic\"`",
                ),
            );
        }
    }
}

fn syntax_problem(message: &str) -> Invalid {
    let fix = if message.starts_with("duplicate key") {
        "keep only one of the two; a key may appear once per table"
    } else {
        "correct the TOML syntax here (https://toml.io/en/v1.0.0)"
    };
    Invalid::new(format!("TOML syntax error: {message}"), fix)
}
