//! Sections whose shape is a serde type, read so that their problems look like every other
//! section's: each with its field path, its place in the file and a fix.
//!
//! `[escalation]` is `EscalationConfig`, a serde type the library and its tests share, so its
//! keys and defaults are written once, in its derive. serde stops at the first error, but
//! `check-config` reports every problem: after each error the entry at fault is taken out of a
//! copy of the section and the rest is deserialized again, until it goes through. toml's errors
//! carry the span of the key or value at fault, which names the field; serde's standard
//! messages ("unknown field", "invalid type", "missing field") are reworded into the reader's
//! own, since toml hands them over only as text.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, ValueDeserializer};

use super::document::Value;
use super::field_path::FieldPath;
use super::problems::Invalid;
use super::suggest::{closest, unknown_key};

/// Beyond this many problems in one section the rest go unreported; each costs another pass.
const MOST_PROBLEMS: usize = 100;

/// A section read, perhaps only in part.
pub struct Deserialized<T> {
    pub value: T,
    /// The entries that were refused (each reported) and taken out; `value` has their defaults.
    pub taken_out: Vec<FieldPath>,
}

impl<T> Deserialized<T> {
    /// The value, if nothing had to be taken out.
    pub fn whole(self) -> Option<T> {
        self.taken_out.is_empty().then_some(self.value)
    }

    /// Whether a check of `path` may have seen a default where the file says something else
    /// (already reported): `path` is, is inside, or holds an entry that was taken out.
    pub fn took_out(&self, path: &FieldPath) -> bool {
        self.taken_out
            .iter()
            .any(|entry| path.is_within(entry) || entry.is_within(path))
    }
}

/// The section as `T`, with every problem reported. `None` when not even part of it could be
/// read: it is not a table, or has more problems than are worth reporting.
pub fn deserialize<T: for<'de> Deserialize<'de>>(value: &Value<'_>) -> Option<Deserialized<T>> {
    // A section that is not a table is reported the way every other reader reports it.
    value.table()?;
    let mut section = value.toml().clone();
    let mut taken_out: Vec<FieldPath> = Vec::new();
    for _ in 0..MOST_PROBLEMS {
        let error = match T::deserialize(ValueDeserializer::from(section.clone())) {
            Ok(value) => return Some(Deserialized { value, taken_out }),
            Err(error) => error,
        };
        let spot = error
            .span()
            .and_then(|span| find(section.get_ref(), span.start, value.path()));
        let Some(spot) = spot else {
            let (path, problem) = reword(error.message(), value.path());
            value.problem_at(&path, error.span(), problem);
            return None;
        };
        let (path, problem) = reword(error.message(), &spot.path);
        // Taking out a refused value can make its field missing; the refusal already says why.
        if !taken_out.contains(&path) {
            value.problem_at(&path, error.span(), problem);
        }
        let entry = spot
            .keys
            .iter()
            .fold(value.path().clone(), |path, key| path.key(key));
        taken_out.push(entry);
        remove(&mut section, &spot.keys);
    }
    None
}

