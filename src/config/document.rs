//! A walk over a parsed TOML document that keeps going after a problem.
//!
//! serde stops at the first error, but `check-config` must report every problem at once. So the
//! configuration is read by hand from toml's spanned document: each read either yields a value or
//! records a problem (with the field path and the position in the file) and yields nothing, and
//! the readers carry on. A table remembers which keys were asked for; the keys nobody asked for
//! are reported as unknown, with the closest valid key as a suggestion. The list of valid keys is
//! therefore the code that reads them, and cannot drift from it.

use std::cell::RefCell;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::field_path::FieldPath;
use super::problems::{Invalid, Location, Problem};
use super::suggest::unknown_key;

/// Collects the problems of one document; every table and value of it reports here.
pub struct Report<'a> {
    text: &'a str,
    problems: RefCell<Vec<Problem>>,
}

impl<'a> Report<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            problems: RefCell::new(Vec::new()),
        }
    }

    pub fn add(&self, path: &FieldPath, span: Option<Range<usize>>, problem: Invalid) {
        self.problems.borrow_mut().push(Problem {
            path: path.to_string(),
            message: problem.message,
            fix: problem.fix,
            location: span.map(|span| Location::of_offset(self.text, span.start)),
        });
    }

    /// Every problem, in the order they appear in the file; problems without a position (keys
    /// missing from the file) come last.
    pub fn into_problems(self) -> Vec<Problem> {
        let mut problems = self.problems.into_inner();
        problems.sort_by_key(|problem| (problem.location.is_none(), problem.location));
        problems
    }

    /// The source text of a span, to quote it back in a fix.
    fn source(&self, span: Range<usize>) -> &'a str {
        self.text.get(span).unwrap_or_default()
    }
}

/// One value of the document, with the path and position needed to report a problem with it.
#[derive(Clone)]
pub struct Value<'a> {
    report: &'a Report<'a>,
    path: FieldPath,
    value: &'a Spanned<DeValue<'a>>,
}

impl<'a> Value<'a> {
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// Where the value starts in the file; values read earlier in the file sort first.
    pub fn position(&self) -> usize {
        self.value.span().start
    }

    /// Records a problem with this value.
    pub fn problem(&self, problem: Invalid) {
        self.report
            .add(&self.path, Some(self.value.span()), problem);
    }

    /// Records a problem with a part of this value that the caller located itself, as readers
    /// that hand a whole section to serde do.
    pub fn problem_at(&self, path: &FieldPath, span: Option<Range<usize>>, problem: Invalid) {
        self.report.add(path, span, problem);
    }

    /// The parsed TOML of the value, for readers that hand a whole section to serde.
    pub fn toml(&self) -> &'a Spanned<DeValue<'a>> {
        self.value
    }

    /// Records `result`'s problem, if any, and passes its value on.
    pub fn check<T>(&self, result: Result<T, Invalid>) -> Option<T> {
        result.map_err(|problem| self.problem(problem)).ok()
    }

