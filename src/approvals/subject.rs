//! The digest that binds an approval to exactly what was approved.

use sha2::{Digest, Sha256};

/// The digest of a subject's content, given as its parts in a fixed order (for an emergency
/// release: gate, snapshot, image digest, ReleasePlan, justification). Parts are separated so
/// that `("ab", "c")` and `("a", "bc")` differ.
pub fn subject_digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_parts_give_equal_digests_and_any_change_another() {
        let digest = subject_digest(&["gate", "snap-1", "sha256:abc"]);
        assert_eq!(digest, subject_digest(&["gate", "snap-1", "sha256:abc"]));
        assert_eq!(digest.len(), 64);
        assert_ne!(digest, subject_digest(&["gate", "snap-1", "sha256:abd"]));
        assert_ne!(subject_digest(&["ab", "c"]), subject_digest(&["a", "bc"]));
    }
}
