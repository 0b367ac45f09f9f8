//! Hostile and mistaken input across every command (docs/robustness.md), and the fault matrix
//! against the emulator with the time each case took.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::common::*;

/// A plain-HTTP server answering every request with one fixed response: wrong shapes on demand.
fn fixed_server(status: u16, content_type: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(32) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

struct Bad {
    name: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, std::ffi::OsString)>,
    stdin: Option<&'static [u8]>,
    exit: i32,
    needle: &'static str,
}

fn bad(name: &'static str, args: &[&str], exit: i32, needle: &'static str) -> Bad {
    Bad { name, args: args.iter().map(|s| s.to_string()).collect(), env: vec![], stdin: None, exit, needle }
}

fn prepare(ctx: &Ctx) {
    ctx.keygen("server", &[]);
    let w = |name: &str, bytes: &[u8]| std::fs::write(ctx.path(name), bytes).unwrap();
    let pem = std::fs::read_to_string(ctx.path("server.key")).unwrap();
    ctx.openssl(&["pkey", "-in", "server.key", "-pubout", "-out", "pub.pem"]);
    ctx.openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"]);
    ctx.secret_key_file(&ctx.path("ec.pem"));
    ctx.openssl(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        "server.key",
        "-passout",
        "pass:right",
        "-out",
        "enc.pem",
    ]);
    w("truncated.key", &pem.as_bytes()[..pem.len() / 3]);
    w("empty.key", b"");
    w("binary.key", &[0x00, 0xff, 0xfe, 0x01, 0x02, 0x03]);
    w("huge.key", &vec![b'A'; 400 * 1024]);
    w("openssh.key", b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\n");
    w("pass.txt", b"wrong\n");
    std::fs::create_dir(ctx.path("dir")).unwrap();
    w("unknown.yaml", b"targets:\n  t:\n    client_id: 3MVG9Example.key_1\n    colour: red\n");
    w("types.yaml", b"targets:\n  t:\n    client_id: [1, 2]\n");
    w("broken.yaml", b"targets:\n  t: {client_id: \"unterminated\n");
    w("big.yaml", format!("targets:\n  t:\n    username: \"{}\"\n", "x".repeat(300 * 1024)).as_bytes());
    w("envkey.yaml", b"targets:\n  t:\n    client_id: 3MVG9Example.key_1\n    username: ci@acme.com\n    key: env:NOT_SET_ANYWHERE\n");
}

