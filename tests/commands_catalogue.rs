//! The command catalogue in `commands/` and everything derived from it: the committed docs and
//! Slack manifest, the help answers, and how the built-in commands are read.
//!
//! When a derived file drifts, the test says so; `GATEBOT_BLESS=1` rewrites it from the
//! catalogue instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gatebot::commands::{
    Catalogue, Command, Role, SnapshotArg, UsageError, render_command, render_docs_markdown,
    render_overview, render_slack_manifest,
};

const SLASH_COMMAND: &str = "/gate";

/// The typed command of `line` in the built-in catalogue; a line that does not parse, or a
/// command whose file and type disagree, fails the test with the reason.
fn command(line: &str) -> Command<'static> {
    let invocation = Catalogue::builtin()
        .parse(line)
        .unwrap_or_else(|error| panic!("`{line}`: {error}"));
    Command::from_invocation(&invocation).unwrap_or_else(|drift| panic!("`{line}`: {drift}"))
}

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Compares a committed file with what the catalogue renders, or rewrites it when blessing.
fn check_derived(relative: &str, rendered: &str) {
    let path = repository_file(relative);
    if std::env::var_os("GATEBOT_BLESS").is_some() {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).expect("the folder can be created");
        }
        std::fs::write(&path, rendered).expect("the derived file can be written");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "{relative} does not match the command catalogue in commands/ ({}). \
         Rewrite it with `GATEBOT_BLESS=1 cargo test --test commands_catalogue` and commit the result.",
        first_difference(&committed, rendered)
    );
}

/// Where two texts first differ, by line, for a drift message a person can act on.
fn first_difference(committed: &str, rendered: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut rendered_lines = rendered.lines();
    for number in 1.. {
        match (committed_lines.next(), rendered_lines.next()) {
            (None, None) => break,
            (was, will) if was != will => {
                let shown = |line: Option<&str>| {
                    line.map_or("the end of the file".to_string(), |line| {
                        format!("{line:?}")
                    })
                };
                return format!(
                    "line {number} is {} but the catalogue gives {}",
                    shown(was),
                    shown(will)
                );
            }
            _ => {}
        }
    }
    "they differ only in line endings or the final newline".to_string()
}

#[test]
fn docs_commands_md_is_generated_from_the_catalogue() {
    check_derived(
        "docs/commands.md",
        &render_docs_markdown(Catalogue::builtin()),
    );
}

#[test]
fn slack_manifest_is_generated_from_the_catalogue() {
    check_derived(
        "deploy/slack/manifest.yaml",
        &render_slack_manifest(Catalogue::builtin(), SLASH_COMMAND),
    );
}

#[test]
fn every_catalogue_file_is_embedded_and_nothing_else() {
    let files: BTreeSet<String> = std::fs::read_dir(repository_file("commands"))
        .expect("commands/ exists")
        .map(|entry| entry.expect("commands/ is readable").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_string()))
        .collect();
    let embedded: BTreeSet<String> = Catalogue::builtin()
        .commands()
        .iter()
        .map(|command| command.name.clone())
        .collect();
    assert_eq!(
        files, embedded,
        "every commands/<name>.toml must be listed in SOURCES in src/commands/catalogue.rs, and only those"
    );
}

#[test]
fn every_example_parses_as_its_own_command() {
    let catalogue = Catalogue::builtin();
    for command in catalogue.commands() {
        for example in &command.examples {
            let invocation = catalogue
                .parse(&example.text)
                .unwrap_or_else(|error| panic!("`{}`: {error}", example.text));
            assert_eq!(invocation.spec.name, command.name, "`{}`", example.text);
        }
    }
}

/// Every catalogue command has a typed command whose arguments match its file: same names,
/// kinds and requiredness, none left over. (Unit tests beside the conversion show each kind of
/// mismatch being caught.)
#[test]
fn every_catalogue_command_converts_to_its_typed_command() {
    for spec in Catalogue::builtin().commands() {
        for example in &spec.examples {
            command(&example.text);
        }
    }
}

#[test]
fn the_built_in_commands_have_the_declared_roles_and_effects() {
    let catalogue = Catalogue::builtin();
    let declared: Vec<(&str, Role, bool)> = catalogue
        .commands()
        .iter()
        .map(|c| (c.name.as_str(), c.role, c.changes_state))
        .collect();
    assert_eq!(
        declared,
        [
            ("help", Role::Everyone, false),
            ("status", Role::Everyone, false),
            ("blocked-why", Role::Everyone, false),
            ("escalations", Role::Everyone, false),
            ("release", Role::Releaser, true),
            ("emergency", Role::Releaser, true),
            ("approve", Role::Approver, true),
            ("deny", Role::Approver, true),
            ("audit", Role::Everyone, false),
        ]
    );
}

