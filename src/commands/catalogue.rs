//! The command catalogue: every chat command as declared in `commands/<name>.toml`, embedded in
//! the binary and read once.
//!
//! The catalogue is the single declaration of the chat surface. Help, argument checking, the
//! Slack app manifest and `docs/commands.md` are all derived from it, so a command is added or
//! changed by editing one file. The files are compiled in rather than read at run time: a
//! malformed file then fails the test suite, never a running bot.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

/// The catalogue files, in the order `help` lists the commands. A test checks that this list
/// and the files in `commands/` agree.
const SOURCES: &[(&str, &str)] = &[
    ("help.toml", include_str!("../../commands/help.toml")),
    ("status.toml", include_str!("../../commands/status.toml")),
    (
        "blocked-why.toml",
        include_str!("../../commands/blocked-why.toml"),
    ),
    (
        "escalations.toml",
        include_str!("../../commands/escalations.toml"),
    ),
    ("release.toml", include_str!("../../commands/release.toml")),
    (
        "emergency.toml",
        include_str!("../../commands/emergency.toml"),
    ),
    ("approve.toml", include_str!("../../commands/approve.toml")),
    ("deny.toml", include_str!("../../commands/deny.toml")),
    ("audit.toml", include_str!("../../commands/audit.toml")),
];

/// Every chat command gatebot understands.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    commands: Vec<CommandSpec>,
}

/// One chat command, as declared in its catalogue file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// What people type; lowercase letters, digits and `-`. Also the file's name.
    pub name: String,
    /// One sentence: what the command does.
    pub summary: String,
    /// Who may run it.
    pub role: Role,
    /// Whether it changes anything; every such use is audited.
    pub changes_state: bool,
    /// The longer explanation shown by `help <command>` and in the docs.
    pub description: String,
    /// Positional arguments, in the order they are typed.
    #[serde(default)]
    pub arguments: Vec<ArgumentSpec>,
    /// Lines people can copy; each must parse.
    pub examples: Vec<Example>,
}

/// Who may run a command. The authorization step checks it before any handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Everyone,
    Releaser,
    Approver,
    Admin,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Everyone => "everyone",
            Role::Releaser => "releasers",
            Role::Approver => "approvers",
            Role::Admin => "admins",
        })
    }
}

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgumentSpec {
    /// Its name in help, in `--<name>` flags and for the handler's typed access.
    pub name: String,
    pub kind: ArgumentKind,
    pub required: bool,
    /// What the argument means for this command; the kind's own rules are added by the help.
    pub help: String,
}

/// What an argument accepts, and so how it is checked. Shown as the catalogue spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ArgumentKind {
    /// A Snapshot name, or `latest`.
    Snapshot,
    /// The name of a command in the catalogue.
    Command,
    /// Free text: the rest of the line as typed, or the value of `--<name>`.
    Text,
    /// The id of a request gatebot handed out, such as an approval request.
    RequestId,
    /// A positive whole number.
    Count,
}

/// An example line and what it does.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub text: String,
    pub does: String,
}

/// A catalogue file that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("commands/{file}: {problem}")]
pub(super) struct CatalogueError {
    file: String,
    problem: String,
}

impl Catalogue {
    /// The catalogue compiled from `commands/`. A broken file is caught by the test suite, so
    /// the panic here cannot happen in a tested build.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalogue::from_sources(SOURCES)
                .unwrap_or_else(|error| panic!("the built-in command catalogue is broken: {error}"))
        })
    }

    /// Every command, in the order `help` lists them.
    pub fn commands(&self) -> &[CommandSpec] {
        &self.commands
    }

    /// The command called `name`, whatever its case.
    pub fn get(&self, name: &str) -> Option<&CommandSpec> {
        self.commands
            .iter()
            .find(|command| command.name.eq_ignore_ascii_case(name))
    }

    /// Reads catalogue files given as (file name, contents).
    pub(super) fn from_sources(sources: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
        let mut commands: Vec<CommandSpec> = Vec::with_capacity(sources.len());
        for (file, text) in sources {
            let refuse = |problem: String| CatalogueError {
                file: file.to_string(),
                problem,
            };
            let command: CommandSpec =
                toml::from_str(text).map_err(|error| refuse(error.to_string()))?;
            check_command(file, &command).map_err(refuse)?;
            if commands.iter().any(|known| known.name == command.name) {
                return Err(refuse(format!(
                    "the command `{}` is declared twice",
                    command.name
                )));
            }
            commands.push(command);
        }
        Ok(Catalogue { commands })
    }
}

