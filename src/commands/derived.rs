//! The files generated from the catalogue: `docs/commands.md` and the Slack app manifest
//! `deploy/slack/manifest.yaml`.
//!
//! Both are committed so that people can read and install them without building gatebot, and
//! `tests/commands_catalogue.rs` fails when either drifts from the catalogue. Rendering is
//! deterministic: the same catalogue always gives the same bytes.

use std::fmt::Write as _;

use serde::Serialize;

use super::catalogue::{Catalogue, CommandSpec};
use super::help::{kind_phrase, necessity, who_and_effect, who_short};

const REGENERATE: &str = "GATEBOT_BLESS=1 cargo test --test commands_catalogue";

/// What the bot must be allowed to do in Slack.
const BOT_SCOPES: &[&str] = &[
    // Mentions carry the thread they were typed in, and so the thread's snapshot.
    "app_mentions:read",
    // Reading a thread in a public channel (`conversations.replies`).
    "channels:history",
    "chat:write",
    // The slash command.
    "commands",
    // A role may be held through a Slack user group; checking it needs the group's members.
    "usergroups:read",
    // Answers and audit entries can name people instead of bare user ids.
    "users:read",
];

/// `docs/commands.md`: how to type commands, who may run them, and every command in full.
pub fn render_docs_markdown(catalogue: &Catalogue) -> String {
    let mut out = String::new();
    out.push_str("# Chat commands\n\n");
    let _ = write!(
        out,
        "This page is generated from the command catalogue in `commands/`, one file per command. \
         Do not edit it by hand: change the command's file, then run `{REGENERATE}` to rewrite \
         this page and the Slack app manifest `deploy/slack/manifest.yaml`.\n\n"
    );
    out.push_str(TYPING);
    out.push_str(ROLES);
    out.push_str("| command | who may run it | changes state | what it does |\n");
    out.push_str("|---|---|---|---|\n");
    for command in catalogue.commands() {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            command.synopsis(),
            command.name,
            who_short(command.role),
            if command.changes_state { "yes" } else { "no" },
            command.summary
        );
    }
    for command in catalogue.commands() {
        out.push('\n');
        out.push_str(&command_section(command));
    }
    out
}

const TYPING: &str = "\
## Typing a command

In Slack, mention gatebot (`@gatebot status`) or use its slash command. A mention inside a \
snapshot's thread knows which snapshot the thread is about; a slash command does not, so name \
the snapshot there.

- Command names are not case-sensitive: `Status` is `status`.
- Words are separated by spaces. Quotes, `\"…\"` or `'…'`, keep spaces inside one word.
- A free-text argument takes the rest of the line exactly as typed, or is given anywhere on the \
line as `--<name> \"…\"`.
- A line gatebot cannot read gets an answer saying what is wrong and what would work.

";

const ROLES: &str = "\
## Who may run what

Every command names the people who may run it, and gatebot checks this before the command runs:

- **everyone**: anyone who can talk to gatebot; these commands only read.
- **releasers**: the release engineers who may release a snapshot that passed its gate.
- **approvers**: the people who approve requests that need a second person, such as an \
emergency release.
- **admins**: the people who run gatebot itself.

Who holds each role is set in the `[chat.roles]` section of gatebot's configuration, by Slack \
member or user-group id. A command that changes state is recorded in the audit log: who, what, \
when, why, and the thread it came from.

";

fn command_section(command: &CommandSpec) -> String {
    let mut out = format!("## `{}`\n\n{}\n\n", command.name, command.summary);
    let _ = write!(out, "```text\n{}\n```\n\n", command.synopsis());
    let _ = write!(out, "{}\n\n", who_and_effect(command));
    let _ = write!(out, "{}\n\n", command.description.trim_end());
    if !command.arguments.is_empty() {
        out.push_str("**Arguments**\n\n");
        for argument in &command.arguments {
            let _ = writeln!(
                out,
                "- `{}` ({}): {}. {}",
                argument.name,
                necessity(argument),
                kind_phrase(argument),
                argument.help
            );
        }
        out.push('\n');
    }
    out.push_str("**Examples**\n\n");
    for example in &command.examples {
        let _ = writeln!(out, "- `{}` — {}", example.text, example.does);
    }
    out
}

/// `deploy/slack/manifest.yaml`: the Socket Mode app, with `slash_command` (such as `/gate`)
/// described by the catalogue.
pub fn render_slack_manifest(catalogue: &Catalogue, slash_command: &str) -> String {
    let names: Vec<&str> = catalogue
        .commands()
        .iter()
        .map(|command| command.name.as_str())
        .collect();
    let synopses: Vec<String> = catalogue
        .commands()
        .iter()
        .map(CommandSpec::synopsis)
        .collect();
    let manifest = Manifest {
        metadata: Metadata {
            major_version: 1,
            minor_version: 1,
        },
        display_information: DisplayInformation {
            name: "gatebot",
            description: "Release gate for the HyperShift operator: releases a Konflux snapshot \
                          once its Prow jobs pass.",
        },
        features: Features {
            bot_user: BotUser {
                display_name: "gatebot",
                always_online: true,
            },
            slash_commands: vec![SlashCommand {
                command: slash_command.to_string(),
                description: format!("Ask the HyperShift release gate: {}", names.join(", ")),
                usage_hint: synopses.join(" | "),
                should_escape: false,
            }],
        },
        oauth_config: OauthConfig {
            scopes: Scopes { bot: BOT_SCOPES },
        },
        settings: Settings {
            event_subscriptions: EventSubscriptions {
                bot_events: &["app_mention"],
            },
            interactivity: Interactivity { is_enabled: true },
            org_deploy_enabled: false,
            socket_mode_enabled: true,
            token_rotation_enabled: false,
        },
    };
    let yaml = serde_yaml_ng::to_string(&manifest)
        .expect("a manifest of plain strings and booleans serializes");
    format!(
        "# The Slack app manifest for gatebot, generated from the command catalogue in `commands/`.\n\
         # Do not edit by hand: change the catalogue, then run `{REGENERATE}`.\n\
         # Socket Mode: no request URLs. Create the app from this file at https://api.slack.com/apps.\n\
         {yaml}"
    )
}

#[derive(Serialize)]
struct Manifest {
    #[serde(rename = "_metadata")]
    metadata: Metadata,
    display_information: DisplayInformation,
    features: Features,
    oauth_config: OauthConfig,
    settings: Settings,
}

#[derive(Serialize)]
struct Metadata {
    major_version: u32,
    minor_version: u32,
}

#[derive(Serialize)]
struct DisplayInformation {
    name: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct Features {
    bot_user: BotUser,
    slash_commands: Vec<SlashCommand>,
}

#[derive(Serialize)]
struct BotUser {
    display_name: &'static str,
    always_online: bool,
}

#[derive(Serialize)]
struct SlashCommand {
    command: String,
    description: String,
    usage_hint: String,
    should_escape: bool,
}

#[derive(Serialize)]
struct OauthConfig {
    scopes: Scopes,
}

#[derive(Serialize)]
struct Scopes {
    bot: &'static [&'static str],
}

#[derive(Serialize)]
struct Settings {
    event_subscriptions: EventSubscriptions,
    interactivity: Interactivity,
    org_deploy_enabled: bool,
    socket_mode_enabled: bool,
    token_rotation_enabled: bool,
}

#[derive(Serialize)]
struct EventSubscriptions {
    bot_events: &'static [&'static str],
}

#[derive(Serialize)]
struct Interactivity {
    is_enabled: bool,
}
