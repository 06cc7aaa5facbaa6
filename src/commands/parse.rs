//! Reads a chat command line against the catalogue: which command, and its checked arguments.
//!
//! The caller strips what addresses the bot (a leading `<@U…>` mention or `/gate`); what is left
//! is the command's name, in any case, then its arguments. Arguments are positional, in the
//! order the catalogue declares them. A text argument takes the rest of the line exactly as
//! typed — spacing, quotes and all — or is given as `--<name> "…"`, which lets it come before
//! other arguments.

use super::arguments::{Arguments, Value, read_value};
use super::catalogue::{ArgumentKind, ArgumentSpec, Catalogue, CommandSpec};
use super::usage_error::UsageError;
use super::words::{UnclosedQuote, Words};

/// A command line, understood: the command and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation<'c> {
    pub spec: &'c CommandSpec,
    pub args: Arguments<'c>,
}

impl Catalogue {
    /// Reads `line`; the error says, for a person, what is wrong and what would work.
    pub fn parse(&self, line: &str) -> Result<Invocation<'_>, UsageError> {
        let mut words = Words::new(line);
        let typed = match words.next_word() {
            None => return Err(UsageError::Empty),
            Some(Err(UnclosedQuote(quote))) => {
                return Err(UsageError::UnclosedQuote {
                    command: None,
                    quote,
                });
            }
            Some(Ok(typed)) => typed,
        };
        let Some(spec) = self.get(&typed) else {
            return Err(UsageError::UnknownCommand {
                typed,
                commands: self.command_names(),
            });
        };
        let args = Reader {
            catalogue: self,
            spec,
            words,
        }
        .read()?;
        Ok(Invocation { spec, args })
    }

    pub(super) fn command_names(&self) -> Vec<String> {
        self.commands()
            .iter()
            .map(|command| command.name.clone())
            .collect()
    }
}

/// Reads the arguments of one command from the words after its name.
struct Reader<'c, 'l> {
    catalogue: &'c Catalogue,
    spec: &'c CommandSpec,
    words: Words<'l>,
}

