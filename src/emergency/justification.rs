//! What a justification must say. It is the one thing an approver and a later reviewer have to
//! go on, so an empty or token one ("fix", "urgent") is refused before anyone is asked.

/// Fewer characters than this cannot say what is broken and why this build fixes it.
const MIN_CHARACTERS: usize = 20;
const MIN_WORDS: usize = 3;
/// Long enough for an incident summary with links; longer belongs in the incident itself.
const MAX_CHARACTERS: usize = 2000;

/// Why a justification is not acceptable, as a sentence that says what would be; `None` when
/// it is.
pub fn justification_problem(text: &str) -> Option<String> {
    let said = text
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’'))
        .trim();
    let characters = said.chars().count();
    let words = said
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .count();
    let expected = "An emergency release needs a justification that says why this snapshot \
        cannot wait for its gate: what is broken, what this build fixes, and the incident or \
        issue it belongs to";
    let example = "For example: `emergency <snapshot> OCPBUGS-12345: new hosted clusters crash-loop; \
        this build has the fix`.";
    if characters > MAX_CHARACTERS {
        return Some(format!(
            "This justification is {characters} characters long; keep it under \
             {MAX_CHARACTERS} and link to the incident for the details."
        ));
    }
    if characters < MIN_CHARACTERS || words < MIN_WORDS {
        let given = if characters == 0 {
            "nothing was given".to_string()
        } else {
            format!("`{said}` is too short")
        };
        return Some(format!(
            "{expected} — at least {MIN_CHARACTERS} characters in {MIN_WORDS} words or more; \
             {given}. {example}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_justification_must_say_something() {
        for typed in [
            "",
            "   ",
            "\"\"",
            "fix",
            "urgent hotfix now",
            "aaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            let problem = justification_problem(typed).expect(typed);
            assert!(problem.contains("at least 20 characters"), "{problem}");
            assert!(problem.contains("For example"), "{problem}");
        }
        assert!(
            justification_problem("OCPBUGS-1: ingress crash loop on all new clusters").is_none()
        );
    }

    #[test]
    fn an_essay_belongs_in_the_incident() {
        let long = "word ".repeat(500);
        let problem = justification_problem(&long).expect("too long");
        assert!(problem.contains("keep it under 2000"), "{problem}");
    }
}
