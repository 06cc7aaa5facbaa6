//! Where the problems of one configuration file are collected while it is read and validated.
//!
//! serde's refusals and the validation rules both report here, each problem with its field path
//! and the span toml recorded for the value, which becomes a line and column. An entry serde
//! refused is taken out and read as its default; the report remembers it, so that validation,
//! which then sees the default, does not report a second, made-up problem at the same place.

use std::ops::Range;

use toml::Spanned;

use super::field_path::FieldPath;
use super::problems::{Invalid, Location, Problem};

/// The problems found so far in one file.
pub struct Report<'t> {
    text: &'t str,
    problems: Vec<Problem>,
    taken_out: Vec<FieldPath>,
}

/// A table of the file as validation meets it: its path, and its header's span when it is in the
/// file (a missing key is reported there); `None` for the document and for absent sections.
#[derive(Debug, Clone)]
pub struct Place {
    pub path: FieldPath,
    pub span: Option<Range<usize>>,
}

impl Place {
    pub fn root() -> Self {
        Self {
            path: FieldPath::default(),
            span: None,
        }
    }

    /// A section that may be absent from the file.
    pub fn section(&self, key: &str) -> Self {
        Self {
            path: self.path.key(key),
            span: None,
        }
    }

    /// A table the file has, at `path`.
    pub fn table<T>(path: FieldPath, table: &Spanned<T>) -> Self {
        Self {
            path,
            span: Some(table.span()),
        }
    }

    pub fn key(&self, key: &str) -> FieldPath {
        self.path.key(key)
    }
}

impl<'t> Report<'t> {
    pub fn new(text: &'t str) -> Self {
        Self {
            text,
            problems: Vec::new(),
            taken_out: Vec::new(),
        }
    }

    /// Records a problem, unless it concerns an entry that was already refused and taken out.
    pub fn add(&mut self, path: &FieldPath, span: Option<Range<usize>>, problem: Invalid) {
        if self.took_out(path) {
            return;
        }
        self.problems.push(Problem {
            path: path.to_string(),
            message: problem.message,
            fix: problem.fix,
            location: span.map(|span| Location::of_offset(self.text, span.start)),
        });
    }

    /// Records that the entry at `entry` was refused and is read as its default from now on.
    pub fn take_out(&mut self, entry: FieldPath) {
        self.taken_out.push(entry);
    }

    /// Whether a check of `path` may have seen a default where the file says something else
    /// (already reported): `path` is, is inside, or holds an entry that was taken out.
    fn took_out(&self, path: &FieldPath) -> bool {
        self.taken_out
            .iter()
            .any(|entry| path.is_within(entry) || entry.is_within(path))
    }

    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The source text of a span, to quote it back in a fix.
    pub fn source(&self, span: Range<usize>) -> &'t str {
        self.text.get(span).unwrap_or_default()
    }

    /// Every problem, in the order they appear in the file; problems without a position (keys
    /// missing from the file) come last.
    pub fn into_problems(self) -> Vec<Problem> {
        let mut problems = self.problems;
        problems.sort_by_key(|problem| (problem.location.is_none(), problem.location));
        problems
    }

    /// `value` accepted or refused by `rule`; a refusal is reported at the value.
    pub fn check<T>(
        &mut self,
        path: &FieldPath,
        value: &Spanned<String>,
        rule: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        rule(value.get_ref())
            .map_err(|problem| self.add(path, Some(value.span()), problem))
            .ok()
    }

    /// An optional setting; when the file leaves it out, `default` (written as it would be in
    /// the file) goes through the same rule, so defaults and documentation agree.
    pub fn setting<T>(
        &mut self,
        path: &FieldPath,
        value: Option<&Spanned<String>>,
        default: &str,
        rule: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        match value {
            Some(value) => self.check(path, value, rule),
            None => Some(rule(default).expect("a built-in default follows its own rule")),
        }
    }

    /// A setting without a default: `Some(None)` when it is absent, `None` when it is refused.
    pub fn optional<T>(
        &mut self,
        path: &FieldPath,
        value: Option<&Spanned<String>>,
        rule: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match value {
            Some(value) => self.check(path, value, rule).map(Some),
            None => Some(None),
        }
    }

    /// A key that must be present in the table at `place`; `example` shows what to add.
    pub fn required<'v, V>(
        &mut self,
        place: &Place,
        key: &str,
        value: Option<&'v V>,
        example: &str,
    ) -> Option<&'v V> {
        if value.is_none() {
            let fix = format!("add `{example}` {}", place.path.place());
            self.add(
                &place.key(key),
                place.span.clone(),
                Invalid::new("is missing", fix),
            );
        }
        value
    }

    /// A string key that must be present in the table at `place`, accepted or refused by `rule`.
    pub fn required_check<T>(
        &mut self,
        place: &Place,
        key: &str,
        value: Option<&Spanned<String>>,
        example: &str,
        rule: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        let value = self.required(place, key, value, example)?;
        self.check(&place.key(key), value, rule)
    }

    /// A whole number of at least `minimum`.
    pub fn count(&mut self, path: &FieldPath, value: &Spanned<i64>, minimum: u32) -> Option<u32> {
        let number = *value.get_ref();
        let refusal = if number < i64::from(minimum) {
            Invalid::new(
                format!("is {number}, but must be at least {minimum}"),
                format!("use a whole number of {minimum} or more"),
            )
        } else if let Ok(count) = u32::try_from(number) {
            return Some(count);
        } else {
            Invalid::new(
                format!("is {number}, which is too large"),
                format!("use a number up to {}", u32::MAX),
            )
        };
        self.add(path, Some(value.span()), refusal);
        None
    }

    /// An optional count; `default` when the file leaves it out.
    pub fn count_or(
        &mut self,
        path: &FieldPath,
        value: Option<&Spanned<i64>>,
        minimum: u32,
        default: u32,
    ) -> Option<u32> {
        value.map_or(Some(default), |value| self.count(path, value, minimum))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanned<T>(text: &str, part: &str, value: T) -> Spanned<T> {
        let start = text.find(part).unwrap();
        Spanned::new(start..start + part.len(), value)
    }

    #[test]
    fn counts_below_the_minimum_or_beyond_u32_are_refused() {
        let text = "a = 0\nb = 5000000000\n";
        let mut report = Report::new(text);
        let path = FieldPath::default().key("a");
        assert_eq!(report.count(&path, &spanned(text, "0", 0), 1), None);
        let big = spanned(text, "5000000000", 5_000_000_000);
        assert_eq!(report.count(&path, &big, 1), None);
        assert_eq!(report.count(&path, &spanned(text, "a", 16), 1), Some(16));
        let problems = report.into_problems();
        assert_eq!(problems[0].message, "is 0, but must be at least 1");
        assert_eq!(problems[1].message, "is 5000000000, which is too large");
        assert_eq!(problems[1].location, Some(Location { line: 2, column: 5 }));
    }

    #[test]
    fn problems_at_or_around_a_refused_entry_are_not_reported_twice() {
        let mut report = Report::new("");
        let gate = FieldPath::default().key("gates").index(0);
        report.take_out(gate.key("name"));
        let missing = Invalid::new("is missing", "add it");
        report.add(&gate.key("name"), None, missing.clone());
        report.add(&gate.key("namespace"), None, missing);
        let paths: Vec<String> = report.into_problems().into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["gates[0].namespace"]);
    }
}