fn matrix(ctx: &Ctx) -> Vec<Bad> {
    let login = |extra: &[&str]| -> Vec<String> {
        let mut v = vec!["login", "-i", CLIENT_ID, "-o", USERNAME, "--key", "server.key"];
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_string).collect()
    };
    let with_key = |name: &'static str, key: &str, exit: i32, needle: &'static str| Bad {
        name,
        args: vec![
            "assertion".into(),
            "-i".into(),
            CLIENT_ID.into(),
            "-o".into(),
            USERNAME.into(),
            "--key".into(),
            key.into(),
        ],
        env: vec![],
        stdin: None,
        exit,
        needle,
    };
    let pem = std::fs::read_to_string(ctx.path("server.key")).unwrap();
    let long_user = format!("{}@acme.com", "u".repeat(200));
    let long_key = "K".repeat(300);
    let mut m = vec![
        with_key("certificate as key", "server.crt", 2, "certificate, not a private key"),
        with_key("public key as key", "pub.pem", 2, "public key, not a private key"),
        with_key("EC key", "ec.pem", 2, "must be RSA"),
        with_key("truncated key", "truncated.key", 2, "truncated"),
        with_key("empty key", "empty.key", 2, "empty"),
        with_key("binary key", "binary.key", 2, "binary"),
        with_key("missing key", "nope.key", 2, "nope.key does not exist"),
        with_key("directory as key", "dir", 2, "directory"),
        with_key("oversized key", "huge.key", 2, "larger than"),
        with_key("unset key variable", "env:NOT_SET_ANYWHERE", 2, "NOT_SET_ANYWHERE is not set"),
        with_key("encrypted key, no passphrase", "enc.pem", 2, "needs a passphrase"),
        with_key("OpenSSH key", "openssh.key", 2, "OpenSSH"),
        with_key("key material as path", &pem, 2, "the key itself"),
        Bad {
            env: vec![("SFJWT_KEY_PASSPHRASE", "wrong".into())],
            ..with_key("wrong passphrase", "enc.pem", 2, "wrong passphrase")
        },
        bad("unknown config key", &["login", "--config", "unknown.yaml", "--target", "t"], 2, "unknown field `colour`"),
        bad(
            "config value of the wrong type",
            &["login", "--config", "types.yaml", "--target", "t"],
            2,
            "invalid config",
        ),
        bad("malformed config", &["login", "--config", "broken.yaml", "--target", "t"], 2, "line"),
        bad("huge config", &["login", "--config", "big.yaml", "--target", "t"], 2, "larger than"),
        bad("missing config target", &["login", "--config", "envkey.yaml", "--target", "prod"], 2, "no target named"),
        bad("missing config file", &["login", "--config", "absent.yaml"], 2, "cannot read config"),
        bad(
            "config key from an unset variable",
            &["login", "--config", "envkey.yaml", "--target", "t"],
            2,
            "NOT_SET_ANYWHERE is not set",
        ),
        Bad { args: login(&["-r", "ftp://login.salesforce.com"]), ..bad("ftp login URL", &[], 2, "not https") },
        Bad {
            args: login(&["-r", "http://login.salesforce.com"]),
            ..bad("plain http login URL", &[], 2, "--insecure-http")
        },
        Bad {
            args: login(&["-r", "https://login.salesforce.com/services/oauth2/token"]),
            ..bad("login URL with a path", &[], 2, "without a path")
        },
        Bad {
            args: login(&["-r", "https://user:pw@login.salesforce.com"]),
            ..bad("login URL with credentials", &[], 2, "credentials")
        },
        Bad {
            args: login(&["-r", "https://login.salesforce.com.evil.example"]),
            ..bad("look-alike host", &[], 2, "refusing to send credentials")
        },
        Bad { args: login(&["-r", ""]), ..bad("empty login URL", &[], 2, "invalid login URL") },
        Bad { args: login(&["--audience", "not a url"]), ..bad("bad audience", &[], 2, "invalid audience") },
        bad(
            "username without @",
            &["assertion", "-i", CLIENT_ID, "-o", "ci", "--key", "server.key"],
            2,
            "invalid username",
        ),
        Bad {
            args: vec![
                "assertion".into(),
                "-i".into(),
                CLIENT_ID.into(),
                "-o".into(),
                long_user,
                "--key".into(),
                "server.key".into(),
            ],
            ..bad("200-character username", &[], 2, "invalid username")
        },
        bad(
            "username with a space",
            &["assertion", "-i", CLIENT_ID, "-o", "c i@acme.com", "--key", "server.key"],
            2,
            "invalid username",
        ),
        bad("short consumer key", &["assertion", "-i", "3MVG", "-o", USERNAME, "--key", "server.key"], 2, "client id"),
        bad(
            "consumer key with symbols",
            &["assertion", "-i", "3MVG9$(reboot)", "-o", USERNAME, "--key", "server.key"],
            2,
            "client id",
        ),
        Bad {
            args: vec![
                "assertion".into(),
                "-i".into(),
                long_key,
                "-o".into(),
                USERNAME.into(),
                "--key".into(),
                "server.key".into(),
            ],
            ..bad("300-character consumer key", &[], 2, "client id")
        },
        bad("keygen --bits 1000", &["keygen", "--bits", "1000", "--name", "x"], 2, "--bits 1000"),
        bad("keygen --days 99999", &["keygen", "--days", "99999", "--name", "x"], 2, "--days"),
        bad("keygen --bits not a number", &["keygen", "--bits", "lots"], 2, "invalid value"),
        Bad { args: login(&["--max-retries", "99"]), ..bad("--max-retries 99", &[], 2, "--max-retries 99") },
        Bad { args: login(&["--timeout", "0s"]), ..bad("--timeout 0s", &[], 2, "--timeout") },
        Bad { args: login(&["--lifetime", "5h"]), ..bad("--lifetime 5h", &[], 2, "--lifetime") },
        Bad { args: login(&["--retry-window", "2h"]), ..bad("--retry-window 2h", &[], 2, "--retry-window") },
        Bad {
            args: login(&["--wait-for-propagation", "2h"]),
            ..bad("--wait-for-propagation 2h", &[], 2, "--wait-for-propagation")
        },
        Bad { args: login(&["--report", "report.txt"]), ..bad("report of unknown format", &[], 2, "report format") },
        Bad {
            args: login(&["--key-passphrase-file", "absent.txt"]),
            ..bad("missing passphrase file", &[], 2, "absent.txt does not exist")
        },
        bad("--expires-within 5x", &["cert", "inspect", "server.crt", "--expires-within", "5x"], 2, "unknown unit"),
        bad("revoke without an instance", &["revoke"], 2, "no instance URL"),
        Bad {
            args: vec!["revoke".into(), "--instance-url".into(), "https://acme.my.salesforce.com".into()],
            stdin: Some(b"\n"),
            ..bad("revoke with an empty token", &[], 2, "no access token")
        },
        Bad {
            args: login(&[]).into_iter().skip(1).fold(vec!["doctor".to_string()], |mut v, a| {
                v.push(a);
                v
            }),
            env: vec![("SFJWT_ADMIN_TOKEN", "x".into())],
            ..bad("doctor: admin token without URL", &[], 2, "needs its instance URL")
        },
        Bad {
            args: vec!["explain".into()],
            stdin: Some(b"  \n"),
            ..bad("explain with nothing", &[], 2, "no error text")
        },
        bad("setup with a bad app name", &["setup", "-o", USERNAME, "--app-name", "1bad"], 2, "--app-name"),
        bad("rotate with no app", &["cert", "rotate", "--source-dir", "dir"], 2, "no app with a certificate"),
        bad("unknown subcommand", &["frobnicate"], 2, "unrecognized subcommand"),
    ];
    m.extend(secret_and_host_cases(ctx, &login));
    for (name, status, ct, body, needle) in [
        ("200 with a number for access_token", 200, "application/json", r#"{"access_token": 5}"#, "unexpected answer"),
        ("200 with a JSON array", 200, "application/json", "[]", "HTTP 200"),
        ("400 with a number for error", 400, "application/json", r#"{"error": 42}"#, "HTTP 400"),
        ("200 with an empty body", 200, "application/json", "", "HTTP 200"),
    ] {
        let url = fixed_server(status, ct, body);
        m.push(Bad {
            args: login(&["-r", &url, "--insecure-http", "--max-retries", "0"]),
            ..bad(name, &[], 4, needle)
        });
    }
    m
}

/// Issue 11's cases: key material where a path belongs (never echoed), hosts and variables that
/// must be refused rather than guessed at.
fn secret_and_host_cases(ctx: &Ctx, login: &dyn Fn(&[&str]) -> Vec<String>) -> Vec<Bad> {
    use base64::Engine;
    use std::os::unix::ffi::OsStringExt;
    let pem = std::fs::read_to_string(ctx.path("server.key")).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pem);
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().join("\n");
    std::fs::write(
        ctx.path("material.conf"),
        format!("targets:\n  t:\n    client_id: {CLIENT_ID}\n    username: {USERNAME}\n    key: \"{b64}\"\n"),
    )
    .unwrap();
    let not_utf8 = || std::ffi::OsString::from_vec(vec![b'h', 0xff, 0xfe, b'x']);
    let key_cmd =
        |key: &str| login(&[]).into_iter().map(|a| if a == "server.key" { key.to_string() } else { a }).collect();
    let long_label = format!("https://{}.my.salesforce.com", "a".repeat(100_000));
    vec![
        Bad { args: key_cmd(&b64), ..bad("--key given base64 of the key file", &[], 2, "looks like the key itself") },
        Bad {
            args: key_cmd(&body),
            ..bad("--key given a PEM body without its BEGIN line", &[], 2, "looks like the key itself")
        },
        Bad {
            args: login(&[]).into_iter().filter(|a| a != "--key" && a != "server.key").collect(),
            env: vec![("SFJWT_KEY_FILE", b64.clone().into())],
            ..bad("SFJWT_KEY_FILE holding the key itself", &[], 2, "looks like the key itself")
        },
        bad(
            "config key: holding the key itself",
            &["login", "--config", "material.conf", "--target", "t"],
            2,
            "looks like the key itself",
        ),
        Bad {
            args: login(&["-r", "http://acme.my.salesforce.com", "--insecure-http"]),
            ..bad("--insecure-http to a non-loopback host", &[], 2, "loopback test servers only")
        },
        Bad {
            args: login(&["-r", &long_label]),
            ..bad("a 100,000-character host label", &[], 2, "longer than DNS allows")
        },
        Bad {
            args: login(&[]),
            env: vec![("SFJWT_LOGIN_URL", not_utf8())],
            ..bad("non-UTF-8 SFJWT_LOGIN_URL", &[], 2, "SFJWT_LOGIN_URL is not valid UTF-8")
        },
        Bad {
            args: vec!["login".into(), "-i".into(), CLIENT_ID.into(), "--key".into(), "server.key".into()],
            env: vec![("SFJWT_USERNAME", not_utf8())],
            ..bad("non-UTF-8 SFJWT_USERNAME", &[], 2, "SFJWT_USERNAME is not valid UTF-8")
        },
        Bad {
            args: vec!["login".into(), "-i".into(), CLIENT_ID.into(), "-o".into(), USERNAME.into()],
            env: vec![("SFJWT_KEY", not_utf8())],
            ..bad("non-UTF-8 SFJWT_KEY", &[], 2, "SFJWT_KEY is not valid UTF-8")
        },
        Bad {
            args: login(&[]),
            env: vec![("HTTPS_PROXY", "http://[::1".into())],
            ..bad("a malformed HTTPS_PROXY", &[], 2, "HTTPS_PROXY is not a proxy URL")
        },
        Bad {
            args: login(&["--ca-file", "/dev/urandom"]),
            ..bad("--ca-file /dev/urandom", &[], 2, "larger than 4 MiB")
        },
        Bad {
            args: login(&["-r", "https://sso.acme.example"]),
            ..bad("an unknown host without --allow-host", &[], 2, "--allow-host sso.acme.example")
        },
        Bad {
            args: vec!["revoke".into(), "--instance-url".into(), "https://evil.example".into()],
            env: vec![("SF_ACCESS_TOKEN", "00Dx!AQ4AQNOTSENT".into())],
            ..bad("revoke to a foreign instance URL", &[], 2, "refusing to send credentials to evil.example")
        },
        Bad {
            args: vec![
                "revoke".into(),
                "--instance-url".into(),
                "http://acme.my.salesforce.com".into(),
                "--insecure-http".into(),
            ],
            env: vec![("SF_ACCESS_TOKEN", "00Dx!AQ4AQNOTSENT".into())],
            ..bad("revoke over http to a non-loopback host", &[], 2, "loopback test servers only")
        },
    ]
}

