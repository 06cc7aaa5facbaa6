//! Semantic versions and ranges as the release-controller reads them, with
//! `github.com/blang/semver` v3 (`go.mod` of openshift/release-controller): tags are ordered by
//! version, and `latest?in=` filters by a range such as `>4.19.0 <4.22.0-a || =5.0.0`.
//!
//! Only what the emulator needs: strict `MAJOR.MINOR.PATCH[-PRE][+BUILD]` parsing, SemVer 2.0
//! precedence (build metadata ignored), and ranges of comparators joined by spaces (and) and
//! `||` (or). blang's `1.x` wildcards are not emulated and are refused like a bad range.

use std::cmp::Ordering;

/// A parsed version; build metadata is dropped because it never affects precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Version {
    core: [u64; 3],
    pre: Vec<Identifier>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Identifier {
    Numeric(u64),
    Text(String),
}

impl Version {
    /// blang's `semver.Parse`: three numbers without leading zeros, then an optional
    /// pre-release and build metadata of dot-separated `[0-9A-Za-z-]` identifiers.
    pub fn parse(text: &str) -> Option<Self> {
        let (rest, build) = match text.split_once('+') {
            Some((rest, build)) => (rest, Some(build)),
            None => (text, None),
        };
        if let Some(build) = build
            && !build.split('.').all(is_identifier)
        {
            return None;
        }
        let (core_text, pre_text) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let mut numbers = core_text.split('.').map(number);
        let core = [numbers.next()??, numbers.next()??, numbers.next()??];
        if numbers.next().is_some() {
            return None;
        }
        let pre = match pre_text {
            None => Vec::new(),
            Some(pre) => pre
                .split('.')
                .map(|part| {
                    if !is_identifier(part) {
                        None
                    } else if part.bytes().all(|b| b.is_ascii_digit()) {
                        number(part).map(Identifier::Numeric)
                    } else {
                        Some(Identifier::Text(part.to_string()))
                    }
                })
                .collect::<Option<_>>()?,
        };
        Some(Self { core, pre })
    }
}

fn is_identifier(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A decimal number without a leading zero (`0` itself is fine).
fn number(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    (digits && (text == "0" || !text.starts_with('0')))
        .then(|| text.parse().ok())
        .flatten()
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core.cmp(&other.core).then_with(|| {
            // A pre-release comes before its release; otherwise identifiers decide in turn.
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Identifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Identifier::Numeric(a), Identifier::Numeric(b)) => a.cmp(b),
            (Identifier::Numeric(_), Identifier::Text(_)) => Ordering::Less,
            (Identifier::Text(_), Identifier::Numeric(_)) => Ordering::Greater,
            (Identifier::Text(a), Identifier::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A `semver.Range`: any of its alternatives holds when all of that alternative's comparators do.
#[derive(Debug, Clone)]
pub(super) struct Range {
    alternatives: Vec<Vec<(Operator, Version)>>,
}

#[derive(Debug, Clone, Copy)]
enum Operator {
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Range {
    /// blang's `semver.ParseRange`; the error reads like the one the real API sends back.
    pub fn parse(text: &str) -> Result<Self, String> {
        let alternatives = text
            .split("||")
            .map(|alternative| {
                let comparators: Vec<_> = alternative
                    .split_whitespace()
                    .map(comparator)
                    .collect::<Result<_, _>>()?;
                if comparators.is_empty() {
                    return Err(format!("Could not get version from string: {text:?}"));
                }
                Ok(comparators)
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { alternatives })
    }

    pub fn contains(&self, version: &Version) -> bool {
        self.alternatives.iter().any(|all| {
            all.iter().all(|(operator, bound)| {
                let order = version.cmp(bound);
                match operator {
                    Operator::Equal => order.is_eq(),
                    Operator::NotEqual => order.is_ne(),
                    Operator::Greater => order.is_gt(),
                    Operator::GreaterOrEqual => order.is_ge(),
                    Operator::Less => order.is_lt(),
                    Operator::LessOrEqual => order.is_le(),
                }
            })
        })
    }
}

fn comparator(text: &str) -> Result<(Operator, Version), String> {
    // Longest operators first, so `>=` is not read as `>` and a version starting with `=`.
    const OPERATORS: [(&str, Operator); 8] = [
        (">=", Operator::GreaterOrEqual),
        ("<=", Operator::LessOrEqual),
        ("!=", Operator::NotEqual),
        ("==", Operator::Equal),
        (">", Operator::Greater),
        ("<", Operator::Less),
        ("!", Operator::NotEqual),
        ("=", Operator::Equal),
    ];
    let (operator, version) = OPERATORS
        .iter()
        .find_map(|(sign, operator)| text.strip_prefix(sign).map(|rest| (*operator, rest)))
        .unwrap_or((Operator::Equal, text));
    Version::parse(version)
        .map(|version| (operator, version))
        .ok_or_else(|| format!("Could not parse Range {text:?}: invalid version {version:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn openshift_tag_names_order_as_semver_says() {
        let ordered = [
            "4.20.0-0.nightly-2025-06-01-000000",
            "4.20.0-ec.2",
            "4.20.0-ec.10",
            "4.20.0-fc.1",
            "4.20.0-rc.0",
            "4.20.0",
            "4.20.1",
            "4.21.0-ec.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("4.20.0+build.5"), v("4.20.0"));
    }

    #[test]
    fn names_blang_refuses_are_not_versions() {
        for bad in [
            "4.20",
            "4.20.0.1",
            "v4.20.0",
            "04.20.0",
            "4.20.0-",
            "4.20.0-a..b",
            "x",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges_and_alternatives_hold_as_hypershift_uses_them() {
        let supported = Range::parse(">4.19.0 <4.22.0-a").unwrap();
        assert!(supported.contains(&v("4.21.3")));
        assert!(supported.contains(&v("4.22.0-0.nightly-2025-01-01-000000")));
        assert!(!supported.contains(&v("4.22.0-ec.1")));
        assert!(!supported.contains(&v("4.19.0")));
        let either = Range::parse("=4.18.2 || >=5.0.0").unwrap();
        assert!(either.contains(&v("4.18.2")) && either.contains(&v("5.0.0")));
        assert!(!either.contains(&v("4.18.3")));
        assert!(Range::parse(">=4.x").is_err());
        assert!(Range::parse("").is_err());
    }
}
