//! Names of environment variables in configuration: values gatebot passes on (the operator image
//! override Prow sets) and secrets it reads at start-up instead of from the file (Slack and Jira
//! tokens).

use super::problems::Invalid;

/// A shell-style variable name: letters, digits and `_`, not starting with a digit.
pub fn variable_name(text: &str, example: &str) -> Result<String, Invalid> {
    if is_variable_name(text) {
        Ok(text.to_string())
    } else {
        Err(Invalid::new(
            format!("`{text}` is not an environment variable name"),
            format!("use letters, digits and `_`, not starting with a digit, such as `{example}`"),
        ))
    }
}

/// The name of the variable holding a secret. A refused value is never quoted back: it may be
/// the token itself, pasted where its variable's name belongs, and the message is printed and
/// logged.
pub fn secret_variable_name(text: &str, example: &str) -> Result<String, Invalid> {
    if is_variable_name(text) {
        Ok(text.to_string())
    } else {
        Err(Invalid::new(
            "is not the name of an environment variable",
            format!(
                "write the name of the variable that holds the token, such as `{example}`, and put \
                 the token in that variable; if what was written here is the token itself, revoke \
                 it, since it has been stored in a file"
            ),
        ))
    }
}

fn is_variable_name(text: &str) -> bool {
    let mut characters = text.chars();
    let starts_well = characters
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well && characters.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_letters_digits_and_underscores() {
        assert!(variable_name("GATEBOT_SLACK_BOT_TOKEN", "X").is_ok());
        assert!(variable_name("_PRIVATE", "X").is_ok());
        assert!(variable_name("9LIVES", "X").is_err());
        assert!(variable_name("", "X").is_err());
    }

    #[test]
    fn a_secret_written_in_place_of_its_variable_is_not_repeated() {
        let token = "xoxb-1234-5678-abcdef";
        let refused = secret_variable_name(token, "GATEBOT_SLACK_BOT_TOKEN").unwrap_err();
        assert!(!refused.message.contains(token) && !refused.fix.contains(token));
        assert!(refused.fix.contains("revoke"), "{}", refused.fix);
    }
}
