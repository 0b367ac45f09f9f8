//! An accepted host answering like an attacker (a compromised endpoint, a TLS-inspecting proxy):
//! nothing it says may steer sfjwt, leak a secret, or exhaust memory (docs/robustness.md,
//! "Hostile answers"). The servers here are plain HTTP on loopback (`--insecure-http`), each
//! scripted per test and counting the requests it received.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

/// What one scripted server saw.
struct Hostile {
    url: String,
    requests: Arc<AtomicUsize>,
    /// Every request as received (headers and body), for checking what sfjwt sent.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Hostile {
    /// `answer` gets the request text and writes the whole HTTP response itself.
    fn start(answer: impl Fn(&str, &mut TcpStream) + Send + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (requests.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().take(64) {
                let Ok(mut stream) = stream else { continue };
                let request = read_request(&mut stream);
                r.fetch_add(1, Ordering::SeqCst);
                s.lock().unwrap().push(request.clone());
                answer(&request, &mut stream);
            }
        });
        Hostile { url, requests, seen }
    }

    /// A server answering every request with this JSON body and status.
    fn json(status: u16, body: String) -> Hostile {
        Hostile::start(move |_, s| respond(s, status, &[], &body))
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn read_request(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn respond(s: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &str) {
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn granted_body(instance_url: &str, token: &str) -> String {
    serde_json::json!({
        "access_token": token,
        "instance_url": instance_url,
        "id": "https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA",
        "token_type": "Bearer",
        "scope": "api",
        "issued_at": "1700000000000",
    })
    .to_string()
}

fn login_to(ctx: &Ctx, url: &str) -> std::process::Command {
    ctx.secret_key_file(&fixture_key());
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", url, "--insecure-http", "--max-retries", "0"])
        .arg("--key")
        .arg(fixture_key());
    cmd
}

/// Each answer is refused as `unexpected_answer` (exit 4) and nothing is handed on: no stdout,
/// no GitHub output, no dotenv file.
#[test]
fn token_answers_are_validated_before_use() {
    let bodies = [
        ("instance_url on a foreign host", granted_body("https://evil.example", "00Dx!AQ4AQHOSTILETOKENVALUE1")),
        ("instance_url over plain http", granted_body("http://acme.my.salesforce.com", "00Dx!AQ4AQHOSTILETOKENVALUE2")),
        ("instance_url with a newline", granted_body("https://acme.my.salesforce.com\nEVIL=1", "00Dx!AQ4AQHOSTILE3")),
        ("an empty access_token", granted_body("https://acme.my.salesforce.com", "")),
        ("an access_token with a newline", granted_body("https://acme.my.salesforce.com", "00Dx!AQ4\nSF_EVIL=1")),
        (
            "an access_token a shell would run",
            granted_body("https://acme.my.salesforce.com", "00Dx$(touch${IFS}/tmp/pwned)"),
        ),
        (
            "an id without org and user ids",
            granted_body("https://acme.my.salesforce.com", "00Dx!AQ4AQHOSTILETOKENVALUE4")
                .replace("005000000000001AAA", "x"),
        ),
        (
            "a scope with a control character",
            granted_body("https://acme.my.salesforce.com", "00Dx!AQ4AQHOSTILETOKENVALUE5")
                .replace("\"api\"", "\"api\\u0007\""),
        ),
    ];
    for (name, body) in bodies {
        let ctx = Ctx::new();
        let server = Hostile::json(200, body);
        let r = ctx.run(
            login_to(&ctx, &server.url)
                .args(["--format", "env", "--dotenv", "sf.env", "--report", "r.json", "--sf-alias", "x"])
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", ctx.path("out.txt"))
                .env("SFJWT_SF_BIN", "/bin/false"),
        );
        assert_eq!(r.code, 4, "{name}: {}", r.stderr);
        assert!(r.stderr.contains("unusable token answer"), "{name}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{name}: nothing on stdout, got {}", r.stdout);
        assert!(!ctx.path("sf.env").exists(), "{name}: no dotenv file");
        let outputs = std::fs::read_to_string(ctx.path("out.txt")).unwrap_or_default();
        assert!(!outputs.contains("access-token"), "{name}: no token output:\n{outputs}");
        assert!(!r.stderr.contains("::add-mask::"), "{name}: nothing to mask, nothing handed on");
        let report: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
        assert_eq!(report["attempts"][0]["failure"], "unexpected_answer", "{name}");
    }
}

/// A 64 MiB body without Content-Length, and a 1 GiB Content-Length: both stop at the cap.
#[test]
fn oversized_answers_are_not_read() {
    let streaming = Hostile::start(|_, s| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..64 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let declared = Hostile::start(|_, s| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{{");
    });
    for server in [streaming, declared] {
        let ctx = Ctx::new();
        let started = Instant::now();
        let r = ctx.run(&mut login_to(&ctx, &server.url));
        assert_eq!(r.code, 4, "{}", r.stderr);
        assert!(r.stderr.contains("larger than 1024 KiB"), "{}", r.stderr);
        println!("oversized answer refused in {:.2} s", started.elapsed().as_secs_f64());
    }
}

/// `Retry-After: 18446744073709551615` is a wait beyond any window: no retry, no overflow.
#[test]
fn absurd_retry_after_means_no_retry() {
    let ctx = Ctx::new();
    let server = Hostile::start(|_, s| respond(s, 429, &[("Retry-After", "18446744073709551615")], "{}"));
    let cmd = login_to(&ctx, &server.url);
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut cmd = ctx.sfjwt();
    cmd.args(args.iter().filter(|a| *a != "--max-retries" && *a != "0")).args(["--max-retries", "3"]);
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(server.count(), 1, "a wait beyond the retry window means no retry");
}

/// A server that echoes the assertion (a bearer credential for minutes) in its refusal, or the
/// admin token in a query error: neither reaches stderr, a report or the step summary.
#[test]
fn echoed_secrets_are_scrubbed() {
    let ctx = Ctx::new();
    let server = Hostile::start(|req, s| {
        let assertion = req.split("assertion=").nth(1).unwrap_or_default().to_string();
        let body = serde_json::json!({"error": "invalid_grant", "error_description": format!("bad {assertion}")});
        respond(s, 400, &[], &body.to_string());
    });
    let r = ctx.run(
        login_to(&ctx, &server.url)
            .args(["--report", "r.json", "--report", "r.md", "--report", "r.xml", "--report", "r.yaml"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", ctx.path("out.txt")),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let seen = server.seen.lock().unwrap().clone();
    let assertion = seen[0].split("assertion=").nth(1).unwrap().trim().to_string();
    assert!(assertion.len() > 100, "captured the assertion");
    let files = ["r.json", "r.md", "r.xml", "r.yaml", STEP_SUMMARY];
    for text in files.iter().map(|f| std::fs::read_to_string(ctx.path(f)).unwrap()).chain([r.stderr.clone()]) {
        assert!(!text.contains(&assertion), "the echoed assertion leaked:\n{text}");
        assert!(!text.contains(&assertion[..40]), "a prefix of the echoed assertion leaked:\n{text}");
    }
    assert!(r.stderr.contains("bad ***"), "the echo is shown scrubbed:\n{}", r.stderr);

    // The admin token, echoed by a query error.
    let admin_token = "00DADMIN!AQ4AQECHOEDADMINTOKEN";
    let admin = Hostile::start(|req, s| {
        let bearer = req
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization: bearer "))
            .map(|l| l["authorization: bearer ".len()..].trim().to_string())
            .unwrap_or_default();
        let body =
            serde_json::json!([{"errorCode": "UNKNOWN_EXCEPTION", "message": format!("token {bearer} rejected")}]);
        respond(s, 500, &[], &body.to_string());
    });
    let login = Hostile::json(
        400,
        r#"{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}"#.into(),
    );
    let mut cmd = ctx.sfjwt();
    cmd.args(["doctor", "-i", CLIENT_ID, "-o", USERNAME, "-r", &login.url, "--insecure-http", "--max-retries", "0"])
        .arg("--key")
        .arg(fixture_key())
        .args(["--admin-instance-url", &admin.url, "--report", "d.json", "--report", "d.md"])
        .env("SFJWT_ADMIN_TOKEN", admin_token);
    let r = ctx.run(&mut cmd);
    assert!(admin.count() > 0, "doctor asked the admin server: {}", r.stderr);
    for text in [r.stderr.clone(), ctx.read_clean("d.json"), ctx.read_clean("d.md")] {
        assert!(!text.contains(admin_token), "the echoed admin token leaked:\n{text}");
    }
}

/// Invalid destinations and combinations fail before the grant: no request, no token issued.
#[test]
fn settings_fail_before_any_request() {
    let ctx = Ctx::new();
    std::fs::create_dir(ctx.path("adir")).unwrap();
    let server = Hostile::json(200, granted_body("https://acme.my.salesforce.com", "00Dx!AQ4AQNEVERISSUED000"));
    for (args, needle) in [
        (vec!["--report", "missing/r.json"], "does not exist"),
        (vec!["--report", "adir.json"], "it is a directory"),
        (vec!["--dotenv", "adir"], "is a directory"),
        (vec!["--dotenv", "missing/sf.env"], "does not exist"),
        (vec!["--export-env"], "--export-env works in GitHub Actions only"),
        (vec!["--github"], "GITHUB_OUTPUT"),
    ] {
        if args.get(1) == Some(&"adir.json") {
            std::fs::create_dir_all(ctx.path("adir.json")).unwrap();
        }
        let r = ctx.run(login_to(&ctx, &server.url).args(&args).env("GITHUB_OUTPUT", "/nonexistent/out"));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(server.count(), 0, "no request may be made before the settings are valid");
}

/// Server text with escape sequences and a line that would be a workflow command reaches stderr
/// inert; a revoke answer echoing the form (the token percent-encoded) is scrubbed, and a refusal
/// that is not "token gone" is exit 3.
#[test]
fn server_text_is_inert_on_stderr_and_revoke_echoes_are_scrubbed() {
    let ctx = Ctx::new();
    let nasty = "bad \u{1b}]0;title\u{7}\u{1b}[31m\n::error::injected";
    let body = serde_json::json!({"error": "invalid_grant", "error_description": nasty}).to_string();
    let server = Hostile::json(400, body);
    let r = ctx.run(&mut login_to(&ctx, &server.url));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'), "escape bytes reached stderr");
    assert!(!r.stderr.lines().any(|l| l.starts_with("::error::")), "a workflow command line: {}", r.stderr);

    let echo = Hostile::start(|req, s| {
        let form = req.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
        let body = serde_json::json!({"error": "invalid_request", "error_description": format!("body was {form}")});
        respond(s, 400, &[], &body.to_string());
    });
    let token = "00DSECRETTOKEN!AQ0abc/+=1234567890";
    let mut cmd = ctx.sfjwt();
    cmd.args(["revoke", "--instance-url", &echo.url, "--insecure-http"]).env("SF_ACCESS_TOKEN", token);
    let r = ctx.run_revealing(&mut cmd);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    assert!(!r.stderr.contains(token) && !r.stderr.contains(&encoded), "the token was echoed: {}", r.stderr);
}

/// NUL, ESC and bidi overrides in a refusal (raw, or behind JSON's `\u` escapes) reach no
/// output: stderr, the JSON, YAML, Markdown and JUnit reports and the GitHub step summary show
/// U+FFFD where they were. Before, JSON-escaped ones came back when the body was parsed.
#[test]
fn nul_escape_and_bidi_overrides_from_the_server_reach_no_output() {
    let ctx = Ctx::new();
    let nasty = "user \u{0}x \u{1b}[2J hasn't \u{202E}devorppa\u{202C} \u{2067}approved";
    let body = serde_json::json!({"error": "invalid_grant", "error_description": nasty}).to_string();
    assert!(body.contains("\\u0000") && body.contains("\\u001b"), "serde escapes them: {body}");
    let server = Hostile::json(400, body);
    let mut cmd = login_to(&ctx, &server.url);
    for report in ["r.json", "r.yaml", "r.md", "r.xml"] {
        cmd.args(["--report", report]);
    }
    cmd.env("GITHUB_ACTIONS", "true");
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let bad =
        |t: &str| t.chars().any(|c| matches!(c, '\0' | '\u{1b}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'));
    assert!(!bad(&r.stderr) && !bad(&r.stdout), "{:?}", r.stderr);
    assert!(r.stderr.contains("hasn't \u{FFFD}devorppa"), "replaced visibly: {}", r.stderr);
    for name in ["r.json", "r.yaml", "r.md", "r.xml", STEP_SUMMARY] {
        let text = ctx.read_clean(name);
        assert!(!bad(&text), "{name} keeps one: {text:?}");
        assert!(!text.contains("\\u0000") && !text.to_lowercase().contains("\\u001b"), "{name}: {text}");
    }
    let json: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    let description = json["attempts"][0]["error_description"].as_str().unwrap_or_default().to_string();
    assert!(description.contains("hasn't \u{FFFD}devorppa") && !bad(&description), "{json}");
}

/// A body dripped a byte a second is cut off by --timeout, not read for minutes.
#[test]
fn a_dripped_body_is_bounded_by_the_timeout() {
    let ctx = Ctx::new();
    let server = Hostile::start(|_, s| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n");
        for _ in 0..60 {
            if s.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    let started = Instant::now();
    let r = ctx.run(login_to(&ctx, &server.url).args(["--timeout", "3s"]));
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
    // A functional bound (the server drips for a minute), not a speed measurement.
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

/// A token or session id pasted into the wrong flag is hidden in whatever that flag's error, a
/// retry note or a report says about it, in the case it was given or the case a URL parser gives
/// it back in (outside attack on the release binary: ten flags quoted it).
#[test]
fn a_credential_in_the_wrong_flag_is_never_quoted_back() {
    let jwt =
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
    let session = "00D000000000001!AQ8AQBwXyz1234567890abcdefghijklmnopqrstuvwxyzABCDEFGH";
    let key = sfjwt_testsupport::fixture_key();
    let login = |flag: &str, value: &str| -> Vec<String> {
        let base = ["login", "-i", "abcdefghijk", "-o", "ci@acme.com", "-f", key.to_str().unwrap()];
        let mut a: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        a.retain(|s| !(flag == "-o" && (s == "-o" || s == "ci@acme.com")));
        a.extend([flag.to_string(), value.to_string(), "--report".into(), "r.json".into()]);
        a
    };
    let entra = |flag: &str, value: &str| -> Vec<String> {
        let mut a: Vec<String> = ["login", "--provider", "entra", "-i", "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend([
            "--key".into(),
            key.display().to_string(),
            "--cert".into(),
            sfjwt_testsupport::repo_root().join("fixtures/orgs/ci.crt").display().to_string(),
        ]);
        for (f, default) in
            [("--tenant", "contoso.onmicrosoft.com"), ("--scope", "https://graph.microsoft.com/.default")]
        {
            a.extend([f.to_string(), if f == flag { value.to_string() } else { default.to_string() }]);
        }
        a.extend(["--login-url".into(), "https://127.0.0.1:9".into(), "--allow-host".into(), "127.0.0.1".into()]);
        a.extend(["--timeout".into(), "1s".into(), "--max-retries".into(), "0".into()]);
        a
    };
    let mut cases: Vec<(String, Vec<String>)> = vec![];
    for value in [jwt, session] {
        for flag in ["--audience", "--target", "--ca-file", "--report", "-o", "-r", "--instance-url"] {
            cases.push((format!("login {flag}"), login(flag, value)));
        }
        for flag in ["--tenant", "--scope"] {
            cases.push((format!("entra {flag}"), entra(flag, value)));
        }
    }
    for (name, args) in cases {
        let ctx = Ctx::new();
        let r = ctx.run(ctx.sfjwt().args(&args));
        assert_ne!(r.code, 0, "{name}: {}", r.stderr);
        let report = std::fs::read_to_string(ctx.dir.path().join("r.json")).unwrap_or_default();
        let seen = format!("{}\n{}\n{report}", r.stdout, r.stderr).to_ascii_lowercase();
        for secret in [jwt, session] {
            let tail = &secret[secret.len() - 24..].to_ascii_lowercase();
            assert!(!seen.contains(tail.as_str()), "{name} quoted the credential:\n{}\n{report}", r.stderr);
        }
    }
}

/// A bidi override in a value the user gave (a path from a variable, a copied tenant) cannot
/// reorder the error line that quotes it: it shows as U+FFFD.
#[test]
fn bidi_controls_in_user_values_are_shown_not_obeyed() {
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args([
        "login",
        "-i",
        "3MVG9Example.key_1",
        "-o",
        "ci@acme.com",
        "--ca-file",
        "ca\u{202E}mep.pem",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains('\u{202E}'), "{}", r.stderr);
    assert!(r.stderr.contains("ca\u{FFFD}mep.pem"), "{}", r.stderr);
}

/// A CI variable holding a secret, pasted into the wrong flag, is hidden although it has no
/// credential's shape (outside attack: a passphrase given as --cert, --tenant or --scope was
/// quoted whole).
#[test]
fn a_secret_variable_in_the_wrong_flag_is_never_quoted_back() {
    let passphrase = "Tr0ub4dor&3-horse-staple";
    let key = sfjwt_testsupport::fixture_key();
    for (flag, provider) in
        [("--cert", "entra"), ("--tenant", "entra"), ("--scope", "entra"), ("--ca-file", "salesforce")]
    {
        let ctx = Ctx::new();
        let mut cmd = ctx.sfjwt();
        let client_id = if provider == "entra" { "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60" } else { CLIENT_ID };
        cmd.args(["login", "--provider", provider, "-i", client_id, "--key"]).arg(&key);
        if provider == "entra" {
            // A tenant id, not a domain: no discovery request comes before the flags are read.
            let tenant = "7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a47";
            for (f, v) in [("--tenant", tenant), ("--scope", "https://graph.microsoft.com/.default")] {
                if f != flag {
                    cmd.args([f, v]);
                }
            }
            if flag != "--cert" {
                cmd.arg("--cert").arg(sfjwt_testsupport::repo_root().join("fixtures/orgs/ci.crt"));
            }
        } else {
            cmd.args(["-o", "ci@acme.com"]);
        }
        cmd.args([flag, passphrase]).env("SFJWT_KEY_PASSPHRASE", passphrase);
        cmd.args(["--login-url", "https://127.0.0.1:9", "--allow-host", "127.0.0.1", "--max-retries", "0"]);
        let r = ctx.run(&mut cmd);
        assert_eq!(r.code, 2, "{flag}: the flag's own error: {}", r.stderr);
        assert!(r.stderr.contains("***"), "{flag}: the error quotes the value, hidden: {}", r.stderr);
        assert!(!r.stderr.contains("Tr0ub4dor") && !r.stdout.contains("Tr0ub4dor"), "{flag} quoted it:\n{}", r.stderr);
    }
    // The argument parser's own errors quote a rejected value too.
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args(["login", "--max-retries", passphrase]).env("SFJWT_KEY_PASSPHRASE", passphrase));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("Tr0ub4dor"), "the parser quoted it:\n{}", r.stderr);
}
