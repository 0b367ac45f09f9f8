//! What sfjwt prints is a contract: help examples parse, README commands parse, `--json` gives
//! one envelope for every outcome, sf's flag spellings work, and errors read `error:`.

use clap::Parser;

use crate::common::*;

/// The `sfjwt …` commands inside a line: at its start or after a prompt, `$(`, a pipe, `&&`,
/// `;`, a YAML `- ` or `run:`; each up to the end, a pipe, `)` or a comment outside quotes.
fn sfjwt_commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices("sfjwt ") {
        // `VAR=value sfjwt …`: the assignments in front are the shell's, the command is sfjwt's.
        let mut before = line[..i].trim_end();
        while let Some((head, last)) = before.rsplit_once(char::is_whitespace).or(Some(("", before))) {
            let is_assignment = last.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            });
            if !is_assignment {
                break;
            }
            before = head.trim_end();
        }
        let starts = ["$", "$(", "|", "&&", ";", "-", "run:", "\"$("];
        if !before.is_empty() && !starts.iter().any(|s| before.ends_with(s)) {
            continue;
        }
        let mut quote = None;
        let mut end = line.len() - i;
        for (k, c) in line[i..].char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '|' | ')' | '`' | '#' | '>' | '<') => {
                    end = k;
                    break;
                }
                _ => {}
            }
        }
        out.push(line[i..i + end].trim().to_string());
    }
    out
}

/// Splits like sh (quotes, `\` line continuations), without expanding anything.
fn words(command: &str) -> Vec<String> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import shlex,sys,json; print(json.dumps(shlex.split(sys.argv[1])))", command])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("cannot split {command:?}"))
}

fn parses(command: &str) -> Result<(), String> {
    sfjwt::cli::Cli::try_parse_from(words(command)).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn every_help_example_parses() {
    let ctx = Ctx::new();
    let mut checked = 0;
    for cmd in [
        &["keygen"][..],
        &["cert", "inspect"],
        &["cert", "rotate"],
        &["assertion"],
        &["login"],
        &["revoke"],
        &["doctor"],
        &["explain"],
        &["setup"],
    ] {
        let r = ctx.run(ctx.sfjwt().args(cmd).arg("--help")).ok();
        assert!(r.stdout.contains("Examples:"), "{cmd:?} --help has no examples");
        assert!(r.stdout.contains("Exit codes: "), "{cmd:?} --help has no exit codes");
        for line in r.stdout.lines().filter(|l| l.trim_start().starts_with("$ ")) {
            for command in sfjwt_commands(line) {
                parses(&command).unwrap_or_else(|e| panic!("{cmd:?} help example `{command}` does not parse:\n{e}"));
                checked += 1;
            }
        }
    }
    assert!(checked >= 18, "{checked} examples checked");
}

/// Every fenced `sfjwt …` command in README.md parses with the current CLI (its flags exist).
#[test]
fn every_readme_command_parses() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut in_fence = false;
    let mut joined = String::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence {
            continue;
        }
        // Join shell continuation lines before looking for commands.
        if let Some(part) = line.strip_suffix('\\') {
            joined.push_str(part);
            continue;
        }
        joined.push_str(line);
        let full = std::mem::take(&mut joined);
        for command in sfjwt_commands(&full) {
            if command.contains("${{") || command.starts_with("sfjwt/") {
                continue; // a GitHub expression or an action reference, not a shell command
            }
            // Usage syntax: `[--flag VALUE]` is optional; its flag must exist all the same.
            let unwrapped = command.replace("[-", "-").replace("] ", " ").trim_end_matches(']').to_string();
            if let Err(e) = parses(&unwrapped) {
                failures.push(format!("`{command}`: {}", e.lines().next().unwrap_or_default()));
            }
            checked += 1;
        }
    }
    // Commands behind environment assignments are checked too (the revoke and doctor recipes).
    assert_eq!(
        sfjwt_commands(r#"SFJWT_ACCESS_TOKEN="$T" sfjwt revoke --instance-url U"#),
        ["sfjwt revoke --instance-url U"]
    );
    assert!(sfjwt_commands("FOO=1 echo sfjwt x").is_empty(), "an argument named sfjwt is not a command");
    assert!(failures.is_empty(), "README commands that do not parse:\n{}", failures.join("\n"));
    assert!(checked >= 8, "{checked} README commands checked");
}

fn envelope(r: &Run) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON envelope ({e}):\n{}", r.stdout));
    assert_eq!(v["status"], r.code, "the envelope's status is the exit code: {v}");
    v
}

