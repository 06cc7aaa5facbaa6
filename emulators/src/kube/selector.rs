//! Label and field selectors with the API server's syntax.
//!
//! Label selectors: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k` (exists), `!k`
//! (does not exist), `k>1`, `k<1`; a comma means AND. Keys must be qualified names and values
//! valid label values, or the request gets a 400. `k!=v` and `notin` also match objects without
//! the label, as on a real cluster.
//!
//! Field selectors for custom resources: `metadata.name` and `metadata.namespace` with `=`, `==`
//! or `!=`; any other field is refused with 400, as the real server does for CRDs without
//! `selectableFields`.

use serde_json::Value;

use super::meta;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
    Gt(i64),
    Lt(i64),
}

/// A parsed label selector (an AND of requirements); the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector {
    reqs: Vec<(String, Op)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Op(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        if two == "==" || two == "!=" {
            out.push(Tok::Op(if two == "==" { "==" } else { "!=" }));
            i += 2;
            continue;
        }
        let single = match c {
            '=' => Some("="),
            '!' => Some("!"),
            '(' => Some("("),
            ')' => Some(")"),
            ',' => Some(","),
            '>' => Some(">"),
            '<' => Some("<"),
            _ => None,
        };
        if let Some(op) = single {
            out.push(Tok::Op(op));
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !"=!(),<>".contains(chars[i]) {
            i += 1;
        }
        out.push(Tok::Word(chars[start..i].iter().collect()));
    }
    Ok(out)
}

impl LabelSelector {
    /// Parse `labelSelector`; the error is the message for a 400 `BadRequest`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let toks = lex(s)?;
        let mut reqs = Vec::new();
        let mut i = 0;
        let err = |what: &str| format!("unable to parse requirement: {what}");
        while i < toks.len() {
            // One requirement.
            let negated = toks[i] == Tok::Op("!");
            if negated {
                i += 1;
            }
            let key = match toks.get(i) {
                Some(Tok::Word(w)) => w.clone(),
                Some(Tok::Op(o)) => return Err(err(&format!("found '{o}', expected: identifier"))),
                None => return Err(err("found '', expected: identifier")),
            };
            i += 1;
            let key_errs = meta::qualified_name(&key);
            if !key_errs.is_empty() {
                return Err(err(&format!(
                    "<nil>: Invalid value: {key:?}: {}",
                    key_errs.join("; ")
                )));
            }
            if negated {
                reqs.push((key, Op::DoesNotExist));
            } else {
                let op = match toks.get(i) {
                    None | Some(Tok::Op(",")) => Op::Exists,
                    Some(Tok::Op(o @ ("=" | "==" | "!="))) => {
                        let o = *o;
                        i += 1;
                        let value = match toks.get(i) {
                            Some(Tok::Word(w)) => {
                                i += 1;
                                w.clone()
                            }
                            None | Some(Tok::Op(",")) => String::new(),
                            Some(Tok::Op(x)) => {
                                return Err(err(&format!("found '{x}', expected: identifier")));
                            }
                        };
                        check_value(&value)?;
                        if o == "!=" {
                            Op::NotEq(value)
                        } else {
                            Op::Eq(value)
                        }
                    }
                    Some(Tok::Op(o @ (">" | "<"))) => {
                        let o = *o;
                        i += 1;
                        let Some(Tok::Word(w)) = toks.get(i) else {
                            return Err(err("found '', expected: an integer"));
                        };
                        i += 1;
                        let n: i64 = w.parse().map_err(|_| {
                            err(&format!(
                                "for 'Gt', 'Lt' operators, the value must be an integer, got {w:?}"
                            ))
                        })?;
                        if o == ">" { Op::Gt(n) } else { Op::Lt(n) }
                    }
                    Some(Tok::Word(w)) if w == "in" || w == "notin" => {
                        let notin = w == "notin";
                        i += 1;
                        if toks.get(i) != Some(&Tok::Op("(")) {
                            return Err(err("found '', expected: '('"));
                        }
                        i += 1;
                        let mut values = Vec::new();
                        loop {
                            match toks.get(i) {
                                Some(Tok::Word(w)) => {
                                    check_value(w)?;
                                    values.push(w.clone());
                                    i += 1;
                                }
                                Some(Tok::Op(",")) | Some(Tok::Op(")")) => {
                                    values.push(String::new())
                                }
                                _ => return Err(err("found '', expected: ',', ')' or identifier")),
                            }
                            match toks.get(i) {
                                Some(Tok::Op(",")) => i += 1,
                                Some(Tok::Op(")")) => {
                                    i += 1;
                                    break;
                                }
                                _ => return Err(err("found '', expected: ',' or ')'")),
                            }
                        }
                        if notin {
                            Op::NotIn(values)
                        } else {
                            Op::In(values)
                        }
                    }
                    Some(Tok::Word(w)) => {
                        return Err(err(&format!(
                            "found '{w}', expected: in, notin, =, ==, !=, gt, lt"
                        )));
                    }
                    Some(Tok::Op(o)) => {
                        return Err(err(&format!(
                            "found '{o}', expected: in, notin, =, ==, !=, gt, lt"
                        )));
                    }
                };
                reqs.push((key, op));
            }
            match toks.get(i) {
                None => {}
                Some(Tok::Op(",")) => {
                    i += 1;
                    if i == toks.len() {
                        return Err(err("found '', expected: identifier after ','"));
                    }
                }
                Some(other) => {
                    let shown = match other {
                        Tok::Word(w) => w.clone(),
                        Tok::Op(o) => o.to_string(),
                    };
                    return Err(err(&format!(
                        "found '{shown}', expected: ',' or 'end of string'"
                    )));
                }
            }
        }
        Ok(Self { reqs })
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Does an object (its `metadata.labels`) match?
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.reqs.iter().all(|(k, op)| {
            let v = get(k);
            match op {
                Op::Eq(want) => v == Some(want.as_str()),
                Op::NotEq(want) => v != Some(want.as_str()),
                Op::In(set) => v.is_some_and(|v| set.iter().any(|s| s == v)),
                Op::NotIn(set) => v.is_none_or(|v| !set.iter().any(|s| s == v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
                Op::Gt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|x| x > *n),
                Op::Lt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|x| x < *n),
            }
        })
    }
}