/// No key-input error holds more than 16 characters of the value it was given.
#[test]
fn key_input_errors_never_echo_the_value() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    let pem = std::fs::read_to_string(ctx.path("server.key")).unwrap();
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&pem)
    };
    let long_path = format!("/no/such/{}/server.key", "d".repeat(80));
    let env_b64 = format!("env:{b64}");
    for value in [b64.as_str(), long_path.as_str(), "env:BAD-NAME!", &pem[40..400], env_b64.as_str()] {
        let mut cmd = ctx.sfjwt();
        cmd.args(["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", value]);
        let r = ctx.run(&mut cmd);
        assert_eq!(r.code, 2, "{}", r.stderr);
        let chars: Vec<char> = value.chars().collect();
        for start in 0..chars.len().saturating_sub(16) {
            let window: String = chars[start..start + 17].iter().collect();
            assert!(!r.stderr.contains(&window), "17 characters of the value leaked:\n{}", r.stderr);
        }
    }
}

/// A key pasted as a stray argument, or into a broken config file, never comes back in clap's or
/// the config parser's error; an argument that is not UTF-8 is a usage error, not a panic.
#[test]
fn usage_and_config_errors_never_quote_key_material() {
    use std::os::unix::ffi::OsStrExt;
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    ctx.secret_key_file(&ctx.path("server.key"));
    let pem = std::fs::read_to_string(ctx.path("server.key")).unwrap();
    ctx.run(ctx.sfjwt().args(["explain", &pem])).code(2);
    let body = pem.lines().nth(3).unwrap();
    std::fs::write(ctx.path("bad.conf"), format!("targets:\n  p:\n    client_id: {CLIENT_ID}\n    key: \"{body}\n"))
        .unwrap();
    ctx.run(ctx.sfjwt().args(["login", "--config", "bad.conf", "--target", "p"])).code(2);
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-o", USERNAME, "--json", "-i"]).arg(std::ffi::OsStr::from_bytes(b"3MVG9\xff"));
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("\"UsageError\""), "{}", r.stdout);
}

