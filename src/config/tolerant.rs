//! Deserializes a whole configuration document with serde and still reports every problem in it.
//!
//! serde stops at the first error, but `check-config` must show every mistake at once. toml's
//! errors carry the span of the key or value at fault, so after each error the table entry at
//! fault is found in the document by that span, reported (see [`serde_errors`]), taken out of a
//! copy of the document, and the rest is deserialized again, until it goes through. The entry
//! then reads as its default; the report remembers it so that validation does not report it
//! again. Only table entries are ever taken out, never items of a list, so the index of every
//! `[[gates]]` entry stays what the file says.
//!
//! For this to work the configuration types give every key of a list's tables a default (a key
//! that must be there is an `Option`, reported as missing by validation): a missing field would
//! otherwise fault the whole list.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::field_path::{FieldPath, Segment};
use super::report::Report;
use super::serde_errors::reword;

/// Beyond this many problems the rest go unreported; each costs another pass.
const MOST_PROBLEMS: usize = 100;

/// The document as `T`, with every problem reported. `None` when an error could not be placed
/// in the document, or there were more problems than are worth reporting.
pub fn deserialize<T: DeserializeOwned>(
    document: &Spanned<DeValue<'_>>,
    report: &mut Report<'_>,
) -> Option<T> {
    let mut copy = document.clone();
    for _ in 0..MOST_PROBLEMS {
        let error = match T::deserialize(ValueDeserializer::from(copy.clone())) {
            Ok(value) => return Some(value),
            Err(error) => error,
        };
        let span = error.span();
        let Some(spot) = span.clone().and_then(|span| find(document, span.start)) else {
            let (path, problem) = reword(error.message(), &FieldPath::default(), "");
            report.add(&path, span, problem);
            return None;
        };
        let source = span.clone().map_or("", |span| report.source(span));
        let (path, problem) = reword(error.message(), &spot.path, source);
        report.add(&path, span, problem);
        if !remove(&mut copy, &spot.entry) {
            return None;
        }
        report.take_out(spot.entry);
    }
    None
}

/// The field a dotted path such as `escalation.teams.hcp.components` names, and where it is in
/// the file; a part of the path missing from the file points at the nearest table that is there.
/// For types that hold no spans of their own and report problems by dotted path.
pub fn locate(document: &Spanned<DeValue<'_>>, dotted: &str) -> (FieldPath, Range<usize>) {
    let mut path = FieldPath::default();
    let mut node = document;
    let mut rest = dotted;
    while let DeValue::Table(table) = node.get_ref() {
        // Keys may contain dots themselves, so the longest key that starts the rest wins.
        let next = table
            .iter()
            .map(|(key, child)| -> (&str, _) { (key.get_ref(), child) })
            .filter(|(key, _)| {
                rest.strip_prefix(key)
                    .is_some_and(|after| after.is_empty() || after.starts_with('.'))
            })
            .max_by_key(|(key, _)| key.len());
        let Some((key, child)) = next else { break };
        path = path.key(key);
        node = child;
        rest = rest[key.len()..].strip_prefix('.').unwrap_or_default();
    }
    for part in rest.split('.').filter(|part| !part.is_empty()) {
        path = path.key(part);
    }
    (path, node.span())
}

/// Where an error is: the table entry to take out, and the field to report, which may go
/// further into a list.
struct Spot {
    entry: FieldPath,
    path: FieldPath,
}

fn find(document: &Spanned<DeValue<'_>>, offset: usize) -> Option<Spot> {
    match document.get_ref() {
        DeValue::Table(table) => find_in_table(table, offset, &FieldPath::default()),
        _ => None,
    }
}

/// The innermost entry whose key or value holds `offset`. A table under its own `[header]` spans
/// only the header, so the entries inside are searched before the table itself.
fn find_in_table(table: &DeTable<'_>, offset: usize, path: &FieldPath) -> Option<Spot> {
    table.iter().find_map(|(key, value)| {
        let entry = path.key(key.get_ref());
        if key.span().contains(&offset) {
            return Some(Spot {
                path: entry.clone(),
                entry,
            });
        }
        find_in_value(value, offset, &entry, &entry)
    })
}

/// Inside the value of the table entry `entry`, found at `path`.
fn find_in_value(
    value: &Spanned<DeValue<'_>>,
    offset: usize,
    entry: &FieldPath,
    path: &FieldPath,
) -> Option<Spot> {
    let inside = match value.get_ref() {
        DeValue::Table(table) => find_in_table(table, offset, path),
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| find_in_value(item, offset, entry, &path.index(index))),
        _ => None,
    };
    inside.or_else(|| {
        value.span().contains(&offset).then(|| Spot {
            entry: entry.clone(),
            path: path.clone(),
        })
    })
}

