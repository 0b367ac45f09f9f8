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
/// sequences, a newline that would start a `::workflow-command::` line) become spaces, and bidi
/// controls (a user's path or value may hold them too) become U+FFFD, visibly.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            c if is_bidi_control(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// A line for a terminal or a CI log: every registered secret scrubbed, then made
/// terminal-safe. Every line quoting server or user text goes out through this.
pub fn for_terminal(text: &str) -> String {
    terminal_safe(&scrub(text))
}

/// Bidirectional controls (Unicode TR9): embeddings, overrides, isolates and marks can reorder
/// what a terminal or a browser shows ("Trojan Source", CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every registered secret (and its URL-encoded form) replaced by `***`. ASCII case
/// is ignored: a value that went through a URL parser comes back with its host lower-cased.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let Ok(known) = KNOWN.lock() else { return Cow::Borrowed(text) };
    let mut out = Cow::Borrowed(text);
    for secret in known.iter() {
        for form in [Cow::Borrowed(secret.as_str()), url_encoded(secret)] {
            if let Some(replaced) = replace_ignoring_case(&out, form.as_ref()) {
                out = Cow::Owned(replaced);
            }
        }
    }
    out
}

/// `text` with every ASCII-case-insensitive occurrence of `needle` masked, or None when there is
/// none. Lower-casing ASCII keeps byte offsets, so positions found in the lowered copy hold.
fn replace_ignoring_case(text: &str, needle: &str) -> Option<String> {
    let (hay, pat) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in hay.match_indices(&pat) {
        if at < last {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(MASK);
        last = at + pat.len();
    }
    (last > 0).then(|| out + &text[last..])
}

/// Whether a value given on the command line has the shape of a credential: a JWT (an OIDC
/// token, an assertion), a Salesforce session id, PEM text, a GitHub or GitLab token, or a long
/// base64 blob (a key encoded for a CI variable). Such a value pasted into the wrong flag would be
/// quoted back by that flag's error; `register_credential_args` makes every writer hide it.
pub fn looks_like_credential(value: &str) -> bool {
    let v = value.trim();
    let b64url = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let parts: Vec<&str> = v.split('.').collect();
    let jwt = v.len() >= 30 && parts.len() >= 3 && v.starts_with("eyJ") && parts[..2].iter().all(|p| b64url(p));
    let session = v.len() >= 30 && v.starts_with("00D") && v.contains('!');
    let pem = v.contains("-----BEGIN") || v.contains("PRIVATE KEY");
    let prefixed =
        v.len() >= 20 && ["ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-"].iter().any(|p| v.starts_with(p));
    let blob = v.len() >= 200 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b));
    jwt || session || pem || prefixed || blob
}

/// A signed JWT sfjwt made (an assertion): the whole, and its signature on its own. A server that
/// echoes the parts apart would otherwise let a reader rebuild it, since its header and claims
/// are guessable.
pub fn register_signed(jwt: &str) {
    register(jwt);
    if let Some(signature) = jwt.rsplit('.').next().filter(|s| s.len() < jwt.len()) {
        register(signature);
    }
}

/// Variables that hold a secret whenever they are set (a key may also be a path: that one only
/// when it has a credential's shape).
const SECRET_VARS: &[&str] = &[
    "SFJWT_KEY_PASSPHRASE",
    "SFJWT_ADMIN_TOKEN",
    "SF_ACCESS_TOKEN",
    "SFJWT_ACCESS_TOKEN",
    "SFDX_ACCESS_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "SFJWT_ID_TOKEN",
];

/// Registers the secrets a pipeline's environment holds, before anything is printed: a CI
/// variable pasted into the wrong flag (`--cert "$SFJWT_KEY_PASSPHRASE"`) is then hidden in
/// whatever that flag's error quotes, although its value has no credential's shape.
pub fn register_secret_env(env: &dyn Fn(&str) -> Option<String>) {
    for name in SECRET_VARS {
        if let Some(v) = env(name) {
            register(v.trim());
        }
    }
    if let Some(key) = env("SFJWT_KEY").filter(|k| looks_like_credential(k)) {
        register(key.trim());
    }
}

/// Registers every command-line argument (or the value of `--flag=value`) that looks like a
/// credential, before anything is parsed or printed.
pub fn register_credential_args(args: impl IntoIterator<Item = std::ffi::OsString>) {
    for arg in args {
        let arg = arg.to_string_lossy();
        let value = arg.strip_prefix("--").and_then(|a| a.split_once('=')).map_or(arg.as_ref(), |(_, v)| v);
        for candidate in [arg.as_ref(), value] {
            if looks_like_credential(candidate) {
                register(candidate.trim());
            }
        }
    }
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
        // A mask command is one line; mask each line of a multi-line secret instead. Split on a
        // lone `\r` too (`str::lines` does not): a piece still holding one would recurse forever.
        secret.split(['\n', '\r']).filter(|l| !l.trim().is_empty()).for_each(github_mask);
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
    fn echoes_in_another_case_are_scrubbed() {
        register("eyJhbGciOiJSUzI1NiJ9.eyJDaseTest.U2lnbmF0dXJl");
        assert_eq!(scrub("host eyjhbgcioijsuzi1nij9.eyjdasetest.u2lnbmf0dxjl: no"), "host ***: no");
        assert_eq!(scrub("a ab AB"), "a ab AB");
    }

    #[test]
    fn credential_shapes_are_told_from_ordinary_values() {
        for v in [
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl",
            "00D5g000004XXXX!AR8AQJXg5xyzExampleSessionValue",
            "-----BEGIN PRIVATE KEY-----\nMIIE",
            "ghp_0123456789abcdefghijABCDEFGHIJ",
            "glpat-0123456789abcdefghij",
            &"QUJD".repeat(60),
        ] {
            assert!(looks_like_credential(v), "{v}");
        }
        for v in [
            "ci@acme.com",
            "https://login.salesforce.com",
            "/home/runner/work/app/app/keys/server.key",
            "3MVG9fe4g9fhX0E5a1Ad6bSVAx3xxVcNq0mYdI4tbq0lVPTPX.pNuaGJD9CpHkNuKbx0j_0j0t8LQFSNTdnRx",
            "https://graph.microsoft.com/.default",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "api://AzureADTokenExchange",
        ] {
            assert!(!looks_like_credential(v), "{v}");
        }
    }

    #[test]
    fn a_secret_with_a_lone_carriage_return_is_masked_line_by_line() {
        // Used to recurse until the stack overflowed (outside attack: a server's access token).
        github_mask("aaaaaaaaaaaaaaaa\rbbbbbbbbbbbbbbbbbbbb");
        assert_eq!(scrub("x aaaaaaaaaaaaaaaa y bbbbbbbbbbbbbbbbbbbb"), "x *** y ***");
    }

    #[test]
    fn a_signed_jwts_signature_is_scrubbed_on_its_own() {
        register_signed("eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJjIn0.U2lnbmF0dXJlT2ZUaGVBc3NlcnRpb24");
        assert_eq!(scrub("sig=U2lnbmF0dXJlT2ZUaGVBc3NlcnRpb24 rest"), "sig=*** rest");
    }

    #[test]
    fn short_values_are_not_registered() {
        register("Bearer");
        assert_eq!(scrub("Bearer token"), "Bearer token");
    }
}