/// `explain` cuts standard input at 1 MiB on a character boundary, whatever the input.
#[test]
fn explain_cuts_long_input_between_characters() {
    let ctx = Ctx::new();
    let mut input = b"invalid_grant: user hasn't approved this consumer\n".to_vec();
    while input.len() < (1 << 20) + 10 {
        input.extend_from_slice("é€".as_bytes());
    }
    let r = ctx.run_stdin(ctx.sfjwt().args(["explain"]), &input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("cause: user_not_approved"), "{}", r.stdout);
}

#[test]
fn bad_input_matrix() {
    let ctx = Ctx::new();
    prepare(&ctx);
    let cases = matrix(&ctx);
    assert!(cases.len() >= 70, "the matrix must hold at least 70 cases, has {}", cases.len());
    println!("bad-input matrix: {} cases", cases.len());
    for case in cases {
        let started = Instant::now();
        let mut cmd = ctx.sfjwt();
        cmd.args(&case.args);
        for (k, v) in &case.env {
            cmd.env(k, v);
        }
        let r = match case.stdin {
            Some(input) => ctx.run_stdin(&mut cmd, input),
            None => ctx.run(&mut cmd),
        };
        assert_eq!(r.code, case.exit, "{}: exit {} \n{}", case.name, r.code, r.stderr);
        assert!(r.stderr.contains(case.needle), "{}: stderr lacks {:?}:\n{}", case.name, case.needle, r.stderr);
        assert!(started.elapsed() < Duration::from_secs(60), "{} took {:?}", case.name, started.elapsed());
    }
}

