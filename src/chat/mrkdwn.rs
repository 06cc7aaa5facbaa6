//! Slack's mrkdwn: escaping outside text and writing links.
//!
//! Slack treats `&`, `<` and `>` as control characters. Anything gatebot did not write itself —
//! a justification, a snapshot name someone typed, a Konflux error message, an issue summary —
//! is escaped, so text containing `<!channel>` or `<@U123>` cannot ping anyone (DESIGN rule 7).

/// Outside text made safe for mrkdwn.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escaped mrkdwn back to the text it shows, for surfaces that print plain text.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A link labelled with outside text; the URL must be one gatebot built or validated.
pub fn link(url: &str, label: &str) -> String {
    format!(
        "<{}|{}>",
        url.replace('>', "%3E").replace('|', "%7C"),
        escape(label)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_ping_or_link() {
        assert_eq!(escape("<!channel> a & b"), "&lt;!channel&gt; a &amp; b");
        assert_eq!(escape("<@U123|alice>"), "&lt;@U123|alice&gt;");
    }

    #[test]
    fn escaping_round_trips_for_plain_surfaces() {
        let text = "a <b> & &amp; c";
        assert_eq!(unescape(&escape(text)), text);
    }

    #[test]
    fn links_keep_their_label_escaped_and_their_url_whole() {
        assert_eq!(
            link("https://prow.example/view/1", "build <1>"),
            "<https://prow.example/view/1|build &lt;1&gt;>"
        );
        assert_eq!(link("https://x/a|b>c", "x"), "<https://x/a%7Cb%3Ec|x>");
    }
}
