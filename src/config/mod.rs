//! gatebot's typed configuration, read from one TOML file and validated as a whole.
//!
//! Loading either yields a `Config` in which every value has been checked — names Kubernetes
//! will accept, job templates that render, overrides that point at real cells — or a
//! `ConfigError` listing every problem with its field path and a fix. Unknown keys are problems
//! too, so a misspelt setting can never silently fall back to its default.
//!
//! Each section of the file has its own module; a new section is a new field here, a module with
//! its struct and reader, and one line in [`Config::parse`]. The reference for every field is
//! `docs/configuration.md`.

mod chat;
mod document;
mod duration;
mod environment;
mod escalation;
mod field_path;
mod gate;
mod kubernetes;
mod names;
mod problems;
mod prow;
mod serde_section;
mod server;
mod store;
pub(crate) mod suggest;
mod template;
mod url;

use std::path::Path;

use toml::de::DeTable;

pub use chat::{ChatConfig, EmergencyConfig, RolesConfig, SlackConfig};
pub use gate::{GateConfig, ReleaseMode};
pub use kubernetes::KubernetesConfig;
pub use problems::{ConfigError, Location, Problem};
pub use prow::ProwConfig;
pub use server::ServerConfig;
pub use store::StoreConfig;

use crate::escalation::EscalationConfig;

use document::{Report, Table};
use field_path::FieldPath;
use problems::Invalid;

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
    /// At least one gate; names are unique.
    pub gates: Vec<GateConfig>,
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
        let invalid = |problems| ConfigError::Invalid {
            origin: origin.to_string(),
            problems,
        };
        let report = Report::new(text);
        let (document, syntax_errors) = DeTable::parse_recoverable(text);
        if !syntax_errors.is_empty() {
            for error in syntax_errors {
                report.add(
                    &FieldPath::default(),
                    error.span(),
                    syntax_problem(error.message()),
                );
            }
            return Err(invalid(report.into_problems()));
        }
        let config = read(Table::root(&report, document.get_ref()));
        let problems = report.into_problems();
        match config {
            Some(config) if problems.is_empty() => Ok(config),
            _ => {
                debug_assert!(!problems.is_empty(), "a refused read always reports why");
                Err(invalid(problems))
            }
        }
    }

    /// The gate with this name.
    pub fn gate(&self, name: &str) -> Option<&GateConfig> {
        self.gates.iter().find(|gate| gate.name() == name)
    }
}

fn read(mut root: Table<'_>) -> Option<Config> {
    let store = StoreConfig::read(root.section("store"));
    let kubernetes = KubernetesConfig::read(root.section("kubernetes"));
    let prow = ProwConfig::read(root.section("prow"));
    let server = ServerConfig::read(root.section("server"));
    let escalation = escalation::read_escalation(&mut root);
    let chat = root.optional_with("chat", |value| value.table().and_then(ChatConfig::read));
    let gates = gate::read_gates(&mut root);
    root.finish();
    Some(Config {
        store: store?,
        kubernetes: kubernetes?,
        prow: prow?,
        server: server?,
        escalation: escalation?,
        chat: chat?,
        gates: gates?,
    })
}

fn syntax_problem(message: &str) -> Invalid {
    let fix = if message.starts_with("duplicate key") {
        "keep only one of the two; a key may appear once per table"
    } else {
        "correct the TOML syntax here (https://toml.io/en/v1.0.0)"
    };
    Invalid::new(format!("TOML syntax error: {message}"), fix)
}
