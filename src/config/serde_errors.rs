//! serde's refusals, said the way the rest of the configuration reader says things.
//!
//! toml hands serde's standard messages ("unknown field", "invalid type", "unknown variant",
//! "missing field") over only as text, so they are recognised by their wording and rewritten as a
//! message and a fix a person can act on: the closest valid key, the value quoted back in quotes,
//! the header a table belongs under. A message nobody recognises is passed on as it is.

use super::field_path::FieldPath;
use super::problems::Invalid;
use super::suggest::{closest, unknown_key};

/// What serde refused, at the field the error points at (`at`; for a missing field, the table
/// that lacks it). `source` is the file's text at the error, to quote it back.
pub fn reword(message: &str, at: &FieldPath, source: &str) -> (FieldPath, Invalid) {
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
        let expected = Expected::of(expected);
        let found = Found::of(found);
        let message = format!("must be {}, but is {}", expected.name, found.name());
        return (
            at.clone(),
            Invalid::new(message, expected.fix(found, at, source)),
        );
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid value: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = Expected::of(expected);
        let found = backquoted(found)
            .first()
            .cloned()
            .unwrap_or(found.to_string());
        let message = format!("is {found}, but must be {}", expected.name);
        return (
            at.clone(),
            Invalid::new(message, format!("write {}", expected.name)),
        );
    }
    let fix = "correct the value; docs/configuration.md describes what this field accepts";
    (at.clone(), Invalid::new(message, fix))
}

/// What serde expected, as the documentation calls it.
struct Expected {
    name: String,
    kind: Kind,
}

/// What serde found, without the literal (the position already points at it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Integer,
    Decimal,
    Text,
    Boolean,
    Table,
    List,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Boolean,
    Number,
    List,
    Table,
    Other,
}

impl Expected {
    fn of(expected: &str) -> Self {
        let (name, kind) = match expected {
            "u8" | "u16" | "u32" | "u64" | "usize" => (
                format!("a whole number from 0 to {}", unsigned_max(expected)),
                Kind::Number,
            ),
            "i8" | "i16" | "i32" | "i64" | "isize" => ("a whole number".into(), Kind::Number),
            "f32" | "f64" => ("a number".into(), Kind::Number),
            "a boolean" => ("`true` or `false`".into(), Kind::Boolean),
            "a sequence" => ("a list".into(), Kind::List),
            "a string" | "a borrowed string" => ("a string".into(), Kind::Text),
            "a map" => ("a table".into(), Kind::Table),
            other if other.starts_with("struct ") => ("a table".into(), Kind::Table),
            other => (other.to_string(), Kind::Other),
        };
        Self { name, kind }
    }

    fn fix(&self, found: Found, at: &FieldPath, source: &str) -> String {
        let header = at.header();
        match self.kind {
            Kind::Text if matches!(found, Found::Integer | Found::Decimal | Found::Boolean) => {
                format!("put the value in quotes: `\"{source}\"`")
            }
            Kind::Text => "write a single string in quotes".into(),
            Kind::Boolean => "write `true` or `false`, without quotes".into(),
            Kind::Number => format!("write {}, without quotes", self.name),
            Kind::List if found == Found::Table => format!(
                "write a list in square brackets, or each entry under its own `[[{header}]]` header"
            ),
            Kind::List => "write a list in square brackets, for example `[\"aws\"]`".into(),
            Kind::Table => format!(
                "write it under a `[{header}]` header, or inline as `{{ key = \"value\" }}`"
            ),
            Kind::Other => format!("write {}", self.name),
        }
    }
}

impl Found {
    fn of(found: &str) -> Self {
        let kinds = [
            ("integer", Found::Integer),
            ("floating point", Found::Decimal),
            ("string", Found::Text),
            ("boolean", Found::Boolean),
            ("map", Found::Table),
            ("sequence", Found::List),
        ];
        kinds
            .into_iter()
            .find(|(prefix, _)| found.starts_with(prefix))
            .map_or(Found::Other, |(_, kind)| kind)
    }

    fn name(self) -> &'static str {
        match self {
            Found::Integer => "a whole number",
            Found::Decimal => "a decimal number",
            Found::Text => "a string",
            Found::Boolean => "`true` or `false`",
            Found::Table => "a table",
            Found::List => "a list",
            Found::Other => "something else",
        }
    }
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

fn unsigned_max(kind: &str) -> u64 {
    match kind {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        _ => u64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> FieldPath {
        FieldPath::default().key("gates").index(0).key("name")
    }

    #[test]
    fn a_scalar_where_a_string_belongs_is_quoted_back() {
        let (path, problem) = reword(
            "invalid type: floating point `4.21`, expected a string",
            &at(),
            "4.21",
        );
        assert_eq!(path, at());
        assert_eq!(problem.message, "must be a string, but is a decimal number");
        assert_eq!(problem.fix, "put the value in quotes: `\"4.21\"`");
    }

    #[test]
    fn unknown_fields_and_variants_suggest_the_closest() {
        let (_, problem) = reword(
            "unknown field `nmae`, expected `name` or `namespace`",
            &at(),
            "nmae",
        );
        assert_eq!(problem.message, "unknown key `nmae`");
        assert_eq!(problem.fix, "did you mean `name`?");
        let (_, problem) = reword(
            "unknown variant `clod`, expected `server` or `cloud`",
            &at(),
            "\"clod\"",
        );
        assert_eq!(problem.message, "`clod` is not one of `server`, `cloud`");
        assert_eq!(problem.fix, "did you mean `cloud`?");
    }

    #[test]
    fn a_missing_field_is_named_inside_its_table() {
        let table = FieldPath::default()
            .key("escalation")
            .key("teams")
            .key("hcp");
        let (path, problem) = reword("missing field `components`", &table, "");
        assert_eq!(path.to_string(), "escalation.teams.hcp.components");
        assert_eq!(problem.fix, "add `components` to escalation.teams.hcp");
    }

    #[test]
    fn a_table_where_a_list_of_tables_belongs_names_the_header() {
        let gates = FieldPath::default().key("gates");
        let (_, problem) = reword("invalid type: map, expected a sequence", &gates, "[gates]");
        assert_eq!(problem.message, "must be a list, but is a table");
        assert!(problem.fix.contains("`[[gates]]`"), "{}", problem.fix);
    }

    #[test]
    fn numbers_out_of_range_say_the_range() {
        let (_, problem) = reword("invalid value: integer `-1`, expected u32", &at(), "-1");
        assert_eq!(
            problem.message,
            "is -1, but must be a whole number from 0 to 4294967295"
        );
    }
}