    pub fn string(&self) -> Option<&'a str> {
        match self.value.get_ref() {
            DeValue::String(text) => Some(text),
            other => {
                let fix = match other {
                    DeValue::Array(_) | DeValue::Table(_) => {
                        "write a single string in quotes".into()
                    }
                    _ => format!(
                        "put the value in quotes: `\"{}\"`",
                        self.report.source(self.value.span())
                    ),
                };
                self.mistyped("a string", fix)
            }
        }
    }

    /// The string value, accepted or refused by `rule`.
    pub fn parse<T>(&self, rule: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        self.string().and_then(|text| self.check(rule(text)))
    }

    pub fn boolean(&self) -> Option<bool> {
        match self.value.get_ref() {
            DeValue::Boolean(value) => Some(*value),
            _ => self.mistyped(
                "`true` or `false`",
                "write `true` or `false`, without quotes",
            ),
        }
    }

    /// A whole number of at least `minimum`.
    pub fn count(&self, minimum: u32) -> Option<u32> {
        let DeValue::Integer(integer) = self.value.get_ref() else {
            return self.mistyped(
                "a whole number",
                format!("write a whole number without quotes, for example `{minimum}`"),
            );
        };
        let too_large = || {
            Invalid::new(
                format!("is {integer}, which is too large"),
                format!("use a number up to {}", u32::MAX),
            )
        };
        let Ok(number) = i64::from_str_radix(integer.as_str(), integer.radix()) else {
            return self.check(Err(too_large()));
        };
        if number < i64::from(minimum) {
            return self.check(Err(Invalid::new(
                format!("is {number}, but must be at least {minimum}"),
                format!("use a whole number of {minimum} or more"),
            )));
        }
        self.check(u32::try_from(number).map_err(|_| too_large()))
    }

    pub fn array(&self) -> Option<Vec<Value<'a>>> {
        match self.value.get_ref() {
            DeValue::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.child(self.path.index(index), item))
                    .collect(),
            ),
            _ => self.mistyped(
                "a list",
                "write a list in square brackets, for example `[\"aws\"]`",
            ),
        }
    }

    pub fn table(&self) -> Option<Table<'a>> {
        match self.value.get_ref() {
            DeValue::Table(entries) => Some(Table {
                report: self.report,
                path: self.path.clone(),
                span: Some(self.value.span()),
                entries: Some(entries),
                asked: Vec::new(),
            }),
            _ => self.mistyped(
                "a table",
                format!(
                    "write it under a `[{}]` header, or inline as `{{ key = \"value\" }}`",
                    self.path.header()
                ),
            ),
        }
    }

    /// An array of tables, written with `[[header]]`.
    pub fn tables(&self) -> Option<Vec<Table<'a>>> {
        let entries = match self.value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| self.child(self.path.index(index), item))
                .collect::<Vec<_>>(),
            _ => return self.mistyped("a list of tables", self.table_list_fix()),
        };
        let tables: Vec<Table<'a>> = entries
            .iter()
            .filter_map(|entry| match entry.value.get_ref() {
                DeValue::Table(_) => entry.table(),
                _ => entry.mistyped("a table", self.table_list_fix()),
            })
            .collect();
        (tables.len() == entries.len()).then_some(tables)
    }

    fn table_list_fix(&self) -> String {
        format!(
            "write each entry under its own `[[{}]]` header",
            self.path.header()
        )
    }

    fn child(&self, path: FieldPath, value: &'a Spanned<DeValue<'a>>) -> Value<'a> {
        Value {
            report: self.report,
            path,
            value,
        }
    }

    fn mistyped<T>(&self, expected: &str, fix: impl Into<String>) -> Option<T> {
        let found = match self.value.get_ref() {
            DeValue::Integer(_) => "an integer".to_string(),
            DeValue::Float(_) => "a decimal number".to_string(),
            DeValue::Array(_) => "a list".to_string(),
            DeValue::Table(_) => "a table".to_string(),
            other => format!("a {}", other.type_str()),
        };
        self.check(Err(Invalid::new(
            format!("must be {expected}, but is {found}"),
            fix,
        )))
    }
}

/// A TOML table being read; reports the keys nobody asked for when finished.
pub struct Table<'a> {
    report: &'a Report<'a>,
    path: FieldPath,
    /// The table's header, where a missing key is reported; `None` for the document itself and
    /// for sections that are absent from the file.
    span: Option<Range<usize>>,
    /// `None` for a section that is absent from the file: all its keys take their defaults.
    entries: Option<&'a DeTable<'a>>,
    asked: Vec<String>,
}

impl<'a> Table<'a> {
    /// The document itself.
    pub fn root(report: &'a Report<'a>, document: &'a DeTable<'a>) -> Self {
        Self {
            report,
            path: FieldPath::default(),
            span: None,
            entries: Some(document),
            asked: Vec::new(),
        }
    }

    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// Records a problem with the table as a whole.
    pub fn problem(&self, problem: Invalid) {
        self.report.add(&self.path, self.span.clone(), problem);
    }

