//! A small SOQL: SELECT fields (relationships up to two hops) FROM object [WHERE …] [ORDER BY …]
//! [LIMIT n]. WHERE supports = != < > <= >= IN, NOT IN, LIKE, AND, OR, NOT, parentheses,
//! semi-joins `IN (SELECT Id FROM …)` and date literals (TODAY, YESTERDAY, LAST_N_DAYS:n).
//! Aggregates and GROUP BY are refused with MALFORMED_QUERY, as anything else outside the grammar.

use std::cmp::Ordering;

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
    Comma,
    LParen,
    RParen,
}

#[derive(Debug, PartialEq)]
pub enum SoqlError {
    Malformed(String),
    InvalidField { field: String, object: String },
    InvalidType(String),
}

impl SoqlError {
    pub fn code(&self) -> &'static str {
        match self {
            SoqlError::Malformed(_) => "MALFORMED_QUERY",
            SoqlError::InvalidField { .. } => "INVALID_FIELD",
            SoqlError::InvalidType(_) => "INVALID_TYPE",
        }
    }

    pub fn message(&self) -> String {
        match self {
            SoqlError::Malformed(m) => m.clone(),
            SoqlError::InvalidField { field, object } => format!(
                "No such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
            ),
            SoqlError::InvalidType(object) => format!(
                "sObject type '{object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
            ),
        }
    }
}

fn malformed(m: impl Into<String>) -> SoqlError {
    SoqlError::Malformed(m.into())
}