/// The field a dotted path such as `teams.hcp.components` names inside the section, and where
/// it is in the file; a part of the path missing from the file points at the nearest table
/// that is there.
pub fn locate(value: &Value<'_>, dotted: &str) -> (FieldPath, Range<usize>) {
    let mut path = value.path().clone();
    let mut node = value.toml();
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

/// Where an error is: the table entry to take out (`keys`, from the section down), and the
/// field to report, which may go further into a list.
struct Spot {
    keys: Vec<String>,
    path: FieldPath,
}

fn find(section: &DeValue<'_>, offset: usize, path: &FieldPath) -> Option<Spot> {
    match section {
        DeValue::Table(table) => find_in_table(table, offset, path),
        _ => None,
    }
}

/// The innermost entry whose key or value holds `offset`. A table under its own `[header]` spans
/// only the header, so the entries inside are searched before the table itself.
fn find_in_table(table: &DeTable<'_>, offset: usize, path: &FieldPath) -> Option<Spot> {
    table.iter().find_map(|(key, value)| {
        let name: &str = key.get_ref();
        let here = path.key(name);
        let entry = |path: FieldPath| Spot {
            keys: vec![name.to_string()],
            path,
        };
        if key.span().contains(&offset) {
            return Some(entry(here));
        }
        match value.get_ref() {
            DeValue::Table(inner) => {
                if let Some(mut spot) = find_in_table(inner, offset, &here) {
                    spot.keys.insert(0, name.to_string());
                    return Some(spot);
                }
            }
            DeValue::Array(items) => {
                if let Some(item) = find_in_array(items, offset, &here) {
                    return Some(entry(item));
                }
            }
            _ => {}
        }
        value.span().contains(&offset).then(|| entry(here))
    })
}

fn find_in_array(items: &DeArray<'_>, offset: usize, path: &FieldPath) -> Option<FieldPath> {
    items.iter().enumerate().find_map(|(index, item)| {
        let here = path.index(index);
        let inside = match item.get_ref() {
            DeValue::Table(table) => find_in_table(table, offset, &here).map(|spot| spot.path),
            _ => None,
        };
        inside.or_else(|| item.span().contains(&offset).then_some(here))
    })
}

fn remove(section: &mut Spanned<DeValue<'_>>, keys: &[String]) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut node = section.get_mut();
    for key in parents {
        let DeValue::Table(table) = node else { return };
        let Some(child) = table.get_mut(key.as_str()) else {
            return;
        };
        node = child.get_mut();
    }
    if let DeValue::Table(table) = node {
        table.remove(last.as_str());
    }
}

/// serde's message, said the way the rest of the configuration reader says it; `at` is the
/// entry the error points at (for a missing field, the table that lacks it).
fn reword(message: &str, at: &FieldPath) -> (FieldPath, Invalid) {
    if let Some(rest) = message.strip_prefix("unknown field ")
        && let Some((name, allowed)) = backquoted(rest).split_first()
    {
        return (at.clone(), unknown_key(name, allowed));
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some((name, allowed)) = backquoted(rest).split_first()
    {
        let fix = match closest(name, allowed) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!("use one of {}", choices(allowed)),
        };
        let message = format!("`{name}` is not one of {}", choices(allowed));
        return (at.clone(), Invalid::new(message, fix));
    }
    if let Some(rest) = message.strip_prefix("missing field ")
        && let Some(name) = backquoted(rest).first()
    {
        let fix = format!("add `{name}` {}", at.place());
        return (at.key(name), Invalid::new("is missing", fix));
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = expectation(expected);
        let message = format!("must be {expected}, but is {}", kind(found));
        return (
            at.clone(),
            Invalid::new(message, format!("write {expected}")),
        );
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid value: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = expectation(expected);
        let found = backquoted(found)
            .first()
            .cloned()
            .unwrap_or(found.to_string());
        let message = format!("is {found}, but must be {expected}");
        return (
            at.clone(),
            Invalid::new(message, format!("write {expected}")),
        );
    }
    let fix = "correct the value; docs/configuration.md describes what this field accepts";
    (at.clone(), Invalid::new(message, fix))
}

/// The words serde puts in backquotes: field and variant names, literal values.
fn backquoted(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn choices(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

/// serde's name for what was expected, as the documentation calls it.
fn expectation(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            format!("a whole number from 0 to {}", unsigned_max(expected))
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a sequence" => "a list".to_string(),
        "a borrowed string" => "a string".to_string(),
        "a map" => "a table".to_string(),
        other if other.starts_with("struct ") => "a table".to_string(),
        other => other.to_string(),
    }
}

fn unsigned_max(kind: &str) -> u64 {
    match kind {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        _ => u64::MAX,
    }
}

/// What serde found, without the literal (the position already points at it).
fn kind(found: &str) -> String {
    let kinds = [
        ("integer", "a whole number"),
        ("floating point", "a decimal number"),
        ("string", "a string"),
        ("boolean", "`true` or `false`"),
        ("map", "a table"),
        ("sequence", "a list"),
    ];
    kinds
        .iter()
        .find(|(prefix, _)| found.starts_with(prefix))
        .map_or_else(|| found.to_string(), |(_, kind)| kind.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::document::{Report, Table};
    use super::super::problems::Problem;
    use super::*;

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

    fn read(text: &str) -> (Option<Section>, Vec<Problem>) {
        let document = DeTable::parse(text).expect("test documents are valid TOML");
        let report = Report::new(text);
        let mut root = Table::root(&report, document.get_ref());
        let section = root
            .optional("section")
            .and_then(|value| deserialize(&value))
            .and_then(Deserialized::whole);
        (section, report.into_problems())
    }

    #[test]
    fn a_good_section_reads_with_defaults() {
        let (section, problems) = read("[section]\nname = \"x\"\n");
        assert_eq!(problems, []);
        assert_eq!(section.unwrap().name, "x");
    }

    #[test]
    fn every_mistake_is_reported_at_its_field_in_file_order() {
        let text = "[section]\nname = 5\ncuont = 1\nmode = \"clod\"\n\n\
                    [section.teams.hcp]\nlead = \"a\"\ncomponents = [\"x\", 7]\nleed = \"b\"\n";
        let (section, problems) = read(text);
        assert_eq!(section, None);
        let found: Vec<(String, String, String, usize)> = problems
            .into_iter()
            .map(|p| (p.path, p.message, p.fix, p.location.unwrap().line))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "section.name".into(),
                    "must be a string, but is a whole number".into(),
                    "write a string".into(),
                    2
                ),
                (
                    "section.cuont".into(),
                    "unknown key `cuont`".into(),
                    "did you mean `count`?".into(),
                    3
                ),
                (
                    "section.mode".into(),
                    "`clod` is not one of `server`, `cloud`".into(),
                    "did you mean `cloud`?".into(),
                    4
                ),
                (
                    "section.teams.hcp.components[1]".into(),
                    "must be a string, but is a whole number".into(),
                    "write a string".into(),
                    8
                ),
                (
                    "section.teams.hcp.leed".into(),
                    "unknown key `leed`".into(),
                    "did you mean `lead`?".into(),
                    9
                ),
            ]
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
    fn numbers_out_of_range_say_the_range() {
        let (_, problems) = read("[section]\ncount = -1\n");
        assert_eq!(
            problems[0].message,
            "is -1, but must be a whole number from 0 to 4294967295"
        );
    }

    #[test]
    fn a_section_that_is_not_a_table_is_said_so() {
        let (_, problems) = read("section = 5\n");
        assert_eq!(problems[0].path, "section");
        assert_eq!(problems[0].message, "must be a table, but is an integer");
    }

    #[test]
    fn dotted_paths_are_located_even_through_keys_with_dots() {
        let text = "[section]\nname = \"x\"\n[section.teams.\"a.b\"]\ncomponents = []\n";
        let document = DeTable::parse(text).unwrap();
        let report = Report::new(text);
        let mut root = Table::root(&report, document.get_ref());
        let value = root.optional("section").unwrap();
        let (path, span) = locate(&value, "teams.a.b.components");
        assert_eq!(path.to_string(), "section.teams.\"a.b\".components");
        assert_eq!(&text[span], "[]");
        let (path, span) = locate(&value, "teams.other.lead");
        assert_eq!(path.to_string(), "section.teams.other.lead");
        assert_eq!(&text[span], "teams");
    }
}