fn check_value(v: &str) -> Result<(), String> {
    let errs = meta::label_value(v);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unable to parse requirement: <nil>: Invalid value: {v:?}: {}",
            errs.join("; ")
        ))
    }
}

/// A field selector over `metadata.name` / `metadata.namespace`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector {
    reqs: Vec<(String, bool, String)>,
}

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (field, eq, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{term}'"
                ));
            };
            let field = field.trim();
            if field != "metadata.name" && field != "metadata.namespace" {
                return Err(format!("field label not supported: {field}"));
            }
            reqs.push((field.to_string(), eq, value.trim().to_string()));
        }
        Ok(Self { reqs })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.reqs.iter().all(|(field, eq, want)| {
            let have = match field.as_str() {
                "metadata.name" => obj.pointer("/metadata/name"),
                _ => obj.pointer("/metadata/namespace"),
            }
            .and_then(Value::as_str)
            .unwrap_or_default();
            (have == want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "n", "namespace": "ns", "labels": labels}})
    }

    #[test]
    fn every_form_matches_like_a_cluster() {
        let o = obj(json!({"app": "hcp", "tier": "1", "env": "prod"}));
        let yes = [
            "",
            "app=hcp",
            "app==hcp",
            "app!=other",
            "missing!=x",
            "app in (hcp,other)",
            "app notin (other)",
            "missing notin (x)",
            "app",
            "!missing",
            "tier>0",
            "tier<2",
            "app=hcp,env in (prod), !missing",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&o), "{s}");
        }
        let no = [
            "app=other",
            "app!=hcp",
            "app in (x)",
            "app notin (hcp)",
            "missing",
            "!app",
            "tier>1",
            "app=hcp,env=dev",
        ];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(&o), "{s}");
        }
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for s in [
            "app=",
            "=x",
            "app in hcp",
            "app in (a",
            "a b",
            "app=hcp,",
            "bad key!=x",
            "a=b c",
            "tier>x",
            "app=not valid",
        ] {
            if s == "app=" {
                assert!(LabelSelector::parse(s).is_ok(), "empty value is allowed");
                continue;
            }
            assert!(LabelSelector::parse(s).is_err(), "{s:?} should not parse");
        }
    }

    #[test]
    fn field_selectors_cover_name_and_namespace_only() {
        let o = obj(json!({}));
        assert!(FieldSelector::parse("metadata.name=n").unwrap().matches(&o));
        assert!(
            FieldSelector::parse("metadata.namespace!=other")
                .unwrap()
                .matches(&o)
        );
        assert!(
            !FieldSelector::parse("metadata.name==x")
                .unwrap()
                .matches(&o)
        );
        assert!(FieldSelector::parse("spec.snapshot=x").is_err());
    }
}
