//! Small pieces of Slack mrkdwn shared by the listing and the digest.
//!
//! Issue summaries and Jira's error messages are outside text: `&`, `<` and `>` are escaped so a
//! summary containing `<!channel>` cannot ping anyone (DESIGN rule 7).

/// Outside text made safe for mrkdwn.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A link to the issue in Jira, labelled with its key.
pub fn issue_link(jira_url: &str, key: &str) -> String {
    format!(
        "<{}/browse/{}|{}>",
        jira_url.trim_end_matches('/'),
        escape(key),
        escape(key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_ping_or_link() {
        assert_eq!(escape("<!channel> a & b"), "&lt;!channel&gt; a &amp; b");
        assert_eq!(
            issue_link("https://issues.redhat.com/", "OCPBUGS-1"),
            "<https://issues.redhat.com/browse/OCPBUGS-1|OCPBUGS-1>"
        );
    }
}