impl CommandSpec {
    /// How the command is typed: `release <snapshot>`, `blocked-why [snapshot]`.
    pub fn synopsis(&self) -> String {
        let mut synopsis = self.name.clone();
        for argument in &self.arguments {
            let shown = if argument.required {
                format!(" <{}>", argument.name)
            } else {
                format!(" [{}]", argument.name)
            };
            synopsis.push_str(&shown);
        }
        synopsis
    }

    /// The argument called `name`.
    pub fn argument(&self, name: &str) -> Option<&ArgumentSpec> {
        self.arguments.iter().find(|argument| argument.name == name)
    }
}

/// The rules that keep a command parseable and its help readable.
fn check_command(file: &str, command: &CommandSpec) -> Result<(), String> {
    let stem = file.strip_suffix(".toml").unwrap_or(file);
    if command.name != stem {
        return Err(format!(
            "the command is named `{}`, but the file must be named after it: rename one to match",
            command.name
        ));
    }
    if !is_word(&command.name) {
        return Err(format!(
            "the command name `{}` must be lowercase letters, digits and `-`, starting with a letter",
            command.name
        ));
    }
    if command.summary.trim().is_empty() || command.summary.contains('\n') {
        return Err("`summary` must be one sentence on one line".to_string());
    }
    if command.description.trim().is_empty() {
        return Err("`description` must explain the command".to_string());
    }
    if command.examples.is_empty() {
        return Err("add at least one `[[examples]]` entry".to_string());
    }
    check_arguments(&command.arguments)
}

fn check_arguments(arguments: &[ArgumentSpec]) -> Result<(), String> {
    for (position, argument) in arguments.iter().enumerate() {
        if !is_word(&argument.name) {
            return Err(format!(
                "the argument name `{}` must be lowercase letters, digits and `-`, starting with a letter",
                argument.name
            ));
        }
        let earlier = &arguments[..position];
        if earlier.iter().any(|other| other.name == argument.name) {
            return Err(format!(
                "the argument `{}` is declared twice",
                argument.name
            ));
        }
        if argument.required && earlier.iter().any(|other| !other.required) {
            return Err(format!(
                "the required argument `{}` follows an optional one; put required arguments first",
                argument.name
            ));
        }
        if earlier.iter().any(|other| other.kind == ArgumentKind::Text) {
            return Err(format!(
                "the argument `{}` follows a text argument, which takes the rest of the line; make the text argument the last one",
                argument.name
            ));
        }
    }
    Ok(())
}