/// Each fault with its expected outcome; prints the time each took (docs/robustness.md).
#[test]
fn fault_matrix() {
    struct Fault {
        scenario: &'static str,
        extra: &'static [&'static str],
        exit: i32,
        bound: Duration,
    }
    let cases = [
        Fault {
            scenario: "faults-slow",
            extra: &["--timeout", "1s", "--max-retries", "1"],
            exit: 4,
            bound: Duration::from_secs(15),
        },
        Fault { scenario: "faults-503", extra: &[], exit: 0, bound: Duration::from_secs(30) },
        Fault {
            scenario: "faults-always-503",
            extra: &["--retry-window", "10s"],
            exit: 4,
            bound: Duration::from_secs(30),
        },
        Fault { scenario: "faults-429", extra: &[], exit: 0, bound: Duration::from_secs(30) },
        Fault { scenario: "retry-request-transient", extra: &[], exit: 0, bound: Duration::from_secs(30) },
        Fault {
            scenario: "retry-request-persistent",
            extra: &["--retry-window", "5s"],
            exit: 4,
            bound: Duration::from_secs(30),
        },
        Fault { scenario: "faults-html", extra: &[], exit: 0, bound: Duration::from_secs(30) },
        Fault { scenario: "faults-truncated", extra: &[], exit: 0, bound: Duration::from_secs(30) },
        Fault { scenario: "faults-drop", extra: &[], exit: 0, bound: Duration::from_secs(30) },
        Fault {
            scenario: "faults-hang",
            extra: &["--timeout", "2s", "--max-retries", "1"],
            exit: 0,
            bound: Duration::from_secs(30),
        },
        Fault {
            scenario: "faults-hang",
            extra: &["--timeout", "2s", "--max-retries", "0"],
            exit: 4,
            bound: Duration::from_secs(15),
        },
    ];
    let ctx = Ctx::new();
    let mut table = String::from("| fault | flags | exit | time |\n|---|---|---|---|\n");
    for c in cases {
        let emu = Emu::start(c.scenario);
        let started = Instant::now();
        let r = ctx.run(ctx.login(&emu, USERNAME).args(c.extra));
        let took = started.elapsed();
        assert_eq!(r.code, c.exit, "{} {:?}: {}", c.scenario, c.extra, r.stderr);
        assert!(took < c.bound, "{} {:?} took {took:?} (bound {:?})", c.scenario, c.extra, c.bound);
        table.push_str(&format!(
            "| {} | {} | {} | {:.2} s |\n",
            c.scenario,
            c.extra.join(" "),
            r.code,
            took.as_secs_f64()
        ));
    }
    // A server whose CA is not trusted: immediate exit 4, no retry.
    let emu = Emu::start("healthy");
    let started = Instant::now();
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--key"]).arg(fixture_key());
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 4);
    table.push_str(&format!("| wrong CA | (no --ca-file) | 4 | {:.2} s |\n", started.elapsed().as_secs_f64()));
    println!("{table}");
}

