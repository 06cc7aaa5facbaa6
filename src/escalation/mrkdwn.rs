//! The Jira issue link shared by the listing and the digest. Issue keys and summaries are
//! outside text, escaped with the chat port's `mrkdwn` (DESIGN rule 7).

use crate::chat::mrkdwn::link;

/// A link to the issue in Jira, labelled with its key.
pub fn issue_link(jira_url: &str, key: &str) -> String {
    link(
        &format!("{}/browse/{key}", jira_url.trim_end_matches('/')),
        key,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_links_to_its_browse_page_labelled_with_its_key() {
        assert_eq!(
            issue_link("https://issues.redhat.com/", "OCPBUGS-1"),
            "<https://issues.redhat.com/browse/OCPBUGS-1|OCPBUGS-1>"
        );
    }
}