    /// A key that may be left out.
    pub fn optional(&mut self, key: &str) -> Option<Value<'a>> {
        self.asked.push(key.to_string());
        let (_, value) = self.entries?.get_key_value(key)?;
        Some(Value {
            report: self.report,
            path: self.path.key(key),
            value,
        })
    }

    /// A key that may be left out, read with `read`: `Some(None)` when it is absent,
    /// `Some(Some(value))` when it is present and good, `None` when it is present but refused
    /// (like every read, `None` means the problem has been reported).
    pub fn optional_with<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&Value<'a>) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.optional(key) {
            None => Some(None),
            Some(value) => read(&value).map(Some),
        }
    }

    /// A key that must be present; `example` shows what to add.
    pub fn required(&mut self, key: &str, example: &str) -> Option<Value<'a>> {
        let value = self.optional(key);
        if value.is_none() {
            let fix = format!("add `{example}` {}", self.path.place());
            self.missing(key, Invalid::new("is missing", fix));
        }
        value
    }

    /// Records that `key` should be in this table but is not.
    pub fn missing(&self, key: &str, problem: Invalid) {
        self.report
            .add(&self.path.key(key), self.span.clone(), problem);
    }

    /// An optional string key accepted or refused by `rule`; when it is absent, `default` (written
    /// as it would be in the file) goes through the same rule, so defaults and documentation agree.
    pub fn parse_or<T>(
        &mut self,
        key: &str,
        default: &str,
        rule: impl Fn(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        match self.optional(key) {
            Some(value) => value.parse(&rule),
            None => Some(rule(default).expect("a built-in default follows its own rule")),
        }
    }

    /// A section that may be left out, in which case all its keys take their defaults.
    pub fn section(&mut self, key: &str) -> Table<'a> {
        let path = self.path.key(key);
        let present = self.optional(key).and_then(|value| value.table());
        present.unwrap_or(Table {
            report: self.report,
            path,
            span: None,
            entries: None,
            asked: Vec::new(),
        })
    }

    /// All entries, for tables whose keys are data (label selectors, jobs per platform) rather
    /// than a fixed set of settings.
    pub fn entries(self) -> Vec<(&'a str, Value<'a>)> {
        let Some(entries) = self.entries else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(key, value)| {
                let key: &'a str = key.get_ref();
                let value = Value {
                    report: self.report,
                    path: self.path.key(key),
                    value,
                };
                (key, value)
            })
            .collect()
    }

    /// Reports every key that no reader asked for.
    pub fn finish(self) {
        let Some(entries) = self.entries else {
            return;
        };
        for (key, _) in entries.iter() {
            let name: &str = key.get_ref();
            if self.asked.iter().any(|asked| asked == name) {
                continue;
            }
            self.report.add(
                &self.path.key(name),
                Some(key.span()),
                unknown_key(name, &self.asked),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T>(text: &str, reader: impl FnOnce(Table<'_>) -> T) -> (T, Vec<Problem>) {
        let document = DeTable::parse(text).expect("test documents are valid TOML");
        let report = Report::new(text);
        let result = reader(Table::root(&report, document.get_ref()));
        (result, report.into_problems())
    }

    #[test]
    fn a_mistyped_value_is_reported_with_its_source_quoted() {
        let (value, problems) = read("version = 4.21\n", |mut table| {
            table
                .required("version", "version = \"4.21\"")
                .and_then(|v| v.string().map(str::to_owned))
        });
        assert_eq!(value, None);
        assert_eq!(problems[0].path, "version");
        assert_eq!(
            problems[0].message,
            "must be a string, but is a decimal number"
        );
        assert_eq!(problems[0].fix, "put the value in quotes: `\"4.21\"`");
        assert_eq!(
            problems[0].location,
            Some(Location {
                line: 1,
                column: 11
            })
        );
    }

    #[test]
    fn counts_below_the_minimum_or_beyond_u32_are_refused() {
        let (counts, problems) = read("a = 0\nb = 5000000000\nc = 0x10\n", |mut table| {
            ["a", "b", "c"].map(|key| table.optional(key).and_then(|v| v.count(1)))
        });
        assert_eq!(counts, [None, None, Some(16)]);
        assert_eq!(problems[0].message, "is 0, but must be at least 1");
        assert_eq!(problems[1].message, "is 5000000000, which is too large");
    }

    #[test]
    fn keys_nobody_asked_for_are_unknown() {
        let (_, problems) = read("nmae = \"x\"\nzzz = 1\n", |mut table| {
            table.optional("name");
            table.finish();
        });
        assert_eq!(problems[0].message, "unknown key `nmae`");
        assert_eq!(problems[0].fix, "did you mean `name`?");
        assert_eq!(problems[1].fix, "remove it; the keys allowed here are name");
    }
}