/// Debug output of every type that holds a secret is redacted.
#[test]
fn debug_output_is_redacted() {
    let ctx = Ctx::new();
    ctx.keygen("server", &[]);
    let pem = std::fs::read(ctx.path("server.key")).unwrap();
    let key = sfjwt::credentials::keys::parse(&pem, None).unwrap();
    let shown = format!("{key:?}");
    assert!(shown.contains("bits: 2048") && !shown.contains("pkcs"), "{shown}");
    ctx.assert_no_secrets(&shown);
    let pass = sfjwt::credentials::keys::Passphrase::new("hunter2-passphrase");
    assert!(!format!("{pass:?}").contains("hunter2"));
    let session = sfjwt::org::api::AdminSession {
        instance_url: "https://x".into(),
        token: zeroize::Zeroizing::new("00Dsecret!token".into()),
    };
    assert!(!format!("{session:?}").contains("00Dsecret"));
    let granted = sfjwt::login::grant::classify_answer(
        200,
        "application/json",
        r#"{"access_token":"00Dabc!SECRET","instance_url":"https://acme.my.salesforce.com","id":"https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA","token_type":"Bearer"}"#,
    );
    let shown = format!("{granted:?}");
    assert!(shown.contains("<redacted>") && !shown.contains("SECRET"), "{shown}");
}

/// Secrets given to the wrong place are not quoted back, and a device as a certificate is read
/// bounded (an outside attack on the release binary found each of these).
#[test]
fn secrets_in_the_wrong_place_and_devices_as_input() {
    let ctx = Ctx::new();
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvYXBwIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl";
    ctx.secret(jwt);
    for spec in [jwt.to_string(), format!("file:{jwt}")] {
        let r = ctx.run(ctx.sfjwt().args([
            "login",
            "-i",
            "3MVG9Example.key_1",
            "-r",
            "https://127.0.0.1:1",
            "--oidc",
            &spec,
        ]));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("…(hidden"), "{}", r.stderr);
    }
    let passphrase = "s3cr3tPassphraseValue";
    ctx.secret(passphrase);
    let r = ctx.run(
        ctx.sfjwt()
            .args(["login", "-i", "3MVG9Example.key_1", "-o", "ci@acme.com", "-r", "https://127.0.0.1:1", "--key"])
            .arg(fixture_key())
            .args(["--key-passphrase-file", passphrase]),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("the passphrase file (--key-passphrase-file) does not exist"), "{}", r.stderr);
    // A path still names itself, so a typo can be found.
    let r = ctx.run(
        ctx.sfjwt()
            .args(["login", "-i", "3MVG9Example.key_1", "-o", "ci@acme.com", "-r", "https://127.0.0.1:1", "--key"])
            .arg(fixture_key())
            .args(["--key-passphrase-file", "secrets/pass.txt"]),
    );
    assert!(r.stderr.contains("the passphrase file secrets/pass.txt does not exist"), "{}", r.stderr);
    assert!(r.stderr.contains("SFJWT_KEY_PASSPHRASE"), "{}", r.stderr);
    let r = ctx.run(ctx.sfjwt().args(["cert", "inspect", "/dev/zero"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
}
