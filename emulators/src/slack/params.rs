//! The arguments of a Web API call, wherever the client put them. Slack's SDKs send all three
//! forms: a JSON body (python-slack-sdk for `chat.*`), a form body (node-slack-sdk, everything)
//! and a GET query string (`users.info`, `conversations.replies`, …). In form and query
//! arguments every value is a string, so `blocks` arrives as JSON text and booleans as
//! `true`/`1`.

use axum::http::{HeaderMap, Uri, header};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

#[derive(Debug, Default)]
pub(super) struct Params(Map<String, Value>);

impl Params {
    /// The query string's arguments, overridden by the body's. A JSON body that does not parse
    /// is Slack's `invalid_json`.
    pub fn parse(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Self, &'static str> {
        let mut params = Map::new();
        params.extend(form_pairs(uri.query().unwrap_or_default()));
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if content_type.starts_with("application/json") && !body.is_empty() {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(fields)) => params.extend(fields),
                _ => return Err("invalid_json"),
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            params.extend(form_pairs(&String::from_utf8_lossy(body)));
        }
        Ok(Self(params))
    }

    /// A string argument; numbers count too, as some clients send timestamps as numbers.
    /// Empty strings count as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// A boolean argument: `true`, `"true"` or `"1"`.
    pub fn flag(&self, name: &str) -> bool {
        match self.0.get(name) {
            Some(Value::Bool(flag)) => *flag,
            Some(Value::String(text)) => matches!(text.as_str(), "true" | "1"),
            _ => false,
        }
    }

    /// An array argument, given as JSON or as JSON text; `Err` if it is neither.
    pub fn array(&self, name: &str) -> Result<Option<Vec<Value>>, ()> {
        match self.json(name)? {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(()),
        }
    }

    /// An object argument, given as JSON or as JSON text; `Err` if it is neither.
    pub fn object(&self, name: &str) -> Result<Option<Value>, ()> {
        match self.json(name)? {
            None => Ok(None),
            Some(object @ Value::Object(_)) => Ok(Some(object)),
            Some(_) => Err(()),
        }
    }

    /// An argument that is JSON, or JSON text as form-encoded calls send it.
    fn json(&self, name: &str) -> Result<Option<Value>, ()> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => serde_json::from_str(text).map(Some).map_err(|_| ()),
            Some(value) => Ok(Some(value.clone())),
        }
    }
}

/// The pairs of an `application/x-www-form-urlencoded` string.
fn form_pairs(encoded: &str) -> impl Iterator<Item = (String, Value)> + '_ {
    encoded
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), Value::String(decode(value)))
        })
}

fn decode(part: &str) -> String {
    percent_decode_str(&part.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    fn parse(uri: &str, content_type: Option<&str>, body: &str) -> Result<Params, &'static str> {
        let mut headers = HeaderMap::new();
        if let Some(content_type) = content_type {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).unwrap(),
            );
        }
        Params::parse(&uri.parse().unwrap(), &headers, body.as_bytes())
    }

    #[test]
    fn form_bodies_decode_and_carry_blocks_as_json_text() {
        let blocks = r#"[{"type":"divider"}]"#;
        let body = format!(
            "channel=C1&text=a+b%26c&reply_broadcast=1&blocks={}",
            percent_encoding::utf8_percent_encode(blocks, percent_encoding::NON_ALPHANUMERIC)
        );
        let params = parse(
            "/api/chat.postMessage",
            Some("application/x-www-form-urlencoded"),
            &body,
        )
        .unwrap();
        assert_eq!(params.text("text").as_deref(), Some("a b&c"));
        assert!(params.flag("reply_broadcast"));
        assert_eq!(
            params.array("blocks"),
            Ok(Some(vec![json!({"type": "divider"})]))
        );
    }

    #[test]
    fn query_strings_and_json_bodies_merge_with_the_body_winning() {
        let params = parse(
            "/api/chat.update?channel=C1&ts=1.000100",
            Some("application/json; charset=utf-8"),
            r#"{"ts": 1700000000.5, "blocks": [], "as_user": true}"#,
        )
        .unwrap();
        assert_eq!(params.text("channel").as_deref(), Some("C1"));
        assert_eq!(params.text("ts").as_deref(), Some("1700000000.5"));
        assert_eq!(params.array("blocks"), Ok(Some(vec![])));
        assert!(params.flag("as_user"));
        assert!(!params.flag("missing"));
    }

    #[test]
    fn broken_json_and_non_array_blocks_are_refused() {
        assert_eq!(
            parse("/api/x", Some("application/json"), "{").err(),
            Some("invalid_json")
        );
        let params = parse("/api/x?blocks=%7B%7D&text=", None, "").unwrap();
        assert_eq!(params.array("blocks"), Err(()));
        assert_eq!(params.text("text"), None);
    }
}
