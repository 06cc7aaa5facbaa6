//! Kubernetes naming rules, checked when the configuration is loaded.
//!
//! Gate names, namespaces, application, component and release plan names end up in object names,
//! labels and label selectors. Kubernetes would refuse a bad one only when gatebot first creates a
//! Release, perhaps days after the deploy; checking here turns that into a message at start-up.

use super::problems::Invalid;

const LABEL_MAX: usize = 63;
const SUBDOMAIN_MAX: usize = 253;

/// An RFC 1123 label: at most 63 lowercase letters, digits and `-`, starting and ending with a
/// letter or digit. Namespaces, gate names and Konflux application and component names follow it.
pub fn dns_label(text: &str) -> Result<String, Invalid> {
    check_name(text, LABEL_MAX, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        .map_err(|reason| {
            Invalid::new(
                about(text, reason),
                "use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit",
            )
        })
}

/// A ReleasePlan name: an RFC 1123 subdomain (letters, digits, `-` and `.`), held to 63
/// characters because gatebot records it in a label on every Release it creates.
pub fn release_plan(text: &str) -> Result<String, Invalid> {
    check_name(text, LABEL_MAX, is_subdomain_character).map_err(|reason| {
        Invalid::new(
            about(text, reason),
            "use at most 63 lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit",
        )
    })
}

/// An RFC 1123 subdomain, as in the prefix of an annotation or label key: at most 253 characters,
/// dot-separated parts of lowercase letters, digits and `-`, each starting and ending with a
/// letter or digit.
pub fn dns_subdomain(text: &str) -> Result<String, Invalid> {
    let refuse = |reason: String| {
        Invalid::new(
            about(text, reason),
            "use a lowercase DNS name such as `release.hypershift.io`: parts of letters, digits \
             and `-` joined by dots, at most 253 characters",
        )
    };
    check_name(text, SUBDOMAIN_MAX, is_subdomain_character).map_err(refuse)?;
    for part in text.split('.') {
        check_name(part, LABEL_MAX, |c| c != '.').map_err(|reason| {
            refuse(if part.is_empty() {
                "has an empty part between dots".to_string()
            } else {
                format!("has a part `{part}` that {reason}")
            })
        })?;
    }
    Ok(text.to_string())
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 letters,
/// digits, `-`, `_` and `.`, starting and ending with a letter or digit.
pub fn label_key(text: &str) -> Result<String, Invalid> {
    let refuse = |part: &str, reason: String| {
        Invalid::new(
            format!("the {part} of the label key `{text}` {reason}"),
            "write a label key such as `pac.test.appstudio.openshift.io/event-type`: an optional \
             lowercase DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`",
        )
    };
    let (prefix, name) = match text.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    if let Some(prefix) = prefix {
        check_name(prefix, SUBDOMAIN_MAX, is_subdomain_character)
            .map_err(|reason| refuse("prefix", reason))?;
    }
    check_name(name, LABEL_MAX, is_label_character).map_err(|reason| refuse("name", reason))?;
    Ok(text.to_string())
}

/// A label value: empty, or at most 63 letters, digits, `-`, `_` and `.`, starting and ending
/// with a letter or digit.
pub fn label_value(text: &str) -> Result<String, Invalid> {
    if text.is_empty() {
        return Ok(String::new());
    }
    check_name(text, LABEL_MAX, is_label_character).map_err(|reason| {
        Invalid::new(
            format!("the label value `{text}` {reason}"),
            "use at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
        )
    })
}

/// A sentence about a refused name; an empty name is simply "empty".
fn about(text: &str, reason: String) -> String {
    if text.is_empty() {
        reason
    } else {
        format!("`{text}` {reason}")
    }
}

fn is_subdomain_character(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
}

fn is_label_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// Checks length, characters and ends; the error is a reason that completes a sentence about
/// the name ("`Foo` contains `F`").
fn check_name(text: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<String, String> {
    if text.is_empty() {
        return Err("is empty".to_string());
    }
    let length = text.chars().count();
    if length > max {
        return Err(format!(
            "is {length} characters long, more than the {max} allowed"
        ));
    }
    if let Some(bad) = text.chars().find(|c| !allowed(*c)) {
        return Err(format!("contains `{bad}`, which is not allowed"));
    }
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alphanumeric(text.chars().next()) || !alphanumeric(text.chars().last()) {
        return Err("does not start and end with a letter or digit".to_string());
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_follow_rfc_1123() {
        assert!(dns_label("hypershift-operator").is_ok());
        assert!(dns_label("a").is_ok());
        assert!(dns_label(&"a".repeat(63)).is_ok());
        assert!(
            dns_label(&"a".repeat(64))
                .unwrap_err()
                .message
                .ends_with("is 64 characters long, more than the 63 allowed")
        );
        assert_eq!(
            dns_label("Hypershift").unwrap_err().message,
            "`Hypershift` contains `H`, which is not allowed"
        );
        assert_eq!(
            dns_label("-ho").unwrap_err().message,
            "`-ho` does not start and end with a letter or digit"
        );
        assert_eq!(dns_label("").unwrap_err().message, "is empty");
        assert!(dns_label("ho.main").is_err());
    }

    #[test]
    fn release_plans_may_contain_dots_but_stay_within_63() {
        assert!(release_plan("hypershift-operator.progressive").is_ok());
        assert!(release_plan(&"p".repeat(64)).is_err());
    }

    #[test]
    fn subdomains_are_dot_separated_labels() {
        assert!(dns_subdomain("release.hypershift.io").is_ok());
        assert!(dns_subdomain("gatebot").is_ok());
        assert!(dns_subdomain("release..io").is_err());
        assert!(dns_subdomain("release.-x.io").is_err());
        assert!(dns_subdomain("Release.io").is_err());
        assert!(dns_subdomain(&format!("{}.io", "a".repeat(64))).is_err());
    }

    #[test]
    fn label_keys_and_values_follow_kubernetes_rules() {
        assert!(label_key("pac.test.appstudio.openshift.io/original-prname").is_ok());
        assert!(label_key("app").is_ok());
        assert_eq!(
            label_key("Pac.io/event").unwrap_err().message,
            "the prefix of the label key `Pac.io/event` contains `P`, which is not allowed"
        );
        assert!(label_key("pac.io/").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("Hypershift_Operator.main-on-push").is_ok());
        assert!(label_value("on push").is_err());
    }
}
