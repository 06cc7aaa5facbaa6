//! Splits a command line into words the way a shell would, one word at a time.
//!
//! Words are separated by whitespace; a part in double quotes (`"…"` or Slack's curly `“…”`) or
//! single quotes (`'…'` or `‘…’`) keeps its spaces, and quoted and unquoted parts that touch
//! form one word. Backslashes have no special meaning, so pasted paths and regular expressions
//! survive. The line is read lazily because a text argument takes the rest of the line as
//! typed: an apostrophe in "it's flaky" must not be mistaken for an unclosed quote.

/// A quote that is opened and never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct UnclosedQuote(pub char);

/// A cursor over a command line.
pub(super) struct Words<'l> {
    line: &'l str,
    position: usize,
}

impl<'l> Words<'l> {
    pub(super) fn new(line: &'l str) -> Words<'l> {
        Words { line, position: 0 }
    }

    /// What is left of the line, as typed, from its next non-blank character.
    pub(super) fn rest(&mut self) -> &'l str {
        let remaining = &self.line[self.position..];
        self.position += remaining.len() - remaining.trim_start().len();
        &self.line[self.position..]
    }

    /// Marks the whole line as read.
    pub(super) fn finish(&mut self) {
        self.position = self.line.len();
    }

    /// The next word with its quotes removed, or `None` at the end of the line.
    pub(super) fn next_word(&mut self) -> Option<Result<String, UnclosedQuote>> {
        let rest = self.rest();
        if rest.is_empty() {
            return None;
        }
        let mut word = String::new();
        let mut characters = rest.char_indices();
        let mut end = rest.len();
        while let Some((index, character)) = characters.next() {
            if character.is_whitespace() {
                end = index;
                break;
            }
            let Some(closing) = closing_quote(character) else {
                word.push(character);
                continue;
            };
            let mut closed = false;
            for (_, quoted) in characters.by_ref() {
                if quoted == closing {
                    closed = true;
                    break;
                }
                word.push(quoted);
            }
            if !closed {
                return Some(Err(UnclosedQuote(character)));
            }
        }
        self.position += end;
        Some(Ok(word))
    }
}

/// The character that closes a quote opened by `opening`, if `opening` opens one.
fn closing_quote(opening: char) -> Option<char> {
    match opening {
        '"' => Some('"'),
        '\'' => Some('\''),
        '“' => Some('”'),
        '‘' => Some('’'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Result<Vec<String>, UnclosedQuote> {
        let mut words = Words::new(line);
        std::iter::from_fn(|| words.next_word()).collect()
    }

    #[test]
    fn whitespace_separates_words() {
        assert_eq!(
            split("  blocked-why \t latest  ").unwrap(),
            ["blocked-why", "latest"]
        );
        assert_eq!(split("   ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn quotes_keep_spaces_and_are_removed() {
        assert_eq!(
            split(r#"say "two  words" 'and three more'"#).unwrap(),
            ["say", "two  words", "and three more"]
        );
    }

    #[test]
    fn curly_quotes_from_slack_work_like_straight_ones() {
        assert_eq!(
            split("say “two words” ‘and more’").unwrap(),
            ["say", "two words", "and more"]
        );
    }

    #[test]
    fn each_quote_kind_may_contain_the_other() {
        assert_eq!(
            split(r#"say "it's" 'a "quote"'"#).unwrap(),
            ["say", "it's", r#"a "quote""#]
        );
    }

    #[test]
    fn touching_parts_form_one_word() {
        assert_eq!(
            split(r#"--why="a b"c 'x'"y""#).unwrap(),
            ["--why=a bc", "xy"]
        );
    }

    #[test]
    fn empty_quotes_are_an_empty_word() {
        assert_eq!(split(r#"say """#).unwrap(), ["say", ""]);
    }

    #[test]
    fn backslashes_are_ordinary_characters() {
        assert_eq!(split(r"match \d+\.x").unwrap(), ["match", r"\d+\.x"]);
    }

    #[test]
    fn an_unclosed_quote_is_reported() {
        assert_eq!(split(r#"say "never closed"#), Err(UnclosedQuote('"')));
        assert_eq!(split("say it's"), Err(UnclosedQuote('\'')));
        assert_eq!(split("say “curly\""), Err(UnclosedQuote('“')));
    }

    #[test]
    fn the_rest_of_the_line_is_kept_as_typed() {
        let mut words = Words::new("emergency  snap   it's  <!channel>  flaky \"still\"  ");
        assert_eq!(words.next_word(), Some(Ok("emergency".to_string())));
        assert_eq!(words.next_word(), Some(Ok("snap".to_string())));
        assert_eq!(words.rest(), "it's  <!channel>  flaky \"still\"  ");
        words.finish();
        assert_eq!(words.rest(), "");
        assert_eq!(words.next_word(), None);
    }
}
