//! Text from a server (or a tool relaying one) made inert where it enters: every answer body,
//! header and tool output sfjwt keeps passes through here once, so no output (the terminal, a
//! CI log, Markdown, JUnit, JSON, HTML) can carry a NUL, an escape sequence or a bidi override
//! that rewrites what a reader sees. Such a character becomes U+FFFD, visibly replaced rather
//! than silently dropped, so that the evidence shows something odd was sent.

/// What replaces a character that must not pass.
pub const REPLACEMENT: char = '\u{FFFD}';

use crate::secrets::is_bidi_control;

/// A character no output may keep: control characters but tab and line breaks (which the
/// formats fold or escape themselves), and bidi controls.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_bidi_control(c)
}

/// Plain server text with every unsafe character replaced.
pub fn text(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_string();
    }
    s.chars().map(|c| if is_unsafe(c) { REPLACEMENT } else { c }).collect()
}

/// An answer body. JSON hides characters behind escapes (`\u001b`, `\u202e`) that come back
/// when it is parsed: a JSON body is cleaned string by string and written again; anything else
/// is cleaned as text. A body with nothing to clean is returned as it came.
pub fn body(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(mut v) if has_unsafe(&v) => {
            clean(&mut v);
            serde_json::to_string(&v).unwrap_or_else(|_| text(s))
        }
        Ok(_) => s.to_string(),
        Err(_) => text(s),
    }
}

fn has_unsafe(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => s.chars().any(is_unsafe),
        Value::Array(a) => a.iter().any(has_unsafe),
        Value::Object(o) => o.iter().any(|(k, v)| k.chars().any(is_unsafe) || has_unsafe(v)),
        _ => false,
    }
}

fn clean(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => *s = text(s),
        Value::Array(a) => a.iter_mut().for_each(clean),
        Value::Object(o) => {
            let old = std::mem::take(o);
            for (k, mut v) in old {
                clean(&mut v);
                o.insert(text(&k), v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escape_and_bidi_overrides_are_replaced_in_text_and_inside_json_escapes() {
        assert_eq!(text("a\u{0}b\u{1b}[31mc\u{202E}d\u{2066}e"), "a\u{FFFD}b\u{FFFD}[31mc\u{FFFD}d\u{FFFD}e");
        assert_eq!(text("line\nnext\ttab"), "line\nnext\ttab");
        let raw = r#"{"error":"invalid_grant","error_description":"user \u001b[2Jhasn't \u202eapproved\u0000"}"#;
        let cleaned: serde_json::Value = serde_json::from_str(&body(raw)).expect("still JSON");
        assert_eq!(cleaned["error_description"], "user \u{FFFD}[2Jhasn't \u{FFFD}approved\u{FFFD}");
        assert_eq!(cleaned["error"], "invalid_grant");
        let plain = r#"{"error":"invalid_grant", "x": [1, 2]}"#;
        assert_eq!(body(plain), plain, "a clean body is kept byte for byte");
        assert_eq!(body("<html>\u{1b}]0;title\u{7}</html>"), "<html>\u{FFFD}]0;title\u{FFFD}</html>");
    }
}