/// `--json`: one envelope on stdout for every outcome of every command, success or failure.
#[test]
fn json_envelope_for_every_outcome() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let ok = Emu::start("healthy");
    let key = fixture_key();
    let key = key.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["keygen", "--name", "k"], 0),
        (vec!["keygen", "--name", "k"], 2),
        (vec!["cert", "inspect", "k.crt", "--key", "k.key"], 0),
        (vec!["cert", "inspect", "k.crt", "--key", key], 5),
        (vec!["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", key], 0),
        (vec!["explain", "invalid_grant: user hasn't approved this consumer"], 0),
        (vec!["explain", "all good"], 1),
        (vec!["login", "--bogus"], 2),
        (vec!["login", "-i", CLIENT_ID, "-o", USERNAME, "--key", "missing.key"], 2),
    ];
    for (args, exit) in cases {
        let r = ctx.run(ctx.sfjwt().args(&args).arg("--json"));
        assert_eq!(r.code, exit, "{args:?}: {}", r.stderr);
        let v = envelope(&r);
        if exit == 0 {
            assert!(!v["result"].is_null(), "{args:?}: a result: {v}");
        } else {
            assert!(v["name"].is_string() && v["message"].is_string(), "{args:?}: name and message: {v}");
        }
    }
    let r = ctx.run(ctx.login(&ok, USERNAME).arg("--json"));
    assert_eq!(envelope(&r)["result"]["org_id"], "00D000000000001AAA");
    let r = ctx.run(ctx.login(&emu, USERNAME).arg("--json"));
    let v = envelope(&r);
    assert_eq!((r.code, v["cause"].as_str()), (3, Some("user_not_approved")), "{v}");
    assert_eq!(v["result"]["diagnosis"]["cause"], "user_not_approved");
    let r = ctx.run(ctx.doctor(&emu, USERNAME, true).arg("--json"));
    let v = envelope(&r);
    assert_eq!((r.code, v["cause"].as_str()), (1, Some("user_not_preauthorized")), "{v}");
}

/// `--json` names a usage error by its kind where kinds differ, and keeps `UsageError` for the
/// rest; every one of them exits 2 (README: "Exit codes").
#[test]
fn usage_errors_are_named_by_kind() {
    let ctx = Ctx::new();
    std::fs::write(ctx.path("empty.yaml"), "targets: {}\n").unwrap();
    std::fs::write(ctx.path("one.yaml"), format!("targets:\n  p:\n    client_id: {CLIENT_ID}\n")).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["doctor", "--all", "--config", "empty.yaml"], "ConfigError"),
        (&["keygen", "--bits", "1000"], "InvalidFlagValue"),
        (&["doctor", "--config", "one.yaml", "--target", "p", "--target", "q"], "ConfigError"),
        (&["doctor", "--all", "--target", "p"], "FlagConflict"),
        (&["doctor", "--all", "--jobs", "0", "--config", "one.yaml"], "InvalidFlagValue"),
        (&["doctor", "--all", "--deadline", "soon", "--config", "one.yaml"], "InvalidFlagValue"),
        // doctor hands no session on: login's hand-off flags are not doctor's flags at all.
        (&["doctor", "--export-env"], "UnknownArgument"),
        (&["login", "--bogus"], "UnknownArgument"),
        (&["cert", "inspect"], "MissingArgument"),
        (&["revoke"], "UsageError"),
    ];
    for (args, name) in cases {
        let r = ctx.run(ctx.sfjwt().args(*args).arg("--json"));
        let v = envelope(&r);
        assert_eq!((r.code, v["name"].as_str()), (2, Some(*name)), "{args:?}: {v}\n{}", r.stderr);
        // The failure envelope the README documents: `cause` and `result` are there, null.
        assert!(v["cause"].is_null() && v.get("cause").is_some(), "{args:?}: {v}");
        assert!(v["result"].is_null() && v.get("result").is_some(), "{args:?}: {v}");
    }
}

/// sf's own spellings, for users coming from `sf org login jwt`.
#[test]
fn sf_flag_spellings_work() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    ctx.secret_key_file(&fixture_key());
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "--client-id", CLIENT_ID, "--username", USERNAME, "--instance-url", &emu.url, "--jwt-key-file"])
        .arg(fixture_key())
        .arg("--ca-file")
        .arg(&emu.ca);
    ctx.run(&mut cmd).ok().stderr_has("Logged in as ci@acme.com");
    for alias in ["--alias", "-a"] {
        let parsed = sfjwt::cli::Cli::try_parse_from(["sfjwt", "login", alias, "prod"]).unwrap();
        let sfjwt::cli::Command::Login(args) = parsed.command else { panic!("login") };
        assert_eq!(args.sf_alias.as_deref(), Some("prod"));
    }
}

/// Every error line is `error: …` in lower case, whatever fails.
#[test]
fn errors_read_error_in_lower_case() {
    let ctx = Ctx::new();
    ctx.run(ctx.sfjwt().args(["keygen", "--name", "x"])).ok();
    for args in [
        &["keygen", "--name", "x"][..],
        &["doctor", "--format", "env", "-i", CLIENT_ID, "-o", USERNAME],
        &["login", "-r", "ftp://x"],
        &["explain"],
        &["cert", "inspect", "nope.crt"],
        &["revoke"],
    ] {
        let r = ctx.run(ctx.sfjwt().args(args));
        assert_ne!(r.code, 0, "{args:?}");
        assert!(r.stderr.contains("error: "), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("Error:"), "{args:?}: capitalised Error: {}", r.stderr);
    }
}

