//! Every secret this process has seen (an access token, an assertion, the admin token), so that
//! anything a server echoes back is scrubbed before it reaches a terminal, a report or a CI file.
//!
//! A registry rather than per-call-site replacement: a server can put a secret into any field it
//! answers with, and every writer must scrub, including ones written after this one.

use std::borrow::Cow;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// Shorter values would scrub ordinary words; real tokens and assertions are far longer.
const MIN_LEN: usize = 12;
const MASK: &str = "***";

static KNOWN: Mutex<Vec<Zeroizing<String>>> = Mutex::new(Vec::new());

/// Remembers a secret for `scrub`. Short or empty values are ignored.
pub fn register(secret: &str) {
    if secret.len() < MIN_LEN {
        return;
    }
    if let Ok(mut known) = KNOWN.lock()
        && !known.iter().any(|k| k.as_str() == secret)
    {
        known.push(Zeroizing::new(secret.to_string()));
    }
}

/// `text` with every run of 24 or more key-like characters (base64 and token alphabets) cut to
/// its first 4: for messages that may quote what a user pasted (a key, a token) before sfjwt
/// knows it is one.
pub fn redact_long_runs(text: &str) -> String {
    let keyish = |c: char| c.is_ascii_alphanumeric() || "+/=_-!.".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 24 {
            out.extend(run.chars().take(4));
            out.push_str("…(hidden)");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if keyish(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Server and user text made safe for a terminal and a CI log: control characters (escape
/// sequences, a newline that would start a `::workflow-command::` line) become spaces.
pub fn terminal_safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `text` with every registered secret (and its URL-encoded form) replaced by `***`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let Ok(known) = KNOWN.lock() else { return Cow::Borrowed(text) };
    let mut out = Cow::Borrowed(text);
    for secret in known.iter() {
        for form in [Cow::Borrowed(secret.as_str()), url_encoded(secret)] {
            if out.contains(form.as_ref()) {
                out = Cow::Owned(out.replace(form.as_ref(), MASK));
            }
        }
    }
    out
}

/// Tokens hold `!` and `.`; a server echoing a form body would show them percent-encoded.
fn url_encoded(secret: &str) -> Cow<'_, str> {
    if secret.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
        return Cow::Borrowed(secret);
    }
    Cow::Owned(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect())
}

/// `::add-mask::` on stderr, before the secret is written anywhere: stdout may be captured
/// (`eval "$(sfjwt login --format shell)"`, a pipe to jq), stderr always reaches the runner.
/// The secret is also registered so that any echo of it is scrubbed.
pub fn github_mask(secret: &str) {
    register(secret);
    if secret.chars().any(|c| c == '\n' || c == '\r') {
        // A mask command is one line; mask each line of a multi-line secret instead.
        secret.lines().filter(|l| !l.trim().is_empty()).for_each(github_mask);
        return;
    }
    eprintln!("::add-mask::{secret}");
    let _ = std::io::Write::flush(&mut std::io::stderr());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_plain_and_url_encoded_forms() {
        register("00Dxx0000001gPL!AQ4AQFakeTokenValue");
        let echoed = "bad token 00Dxx0000001gPL!AQ4AQFakeTokenValue or 00Dxx0000001gPL%21AQ4AQFakeTokenValue";
        assert_eq!(scrub(echoed), "bad token *** or ***");
    }

    #[test]
    fn short_values_are_not_registered() {
        register("Bearer");
        assert_eq!(scrub("Bearer token"), "Bearer token");
    }
}
