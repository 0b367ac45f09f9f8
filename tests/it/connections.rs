//! One HTTP client per run, its connections reused (issue 22): each TLS handshake costs two
//! round trips, so requests to one host share a connection. Counted at the emulator, which logs
//! every connection it accepts.

use crate::common::*;
use crate::fleet::LoggedEmu;

fn accepted(emu: &LoggedEmu) -> usize {
    let log = std::fs::read_to_string(&emu.log).unwrap_or_default();
    log.lines().filter(|l| l.starts_with("accepted connection from ")).count()
}

/// `sfjwt login` posts the grant, then checks the session at the instance it names: here, as
/// with a My Domain login, both on one host, so one connection serves both.
#[test]
fn login_with_its_check_opens_one_connection() {
    let emu = LoggedEmu::named("healthy");
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    let r = ctx.run(
        ctx.sfjwt()
            .args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--key"])
            .arg(fixture_key())
            .arg("--ca-file")
            .arg(&emu.ca),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let requests = emu.requests();
    assert!(requests.iter().any(|q| q.starts_with("POST /services/oauth2/token")), "{requests:?}");
    assert!(requests.iter().any(|q| q.contains("/services/data/")), "the check after the grant: {requests:?}");
    assert_eq!(accepted(&emu), 1, "one connection for the grant and its check: {requests:?}");
}

/// `sfjwt doctor` with an admin session on the same host: the grant, its check and the org's
/// queries share the run's client.
#[test]
fn doctor_with_an_admin_session_opens_at_most_two_connections() {
    let emu = LoggedEmu::named("healthy");
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN_TOKEN);
    let r = ctx.run(
        ctx.sfjwt()
            .args(["doctor", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--key"])
            .arg(fixture_key())
            .arg("--ca-file")
            .arg(&emu.ca)
            .args(["--admin-instance-url", &emu.url])
            .env("SFJWT_ADMIN_TOKEN", ADMIN_TOKEN),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!emu.org_requests().is_empty(), "the org was read");
    let n = accepted(&emu);
    assert!((1..=2).contains(&n), "{n} connections for {} requests", emu.requests().len());
}

/// A hand-off that fails after the grant (the sf CLI refusing the session) strands no live
/// token: the login revokes what it was issued.
#[test]
fn a_failed_hand_off_revokes_the_issued_token() {
    let emu = LoggedEmu::named("healthy");
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    let sf = ctx.path("sf");
    std::fs::write(&sf, "#!/bin/sh\necho 'Error: the session was not accepted' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sf, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let r = ctx.run(
        ctx.sfjwt()
            .args(["login", "-i", CLIENT_ID, "-o", USERNAME, "-r", &emu.url, "--sf-alias", "ci", "--key"])
            .arg(fixture_key())
            .arg("--ca-file")
            .arg(&emu.ca)
            .env("SFJWT_SF_BIN", &sf),
    );
    assert_eq!(r.code, 2, "a failed --sf-alias hand-off is exit 2\n{}", r.stderr);
    assert!(r.stderr.contains("did not accept the session"), "{}", r.stderr);
    let requests = emu.requests();
    let granted = requests.iter().position(|q| q.starts_with("POST /services/oauth2/token"));
    let revoked = requests.iter().position(|q| q.starts_with("POST /services/oauth2/revoke"));
    assert!(granted.is_some() && revoked > granted, "the token is revoked after the grant: {requests:?}");
}

/// `doctor --all`: targets with the same network settings share the run's HTTP client, so a
/// second org on a host the first reached reuses the first's connections instead of opening its
/// own (issue 22, step 8). One after the other (--jobs 1), two such targets open what one does.
#[test]
fn fleet_targets_with_the_same_settings_share_connections() {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    ctx.secret(ADMIN_TOKEN);
    let target = |name: &str, emu: &LoggedEmu| {
        format!(
            "  {name}:\n    client_id: {CLIENT_ID}\n    username: {USERNAME}\n    login_url: {url}\n    ca_file: {ca}\n    key: {key}\n    admin_token_env: FLEET_ADMIN_TOKEN\n    admin_instance_url: {url}\n",
            url = emu.url,
            ca = emu.ca.display(),
            key = fixture_key().display()
        )
    };
    let doctor = |config: &str, args: &[&str]| {
        std::fs::write(ctx.path(config), format!("targets:\n{}", args[0])).unwrap();
        let mut cmd = ctx.sfjwt();
        cmd.args(["doctor", "--config", config]).args(&args[1..]).env("FLEET_ADMIN_TOKEN", ADMIN_TOKEN);
        ctx.run(&mut cmd).code(0);
    };
    let alone = LoggedEmu::named("healthy");
    doctor("one.yaml", &[&target("a", &alone), "--target", "a"]);
    let shared = LoggedEmu::named("healthy");
    doctor("two.yaml", &[&(target("a", &shared) + &target("b", &shared)), "--all", "--jobs", "1"]);
    let (one, two) = (accepted(&alone), accepted(&shared));
    assert!(one >= 1 && shared.org_requests().len() == 2 * alone.org_requests().len(), "both targets read the org");
    assert_eq!(two, one, "the second target reuses the first's connections ({one} for one target, {two} for two)");
}
