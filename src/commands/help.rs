//! The `help` answers: the list of commands, and one command in full.
//!
//! Both are rendered from the catalogue alone, so help can never disagree with what the parser
//! accepts, and no user input ever reaches them. The text is plain, with backticks around
//! anything typed, which reads the same in Slack mrkdwn and in a terminal.

use std::fmt::Write as _;

use super::catalogue::{ArgumentKind, ArgumentSpec, Catalogue, CommandSpec, Role};

/// Every command with its synopsis, summary and who may run it.
pub fn render_overview(catalogue: &Catalogue) -> String {
    let mut out = String::from("Commands — `help <command>` explains one in full:\n");
    for command in catalogue.commands() {
        let _ = writeln!(
            out,
            "• `{}` — {} ({})",
            command.synopsis(),
            command.summary,
            who_short(command.role)
        );
    }
    out
}

/// One command in full: synopsis, description, arguments, who may run it, examples.
pub fn render_command(command: &CommandSpec) -> String {
    let mut out = format!("`{}` — {}\n\n", command.synopsis(), command.summary);
    let _ = writeln!(out, "{}\n", command.description.trim_end());
    if !command.arguments.is_empty() {
        out.push_str("Arguments:\n");
        for argument in &command.arguments {
            let _ = writeln!(
                out,
                "• `{}` ({}): {}. {}",
                argument.name,
                necessity(argument),
                kind_phrase(argument),
                argument.help
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}\n", who_and_effect(command));
    out.push_str("Examples:\n");
    for example in &command.examples {
        let _ = writeln!(out, "• `{}` — {}", example.text, example.does);
    }
    out
}

/// "required" or "optional".
pub(super) fn necessity(argument: &ArgumentSpec) -> &'static str {
    if argument.required {
        "required"
    } else {
        "optional"
    }
}

/// What an argument of this kind accepts, as the parser checks it.
pub(super) fn kind_phrase(argument: &ArgumentSpec) -> String {
    match argument.kind {
        ArgumentKind::Snapshot => {
            "a Snapshot name as `status` shows it, or `latest` for the newest".to_string()
        }
        ArgumentKind::Command => "the name of a command".to_string(),
        ArgumentKind::Text => format!(
            "free text, the rest of the line as typed, or `--{} \"…\"` anywhere on the line",
            argument.name
        ),
        ArgumentKind::RequestId => "a request id, exactly as gatebot gave it".to_string(),
        ArgumentKind::Count => "a positive whole number".to_string(),
    }
}

/// Who may run the command and whether it changes anything, as one or two sentences.
pub(super) fn who_and_effect(command: &CommandSpec) -> String {
    let effect = if command.changes_state {
        "It changes state, and every use is recorded in the audit log."
    } else {
        "It changes nothing."
    };
    format!("Who may run it: {}. {effect}", command.role)
}

/// "everyone", "releasers only".
pub(super) fn who_short(role: Role) -> String {
    match role {
        Role::Everyone => role.to_string(),
        _ => format!("{role} only"),
    }
}
