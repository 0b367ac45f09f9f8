//! Every scenario in fixtures/orgs as the user sees it: `sfjwt login`, then `sfjwt doctor`
//! without and with the scenario's admin session (keyless scenarios: `sfjwt login --oidc`), each
//! against a fresh emulator, recorded whole
//! (exit code, stdout, stderr) in one snapshot per scenario: tests/it/snapshots/it__scenarios__*.snap.
//!
//! After an intended change to what sfjwt prints, re-accept with
//! `INSTA_UPDATE=always cargo test --test it scenarios` and review `git diff tests/it/snapshots`.

use std::process::Command;
use std::sync::Mutex;

use sfjwt_testsupport::{SANDBOX_USER, Transcript};

use crate::common::*;

#[derive(Clone, Copy, Debug)]
enum Step {
    Login,
    Doctor,
    /// Doctor with SFJWT_ADMIN_TOKEN and --admin-instance-url, as tests/it/doctor.rs runs it.
    DoctorAdmin,
    /// `login --oidc` with a token from the emulator's CI issuer, as tests/it/keyless.rs runs it
    /// (doctor checks the JWT bearer setup only, so keyless scenarios have this one step).
    Keyless(Oidc),
}

#[derive(Clone, Copy, Debug)]
enum Oidc {
    /// `--oidc github`: sfjwt asks the (emulated) Actions token service itself.
    Github,
    /// `--oidc gitlab`: the job's id_token in SFJWT_ID_TOKEN, minted here as GitLab would.
    Gitlab,
}

use Step::*;

/// The whole story: what the login says, what doctor adds from the outside, and what it adds
/// from inside the org.
const ALL: &[Step] = &[Login, Doctor, DoctorAdmin];
/// Faults sit on the token endpoint only; the admin session's REST calls see nothing of them.
const NO_ADMIN: &[Step] = &[Login, Doctor];

struct Case {
    scenario: &'static str,
    user: &'static str,
    client_id: &'static str,
    /// Flags for every step.
    extra: &'static [&'static str],
    /// Flags for doctor only.
    doctor_extra: &'static [&'static str],
    /// A fixtures/source folder the emulator deploys apps from, and doctor reads.
    source_dir: Option<&'static str>,
    steps: &'static [Step],
    /// All steps against one emulator, in order (for state that builds up, such as a rate limit);
    /// otherwise each step gets a fresh one so no step depends on another's timing.
    shared_emulator: bool,
}

const fn case(scenario: &'static str) -> Case {
    Case {
        scenario,
        user: USERNAME,
        client_id: CLIENT_ID,
        extra: &[],
        doctor_extra: &[],
        source_dir: None,
        steps: ALL,
        shared_emulator: false,
    }
}

const fn keyless(scenario: &'static str) -> Case {
    Case { steps: &[Keyless(Oidc::Github)], ..case(scenario) }
}

const fn faults(scenario: &'static str) -> Case {
    Case { steps: NO_ADMIN, ..case(scenario) }
}