/// CI logs have no terminal: waiting for propagation prints a progress line (elapsed, remaining,
/// what is awaited) anyway; the audience note appears only when other audiences were tried.
#[test]
fn progress_and_notes_without_a_terminal() {
    let ctx = Ctx::new();
    let emu = Emu::start("propagation-delay");
    let r = ctx.run(ctx.login(&emu, USERNAME).args(["--wait-for-propagation", "30s"])).ok();
    assert!(
        r.stderr.contains("waiting for the app to propagate (invalid_client_id): ")
            && r.stderr.contains("s elapsed, giving up in "),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("pass --audience"), "one audience only: {}", r.stderr);
    let emu = Emu::start("eca-my-domain-audience");
    let r = ctx.run(&mut ctx.login(&emu, USERNAME)).ok();
    assert!(r.stderr.contains(&format!("the audience {} worked; pass --audience", emu.url)), "{}", r.stderr);
}

/// Each command refuses an invalid setting before it writes a file or makes a request.
#[test]
fn invalid_settings_fail_before_any_side_effect() {
    let key = fixture_key().display().to_string();
    for args in [
        vec!["keygen", "--bits", "1000"],
        vec!["keygen", "--days", "0"],
        vec!["cert", "rotate", "--bits", "1000"],
        vec!["setup", "-o", USERNAME, "--wait-for-propagation", "2h"],
        vec!["setup", "-o", USERNAME, "--consumer-key", "bad key!"],
        vec!["assertion", "-i", CLIENT_ID, "-o", USERNAME, "--key", &key, "--lifetime", "9h"],
        vec!["login", "-i", CLIENT_ID, "-o", USERNAME, "--key", &key, "--report", "r.txt"],
        vec!["doctor", "-i", CLIENT_ID, "-o", USERNAME, "--key", &key, "--dotenv", "sf.env"],
        vec!["revoke", "--instance-url", "https://evil.example"],
        vec!["explain", "x", "--report", "nowhere/e.json"],
    ] {
        let ctx = Ctx::new();
        let r = ctx.run(ctx.sfjwt().args(&args).env("SF_ACCESS_TOKEN", "00Dx!AQ4AQNOTSENT"));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        let left: Vec<_> = std::fs::read_dir(ctx.dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?} before failing");
    }
}

/// `keygen --format json` names each field once; explain's Markdown report has no empty table
/// and never says "failed" with exit 0.
#[test]
fn json_has_no_duplicate_keys_and_explain_reports_are_honest() {
    let ctx = Ctx::new();
    let r = ctx.run(ctx.sfjwt().args(["keygen", "--format", "json"])).ok();
    let check = std::process::Command::new("python3")
        .args(["-c", "import json,sys\ndef hook(p):\n  k=[a for a,_ in p]\n  assert len(k)==len(set(k)), k\n  return dict(p)\njson.loads(sys.stdin.read(), object_pairs_hook=hook)"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(r.stdout.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(check.status.success(), "duplicate keys: {}", String::from_utf8_lossy(&check.stderr));
    ctx.run(ctx.sfjwt().args([
        "explain",
        "invalid_grant: user hasn't approved this consumer",
        "--report",
        "e.md",
        "--report",
        "e.json",
    ]))
    .ok();
    let md = std::fs::read_to_string(ctx.path("e.md")).unwrap();
    assert!(!md.contains("| | |"), "an empty table:\n{md}");
    assert!(md.contains("sfjwt explain: user_not_approved"), "{md}");
    ctx.run(ctx.sfjwt().args(["explain", "all good", "--report", "u.json"])).code(1);
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(ctx.path("u.json")).unwrap()).unwrap();
    assert_eq!((j["status"].as_str(), j["exit_code"].as_u64()), (Some("failed"), Some(1)));
}

/// `revoke` behind an unknown CA says what to do; `cert rotate --force` replaces an existing pair.
#[test]
fn revoke_tls_help_and_rotate_force() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let r = ctx
        .run(ctx.sfjwt().args(["revoke", "--instance-url", &emu.url]).env("SF_ACCESS_TOKEN", "00Dx!AQ4AQNOTREVOKED"));
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("help: unknown certificate authority?"), "{}", r.stderr);
    ctx.run(ctx.sfjwt().args(["setup", "-o", USERNAME, "--key-dir", "keys"])).ok();
    let rotate = |force: bool| {
        let mut cmd = ctx.sfjwt();
        cmd.args(["cert", "rotate", "--key-dir", "keys", "--name", "next"]);
        if force {
            cmd.arg("--force");
        }
        ctx.run(&mut cmd)
    };
    rotate(false).ok();
    let first = std::fs::read(ctx.path("keys/next.crt")).unwrap();
    rotate(false).code(2).stderr_has("pass --force");
    rotate(true).ok();
    assert_ne!(std::fs::read(ctx.path("keys/next.crt")).unwrap(), first, "--force wrote a new certificate");
}