#[test]
fn command_names_are_not_case_sensitive() {
    let invocation = Catalogue::builtin().parse("Blocked-WHY LATEST").unwrap();
    assert_eq!(invocation.spec.name, "blocked-why");
    assert_eq!(
        command("Blocked-WHY LATEST"),
        Command::BlockedWhy {
            snapshot: Some(SnapshotArg::Latest)
        }
    );
}

#[test]
fn blocked_why_leaves_the_default_snapshot_to_its_handler() {
    assert_eq!(
        command("blocked-why"),
        Command::BlockedWhy { snapshot: None }
    );
}

#[test]
fn release_reads_a_quoted_or_plain_snapshot_name() {
    for line in [
        "release hypershift-operator-main-20260512-070000-000",
        "release \"hypershift-operator-main-20260512-070000-000\"",
        "release  “hypershift-operator-main-20260512-070000-000”  ",
    ] {
        assert_eq!(
            command(line),
            Command::Release {
                snapshot: SnapshotArg::Named(
                    "hypershift-operator-main-20260512-070000-000".to_string()
                )
            },
            "{line}"
        );
    }
}

#[test]
fn release_without_a_snapshot_shows_how_it_is_typed() {
    let error = Catalogue::builtin().parse("release").unwrap_err();
    assert!(matches!(error, UsageError::MissingArgument { .. }));
    assert_eq!(
        error.to_string(),
        "`release` needs its `snapshot`: `release <snapshot>`. Try `help release`."
    );
}

#[test]
fn status_takes_no_arguments() {
    let error = Catalogue::builtin()
        .parse("status  of   everything")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Too many arguments: `status` is typed `status`, so `of   everything` is left over. \
         Try `help status`."
    );
}

#[test]
fn an_unknown_command_is_answered_with_the_commands_there_are() {
    let error = Catalogue::builtin().parse("relase x").unwrap_err();
    assert_eq!(
        error.to_string(),
        "`relase` is not a command; did you mean `release`? The commands are `help`, `status`, \
         `blocked-why`, `escalations`, `release`, `emergency`, `approve`, `deny` and `audit`. \
         Try `help`."
    );
    let error = Catalogue::builtin().parse("help relase").unwrap_err();
    assert!(matches!(error, UsageError::UnknownCommand { typed, .. } if typed == "relase"));
}

#[test]
fn release_has_no_flags() {
    let error = Catalogue::builtin()
        .parse("release --force hypershift-operator-main-20260512-070000-000")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`release` takes no flags, so `--force` means nothing to it. Try `help release`."
    );
}

#[test]
fn snapshot_arguments_must_look_like_kubernetes_names() {
    let catalogue = Catalogue::builtin();
    let too_long = "a".repeat(64);
    let cases = [
        ("HyperShift-1", "snapshot names are lowercase"),
        (
            "snap_1",
            "snapshot names have only lowercase letters, digits and `-`",
        ),
        (
            "snap-",
            "snapshot names start and end with a letter or digit",
        ),
        (
            too_long.as_str(),
            "snapshot names are at most 63 characters long",
        ),
        ("''", "it is empty"),
    ];
    for (typed, expected) in cases {
        let error = catalogue
            .parse(&format!("blocked-why {typed}"))
            .unwrap_err();
        assert!(
            matches!(&error, UsageError::BadSnapshotName { reason, .. } if *reason == expected),
            "{typed}: {error}"
        );
    }
    let longest = "a".repeat(63);
    assert_eq!(
        command(&format!("blocked-why {longest}")),
        Command::BlockedWhy {
            snapshot: Some(SnapshotArg::Named(longest))
        }
    );
}

#[test]
fn an_empty_line_asks_for_a_command() {
    assert_eq!(Catalogue::builtin().parse(" \t "), Err(UsageError::Empty));
}

#[test]
fn help_names_the_command_to_explain() {
    let Command::Help {
        command: Some(explained),
    } = command("help Release")
    else {
        panic!("`help Release` names a command");
    };
    assert_eq!(explained.name, "release");
    assert!(render_command(explained).starts_with("`release <snapshot>` — "));
    assert_eq!(command("help"), Command::Help { command: None });
}

#[test]
fn the_overview_lists_every_command_with_who_may_run_it() {
    let catalogue = Catalogue::builtin();
    let overview = render_overview(catalogue);
    for command in catalogue.commands() {
        assert!(
            overview.contains(&format!("`{}` — {}", command.synopsis(), command.summary)),
            "{overview}"
        );
    }
    assert!(overview.contains("(releasers only)"), "{overview}");
    insta::assert_snapshot!("help_overview", overview);
}

