//! What is wrong with a configuration file, said so that a person can fix it without reading code.
//!
//! Loading never stops at the first mistake: every problem is collected with the field it belongs
//! to, where it is in the file, what is wrong and what would work, so one run of
//! `gatebot check-config` shows everything that needs fixing.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, written like `gates[0].checks.baseline.jobs.azure`; empty for a TOML syntax
    /// error, which belongs to no field.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What would work instead.
    pub fix: String,
    /// Where in the file; absent when the field is missing from the file altogether.
    pub location: Option<Location>,
}

/// A position in the configuration file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The line and column of a byte offset into `text`.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let before = &text[..text.floor_char_boundary(offset)];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.location) {
            (true, Some(location)) => write!(f, "{location}")?,
            (false, Some(location)) => write!(f, "{} ({location})", self.path)?,
            (_, None) => f.write_str(&self.path)?,
        }
        write!(f, ": {} — {}", self.message, self.fix)
    }
}

/// Why a value was refused, before it is known which field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub fix: String,
}

impl Invalid {
    pub fn new(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// Why no configuration came out of a file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all (missing, no permission, not UTF-8).
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file was read but is not a valid configuration.
    #[error("{}", describe(origin, problems))]
    Invalid {
        /// Where the text came from, usually the file name.
        origin: String,
        /// Every problem found, in the order they appear in the file.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// The problems found; empty when the file could not be read.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Unreadable { .. } => &[],
            ConfigError::Invalid { problems, .. } => problems,
        }
    }
}

fn describe(origin: &str, problems: &[Problem]) -> String {
    let count = match problems.len() {
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    };
    let mut text = format!("{origin} has {count}:");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters_from_one() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        let offset = text.find('=').unwrap();
        assert_eq!(
            Location::of_offset(text, offset),
            Location { line: 1, column: 3 }
        );
        let offset = text.find('"').unwrap();
        assert_eq!(
            Location::of_offset(text, offset),
            Location { line: 2, column: 6 }
        );
    }

    #[test]
    fn a_problem_reads_as_path_location_message_and_fix() {
        let problem = Problem {
            path: "prow.poll_interval".into(),
            message: "is 0s".into(),
            fix: "use at least 1s".into(),
            location: Some(Location {
                line: 4,
                column: 17,
            }),
        };
        assert_eq!(
            problem.to_string(),
            "prow.poll_interval (line 4, column 17): is 0s — use at least 1s"
        );
    }
}