/// Lowercase letters, digits and `-`, starting with a letter: safe to type, and to use as a flag.
fn is_word(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = r#"
name = "status"
summary = "Shows things."
role = "everyone"
changes_state = false
description = "Shows every thing."
[[examples]]
text = "status"
does = "Shows things."
"#;

    fn load(file: &str, text: &str) -> Result<Catalogue, String> {
        Catalogue::from_sources(&[(file, text)]).map_err(|error| error.to_string())
    }

    fn with_arguments(arguments: &str) -> String {
        format!("{STATUS}{arguments}")
    }

    #[test]
    fn builtin_catalogue_loads_in_listing_order() {
        let names: Vec<&str> = Catalogue::builtin()
            .commands()
            .iter()
            .map(|command| command.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "help",
                "status",
                "blocked-why",
                "escalations",
                "release",
                "emergency",
                "approve",
                "deny",
                "audit"
            ]
        );
    }

    #[test]
    fn commands_are_found_whatever_their_case() {
        let catalogue = Catalogue::builtin();
        assert_eq!(
            catalogue.get("Blocked-WHY").map(|c| c.name.as_str()),
            Some("blocked-why")
        );
        assert_eq!(catalogue.get("releasee"), None);
    }

    #[test]
    fn roles_read_as_groups_of_people() {
        let shown: Vec<String> = [Role::Everyone, Role::Releaser, Role::Approver, Role::Admin]
            .iter()
            .map(Role::to_string)
            .collect();
        assert_eq!(shown, ["everyone", "releasers", "approvers", "admins"]);
    }

    #[test]
    fn synopsis_marks_required_and_optional_arguments() {
        let catalogue = Catalogue::builtin();
        let synopsis = |name: &str| catalogue.get(name).map(CommandSpec::synopsis);
        assert_eq!(synopsis("status").as_deref(), Some("status"));
        assert_eq!(
            synopsis("blocked-why").as_deref(),
            Some("blocked-why [snapshot]")
        );
        assert_eq!(synopsis("release").as_deref(), Some("release <snapshot>"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = load(
            "status.toml",
            &STATUS.replace("role =", "rol = \"x\"\nrole ="),
        )
        .unwrap_err();
        assert!(error.starts_with("commands/status.toml: "), "{error}");
        assert!(error.contains("unknown field `rol`"), "{error}");
    }

    #[test]
    fn unknown_roles_and_kinds_are_refused() {
        let error = load("status.toml", &STATUS.replace("\"everyone\"", "\"anyone\"")).unwrap_err();
        assert!(error.contains("unknown variant `anyone`"), "{error}");
        let error = load(
            "status.toml",
            &with_arguments(
                "[[arguments]]\nname = \"n\"\nkind = \"number\"\nrequired = true\nhelp = \"h\"\n",
            ),
        )
        .unwrap_err();
        assert!(error.contains("unknown variant `number`"), "{error}");
    }

    #[test]
    fn the_file_must_be_named_after_the_command() {
        let error = load("state.toml", STATUS).unwrap_err();
        assert_eq!(
            error,
            "commands/state.toml: the command is named `status`, but the file must be named after it: rename one to match"
        );
    }

    #[test]
    fn a_command_is_declared_once() {
        let error = Catalogue::from_sources(&[("status.toml", STATUS), ("status.toml", STATUS)])
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "commands/status.toml: the command `status` is declared twice"
        );
    }

    #[test]
    fn command_names_must_be_typeable() {
        let text = STATUS.replace("name = \"status\"", "name = \"Status\"");
        let error = load("Status.toml", &text).unwrap_err();
        assert!(error.contains("must be lowercase letters"), "{error}");
    }

    #[test]
    fn summaries_descriptions_and_examples_are_required_content() {
        let error = load(
            "status.toml",
            &STATUS.replace("Shows things.\"\nrole", "\"\nrole"),
        )
        .unwrap_err();
        assert!(error.contains("`summary` must be one sentence"), "{error}");
        let error = load(
            "status.toml",
            &STATUS.replace("\"Shows every thing.\"", "\"  \""),
        )
        .unwrap_err();
        assert!(error.contains("`description` must explain"), "{error}");
        let no_examples = STATUS.split("[[examples]]").next().unwrap_or_default();
        let error = load("status.toml", &format!("{no_examples}examples = []\n")).unwrap_err();
        assert!(error.contains("at least one `[[examples]]`"), "{error}");
    }

    #[test]
    fn required_arguments_come_before_optional_ones() {
        let error = load(
            "status.toml",
            &with_arguments(
                "[[arguments]]\nname = \"a\"\nkind = \"count\"\nrequired = false\nhelp = \"h\"\n\
                 [[arguments]]\nname = \"b\"\nkind = \"count\"\nrequired = true\nhelp = \"h\"\n",
            ),
        )
        .unwrap_err();
        assert!(error.contains("`b` follows an optional one"), "{error}");
    }

    #[test]
    fn a_text_argument_is_the_last_one() {
        let error = load(
            "status.toml",
            &with_arguments(
                "[[arguments]]\nname = \"why\"\nkind = \"text\"\nrequired = true\nhelp = \"h\"\n\
                 [[arguments]]\nname = \"n\"\nkind = \"count\"\nrequired = true\nhelp = \"h\"\n",
            ),
        )
        .unwrap_err();
        assert!(error.contains("`n` follows a text argument"), "{error}");
    }

    #[test]
    fn argument_names_are_unique_words() {
        let twice =
            "[[arguments]]\nname = \"n\"\nkind = \"count\"\nrequired = true\nhelp = \"h\"\n";
        let error = load("status.toml", &with_arguments(&twice.repeat(2))).unwrap_err();
        assert!(error.contains("`n` is declared twice"), "{error}");
        let error = load(
            "status.toml",
            &with_arguments(&twice.replace("\"n\"", "\"two words\"")),
        )
        .unwrap_err();
        assert!(error.contains("`two words` must be lowercase"), "{error}");
    }
}
