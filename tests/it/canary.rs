//! The canary examples (examples/sfjwt-canary.yml, examples/sfjwt-canary.gitlab-ci.yml) run for
//! real, by act and gitlab-ci-local, against four emulated orgs started at once: healthy,
//! refused, a certificate inside the renewal window, and one that never answers. Their install
//! steps run as written, against a fake release laid out by scripts/release.sh, pinned through
//! the variables the examples document.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine;

use crate::action::{git_commit_all, run_bounded, tool};
use crate::common::*;
use crate::fake_release::{FakeRelease, LINUX_X64};
use crate::fleet::{LoggedEmu, short_certificate};

struct Orgs {
    _emus: Vec<LoggedEmu>,
    config: String,
}

/// sfjwt.yaml as a repository would hold it: the key from the SFJWT_KEY secret, an admin token
/// by variable name, and a short per-request timeout for the org that never answers.
fn orgs(ctx: &Ctx) -> Orgs {
    let healthy = LoggedEmu::named("healthy");
    let refused = LoggedEmu::named("not-preauthorized");
    let expiring = LoggedEmu::named("healthy");
    let hanging = LoggedEmu::named("faults-hang-always");
    let cert = short_certificate(ctx, 10);
    let t = |name: &str, emu: &LoggedEmu, extra: String| {
        format!(
            "  {name}:\n    client_id: {CLIENT_ID}\n    username: {USERNAME}\n    login_url: {}\n    ca_file: {}\n    key: env:SFJWT_KEY\n{extra}",
            emu.url,
            emu.ca.display()
        )
    };
    let config = format!(
        "targets:\n{}{}{}{}",
        t(
            "healthy",
            &healthy,
            format!(
                "    admin_token_env: PROD_ADMIN_TOKEN\n    admin_instance_url: {}\n    app_name: CI\n",
                healthy.url
            )
        ),
        t("refused", &refused, String::new()),
        t("expiring", &expiring, format!("    cert: {}\n", cert.display())),
        t("hanging", &hanging, "    timeout: 2s\n".into()),
    );
    Orgs { _emus: vec![healthy, refused, expiring, hanging], config }
}

fn key_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(fixture_key()).unwrap())
}

/// The release the examples pin by default (the crate's version), served locally, and the
/// variables a user sets to point the example at it: the mirror and both checksums.
pub(crate) fn release(ctx: &Ctx) -> (FakeRelease, Vec<(&'static str, String)>) {
    let rel = FakeRelease::lay_out(ctx, &format!("v{}", env!("CARGO_PKG_VERSION")), &[LINUX_X64]).serve(&[]);
    let vars = vec![
        ("SFJWT_BASE_URL", rel.base.clone()),
        ("SFJWT_SHA256", rel.sha256(&rel.archive(LINUX_X64))),
        ("SFJWT_INSTALLER_SHA256", rel.sha256("install.sh")),
    ];
    (rel, vars)
}

/// No sfjwt of this build on PATH: the job can only have the one its install step installed.
pub(crate) fn path_without_sfjwt() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_sfjwt")).parent().unwrap().to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path).filter(|d| d != &bin && !d.join("sfjwt").exists()).collect();
    std::env::join_paths(kept).unwrap().to_string_lossy().into_owned()
}

pub(crate) fn check_installed(log: &str) {
    let archive = format!("verified sfjwt-v{}-{LINUX_X64}.tar.gz", env!("CARGO_PKG_VERSION"));
    assert!(log.contains(&archive), "the install step did not install the pinned release:\n{log}");
}

fn check_log(ctx: &Ctx, log: &str) {
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN_TOKEN);
    ctx.assert_no_secrets(log);
    assert!(!log.contains(TOKEN_PREFIX), "an access token reached the log:\n{log}");
    for line in [
        "[ok] healthy: every check passed",
        "[FAIL] refused: user_not_approved",
        "[FAIL] expiring: certificate in its renewal window",
    ] {
        assert!(log.contains(line), "missing {line:?}:\n{log}");
    }
    assert!(log.contains("] hanging: "), "{log}");
}

