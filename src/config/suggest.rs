//! "Did you mean …?" for misspelt configuration keys.
//!
//! A misspelt key is the most common configuration mistake and, because unknown keys are errors,
//! the cheapest one to explain: name the valid key that is closest in spelling.

use super::problems::Invalid;

/// The problem with a key no reader knows: the closest of `allowed` as a suggestion, or the whole
/// list when nothing is close.
pub fn unknown_key(name: &str, allowed: &[String]) -> Invalid {
    let fix = match closest(name, allowed) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None if allowed.is_empty() => "remove it; no keys are allowed here".to_string(),
        None => format!(
            "remove it; the keys allowed here are {}",
            allowed.join(", ")
        ),
    };
    Invalid::new(format!("unknown key `{name}`"), fix)
}

/// The candidate closest to `typed`, if any is close enough to be a plausible misspelling.
pub fn closest<'c>(typed: &str, candidates: &'c [String]) -> Option<&'c str> {
    let allowed = (typed.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|candidate| (edit_distance(typed, candidate), candidate))
        .filter(|(distance, candidate)| {
            let (shorter, longer) = if typed.len() < candidate.len() {
                (typed, candidate.as_str())
            } else {
                (candidate.as_str(), typed)
            };
            *distance <= allowed || (shorter.len() >= 3 && longer.starts_with(shorter))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_str())
}

/// Levenshtein distance: the number of single-character insertions, deletions and
/// substitutions that turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("prow", "prow"), 0);
    }

    #[test]
    fn suggests_the_closest_plausible_key() {
        let candidates = keys(&["poll_interval", "prow_url", "bucket", "grace_period_days"]);
        assert_eq!(closest("pol_interval", &candidates), Some("poll_interval"));
        assert_eq!(closest("buckt", &candidates), Some("bucket"));
        assert_eq!(
            closest("grace_period", &candidates),
            Some("grace_period_days")
        );
        assert_eq!(closest("slack", &candidates), None);
    }
}