#[test]
fn each_command_is_explained_in_full() {
    for command in Catalogue::builtin().commands() {
        let help = render_command(command);
        assert!(help.contains(command.description.trim_end()), "{help}");
        for example in &command.examples {
            assert!(help.contains(&example.text), "{help}");
        }
        insta::assert_snapshot!(format!("help_{}", command.name), help);
    }
}

#[test]
fn the_manifest_is_a_socket_mode_app_within_slack_limits() {
    let manifest: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&render_slack_manifest(Catalogue::builtin(), SLASH_COMMAND))
            .expect("the manifest is YAML");
    let text = |path: &[&str]| -> String {
        path.iter()
            .fold(&manifest, |value, key| &value[*key])
            .as_str()
            .unwrap_or_else(|| panic!("{path:?} is a string"))
            .to_string()
    };
    let flag = |path: &[&str]| {
        path.iter()
            .fold(&manifest, |value, key| &value[*key])
            .as_bool()
    };
    let strings = |value: &serde_yaml_ng::Value| -> Vec<String> {
        value
            .as_sequence()
            .expect("a list")
            .iter()
            .map(|item| item.as_str().expect("a string").to_string())
            .collect()
    };

    assert!((1..=35).contains(&text(&["display_information", "name"]).len()));
    assert!((1..=140).contains(&text(&["display_information", "description"]).len()));
    assert!((1..=80).contains(&text(&["features", "bot_user", "display_name"]).len()));

    let commands = manifest["features"]["slash_commands"]
        .as_sequence()
        .expect("slash commands are a list");
    assert_eq!(commands.len(), 1);
    let command = &commands[0];
    assert_eq!(command["command"].as_str(), Some(SLASH_COMMAND));
    let description = command["description"].as_str().expect("a description");
    let usage_hint = command["usage_hint"].as_str().expect("a usage hint");
    assert!(description.len() <= 2000 && usage_hint.len() <= 1000);
    for spec in Catalogue::builtin().commands() {
        assert!(usage_hint.contains(&spec.synopsis()), "{usage_hint}");
        assert!(description.contains(&spec.name), "{description}");
    }

    let mut scopes = strings(&manifest["oauth_config"]["scopes"]["bot"]);
    scopes.sort();
    assert_eq!(
        scopes,
        [
            "app_mentions:read",
            "channels:history",
            "chat:write",
            "commands",
            "usergroups:read",
            "users:read"
        ]
    );
    assert_eq!(
        strings(&manifest["settings"]["event_subscriptions"]["bot_events"]),
        ["app_mention"]
    );
    assert_eq!(
        flag(&["settings", "interactivity", "is_enabled"]),
        Some(true)
    );
    assert_eq!(flag(&["settings", "socket_mode_enabled"]), Some(true));
    assert_eq!(flag(&["settings", "org_deploy_enabled"]), Some(false));
    assert_eq!(flag(&["settings", "token_rotation_enabled"]), Some(false));
    assert!(
        manifest["settings"]["event_subscriptions"]["request_url"].is_null(),
        "a Socket Mode app has no request URL"
    );
}

#[test]
fn emergency_reads_the_justification_as_typed_or_as_a_flag() {
    let catalogue = Catalogue::builtin();
    for line in [
        "emergency snap-1 OCPBUGS-1: <!channel> & \"quotes\" stay",
        "emergency --justification 'OCPBUGS-1: <!channel> & \"quotes\" stay' snap-1",
    ] {
        assert_eq!(
            command(line),
            Command::Emergency {
                snapshot: SnapshotArg::Named("snap-1".to_string()),
                justification: "OCPBUGS-1: <!channel> & \"quotes\" stay".to_string(),
            },
            "{line}"
        );
    }
    assert_eq!(
        catalogue.parse("emergency snap-1").unwrap_err().to_string(),
        "`emergency` needs its `justification`: `emergency <snapshot> <justification>`. \
         Try `help emergency`."
    );
}

#[test]
fn the_buttons_values_are_command_lines_and_deny_needs_no_reason() {
    let Command::Approve {
        request: Some(approved),
    } = command("approve em-1a2b3c4d")
    else {
        panic!("`approve em-1a2b3c4d` names its request");
    };
    assert_eq!(approved.as_str(), "em-1a2b3c4d");
    let Command::Deny { request, reason } = command("deny em-1a2b3c4d") else {
        panic!("`deny em-1a2b3c4d` is a denial");
    };
    assert_eq!((request.as_str(), reason), ("em-1a2b3c4d", None));
    let Command::Deny { reason, .. } = command("deny em-1a2b3c4d the fix is not in this build")
    else {
        panic!("a typed denial is a denial");
    };
    assert_eq!(reason.as_deref(), Some("the fix is not in this build"));
}

#[test]
fn audit_takes_an_optional_count() {
    assert_eq!(command("audit"), Command::Audit { count: None });
    assert_eq!(command("audit 25"), Command::Audit { count: Some(25) });
}
