//! The slice of JQL the emulator understands: clauses joined by `AND`, each `field = value`,
//! `field != value`, `field in (…)`, `field not in (…)` or `status CHANGED TO value AFTER
//! "date"`, and an optional `ORDER BY key [ASC|DESC]`. Enough for gatebot's default search,
//! `--from-date`, and `key in (…)`; anything else is refused the way Jira refuses bad JQL.

use jiff::civil::Date;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Clause>,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// `field in (values)`, or `field = value` as a one-value list; `negated` for `!=`/`not in`.
    OneOf {
        field: Field,
        values: Vec<String>,
        negated: bool,
    },
    /// `status CHANGED TO value AFTER "date"`.
    ChangedToAfter { status: String, after: Date },
}

/// The fields a clause can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Project,
    Status,
    Key,
    Component,
    TargetVersion,
}

impl Field {
    fn parse(name: &str) -> Result<Field, String> {
        match name.to_ascii_lowercase().as_str() {
            "project" => Ok(Field::Project),
            "status" => Ok(Field::Status),
            "key" | "issuekey" => Ok(Field::Key),
            "component" => Ok(Field::Component),
            "target version" | "cf[12319940]" => Ok(Field::TargetVersion),
            _ => Err(format!(
                "Field '{name}' does not exist or you do not have permission to view it."
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    Comma,
    Equals,
    NotEquals,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' | '=' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    ',' => Token::Comma,
                    _ => Token::Equals,
                });
            }
            '!' => {
                chars.next();
                if chars.next() != Some('=') {
                    return Err("Error in the JQL Query: expected '=' after '!'.".into());
                }
                tokens.push(Token::NotEquals);
            }
            '"' | '\'' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => value.extend(chars.next()),
                        Some(end) if end == c => break,
                        Some(other) => value.push(other),
                        None => return Err("Error in the JQL Query: unterminated string.".into()),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()=,!\"'".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&mut self, keyword: &str) -> bool {
        let matches =
            matches!(self.peek(), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword));
        if matches {
            self.at += 1;
        }
        matches
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), String> {
        if self.keyword(keyword) {
            Ok(())
        } else {
            Err(format!("Error in the JQL Query: expecting '{keyword}'."))
        }
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(value) | Token::Quoted(value)) => Ok(value),
            _ => Err("Error in the JQL Query: expecting a value.".into()),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, String> {
        if self.next() != Some(Token::Open) {
            return Err("Error in the JQL Query: expecting '(' after IN.".into());
        }
        let mut values = vec![self.value()?];
        loop {
            match self.next() {
                Some(Token::Comma) => values.push(self.value()?),
                Some(Token::Close) => return Ok(values),
                _ => return Err("Error in the JQL Query: expecting ',' or ')'.".into()),
            }
        }
    }

    fn clause(&mut self) -> Result<Clause, String> {
        let name = self.value()?;
        if self.keyword("changed") {
            self.expect_keyword("to")?;
            let status = self.value()?;
            self.expect_keyword("after")?;
            let after = self.value()?;
            let after = after
                .parse::<Date>()
                .map_err(|_| format!("Date value '{after}' for field 'status' is invalid."))?;
            if Field::parse(&name)? != Field::Status {
                return Err(format!(
                    "Field '{name}' does not support searching for changes."
                ));
            }
            return Ok(Clause::ChangedToAfter { status, after });
        }
        let field = Field::parse(&name)?;
        let (values, negated) = match self.next() {
            Some(Token::Equals) => (vec![self.value()?], false),
            Some(Token::NotEquals) => (vec![self.value()?], true),
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("in") => (self.list()?, false),
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("not") => {
                self.expect_keyword("in")?;
                (self.list()?, true)
            }
            _ => {
                return Err(format!(
                    "Error in the JQL Query: expecting an operator after '{name}'."
                ));
            }
        };
        Ok(Clause::OneOf {
            field,
            values,
            negated,
        })
    }
}

/// Parses a query; the error is the message Jira would put in `errorMessages`.
pub fn parse(text: &str) -> Result<Query, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
    };
    let mut query = Query {
        clauses: Vec::new(),
        descending: false,
    };
    while parser.peek().is_some() {
        if parser.keyword("order") {
            parser.expect_keyword("by")?;
            let field = parser.value()?;
            if Field::parse(&field)? != Field::Key {
                return Err("The emulated Jira orders by key only.".into());
            }
            query.descending = parser.keyword("desc");
            if !query.descending {
                parser.keyword("asc");
            }
            break;
        }
        if !query.clauses.is_empty() && !parser.keyword("and") {
            return Err(
                "Error in the JQL Query: the emulated Jira joins clauses with AND only.".into(),
            );
        }
        query.clauses.push(parser.clause()?);
    }
    if parser.peek().is_some() {
        return Err("Error in the JQL Query: unexpected text after ORDER BY.".into());
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gatebots_default_search_parses() {
        let query = parse(
            "project = \"OCPBUGS\" AND status = \"ON_QA\" AND \"Target Version\" in (\"4.20.0\", \"4.19.z\") \
             AND status CHANGED TO \"ON_QA\" AFTER \"2025-03-01\" ORDER BY key ASC",
        )
        .unwrap();
        assert_eq!(query.clauses.len(), 4);
        assert_eq!(
            query.clauses[2],
            Clause::OneOf {
                field: Field::TargetVersion,
                values: vec!["4.20.0".into(), "4.19.z".into()],
                negated: false
            }
        );
        assert_eq!(
            query.clauses[3],
            Clause::ChangedToAfter {
                status: "ON_QA".into(),
                after: jiff::civil::date(2025, 3, 1)
            }
        );
    }

    #[test]
    fn key_lists_and_negations_parse() {
        let query =
            parse("key in (OCPBUGS-1, OCPBUGS-2) and status != Closed order by key desc").unwrap();
        assert!(query.descending);
        assert_eq!(
            query.clauses[1],
            Clause::OneOf {
                field: Field::Status,
                values: vec!["Closed".into()],
                negated: true
            }
        );
    }

    #[test]
    fn what_the_emulator_does_not_know_is_refused_like_jira_does() {
        assert_eq!(
            parse("priority = Major").unwrap_err(),
            "Field 'priority' does not exist or you do not have permission to view it."
        );
        assert!(parse("project = A OR project = B").is_err());
        assert!(parse("status = \"ON_QA").is_err());
    }
}