/// Takes the table entry at `entry` out of the document; `false` when it is not there.
fn remove(document: &mut Spanned<DeValue<'_>>, entry: &FieldPath) -> bool {
    let Some((Segment::Key(last), parents)) = entry.segments().split_last() else {
        return false;
    };
    let mut node = document.get_mut();
    for segment in parents {
        let child = match (node, segment) {
            (DeValue::Table(table), Segment::Key(key)) => table.get_mut(key.as_str()),
            (DeValue::Array(items), Segment::Index(index)) => items.get_mut(*index),
            _ => None,
        };
        let Some(child) = child else { return false };
        node = child.get_mut();
    }
    match node {
        DeValue::Table(table) => table.remove(last.as_str()).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::super::problems::Problem;
    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Document {
        section: Option<Section>,
        items: Vec<Item>,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Section {
        name: String,
        count: u32,
        mode: Mode,
        teams: BTreeMap<String, Team>,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        #[default]
        Server,
        Cloud,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Team {
        components: Vec<String>,
        lead: Option<String>,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Item {
        name: Option<String>,
        tags: Vec<String>,
    }

    fn read(text: &str) -> (Option<Document>, Vec<Problem>) {
        let document = DeTable::parse(text).expect("test documents are valid TOML");
        let document = Spanned::new(0..text.len(), DeValue::Table(document.into_inner()));
        let mut report = Report::new(text);
        let read = deserialize(&document, &mut report);
        let read = read.filter(|_| report.is_clean());
        (read, report.into_problems())
    }

    fn summary(problems: Vec<Problem>) -> Vec<(String, String, String, usize)> {
        problems
            .into_iter()
            .map(|p| (p.path, p.message, p.fix, p.location.unwrap().line))
            .collect()
    }

    #[test]
    fn a_good_document_reads_with_defaults() {
        let (document, problems) = read("[section]\nname = \"x\"\n");
        assert_eq!(problems, []);
        assert_eq!(document.unwrap().section.unwrap().name, "x");
    }

    #[test]
    fn every_mistake_is_reported_at_its_field_in_file_order() {
        let text = "[section]\nname = 5\ncuont = 1\nmode = \"clod\"\n\n\
                    [section.teams.hcp]\nlead = \"a\"\ncomponents = [\"x\", 7]\nleed = \"b\"\n";
        let (document, problems) = read(text);
        assert_eq!(document, None);
        let row = |path: &str, message: &str, fix: &str, line| {
            (path.to_string(), message.to_string(), fix.to_string(), line)
        };
        assert_eq!(
            summary(problems),
            [
                row(
                    "section.name",
                    "must be a string, but is a whole number",
                    "put the value in quotes: `\"5\"`",
                    2
                ),
                row(
                    "section.cuont",
                    "unknown key `cuont`",
                    "did you mean `count`?",
                    3
                ),
                row(
                    "section.mode",
                    "`clod` is not one of `server`, `cloud`",
                    "did you mean `cloud`?",
                    4
                ),
                row(
                    "section.teams.hcp.components[1]",
                    "must be a string, but is a whole number",
                    "put the value in quotes: `\"7\"`",
                    8
                ),
                row(
                    "section.teams.hcp.leed",
                    "unknown key `leed`",
                    "did you mean `lead`?",
                    9
                ),
            ]
        );
    }

    #[test]
    fn mistakes_in_a_list_of_tables_keep_every_entry_and_its_index() {
        let text = "[[items]]\nname = 1\n[[items]]\nnmae = \"b\"\n[[items]]\ntags = [\"x\", 2]\n";
        let (_, problems) = read(text);
        let paths: Vec<String> = problems.into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            ["items[0].name", "items[1].nmae", "items[2].tags[1]"]
        );
    }

    #[test]
    fn a_missing_field_is_named_at_its_table() {
        let (_, problems) = read("[section.teams.hcp]\nlead = \"a\"\n");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].path, "section.teams.hcp.components");
        assert_eq!(problems[0].message, "is missing");
        assert_eq!(problems[0].fix, "add `components` to section.teams.hcp");
        assert_eq!(problems[0].location.unwrap().line, 1);
    }

    #[test]
    fn a_section_that_is_not_a_table_is_said_so() {
        let (_, problems) = read("section = 5\n");
        assert_eq!(problems[0].path, "section");
        assert_eq!(
            problems[0].message,
            "must be a table, but is a whole number"
        );
    }

    #[test]
    fn dotted_paths_are_located_even_through_keys_with_dots() {
        let text = "[section]\nname = \"x\"\n[section.teams.\"a.b\"]\ncomponents = []\n";
        let document = DeTable::parse(text).unwrap();
        let document = Spanned::new(0..text.len(), DeValue::Table(document.into_inner()));
        let (path, span) = locate(&document, "section.teams.a.b.components");
        assert_eq!(path.to_string(), "section.teams.\"a.b\".components");
        assert_eq!(&text[span], "[]");
        let (path, span) = locate(&document, "section.teams.other.lead");
        assert_eq!(path.to_string(), "section.teams.other.lead");
        assert_eq!(&text[span], "teams");
    }
}