/// One case per scenario file, sorted by name; `every_scenario_has_a_case` keeps it complete.
const CASES: &[Case] = &[
    case("api-disabled-org"),
    case("api-disabled-user"),
    case("api-temporarily-unavailable"),
    case("app-blocked"),
    case("app-not-installed"),
    case("app-not-installed-hasnt-approved"),
    case("assignment-expired"),
    case("certificate-mismatch"),
    case("clock-ahead"),
    // Apps deployed from the repository's metadata; the outsider holds none of the permission sets.
    Case {
        user: "outsider@acme.com",
        client_id: "3MVG9Deployed.connected_app",
        source_dir: Some("connected-app"),
        ..case("deployed-users")
    },
    // A production user whose name ends in .dev: an ordinary domain, not a sandbox suffix.
    Case { user: "ci@acme.com.dev", ..case("dev-domain-not-preauthorized") },
    case("eca-my-domain-audience"),
    case("eca-not-installed"),
    case("example"),
    faults("faults-429"),
    faults("faults-503"),
    Case { extra: &["--max-retries", "0"], ..faults("faults-always-503") },
    faults("faults-drop"),
    Case { extra: &["--timeout", "2s", "--max-retries", "0"], ..faults("faults-hang") },
    // Every path hangs, the admin session's too; the same bounds as faults-hang.
    Case { extra: &["--timeout", "2s", "--max-retries", "0"], ..faults("faults-hang-always") },
    faults("faults-html"),
    faults("faults-slow"),
    faults("faults-truncated"),
    case("frozen-user"),
    case("healthy"),
    case("healthy-eca"),
    Case { user: SANDBOX_USER, ..case("healthy-sandbox") },
    Case { doctor_extra: &["--app-name", "CI"], ..case("high-assurance") },
    // The profile, not the app, requires High Assurance: doctor rules the app out (issue 23 §2).
    Case { doctor_extra: &["--app-name", "CI"], ..case("high-assurance-profile") },
    case("inactive-user"),
    case("inactive-user-doc-wording"),
    case("ip-relaxed"),
    case("ip-restricted"),
    keyless("keyless-expired"),
    Case { steps: &[Keyless(Oidc::Gitlab)], ..case("keyless-gitlab") },
    keyless("keyless-healthy"),
    keyless("keyless-no-handler"),
    keyless("keyless-not-enabled"),
    keyless("keyless-not-preauthorized"),
    keyless("keyless-rejected-generic"),
    keyless("keyless-wrong-audience"),
    keyless("keyless-wrong-ref"),
    keyless("keyless-wrong-repo"),
    case("many-permission-sets"),
    case("no-composite"),
    case("no-valid-scopes"),
    case("not-preauthorized"),
    case("not-preauthorized-invalid-app-access"),
    case("org-inactive"),
    case("permission-set-group"),
    case("propagation-delay"),
    // The limit is one grant per user: the second login is the refusal, and doctor's grant too.
    Case { steps: &[Login, Login, Doctor, DoctorAdmin], shared_emulator: true, ..case("rate-limited") },
    // A sandbox user created inside the sandbox: no suffix to hint at the environment.
    case("sandbox-user-without-suffix"),
    faults("retry-request-persistent"),
    faults("retry-request-transient"),
    case("self-authorize-approved"),
    case("self-authorize-not-approved"),
    case("use-any-api-client"),
];

fn start(case: &Case) -> Emu {
    match case.source_dir {
        Some(dir) => {
            let src = repo().join("fixtures/source").join(dir);
            Emu::start_with(&sfjwt_testsupport::scenario(case.scenario), &["--source-dir", src.to_str().unwrap()])
        }
        None => Emu::start(case.scenario),
    }
}

/// The command as tests/it/doctor.rs builds it (Ctx::login, Ctx::doctor), with the case's app,
/// user and flags.
fn command(ctx: &Ctx, emu: &Emu, case: &Case, step: Step) -> Command {
    if let Keyless(oidc) = step {
        return keyless_command(ctx, emu, oidc);
    }
    ctx.secret_key_file(&fixture_key());
    let mut cmd = ctx.sfjwt();
    cmd.arg(if matches!(step, Login) { "login" } else { "doctor" })
        .args(["-i", case.client_id, "-o", case.user, "-r", &emu.url, "--ca-file"])
        .arg(&emu.ca)
        .arg("--key")
        .arg(fixture_key())
        .args(case.extra);
    if !matches!(step, Login) {
        cmd.args(case.doctor_extra);
        if let Some(dir) = case.source_dir {
            cmd.arg("--source-dir").arg(repo().join("fixtures/source").join(dir));
        }
    }
    if matches!(step, DoctorAdmin) {
        cmd.env("SFJWT_ADMIN_TOKEN", ADMIN_TOKEN).args(["--admin-instance-url", &emu.url]);
    }
    cmd
}

/// `sfjwt login --oidc …` against the emulator (its own URL plays the My Domain), with its CA.
fn keyless_command(ctx: &Ctx, emu: &Emu, oidc: Oidc) -> Command {
    use crate::keyless::{GH_REQUEST_TOKEN, GL_REQUEST_TOKEN, mint};
    let mut cmd = ctx.sfjwt();
    let source = match oidc {
        Oidc::Github => "github",
        Oidc::Gitlab => "gitlab",
    };
    cmd.args(["login", "--oidc", source, "-i", CLIENT_ID, "-r", &emu.url, "--ca-file"]).arg(&emu.ca);
    match oidc {
        Oidc::Github => {
            ctx.secret(GH_REQUEST_TOKEN);
            cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
                .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
        }
        Oidc::Gitlab => {
            let token = mint(emu, "gitlab", GL_REQUEST_TOKEN, &emu.url);
            ctx.secret(token.clone());
            cmd.env("SFJWT_ID_TOKEN", token).args(["--username", USERNAME]);
        }
    }
    cmd
}

