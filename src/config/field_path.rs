//! Field paths such as `gates[0].checks.baseline.jobs.azure`: how a problem names the field it
//! is about, in the notation people already use for TOML and JSON.

use std::fmt;

/// Where a value sits in the document: `gates[0].checks.baseline.jobs.azure`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(Vec<Segment>);

/// One step of a path: a key of a table or an index into a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl FieldPath {
    pub fn key(&self, key: &str) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        FieldPath(segments)
    }

    pub fn index(&self, index: usize) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this path is `outer` or goes on from it.
    pub fn is_within(&self, outer: &FieldPath) -> bool {
        self.0.starts_with(&outer.0)
    }

    /// The TOML table header that leads here, without indices: `gates.versions`.
    pub fn header(&self) -> String {
        let keys: Vec<String> = self
            .0
            .iter()
            .filter_map(|segment| match segment {
                Segment::Key(key) => Some(quoted_if_needed(key)),
                Segment::Index(_) => None,
            })
            .collect();
        keys.join(".")
    }

    /// Where a missing key should be added, for fixes.
    pub fn place(&self) -> String {
        if self.0.is_empty() {
            "at the top level".to_string()
        } else {
            format!("to {self}")
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if position == 0 => f.write_str(&quoted_if_needed(key))?,
                Segment::Key(key) => write!(f, ".{}", quoted_if_needed(key))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// TOML bare keys are letters, digits, `-` and `_`; anything else (label keys with dots and
/// slashes) is written in quotes so the path can be read back unambiguously.
fn quoted_if_needed(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_toml_with_indices() {
        let path = FieldPath::default()
            .key("gates")
            .index(0)
            .key("snapshot_selector")
            .key("pac.test.appstudio.openshift.io/event-type");
        assert_eq!(
            path.to_string(),
            r#"gates[0].snapshot_selector."pac.test.appstudio.openshift.io/event-type""#
        );
        assert_eq!(
            FieldPath::default()
                .key("gates")
                .index(1)
                .key("versions")
                .header(),
            "gates.versions"
        );
    }
}