/// act cannot fetch remote actions offline: actions/checkout is act's own local copy, and the
/// upload step is replaced by a copy into a folder the test reads (what would be uploaded).
/// Everything before it, the install step included, runs as written; the release and its pins
/// come in as repository variables (`--var`), as the example says to set them.
#[test]
#[ignore = "needs act: scripts/test.sh installs it and runs ignored tests"]
fn github_canary_fails_on_a_broken_target_and_keeps_the_page() {
    let ctx = Ctx::new();
    let orgs = orgs(&ctx);
    let (_rel, vars) = release(&ctx);
    let project = ctx.path("project");
    let artifacts = ctx.path("artifacts");
    std::fs::create_dir_all(project.join(".github/workflows")).unwrap();
    std::fs::create_dir_all(&artifacts).unwrap();
    let example = std::fs::read_to_string(repo().join("examples/sfjwt-canary.yml")).unwrap();
    let cut = example.find("      - name: Keep the fleet page").expect("the upload step");
    let workflow = example[..cut].to_string()
        + "      - name: Keep the fleet page\n        if: always()\n        run: cp fleet.html fleet.json fleet.xml \"$ARTIFACTS\"\n";
    std::fs::write(project.join(".github/workflows/canary.yml"), workflow).unwrap();
    std::fs::write(project.join("sfjwt.yaml"), &orgs.config).unwrap();
    git_commit_all(&project);
    std::fs::write(ctx.path("secrets.env"), format!("SFJWT_KEY={}\nPROD_ADMIN_TOKEN={ADMIN_TOKEN}\n", key_b64()))
        .unwrap();
    let mut cmd = Command::new(tool("SFJWT_ACT_BIN", "act"));
    cmd.current_dir(&project)
        .args(["schedule", "-W", ".github/workflows/canary.yml", "-P", "ubuntu-latest=-self-hosted", "--secret-file"])
        .arg(ctx.path("secrets.env"))
        .args(["--env", &format!("ARTIFACTS={}", artifacts.display())])
        .env("HOME", ctx.dir.path())
        .env("PATH", path_without_sfjwt());
    for (k, v) in &vars {
        cmd.args(["--var", &format!("{k}={v}")]);
    }
    let (code, log) = run_bounded(&mut cmd, Duration::from_secs(300));
    check_installed(&log);
    check_log(&ctx, &log);
    assert_ne!(code, 0, "a broken target fails the canary:\n{log}");
    let fleet: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(artifacts.join("fleet.json")).expect("fleet.json kept")).unwrap();
    assert_eq!(fleet["summary"]["ok"], 1, "{fleet}");
    let html = std::fs::read_to_string(artifacts.join("fleet.html")).expect("the page kept");
    assert!(html.contains("id=\"matrix\""));
}

/// The GitLab canary carries the template's install step and variables verbatim (anchors do not
/// cross included files), so what the template's tests prove holds for it too.
#[test]
fn gitlab_canary_install_step_is_the_templates() {
    let section = |file: &str, from: &str, to: &str| {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let start = text.find(from).unwrap_or_else(|| panic!("{file}: no {from}"));
        let end = start + text[start..].find(to).unwrap_or_else(|| panic!("{file}: no {to}"));
        text[start..end].to_string()
    };
    let template = "ci-templates/gitlab/sfjwt.gitlab-ci.yml";
    for file in [
        "examples/sfjwt-canary.gitlab-ci.yml",
        "ci-templates/gitlab/sfjwt-keyless.gitlab-ci.yml",
        "examples/entra.gitlab-ci.yml",
    ] {
        assert_eq!(
            section(file, ".sfjwt-install: &sfjwt-install", "  - sfjwt --version"),
            section(template, ".sfjwt-install: &sfjwt-install", "  - sfjwt --version"),
            "{file}'s install step differs from {template}'s"
        );
        assert_eq!(
            section(file, "variables:\n", "  SFJWT_RELEASE_BASE_URL"),
            section(template, "variables:\n", "  SFJWT_RELEASE_BASE_URL"),
            "{file}'s install variables differ from {template}'s"
        );
    }
}

#[test]
#[ignore = "needs gitlab-ci-local: scripts/test.sh installs it and runs ignored tests"]
fn gitlab_scheduled_canary_fails_on_a_broken_target_and_reports_junit() {
    let ctx = Ctx::new();
    let orgs = orgs(&ctx);
    let (_rel, vars) = release(&ctx);
    let project = ctx.path("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::copy(repo().join("examples/sfjwt-canary.gitlab-ci.yml"), project.join(".gitlab-ci.yml")).unwrap();
    std::fs::write(project.join("sfjwt.yaml"), &orgs.config).unwrap();
    std::fs::write(
        project.join(".gitlab-ci-local-variables.yml"),
        format!(
            "SFJWT_KEY: {}\nPROD_ADMIN_TOKEN: \"{ADMIN_TOKEN}\"\n{}",
            key_b64(),
            vars.iter().map(|(k, v)| format!("{k}: {v}\n")).collect::<String>()
        ),
    )
    .unwrap();
    git_commit_all(&project);
    let path = path_without_sfjwt();
    // Outside a schedule (or a manual run) the job does not run at all.
    let mut cmd = Command::new(tool("SFJWT_GCL_BIN", "gitlab-ci-local"));
    cmd.current_dir(&project).env("PATH", &path).env("HOME", ctx.dir.path()).arg("--list");
    let (_, listed) = run_bounded(&mut cmd, Duration::from_secs(120));
    assert!(!listed.contains("sfjwt-canary"), "a push pipeline lists no canary:\n{listed}");
    let mut cmd = Command::new(tool("SFJWT_GCL_BIN", "gitlab-ci-local"));
    cmd.current_dir(&project).env("PATH", &path).env("HOME", ctx.dir.path()).args([
        "--variable",
        "CI_PIPELINE_SOURCE=schedule",
        "sfjwt-canary",
    ]);
    let (code, log) = run_bounded(&mut cmd, Duration::from_secs(300));
    check_installed(&log);
    check_log(&ctx, &log);
    assert_ne!(code, 0, "{log}");
    let junit = [project.join("fleet.xml"), project.join(".gitlab-ci-local/artifacts/sfjwt-canary/fleet.xml")]
        .into_iter()
        .find(|p| p.exists())
        .expect("the JUnit report");
    let (tests, failures, _, _) = parse_junit(&junit);
    assert!(tests >= 4 && failures >= 2, "{tests} tests, {failures} failures");
}
