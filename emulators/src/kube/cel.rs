//! A very small subset of CEL, enough for the `x-kubernetes-validations` rules in the embedded
//! Konflux CRDs (`has(self.application) != has(self.componentGroup)`).
//!
//! Supported: `self`, field access `self.a.b`, `has(self.a)`, `size(x)`, string / integer /
//! boolean / `null` literals, `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||` and parentheses.
//! A rule outside this subset evaluates to `None` and the caller skips it (the emulator then
//! accepts what a real server might reject; it never rejects what a real server would accept).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Op(&'static str),
}

fn lex(src: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Int(
                chars[start..i].iter().collect::<String>().parse().ok()?,
            ));
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                s.push(*chars.get(i)?);
                i += 1;
            }
            if i >= chars.len() {
                return None;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", "&&", "||", "<=", ">="]
                .into_iter()
                .find(|o| *o == two);
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
            } else {
                let op = ["!", "(", ")", ".", "<", ">"]
                    .into_iter()
                    .find(|o| o.starts_with(c))?;
                out.push(Tok::Op(op));
                i += 1;
            }
        }
    }
    Some(out)
}

/// A CEL value in this subset.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Json(Value),
    Bool(bool),
}

impl Val {
    fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            Val::Json(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    fn into_json(self) -> Value {
        match self {
            Val::Json(v) => v,
            Val::Bool(b) => Value::Bool(b),
        }
    }
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    this: &'a Value,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<Val> {
        let mut left = self.and()?;
        while self.eat_op("||") {
            let right = self.and()?;
            left = Val::Bool(left.as_bool()? || right.as_bool()?);
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Val> {
        let mut left = self.cmp()?;
        while self.eat_op("&&") {
            let right = self.cmp()?;
            left = Val::Bool(left.as_bool()? && right.as_bool()?);
        }
        Some(left)
    }

    fn cmp(&mut self) -> Option<Val> {
        let left = self.unary()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat_op(op) {
                let right = self.unary()?;
                let (l, r) = (left.into_json(), right.into_json());
                let b = match op {
                    "==" => l == r,
                    "!=" => l != r,
                    _ => {
                        let ord = match (&l, &r) {
                            (Value::Number(a), Value::Number(b)) => {
                                a.as_f64()?.partial_cmp(&b.as_f64()?)?
                            }
                            (Value::String(a), Value::String(b)) => a.cmp(b),
                            _ => return None,
                        };
                        match op {
                            "<=" => ord.is_le(),
                            ">=" => ord.is_ge(),
                            "<" => ord.is_lt(),
                            _ => ord.is_gt(),
                        }
                    }
                };
                return Some(Val::Bool(b));
            }
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Val> {
        if self.eat_op("!") {
            return Some(Val::Bool(!self.unary()?.as_bool()?));
        }
        self.primary()
    }

    fn primary(&mut self) -> Option<Val> {
        if self.eat_op("(") {
            let v = self.or()?;
            return self.eat_op(")").then_some(v);
        }
        match self.peek()?.clone() {
            Tok::Str(s) => {
                self.pos += 1;
                Some(Val::Json(Value::String(s)))
            }
            Tok::Int(n) => {
                self.pos += 1;
                Some(Val::Json(Value::from(n)))
            }
            Tok::Ident(id) => {
                self.pos += 1;
                match id.as_str() {
                    "true" => Some(Val::Bool(true)),
                    "false" => Some(Val::Bool(false)),
                    "null" => Some(Val::Json(Value::Null)),
                    "self" => self.path_rest().map(Val::Json),
                    "has" => {
                        if !self.eat_op("(") {
                            return None;
                        }
                        // has(self.a.b): every step but the last must exist.
                        if self.peek() != Some(&Tok::Ident("self".into())) {
                            return None;
                        }
                        self.pos += 1;
                        let mut cur = self.this.clone();
                        let mut present = false;
                        let mut steps = 0;
                        while self.eat_op(".") {
                            let Some(Tok::Ident(f)) = self.peek().cloned() else {
                                return None;
                            };
                            self.pos += 1;
                            present = cur.get(&f).is_some();
                            cur = cur.get(&f).cloned().unwrap_or(Value::Null);
                            steps += 1;
                        }
                        if steps == 0 || !self.eat_op(")") {
                            return None;
                        }
                        Some(Val::Bool(present))
                    }
                    "size" => {
                        if !self.eat_op("(") {
                            return None;
                        }
                        let v = self.or()?.into_json();
                        if !self.eat_op(")") {
                            return None;
                        }
                        let n = match v {
                            Value::String(s) => s.chars().count(),
                            Value::Array(a) => a.len(),
                            Value::Object(m) => m.len(),
                            _ => return None,
                        };
                        Some(Val::Json(Value::from(n)))
                    }
                    _ => None,
                }
            }
            Tok::Op(_) => None,
        }
    }

    /// After `self`: `.a.b` field accesses; a missing field is an evaluation error (`None`).
    fn path_rest(&mut self) -> Option<Value> {
        let mut cur = self.this.clone();
        while self.eat_op(".") {
            let Some(Tok::Ident(f)) = self.peek().cloned() else {
                return None;
            };
            self.pos += 1;
            cur = cur.get(&f)?.clone();
        }
        Some(cur)
    }
}

/// Evaluate `rule` with `self` bound to `this`. `None` when the rule is outside the subset or
/// fails to evaluate.
pub fn eval(rule: &str, this: &Value) -> Option<bool> {
    let toks = lex(rule)?;
    let mut p = Parser { toks, pos: 0, this };
    let v = p.or()?;
    if p.pos != p.toks.len() {
        return None;
    }
    v.as_bool()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_konflux_exactly_one_of_rule() {
        let rule = "has(self.application) != has(self.componentGroup)";
        assert_eq!(eval(rule, &json!({"application": "a"})), Some(true));
        assert_eq!(eval(rule, &json!({"componentGroup": "g"})), Some(true));
        assert_eq!(eval(rule, &json!({})), Some(false));
        assert_eq!(
            eval(rule, &json!({"application": "a", "componentGroup": "g"})),
            Some(false)
        );
    }

    #[test]
    fn comparisons_sizes_and_unsupported_rules() {
        assert_eq!(
            eval(
                "size(self.name) <= 3 && self.n > 1",
                &json!({"name": "abc", "n": 2})
            ),
            Some(true)
        );
        assert_eq!(
            eval(
                "self.a == 'x' || !(self.b == 1)",
                &json!({"a": "y", "b": 1})
            ),
            Some(false)
        );
        assert_eq!(
            eval("self.items.all(i, i > 0)", &json!({"items": []})),
            None
        );
    }
}