impl<'c> Reader<'c, '_> {
    fn read(mut self) -> Result<Arguments<'c>, UsageError> {
        let spec = self.spec;
        let mut args = Arguments::default();
        loop {
            let rest = self.words.rest();
            if rest.is_empty() {
                break;
            }
            if rest.starts_with("--") {
                let (argument, text) = self.flag()?;
                if args.is_given(&argument.name) {
                    return Err(UsageError::RepeatedArgument {
                        command: spec.name.clone(),
                        argument: argument.name.clone(),
                    });
                }
                args.insert(argument, Value::Text(text));
                continue;
            }
            let Some(argument) = spec.arguments.iter().find(|a| !args.is_given(&a.name)) else {
                return Err(UsageError::TooManyArguments {
                    command: spec.name.clone(),
                    extra: rest.trim_end().to_string(),
                    synopsis: spec.synopsis(),
                });
            };
            let value = if argument.kind == ArgumentKind::Text {
                self.words.finish();
                Value::Text(rest.trim_end().to_string())
            } else {
                let word = self.word()?.unwrap_or_default();
                read_value(self.catalogue, spec, argument, word)?
            };
            args.insert(argument, value);
        }
        if let Some(missing) = spec
            .arguments
            .iter()
            .find(|argument| argument.required && !args.is_given(&argument.name))
        {
            return Err(UsageError::MissingArgument {
                command: spec.name.clone(),
                argument: missing.name.clone(),
                synopsis: spec.synopsis(),
            });
        }
        Ok(args)
    }

    /// `--<name> value` or `--<name>=value`, for a text argument.
    fn flag(&mut self) -> Result<(&'c ArgumentSpec, String), UsageError> {
        let spec = self.spec;
        let word = self.word()?.unwrap_or_default();
        let (name, inline_value) = match word.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (word.as_str(), None),
        };
        let name = name.strip_prefix("--").unwrap_or(name);
        let text_arguments = || {
            spec.arguments
                .iter()
                .filter(|argument| argument.kind == ArgumentKind::Text)
        };
        let Some(argument) = text_arguments().find(|a| a.name.eq_ignore_ascii_case(name)) else {
            return Err(UsageError::UnknownFlag {
                command: spec.name.clone(),
                flag: format!("--{name}"),
                flags: text_arguments().map(|a| format!("--{}", a.name)).collect(),
            });
        };
        let value = match inline_value {
            Some(value) => Some(value),
            None => self.word()?,
        };
        match value {
            Some(value) if !value.trim().is_empty() => Ok((argument, value)),
            _ => Err(UsageError::MissingFlagValue {
                command: spec.name.clone(),
                flag: format!("--{}", argument.name),
            }),
        }
    }

    fn word(&mut self) -> Result<Option<String>, UsageError> {
        self.words
            .next_word()
            .transpose()
            .map_err(|UnclosedQuote(quote)| UsageError::UnclosedQuote {
                command: Some(self.spec.name.clone()),
                quote,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::arguments::{RequestId, SnapshotArg};
    use super::*;

    /// Commands with every kind of argument, beyond what the built-in catalogue uses yet.
    fn catalogue() -> Catalogue {
        let command = |name: &str, arguments: &str| {
            format!(
                "name = \"{name}\"\nsummary = \"s\"\nrole = \"everyone\"\nchanges_state = false\n\
                 description = \"d\"\n{arguments}\n[[examples]]\ntext = \"{name}\"\ndoes = \"d\"\n"
            )
        };
        let argument = |name: &str, kind: &str, required: bool| {
            format!(
                "[[arguments]]\nname = \"{name}\"\nkind = \"{kind}\"\nrequired = {required}\nhelp = \"h\"\n"
            )
        };
        let sources = [
            (
                "emergency.toml",
                command(
                    "emergency",
                    &(argument("snapshot", "snapshot", true)
                        + &argument("justification", "text", true)),
                ),
            ),
            (
                "history.toml",
                command("history", &argument("count", "count", false)),
            ),
            (
                "approve.toml",
                command("approve", &argument("request", "request-id", true)),
            ),
            (
                "help.toml",
                command("help", &argument("command", "command", false)),
            ),
        ];
        let sources: Vec<(&str, &str)> = sources
            .iter()
            .map(|(file, text)| (*file, text.as_str()))
            .collect();
        Catalogue::from_sources(&sources).expect("the test catalogue is valid")
    }

    fn error(line: &str) -> UsageError {
        catalogue().parse(line).expect_err("the line is refused")
    }

    #[test]
    fn counts_are_positive_whole_numbers() {
        let catalogue = catalogue();
        let history = catalogue.parse("history 12").unwrap();
        assert_eq!(history.args.get::<u32>("count"), Some(12));
        assert_eq!(
            catalogue.parse("history").unwrap().args.get::<u32>("count"),
            None
        );
        for typed in ["0", "-3", "two", "1.5", "99999999999"] {
            assert_eq!(
                error(&format!("history {typed}")),
                UsageError::NotANumber {
                    command: "history".to_string(),
                    argument: "count".to_string(),
                    typed: typed.to_string(),
                },
                "{typed}"
            );
        }
    }

    #[test]
    fn request_ids_are_single_plain_words() {
        let catalogue = catalogue();
        let approve = catalogue.parse("approve em-42_b").unwrap();
        assert_eq!(
            approve
                .args
                .get::<RequestId>("request")
                .as_ref()
                .map(RequestId::as_str),
            Some("em-42_b")
        );
        assert_eq!(
            error("approve 'em 42'"),
            UsageError::BadRequestId {
                command: "approve".to_string(),
                typed: "em 42".to_string(),
            }
        );
    }

    #[test]
    fn a_text_argument_takes_the_rest_of_the_line_as_typed() {
        let catalogue = catalogue();
        let line = "emergency  snap-1   it's   flaky,  \"really\"  ";
        let emergency = catalogue.parse(line).unwrap();
        assert_eq!(
            emergency.args.get::<SnapshotArg>("snapshot"),
            Some(SnapshotArg::Named("snap-1".to_string()))
        );
        assert_eq!(
            emergency.args.get::<String>("justification").as_deref(),
            Some("it's   flaky,  \"really\"")
        );
    }

    #[test]
    fn a_text_argument_may_come_first_as_a_flag() {
        let catalogue = catalogue();
        for line in [
            "emergency --justification \"CVE  fix\" snap-1",
            "emergency --justification=\"CVE  fix\" snap-1",
            "emergency snap-1 --JUSTIFICATION 'CVE  fix'",
        ] {
            let emergency = catalogue.parse(line).unwrap();
            assert_eq!(
                emergency.args.get::<String>("justification").as_deref(),
                Some("CVE  fix"),
                "{line}"
            );
            assert_eq!(
                emergency.args.get::<SnapshotArg>("snapshot"),
                Some(SnapshotArg::Named("snap-1".to_string())),
                "{line}"
            );
        }
    }

    #[test]
    fn a_flag_needs_a_value() {
        for line in [
            "emergency snap-1 --justification",
            "emergency --justification \"\" snap-1",
        ] {
            assert_eq!(
                error(line),
                UsageError::MissingFlagValue {
                    command: "emergency".to_string(),
                    flag: "--justification".to_string(),
                },
                "{line}"
            );
        }
    }

    #[test]
    fn a_flag_is_given_once() {
        assert_eq!(
            error("emergency --justification a --justification b snap-1"),
            UsageError::RepeatedArgument {
                command: "emergency".to_string(),
                argument: "justification".to_string(),
            }
        );
    }

    #[test]
    fn only_text_arguments_have_flags() {
        assert_eq!(
            error("emergency --snapshot snap-1 why"),
            UsageError::UnknownFlag {
                command: "emergency".to_string(),
                flag: "--snapshot".to_string(),
                flags: vec!["--justification".to_string()],
            }
        );
    }

    #[test]
    fn a_quoted_double_dash_is_not_a_flag() {
        let catalogue = catalogue();
        let emergency = catalogue.parse("emergency snap-1 \"--force\" it").unwrap();
        assert_eq!(
            emergency.args.get::<String>("justification").as_deref(),
            Some("\"--force\" it")
        );
    }

    #[test]
    fn an_unclosed_quote_names_the_command_being_typed() {
        assert_eq!(
            error("history \"3"),
            UsageError::UnclosedQuote {
                command: Some("history".to_string()),
                quote: '"',
            }
        );
        assert_eq!(
            error("\"history 3"),
            UsageError::UnclosedQuote {
                command: None,
                quote: '"',
            }
        );
    }

    #[test]
    fn a_command_argument_names_a_command_of_the_catalogue() {
        let catalogue = catalogue();
        let help = catalogue.parse("help APPROVE").unwrap();
        assert_eq!(
            help.args
                .get::<&CommandSpec>("command")
                .map(|c| c.name.as_str()),
            Some("approve")
        );
        assert!(matches!(
            error("help approv"),
            UsageError::UnknownCommand { typed, .. } if typed == "approv"
        ));
    }

    #[test]
    fn slack_markup_in_a_text_argument_is_kept_for_the_renderer_to_escape() {
        let catalogue = catalogue();
        let emergency = catalogue
            .parse("emergency snap-1 <!channel> & <@U0LAN0Z89> said so")
            .unwrap();
        assert_eq!(
            emergency.args.get::<String>("justification").as_deref(),
            Some("<!channel> & <@U0LAN0Z89> said so")
        );
    }

    #[test]
    fn every_refusal_says_what_would_work_and_where_to_read_more() {
        let cases = [
            (
                "   ",
                "There is no command here: type one, such as `status`. Try `help`.",
            ),
            (
                "deploy now",
                "`deploy` is not a command; the commands are `emergency`, `history`, `approve` \
                 and `help`. Try `help`.",
            ),
            (
                "emergency snap-1",
                "`emergency` needs its `justification`: `emergency <snapshot> <justification>`. \
                 Try `help emergency`.",
            ),
            (
                "history 3 4",
                "Too many arguments: `history` is typed `history [count]`, so `4` is left over. \
                 Try `help history`.",
            ),
            (
                "history many",
                "`many` is not a number: `count` is a positive whole number, such as `3`. \
                 Try `help history`.",
            ),
            (
                "history --all",
                "`history` takes no flags, so `--all` means nothing to it. Try `help history`.",
            ),
            (
                "emergency --why x snap-1",
                "`emergency` has no flag `--why`; its flags are `--justification`. \
                 Try `help emergency`.",
            ),
            (
                "emergency snap-1 --justification",
                "`--justification` needs a value after it, such as `--justification \"…\"`. \
                 Try `help emergency`.",
            ),
            (
                "emergency --justification a --justification b",
                "`justification` is given twice; give it once. Try `help emergency`.",
            ),
            (
                "emergency Snap-1 why",
                "`Snap-1` is not a Snapshot name: snapshot names are lowercase. Name a snapshot \
                 as `status` shows it, or say `latest`. Try `help emergency`.",
            ),
            (
                "approve em/42",
                "`em/42` is not a request id: ids are letters, digits, `-` and `_`, exactly as \
                 gatebot gave them. Try `help approve`.",
            ),
            (
                "approve 'em-42",
                "A quote `'` is opened and never closed: close it, or quote with the other kind \
                 of quote. Try `help approve`.",
            ),
        ];
        for (line, message) in cases {
            assert_eq!(error(line).to_string(), message, "{line}");
        }
    }
}