pub fn tokenize(q: &str) -> Result<Vec<Tok>, SoqlError> {
    let mut out = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(malformed("unterminated string literal")),
                        Some('\\') => {
                            let e = chars.get(i + 1).ok_or_else(|| malformed("bad escape"))?;
                            s.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                other => *other,
                            });
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            '=' => {
                out.push(Tok::Sym("="));
                i += 1
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Sym("!="));
                i += 2
            }
            '<' | '>' => {
                let two = chars.get(i + 1) == Some(&'=');
                let two_ne = c == '<' && chars.get(i + 1) == Some(&'>');
                out.push(Tok::Sym(match (c, two, two_ne) {
                    ('<', _, true) => "!=",
                    ('<', true, _) => "<=",
                    ('>', true, _) => ">=",
                    ('<', ..) => "<",
                    _ => ">",
                }));
                i += if two || two_ne { 2 } else { 1 };
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '-' | ':' | '+'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                match text.parse::<f64>() {
                    Ok(n) if !text.contains('-') || text.starts_with('-') && !text[1..].contains('-') => {
                        out.push(Tok::Num(n))
                    }
                    _ => out.push(Tok::Ident(text)), // a date or datetime literal
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | ':')) {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(malformed(format!("unexpected character '{other}'"))),
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// A date range [start, end) in unix seconds, from a date literal.
    Range(i64, i64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(String, &'static str, Lit),
    In(String, bool, Vec<Lit>),
    InQuery(String, bool, Box<Query>),
    Like(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub fields: Vec<String>,
    pub object: String,
    pub filter: Option<Cond>,
    pub order: Vec<(String, bool, bool)>, // field, descending, nulls last
    pub limit: Option<usize>,
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

fn kw(t: Option<&Tok>, word: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect_kw(&mut self, word: &str) -> Result<(), SoqlError> {
        if kw(self.peek(), word) {
            self.pos += 1;
            Ok(())
        } else {
            Err(malformed(format!("expecting '{word}', found {}", self.found())))
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "end of query".into(),
            Some(Tok::Ident(s)) => format!("'{s}'"),
            Some(t) => format!("{t:?}"),
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let mut fields = Vec::new();
        loop {
            match self.bump() {
                Some(Tok::Ident(f)) => {
                    if self.peek() == Some(&Tok::LParen) {
                        return Err(malformed(format!("aggregate or function {f}() is not supported here")));
                    }
                    if f.eq_ignore_ascii_case("FROM") {
                        return Err(malformed("expecting a field, found 'FROM'"));
                    }
                    fields.push(f)
                }
                Some(Tok::LParen) => return Err(malformed("subqueries in SELECT are not supported here")),
                _ => return Err(malformed("expecting a field name")),
            }
            if self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.expect_kw("FROM")?;
        let object = match self.bump() {
            Some(Tok::Ident(o)) if !o.contains('.') => o,
            _ => return Err(malformed("expecting an object name after FROM")),
        };
        let mut q = Query { fields, object, filter: None, order: vec![], limit: None };
        if kw(self.peek(), "WHERE") {
            self.pos += 1;
            q.filter = Some(self.or()?);
        }
        if kw(self.peek(), "GROUP") {
            return Err(malformed("GROUP BY is not supported"));
        }
        if kw(self.peek(), "ORDER") {
            self.pos += 1;
            self.expect_kw("BY")?;
            loop {
                let Some(Tok::Ident(f)) = self.bump() else {
                    return Err(malformed("expecting a field after ORDER BY"));
                };
                let mut desc = false;
                if kw(self.peek(), "DESC") {
                    desc = true;
                    self.pos += 1;
                } else if kw(self.peek(), "ASC") {
                    self.pos += 1;
                }
                let mut nulls_last = desc;
                if kw(self.peek(), "NULLS") {
                    self.pos += 1;
                    nulls_last = match self.bump() {
                        Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("LAST") => true,
                        Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("FIRST") => false,
                        _ => return Err(malformed("expecting FIRST or LAST after NULLS")),
                    };
                }
                q.order.push((f, desc, nulls_last));
                if self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        if kw(self.peek(), "LIMIT") {
            self.pos += 1;
            match self.bump() {
                Some(Tok::Num(n)) if n >= 0.0 && n.fract() == 0.0 => q.limit = Some(n as usize),
                _ => return Err(malformed("LIMIT needs a whole number")),
            }
        }
        Ok(q)
    }

    fn or(&mut self) -> Result<Cond, SoqlError> {
        let mut left = self.and()?;
        while kw(self.peek(), "OR") {
            self.pos += 1;
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, SoqlError> {
        let mut left = self.unary()?;
        while kw(self.peek(), "AND") {
            self.pos += 1;
            left = Cond::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Cond, SoqlError> {
        if kw(self.peek(), "NOT") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let c = self.or()?;
            if self.bump() != Some(Tok::RParen) {
                return Err(malformed("expecting ')'"));
            }
            return Ok(c);
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Cond, SoqlError> {
        let field = match self.bump() {
            Some(Tok::Ident(f)) => f,
            _ => return Err(malformed(format!("expecting a field in WHERE, found {}", self.found()))),
        };
        let negated = kw(self.peek(), "NOT");
        if negated {
            self.pos += 1;
            if !kw(self.peek(), "IN") {
                return Err(malformed("expecting IN after NOT"));
            }
        }
        if kw(self.peek(), "IN") {
            self.pos += 1;
            if self.bump() != Some(Tok::LParen) {
                return Err(malformed("expecting '(' after IN"));
            }
            if kw(self.peek(), "SELECT") {
                let sub = self.query()?;
                if sub.fields.len() != 1 {
                    return Err(malformed("a semi-join subquery selects exactly one field"));
                }
                if self.bump() != Some(Tok::RParen) {
                    return Err(malformed("expecting ')' after the subquery"));
                }
                return Ok(Cond::InQuery(field, negated, Box::new(sub)));
            }
            let mut values = Vec::new();
            loop {
                values.push(self.literal()?);
                match self.bump() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RParen) => break,
                    _ => return Err(malformed("expecting ',' or ')' in the IN list")),
                }
            }
            return Ok(Cond::In(field, negated, values));
        }
        if kw(self.peek(), "LIKE") {
            self.pos += 1;
            return match self.bump() {
                Some(Tok::Str(p)) => Ok(Cond::Like(field, p)),
                _ => Err(malformed("LIKE needs a string")),
            };
        }
        let op = match self.bump() {
            Some(Tok::Sym(s)) => s,
            _ => return Err(malformed(format!("expecting an operator after {field}"))),
        };
        Ok(Cond::Cmp(field, op, self.literal()?))
    }

    fn literal(&mut self) -> Result<Lit, SoqlError> {
        match self.bump() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Num(n)) => Ok(Lit::Num(n)),
            Some(Tok::Ident(w)) => date_literal(&w).ok_or_else(|| malformed(format!("unexpected token '{w}'"))),
            _ => Err(malformed("expecting a value")),
        }
    }
}

fn date_literal(w: &str) -> Option<Lit> {
    let upper = w.to_ascii_uppercase();
    let now = time::OffsetDateTime::now_utc();
    let midnight = now.replace_time(time::Time::MIDNIGHT).unix_timestamp();
    let day = 86_400;
    match upper.as_str() {
        "TRUE" => return Some(Lit::Bool(true)),
        "FALSE" => return Some(Lit::Bool(false)),
        "NULL" => return Some(Lit::Null),
        "TODAY" => return Some(Lit::Range(midnight, midnight + day)),
        "YESTERDAY" => return Some(Lit::Range(midnight - day, midnight)),
        _ => {}
    }
    if let Some(n) = upper.strip_prefix("LAST_N_DAYS:") {
        let n: i64 = n.parse().ok()?;
        return Some(Lit::Range(midnight - n * day, now.unix_timestamp() + 1));
    }
    if let Ok(d) = time::Date::parse(w, time::macros::format_description!("[year]-[month]-[day]")) {
        let s = d.midnight().assume_utc().unix_timestamp();
        return Some(Lit::Range(s, s + day));
    }
    parse_datetime(w).map(|t| Lit::Range(t, t + 1))
}

pub fn parse_datetime(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| t.unix_timestamp()).or_else(|| {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
        );
        time::OffsetDateTime::parse(s, &fmt).ok().map(|t| t.unix_timestamp())
    })
}

/// Deeper nesting than any real query needs; the parser recurses per level, so an attacker's
/// 50,000 parentheses must be refused before parsing, not overflow the stack.
const MAX_NESTING: usize = 64;

pub fn parse(q: &str) -> Result<Query, SoqlError> {
    let toks = tokenize(q)?;
    let mut depth = 0usize;
    for t in &toks {
        match t {
            Tok::LParen => depth += 1,
            Tok::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(malformed(format!("parentheses nested deeper than {MAX_NESTING} levels")));
        }
    }
    let mut p = Parser { toks, pos: 0 };
    let query = p.query()?;
    if p.pos < p.toks.len() {
        return Err(malformed(format!("unexpected token {} after the query", p.found())));
    }
    Ok(query)
}

/// An object the engine can read: its fields, and relationships (name, foreign-key field, target).
pub struct ObjectDef {
    pub name: &'static str,
    pub fields: &'static [&'static str],
    pub rels: &'static [(&'static str, &'static str, &'static str)],
}

/// Everything the engine needs from the org: object definitions and their rows.
pub trait Source {
    fn def(&self, object: &str) -> Option<&'static ObjectDef>;
    fn rows(&self, object: &str) -> Vec<Map<String, Value>>;
    /// Some(error) when the querying user may not read this object.
    fn denied(&self, object: &str) -> Option<SoqlError>;
    /// Whether a declared field exists in this org (some depend on org features).
    fn field_exists(&self, _object: &str, _field: &str) -> bool {
        true
    }
}

/// Resolves a dotted path to its canonical spelling, or an INVALID_FIELD error.
fn resolve(
    src: &dyn Source,
    def: &'static ObjectDef,
    path: &str,
) -> Result<Vec<(String, Option<&'static ObjectDef>)>, SoqlError> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() > 3 {
        return Err(malformed(format!("{path}: at most two relationship hops are supported")));
    }
    let invalid = || SoqlError::InvalidField { field: path.to_string(), object: def.name.to_string() };
    let mut cur = def;
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 < parts.len() {
            let (rel, _, target) =
                cur.rels.iter().find(|(r, _, _)| r.eq_ignore_ascii_case(part)).ok_or_else(invalid)?;
            let next = src.def(target).ok_or_else(invalid)?;
            out.push((rel.to_string(), Some(next)));
            cur = next;
        } else {
            let f = cur
                .fields
                .iter()
                .find(|f| f.eq_ignore_ascii_case(part) && src.field_exists(cur.name, f))
                .ok_or_else(invalid)?;
            out.push((f.to_string(), None));
        }
    }
    Ok(out)
}

fn lookup<'a>(row: &'a Map<String, Value>, path: &[(String, Option<&'static ObjectDef>)]) -> &'a Value {
    let mut cur = row;
    for (i, (name, _)) in path.iter().enumerate() {
        match cur.get(name) {
            Some(Value::Object(m)) if i + 1 < path.len() => cur = m,
            Some(v) if i + 1 == path.len() => return v,
            _ => return &Value::Null,
        }
    }
    &Value::Null
}

pub fn run(src: &dyn Source, query: &Query) -> Result<Vec<Map<String, Value>>, SoqlError> {
    let def = src.def(&query.object).ok_or_else(|| SoqlError::InvalidType(query.object.clone()))?;
    if let Some(e) = src.denied(def.name) {
        return Err(e);
    }
    let selected = query.fields.iter().map(|f| resolve(src, def, f)).collect::<Result<Vec<_>, _>>()?;
    let mut rows = src.rows(def.name);
    if let Some(cond) = &query.filter {
        let compiled = compile(src, def, cond)?;
        let mut kept = Vec::new();
        for r in rows {
            if eval(&compiled, &r) {
                kept.push(r);
            }
        }
        rows = kept;
    }
    let order = query
        .order
        .iter()
        .map(|(f, d, n)| Ok((resolve(src, def, f)?, *d, *n)))
        .collect::<Result<Vec<_>, SoqlError>>()?;
    rows.sort_by(|a, b| {
        for (path, desc, nulls_last) in &order {
            let (x, y) = (lookup(a, path), lookup(b, path));
            let o = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => {
                    if *nulls_last {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (false, true) => {
                    if *nulls_last {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                _ => {
                    let o = compare(x, y);
                    if *desc { o.reverse() } else { o }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    if let Some(n) = query.limit {
        rows.truncate(n);
    }
    Ok(rows.iter().map(|r| project(def, r, &selected)).collect())
}

/// Builds the response record: selected fields only, relationships as nested records.
fn project(
    def: &ObjectDef,
    row: &Map<String, Value>,
    selected: &[Vec<(String, Option<&'static ObjectDef>)>],
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("attributes".into(), attributes(def.name, row));
    for path in selected {
        insert_path(&mut out, row, path);
    }
    out
}

fn attributes(object: &str, row: &Map<String, Value>) -> Value {
    let id = row.get("Id").and_then(Value::as_str).unwrap_or_default();
    serde_json::json!({ "type": object, "url": format!("/services/data/v66.0/sobjects/{object}/{id}") })
}

fn insert_path(out: &mut Map<String, Value>, row: &Map<String, Value>, path: &[(String, Option<&'static ObjectDef>)]) {
    let (name, target) = &path[0];
    if path.len() == 1 {
        out.insert(name.clone(), row.get(name).cloned().unwrap_or(Value::Null));
        return;
    }
    let Some(Value::Object(child)) = row.get(name) else {
        out.insert(name.clone(), Value::Null);
        return;
    };
    let entry = out.entry(name.clone()).or_insert_with(|| {
        let mut m = Map::new();
        m.insert("attributes".into(), attributes(target.map_or("", |t| t.name), child));
        Value::Object(m)
    });
    if let Value::Object(m) = entry {
        insert_path(m, child, &path[1..]);
    }
}

enum Compiled {
    And(Box<Compiled>, Box<Compiled>),
    Or(Box<Compiled>, Box<Compiled>),
    Not(Box<Compiled>),
    Cmp(Vec<(String, Option<&'static ObjectDef>)>, &'static str, Lit),
    In(Vec<(String, Option<&'static ObjectDef>)>, bool, Vec<Lit>),
    Like(Vec<(String, Option<&'static ObjectDef>)>, String),
}

fn compile(src: &dyn Source, def: &'static ObjectDef, c: &Cond) -> Result<Compiled, SoqlError> {
    Ok(match c {
        Cond::And(a, b) => Compiled::And(Box::new(compile(src, def, a)?), Box::new(compile(src, def, b)?)),
        Cond::Or(a, b) => Compiled::Or(Box::new(compile(src, def, a)?), Box::new(compile(src, def, b)?)),
        Cond::Not(a) => Compiled::Not(Box::new(compile(src, def, a)?)),
        Cond::Cmp(f, op, l) => Compiled::Cmp(resolve(src, def, f)?, op, l.clone()),
        Cond::In(f, neg, ls) => Compiled::In(resolve(src, def, f)?, *neg, ls.clone()),
        Cond::Like(f, p) => Compiled::Like(resolve(src, def, f)?, p.clone()),
        Cond::InQuery(f, neg, sub) => {
            let rows = run(src, sub)?;
            let sub_def = src.def(&sub.object).ok_or_else(|| SoqlError::InvalidType(sub.object.clone()))?;
            let path = resolve(src, sub_def, &sub.fields[0])?;
            let values = rows
                .iter()
                .map(|r| lookup(r, &path))
                .filter_map(|v| v.as_str().map(|s| Lit::Str(s.to_string())))
                .collect();
            Compiled::In(resolve(src, def, f)?, *neg, values)
        }
    })
}

fn eval(c: &Compiled, row: &Map<String, Value>) -> bool {
    match c {
        Compiled::And(a, b) => eval(a, row) && eval(b, row),
        Compiled::Or(a, b) => eval(a, row) || eval(b, row),
        Compiled::Not(a) => !eval(a, row),
        Compiled::Cmp(p, op, lit) => {
            let v = lookup(row, p);
            let ord = matches_lit(v, lit);
            match (*op, ord) {
                ("=", o) => o == Some(Ordering::Equal),
                ("!=", o) => o != Some(Ordering::Equal),
                ("<", Some(o)) => o == Ordering::Less,
                (">", Some(o)) => o == Ordering::Greater,
                ("<=", Some(o)) => o != Ordering::Greater,
                (">=", Some(o)) => o != Ordering::Less,
                _ => false,
            }
        }
        Compiled::In(p, neg, lits) => {
            let v = lookup(row, p);
            lits.iter().any(|l| matches_lit(v, l) == Some(Ordering::Equal)) != *neg
        }
        Compiled::Like(p, pattern) => lookup(row, p).as_str().is_some_and(|s| like(s, pattern)),
    }
}

/// Compares a field value with a literal; None when they cannot be compared.
fn matches_lit(v: &Value, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (Value::Null, Lit::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Lit::Null) => None,
        (Value::String(s), Lit::Str(l)) => Some(s.to_lowercase().cmp(&l.to_lowercase())),
        (Value::Number(n), Lit::Num(l)) => n.as_f64().and_then(|x| x.partial_cmp(l)),
        (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
        (Value::String(s), Lit::Range(start, end)) => {
            let t = parse_datetime(s).or_else(|| {
                time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                    .ok()
                    .map(|d| d.midnight().assume_utc().unix_timestamp())
            })?;
            Some(if t < *start {
                Ordering::Less
            } else if t >= *end {
                Ordering::Greater
            } else {
                Ordering::Equal
            })
        }
        _ => None,
    }
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// SOQL LIKE: `%` any run, `_` one character, case-insensitive.
fn like(s: &str, pattern: &str) -> bool {
    fn go(s: &[char], p: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| go(&s[i..], &p[1..])),
            Some('_') => !s.is_empty() && go(&s[1..], &p[1..]),
            Some(c) => s.first().is_some_and(|x| x == c) && go(&s[1..], &p[1..]),
        }
    }
    let s: Vec<char> = s.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    go(&s, &p)
}

#[cfg(test)]
mod tests;