/// Runs a case's steps and returns the transcript; every run also goes through `Ctx::run`'s
/// invariants (no panic, no secret in any output or written file).
fn transcript(case: &Case) -> Transcript {
    let ctx = Ctx::new();
    let mut t = Transcript::default();
    let shared = case.shared_emulator.then(|| start(case));
    for &step in case.steps {
        let fresh = if shared.is_none() { Some(start(case)) } else { None };
        let emu = shared.as_ref().or(fresh.as_ref()).unwrap();
        let mut cmd = command(&ctx, emu, case, step);
        let mut run = ctx.run(&mut cmd);
        run.stderr = login_history_unordered(&run.stderr);
        t.push(&cmd, &run);
    }
    t
}

/// LoginHistory rows carry whole seconds and doctor lists them newest first, so rows written
/// within one second keep their insertion order and rows either side of a second boundary swap:
/// the order depends on timing. Times are filtered anyway; the rows are shown sorted.
fn login_history_unordered(stderr: &str) -> String {
    const PREFIX: &str = "Recent logins (LoginHistory): ";
    let lines = stderr.lines().map(|line| match line.split_once(PREFIX) {
        Some((head, rows)) => {
            let mut rows: Vec<&str> = rows.split("; ").collect();
            rows.sort_by_key(|r| r.split_once(' ').map_or(*r, |(_, rest)| rest));
            format!("{head}{PREFIX}{}", rows.join("; "))
        }
        None => line.to_string(),
    });
    let mut out = lines.collect::<Vec<_>>().join("\n");
    if stderr.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[test]
fn every_scenario_has_a_case() {
    let cases: Vec<String> = CASES.iter().map(|c| c.scenario.to_string()).collect();
    let files = sfjwt_testsupport::scenario_names();
    let missing: Vec<&String> = files.iter().filter(|f| !cases.contains(f)).collect();
    let stale: Vec<&String> = cases.iter().filter(|c| !files.contains(c)).collect();
    assert!(missing.is_empty(), "scenario files without a snapshot case in tests/it/scenarios.rs: {missing:?}");
    assert!(stale.is_empty(), "cases naming no scenario file: {stale:?}");
    let mut sorted = cases.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), cases.len(), "a scenario listed twice");
    // A snapshot left behind by a removed case would otherwise sit there unchecked.
    let orphans: Vec<String> = std::fs::read_dir(repo().join("tests/it/snapshots"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_prefix("it__scenarios__")?.strip_suffix(".snap").map(str::to_string))
        .filter(|name| !cases.contains(name) && !OTHER_SNAPSHOTS.contains(&name.as_str()))
        .collect();
    assert!(orphans.is_empty(), "snapshots without a case: {orphans:?}");
}

/// Snapshots of this module that are not scenario cases.
const OTHER_SNAPSHOTS: &[&str] = &["tls_failure_without_the_emulator_ca"];

/// Runs the cases on a few threads (most of a run is waiting on the emulator), then checks every
/// snapshot and names all that differ, not only the first.
#[test]
fn every_scenario_as_the_user_sees_it() {
    let next = Mutex::new(CASES.iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(case) = { next.lock().unwrap().next() } {
                    let started = std::time::Instant::now();
                    let text = transcript(case);
                    // A figure, not an assertion: `--nocapture` shows where the suite's time goes.
                    eprintln!("{:>6.2}s {}", started.elapsed().as_secs_f64(), case.scenario);
                    results.lock().unwrap().push((case.scenario, text));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(scenario, _)| *scenario);
    let mut failed = Vec::new();
    for (scenario, transcript) in results {
        let check = std::panic::catch_unwind(|| sfjwt_testsupport::cmd_snapshot!(scenario, transcript));
        if check.is_err() {
            failed.push(scenario);
        }
    }
    assert!(
        failed.is_empty(),
        "snapshots differ for {failed:?} (INSTA_UPDATE=always to re-accept, then review the diff)"
    );
}

/// The TLS failure a runner without the org's CA meets: the error and the hint to --ca-file.
#[test]
fn tls_failure_without_the_emulator_ca() {
    let ctx = Ctx::new();
    let emu = Emu::start("healthy");
    ctx.secret_key_file(&fixture_key());
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--key"]).arg(fixture_key());
    sfjwt_snapshot!(ctx, "tls_failure_without_the_emulator_ca", &mut cmd);
}
