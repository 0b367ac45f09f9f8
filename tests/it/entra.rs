//! `sfjwt login --provider entra` (issue 25 §1, §3) against the emulator's Entra tenant
//! (fixtures/entra/*.yaml): a certificate login and a keyless (federated) login, each refusal as
//! a whole-command snapshot, the outputs, and MSAL for Python as the independent client.
//!
//! Re-accept intended output changes with `INSTA_UPDATE=always cargo test --test it entra::`.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;
use crate::keyless::GH_REQUEST_TOKEN;

const TENANT: &str = "contoso.onmicrosoft.com";
const TENANT_ID: &str = "7a1c2e4b-0d9f-4c3e-8b6a-2f5e9d1c0a47";
const APP: &str = "0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60";
/// Entra's per-answer ids change every run.
const FILTERS: &[(&str, &str)] = &[(r"(trace ID |correlation ID )[0-9a-f-]{36}", "$1[GUID]")];

fn scenario(name: &str) -> PathBuf {
    repo().join("fixtures/entra").join(format!("{name}.yaml"))
}

fn start(name: &str) -> Emu {
    Emu::start_with(&scenario(name), &[])
}

fn cert() -> PathBuf {
    repo().join("fixtures/orgs/ci.crt")
}

/// `sfjwt login --provider entra` at the emulator's tenant, without a credential yet.
fn entra(ctx: &Ctx, emu: &Emu) -> Command {
    entra_as(ctx, emu, TENANT, APP)
}

fn entra_as(ctx: &Ctx, emu: &Emu, tenant: &str, app: &str) -> Command {
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "--provider", "entra", "--tenant", tenant, "-i", app, "-r", &emu.url])
        .args(["--allow-host", "127.0.0.1", "--ca-file"])
        .arg(&emu.ca);
    cmd.env_remove("ACTIONS_ID_TOKEN_REQUEST_URL").env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    cmd
}

/// With the bundled test key and its certificate.
fn cert_login(ctx: &Ctx, emu: &Emu) -> Command {
    cert_login_as(ctx, emu, TENANT, APP)
}

fn cert_login_as(ctx: &Ctx, emu: &Emu, tenant: &str, app: &str) -> Command {
    ctx.secret_key_file(&fixture_key());
    let mut cmd = entra_as(ctx, emu, tenant, app);
    cmd.arg("--key").arg(fixture_key()).arg("--cert").arg(cert());
    cmd
}

/// With the test key's certificate that expired long ago (fixtures/orgs/ci-expired.crt).
fn expired_cert_login(ctx: &Ctx, emu: &Emu) -> Command {
    ctx.secret_key_file(&fixture_key());
    let mut cmd = entra(ctx, emu);
    cmd.arg("--key").arg(fixture_key()).arg("--cert").arg(repo().join("fixtures/orgs/ci-expired.crt"));
    cmd
}

/// Keyless: the token from the emulator's GitHub-shaped token service.
fn keyless_login(ctx: &Ctx, emu: &Emu) -> Command {
    ctx.secret(GH_REQUEST_TOKEN);
    let mut cmd = entra(ctx, emu);
    cmd.args(["--oidc", "github"])
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/_oidc/github/token?api-version=2.0", emu.url))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    cmd
}

fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let body = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
}

fn output(file: &str, name: &str) -> String {
    let prefix = format!("{name}=");
    file.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name} in {file}")).to_string()
}

/// One story as the user sees it: exit code, stdout, stderr of `sfjwt login --provider entra`
/// against a scenario (snapshot `entra_NAME`).
fn snapshot(name: &str, scenario: &str, build: fn(&Ctx, &Emu) -> Command, extra: &[&str]) {
    let ctx = Ctx::new();
    let emu = start(scenario);
    let mut cmd = build(&ctx, &emu);
    cmd.args(extra);
    let run = ctx.run(&mut cmd);
    sfjwt_testsupport::cmd_snapshot!(filters = FILTERS, format!("entra_{name}"), run);
}

/// One test per story, so each runs alone: `cargo test --test it entra::login::NAME`.
macro_rules! login_snapshots {
    ($($(#[doc = $doc:literal])* $name:ident: $scenario:literal, $build:expr, [$($arg:expr),*];)*) => {
        mod login {
            use super::*;
            $(
                $(#[doc = $doc])*
                #[test]
                fn $name() {
                    snapshot(stringify!($name), $scenario, $build, &[$($arg),*]);
                }
            )*
        }
    };
}

login_snapshots! {
    certificate_login: "healthy", cert_login, ["--format", "json"];
    keyless_login: "healthy", super::keyless_login, [];
    /// --require-role: the grant succeeds without the role (no admin consent); the check fails it.
    admin_consent_missing: "no-consent", cert_login, ["--require-role", "Sites.Read.All"];
    /// AADSTS700016.
    app_not_in_tenant: "not-installed", cert_login, [];
    /// AADSTS90002: a domain no tenant has.
    tenant_not_found: "healthy", |c, e| cert_login_as(c, e, "fabrikam.onmicrosoft.com", APP), [];
    /// AADSTS900023: the tenant's name without .onmicrosoft.com is neither a GUID nor a domain.
    tenant_identifier_malformed: "healthy", |c, e| cert_login_as(c, e, "contoso", APP), [];
    /// AADSTS700027.
    certificate_not_registered: "other-certificate", cert_login, [];
    /// AADSTS1000502: the uploaded certificate is past its notAfter (fixtures/orgs/ci-expired.crt).
    certificate_expired: "expired-certificate", expired_cert_login, [];
    /// AADSTS700024 on our own assertion (the runner's clock).
    assertion_expired: "clock-ahead", cert_login, [];
    /// AADSTS500011: the scope names an API with no service principal in the tenant.
    resource_not_in_tenant: "healthy", cert_login, ["--scope", "api://ci-deploy-api/.default"];
    /// AADSTS70011: the scope's resource is neither a URI nor a GUID (no https://).
    scope_format_invalid: "healthy", cert_login, ["--scope", "contoso.crm4.dynamics.com/.default"];
    /// What Entra answers with AADSTS1002012 sfjwt refuses before sending anything.
    scope_without_default_refused_before_sending: "healthy", cert_login, ["--scope", "https://graph.microsoft.com/User.Read"];
    /// AADSTS501051: the tenant's API requires assignment and the app holds none of its app roles.
    api_requires_assignment: "api-requires-assignment", cert_login, ["--scope", "api://ci-deploy-api/.default"];
    /// AADSTS53003: Conditional Access for workload identities blocks the app.
    conditional_access_blocked: "conditional-access", cert_login, [];
    /// AADSTS53003 for a keyless login too (the policy is on the service principal).
    conditional_access_blocked_keyless: "conditional-access", super::keyless_login, [];
    /// AADSTS70021 (the older answer naming issuer, subject and audience).
    federated_credential_mismatch: "wrong-subject", super::keyless_login, [];
    /// AADSTS700211: the credential's issuer has a trailing slash.
    federated_issuer_mismatch: "federated-issuer-slash", super::keyless_login, [];
    /// AADSTS700213: an environment job's subject against a branch credential.
    federated_subject_mismatch: "federated-environment", super::keyless_login, [];
    /// AADSTS7002138: the subject differs only in case.
    federated_subject_case_mismatch: "federated-subject-case", super::keyless_login, [];
    /// AADSTS700212: a token for GitHub's default audience, not api://AzureADTokenExchange.
    federated_audience_mismatch: "federated-per-field", super::keyless_login, ["--oidc-audience", "https://github.com/acme"];
    /// AADSTS700024 on the CI's token.
    federated_token_expired: "expired-oidc-token", super::keyless_login, [];
}

/// A certificate assertion signed outside sfjwt (a key vault or HSM signs; the key never leaves
/// it) with one claim changed, handed to `--oidc file:` as the client assertion. sfjwt signs its
/// own assertions right, so only such an assertion meets AADSTS700021 and AADSTS700023.
fn presigned_login(ctx: &Ctx, emu: &Emu, change: fn(&mut sfjwt::entra::assertion::Claims, &Emu)) -> Command {
    use sfjwt::credentials::{cert, keys};
    use sfjwt::entra::assertion;
    let key = keys::load(&keys::KeySource::File(fixture_key()), None).unwrap();
    let info = cert::load(&cert()).unwrap();
    let endpoint = format!("{}/{TENANT_ID}/oauth2/v2.0/token", emu.url);
    let mut claims = assertion::Claims::new(APP, &endpoint, std::time::Duration::from_secs(300));
    change(&mut claims, emu);
    let jwt = assertion::sign(&key, &assertion::x5t_s256(&info.sha256_fingerprint), &claims).unwrap();
    ctx.secret(jwt.to_string());
    std::fs::write(ctx.path("assertion.jwt"), jwt.as_bytes()).unwrap();
    let mut cmd = entra_as(ctx, emu, TENANT_ID, APP);
    cmd.args(["--oidc", "file:assertion.jwt"]);
    cmd
}

/// AADSTS700021: the assertion's iss/sub name another app than --client-id.
#[test]
fn presigned_assertion_for_another_app() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let mut cmd = presigned_login(&ctx, &emu, |c, _| {
        c.iss = "9d2e4f6a-1b3c-4d5e-8f70-a1b2c3d4e5f6".into();
        c.sub = c.iss.clone();
    });
    let run = ctx.run(&mut cmd);
    sfjwt_testsupport::cmd_snapshot!(filters = FILTERS, "entra_presigned_assertion_for_another_app", run);
}

/// AADSTS700023: the assertion's aud is the v1.0 token endpoint, not the v2.0 one the grant goes to.
#[test]
fn presigned_assertion_for_another_endpoint() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let mut cmd = presigned_login(&ctx, &emu, |c, e| c.aud = format!("{}/{TENANT_ID}/oauth2/token", e.url));
    let run = ctx.run(&mut cmd);
    sfjwt_testsupport::cmd_snapshot!(filters = FILTERS, "entra_presigned_assertion_for_another_endpoint", run);
}

#[test]
fn certificate_login_hands_on_the_token_and_masks_it() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let outputs = ctx.path("gh-output");
    let mut cmd = cert_login(&ctx, &emu);
    cmd.env("GITHUB_ACTIONS", "true").env("GITHUB_OUTPUT", &outputs).args(["--report", "r.json"]);
    cmd.args(["--require-role", "Sites.Read.All"]);
    let r = ctx.run_revealing(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = std::fs::read_to_string(&outputs).unwrap();
    let token = output(&out, "access-token");
    assert!(r.stderr.lines().any(|l| l == format!("::add-mask::{token}")), "{}", r.stderr);
    ctx.secret(token.clone());
    ctx.assert_no_secrets(&r.stdout);
    let unmasked: Vec<&str> = r.stderr.lines().filter(|l| !l.starts_with("::add-mask::")).collect();
    ctx.assert_no_secrets(&unmasked.join("\n"));
    assert_eq!(output(&out, "tenant-id"), TENANT_ID);
    assert_eq!(output(&out, "roles"), "Sites.Read.All");
    assert_eq!(output(&out, "cause"), "none");
    let summary = std::fs::read_to_string(ctx.path(STEP_SUMMARY)).unwrap();
    assert!(
        summary.contains("### sfjwt login (Microsoft Entra): ok") && summary.contains("| roles | Sites.Read.All |"),
        "{summary}"
    );
    // The token is the tenant's: for Graph, for this app, with the consented role.
    let c = claims(&token);
    assert_eq!(
        (c["aud"].as_str(), c["appid"].as_str(), c["tid"].as_str()),
        (Some("https://graph.microsoft.com"), Some(APP), Some(TENANT_ID))
    );
    assert_eq!(c["roles"][0], "Sites.Read.All");
    let rep: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    validate_with_schema(&ctx.path("r.json"));
    assert_eq!((rep["status"].as_str(), rep["entra"]["flow"].as_str()), (Some("ok"), Some("client_assertion")));
    assert_eq!(rep["entra"]["identity"]["roles"][0], "Sites.Read.All");
    // --tenant named a domain: discovery gave the endpoint under the tenant's id.
    assert_eq!(rep["entra"]["token_endpoint"], format!("{}/{TENANT_ID}/oauth2/v2.0/token", emu.url));
}

/// As MSAL does: a domain is resolved by the tenant's OpenID configuration (whose endpoints name
/// the tenant's id, the `aud` then sent); a tenant id needs no discovery.
#[test]
fn a_domain_is_resolved_by_discovery_a_tenant_id_is_not() {
    let ctx = Ctx::new();
    let log = ctx.path("emulator.log");
    let emu = Emu::spawn_logged(&emulator_bin(), &scenario("healthy"), &[], &log);
    ctx.run(&mut cert_login(&ctx, &emu)).ok();
    ctx.run(&mut cert_login_as(&ctx, &emu, TENANT_ID, APP)).ok();
    let text = std::fs::read_to_string(&log).unwrap();
    let requests: Vec<&str> =
        text.lines().filter(|l| l.contains(" -> ")).map(|l| l.split(" (").next().unwrap_or(l)).collect();
    let token = format!("POST /{TENANT_ID}/oauth2/v2.0/token -> 200");
    assert_eq!(
        requests,
        [format!("GET /{TENANT}/v2.0/.well-known/openid-configuration -> 200"), token.clone(), token],
        "{text}"
    );
}

/// The formats that exist to carry the token carry it; the others never do.
#[test]
fn env_and_shell_formats_carry_the_token_json_only_with_show_token() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let r = ctx.run_revealing(cert_login(&ctx, &emu).args(["--format", "env", "--dotenv", "entra.env"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let token = output(&r.stdout, "ENTRA_ACCESS_TOKEN");
    assert_eq!(output(&r.stdout, "ENTRA_TENANT_ID"), TENANT_ID);
    assert_eq!(claims(&token)["appid"], APP);
    let dotenv = std::fs::read_to_string(ctx.path("entra.env")).unwrap();
    assert!(dotenv.contains(&format!("ENTRA_CLIENT_ID={APP}")) && dotenv.contains("ENTRA_ACCESS_TOKEN=ey"), "{dotenv}");
    let r = ctx.run_revealing(cert_login(&ctx, &emu).args(["--format", "shell"]));
    assert!(r.stdout.contains("export ENTRA_ACCESS_TOKEN='ey"), "{}", r.stdout);
    let r = ctx.run(cert_login(&ctx, &emu).args(["--format", "json"])).ok();
    assert!(r.json().get("access_token").is_none(), "{}", r.stdout);
    let r = ctx.run_revealing(cert_login(&ctx, &emu).args(["--format", "json", "--show-token"]));
    assert!(r.json()["access_token"].as_str().unwrap().starts_with("ey"), "{}", r.stdout);
}

/// The key arrives as for Salesforce: a path, env:VAR, standard input, SFJWT_KEY_FILE, SFJWT_KEY.
#[test]
fn every_key_input_form_signs_an_accepted_assertion() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    ctx.secret_key_file(&fixture_key());
    let pem = std::fs::read_to_string(fixture_key()).unwrap();
    let base = |ctx: &Ctx| {
        let mut c = entra(ctx, &emu);
        c.arg("--cert").arg(cert());
        c
    };
    ctx.run(base(&ctx).args(["--key", "env:MY_ENTRA_KEY"]).env("MY_ENTRA_KEY", &pem)).ok();
    ctx.run(base(&ctx).env("SFJWT_KEY_FILE", fixture_key())).ok();
    ctx.run(base(&ctx).env("SFJWT_KEY", &pem)).ok();
    ctx.run(base(&ctx).arg("--key").arg(format!("file:{}", fixture_key().display()))).ok();
    ctx.run_stdin(base(&ctx).args(["--key", "-"]), pem.as_bytes()).ok();
    // One base64 line in the CI secret (base64 -w0 server.key), and an encrypted PKCS#8 key.
    use base64::Engine;
    ctx.run(base(&ctx).env("SFJWT_KEY", base64::engine::general_purpose::STANDARD.encode(&pem))).ok();
    let pass = "entra-passphrase-0123";
    ctx.secret(pass);
    let key = fixture_key().display().to_string();
    ctx.openssl(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        &key,
        "-passout",
        &format!("pass:{pass}"),
        "-out",
        "enc.pem",
    ]);
    std::fs::write(ctx.path("pass.txt"), pass).unwrap();
    ctx.run(base(&ctx).args(["--key", "enc.pem", "--key-passphrase-file", "pass.txt"])).ok();
    ctx.run(base(&ctx).args(["--key", "enc.pem"]).env("SFJWT_KEY_PASSPHRASE", pass)).ok();
}

/// Keyless with a token handed over by the CI (env:VAR, file:PATH): the report shows the token's
/// claims (never the token) and the federated flow.
#[test]
fn keyless_from_a_variable_or_a_file_reports_the_tokens_claims() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let token = crate::keyless::mint(&emu, "github", GH_REQUEST_TOKEN, "api://AzureADTokenExchange");
    ctx.secret(token.clone());
    std::fs::write(ctx.path("id.jwt"), format!("{token}\n")).unwrap();
    ctx.run(entra(&ctx, &emu).args(["--oidc", "env:CI_ID_TOKEN", "--report", "r.json"]).env("CI_ID_TOKEN", &token))
        .ok();
    let rep: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    validate_with_schema(&ctx.path("r.json"));
    assert_eq!((rep["status"].as_str(), rep["entra"]["flow"].as_str()), (Some("ok"), Some("federated")));
    assert_eq!(rep["target"]["oidc"]["sub"], "repo:acme/app:ref:refs/heads/main");
    assert_eq!(rep["target"]["oidc"]["aud"][0], "api://AzureADTokenExchange");
    ctx.run(entra(&ctx, &emu).args(["--oidc", "file:id.jwt"])).ok();
    // A token for another audience matches no federated credential.
    let other = crate::keyless::mint(&emu, "github", GH_REQUEST_TOKEN, "https://example.com");
    ctx.secret(other.clone());
    ctx.run(entra(&ctx, &emu).args(["--oidc", "env:CI_ID_TOKEN"]).env("CI_ID_TOKEN", &other))
        .code(3)
        .stderr_has("Assertion Audience: 'https://example.com'")
        .stderr_has("cause: entra_federated_credential_mismatch");
}

/// Entra's answers go through the shared retry rules: a 503 is retried, an HTML page that never
/// stops is no usable answer (exit 4), never a refusal with a made-up cause.
#[test]
fn server_errors_are_retried_and_html_is_no_usable_answer() {
    let ctx = Ctx::new();
    let healthy = std::fs::read_to_string(scenario("healthy")).unwrap();
    let with = |name: &str, faults: &str| {
        let text = healthy.replace("../orgs/ci.crt", &cert().display().to_string());
        let path = ctx.path(name);
        std::fs::write(&path, format!("{text}faults:\n  all-paths: true\n{faults}")).unwrap();
        Emu::start_with(&path, &[])
    };
    let emu = with("503.yaml", "  server-errors: {count: 1, status: 503}\n");
    ctx.run(&mut cert_login(&ctx, &emu)).ok().stderr_has("note: HTTP 503").stderr_has("retrying in");
    let emu = with("html.yaml", "  html-maintenance: 100\n");
    let r = ctx.run(cert_login(&ctx, &emu).args(["--max-retries", "1", "--report", "r.json"])).code(4);
    assert!(r.stderr.contains("(unexpected_answer)"), "{}", r.stderr);
    let rep: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    validate_with_schema(&ctx.path("r.json"));
    assert_eq!(
        (rep["diagnosis"]["cause"].as_str(), rep["entra"]["requests"].as_u64()),
        (Some("network_error"), Some(2))
    );
    assert_eq!(
        (rep["attempts"][0]["outcome"].as_str(), rep["attempts"][0]["failure"].as_str()),
        (Some("no_answer"), Some("unexpected_answer"))
    );
}

#[test]
fn refusal_report_and_outputs_name_the_cause_and_keep_entras_ids() {
    let ctx = Ctx::new();
    let emu = start("other-certificate");
    let outputs = ctx.path("gh-output");
    let mut cmd = cert_login(&ctx, &emu);
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .args(["--report", "r.yaml", "--report", "r.json", "--report", "r.md", "--report", "r.xml"]);
    ctx.run(&mut cmd).code(3).stderr_has("::error title=sfjwt login%3A entra_certificate_not_registered::");
    assert!(std::fs::read_to_string(&outputs).unwrap().contains("cause=entra_certificate_not_registered"));
    let summary = std::fs::read_to_string(ctx.path(STEP_SUMMARY)).unwrap();
    assert!(summary.contains("| cause | `entra_certificate_not_registered` |"), "{summary}");
    assert!(summary.contains("| Entra said | AADSTS700027: The certificate with identifier"), "{summary}");
    let rep: serde_json::Value = serde_json::from_str(&ctx.read_clean("r.json")).unwrap();
    // The common run record (schema "1", as doctor and explain write), Entra's ids under `entra`.
    validate_with_schema(&ctx.path("r.json"));
    assert_eq!(rep["schema_version"], "1");
    assert_eq!(rep["command"], "login");
    assert_eq!(rep["target"]["provider"], "entra");
    assert_eq!(rep["diagnosis"]["cause"], "entra_certificate_not_registered");
    assert_eq!(rep["attempts"][0]["outcome"], "refused");
    assert_eq!(rep["checks"][0]["status"], "fail");
    assert_eq!(rep["entra"]["answer"]["error_codes"][0], 700027);
    assert_eq!(rep["entra"]["answer"]["trace_id"].as_str().map(str::len), Some(36));
    assert_eq!(rep["exit_code"], 3);
    let yaml: serde_yaml::Value = serde_yaml::from_str(&ctx.read_clean("r.yaml")).unwrap();
    assert_eq!(yaml["diagnosis"]["cause"].as_str(), Some("entra_certificate_not_registered"));
    // Markdown and JUnit, as for Salesforce: the refused login is a failed test case.
    assert!(ctx.read_clean("r.md").contains("entra_certificate_not_registered"));
    let xml = ctx.read_clean("r.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert!(doc.descendants().any(|n| n.has_tag_name("failure")), "{xml}");
}

#[test]
fn hosts_tenants_and_flags_are_checked_before_any_request() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    // The emulator is no Entra host: without --allow-host nothing is sent.
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "--provider", "entra", "--tenant", TENANT, "-i", APP, "-r", &emu.url, "--key"])
        .arg(fixture_key())
        .arg("--cert")
        .arg(cert());
    ctx.run(&mut cmd).code(2).stderr_has("not a Microsoft Entra login host").stderr_has("--allow-host 127.0.0.1");
    ctx.run(&mut cert_login_as(&ctx, &emu, "common", APP)).code(2).stderr_has("cannot be used with client credentials");
    ctx.run(&mut cert_login_as(&ctx, &emu, TENANT, "ENTER_YOUR_CLIENT_ID"))
        .code(2)
        .stderr_has("not an Application (client) ID");
    ctx.run(cert_login(&ctx, &emu).args(["--scope", "https://graph.microsoft.com/User.Read"]))
        .code(2)
        .stderr_has("RESOURCE/.default");
    ctx.run(cert_login(&ctx, &emu).args(["-o", "ci@acme.com"]))
        .code(2)
        .stderr_has("--username is not used by --provider entra");
    let mut other = entra(&ctx, &emu);
    other.arg("--key").arg(fixture_key()).arg("--cert").arg(repo().join("fixtures/orgs/other.crt"));
    ctx.run(&mut other).code(5).stderr_has("the key does not match the certificate");
    // Entra flags on a Salesforce login are refused, not ignored.
    ctx.run(ctx.sfjwt().args(["login", "--tenant", TENANT])).code(2).stderr_has("add --provider entra");
}

/// The emulator's refusals of a client secret, wrong (7000215) and expired (7000222), in Entra's
/// shape, read with curl: sfjwt sends no secret, so no login snapshot can show them (docs/entra.md).
#[test]
fn emulator_refuses_a_wrong_or_expired_client_secret_in_entras_format() {
    let ctx = Ctx::new();
    let healthy = std::fs::read_to_string(scenario("healthy")).unwrap();
    let text = healthy.replace("../orgs/ci.crt", &cert().display().to_string()).replace(
        "      roles: [Sites.Read.All]\n",
        "      roles: [Sites.Read.All]\n      expired-secrets: [value-of-an-expired-secret]\n",
    );
    assert!(text.contains("expired-secrets"), "healthy.yaml changed: update this test");
    let path = ctx.path("secrets.yaml");
    std::fs::write(&path, text).unwrap();
    let emu = Emu::start_with(&path, &[]);
    for (secret, code, start) in [
        (
            "secret-id-not-value",
            7000215,
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, ",
        ),
        (
            "value-of-an-expired-secret",
            7000222,
            "AADSTS7000222: The provided client secret keys for app '0b5c8f3e-6d2a-4e71-9c84-3a1f7e2d5b60' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, ",
        ),
    ] {
        let out = Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(&emu.ca)
            .args(["-d", "grant_type=client_credentials", "-d", &format!("client_id={APP}")])
            .args(["-d", &format!("client_secret={secret}")])
            .args(["-d", "scope=https://graph.microsoft.com/.default"])
            .arg(format!("{}/{TENANT}/oauth2/v2.0/token", emu.url))
            .output()
            .expect("curl");
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((j["error"].as_str(), j["error_codes"][0].as_u64()), (Some("invalid_client"), Some(code)));
        let d = j["error_description"].as_str().unwrap();
        assert!(d.starts_with(start), "{d}");
        for field in ["trace_id", "correlation_id", "timestamp"] {
            assert!(j[field].as_str().is_some_and(|v| d.contains(v)), "{field} not in the description: {j}");
        }
    }
}

/// README's Entra workflow is examples/entra-graph.yml, which .ci/run lints with actionlint.
#[test]
fn readme_workflow_is_the_linted_example() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let example = std::fs::read_to_string(repo().join("examples/entra-graph.yml")).unwrap();
    let body: String = example.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert!(
        readme.contains(&format!("```yaml\n{body}```")),
        "README's Entra workflow differs from examples/entra-graph.yml"
    );
    assert!(
        body.contains("id-token: write")
            && body.contains("--provider entra --tenant")
            && body.contains("--oidc github")
    );
}

/// examples/entra.gitlab-ci.yml under gitlab-ci-local (shell executor): the login job as written
/// (plus the flags that point it at the emulator), its dotenv reaching the next job. gitlab-ci-local
/// has no OIDC issuer: the id_tokens variable is given as GitLab would fill it.
#[test]
#[ignore = "needs gitlab-ci-local: source scripts/tools.sh"]
fn gitlab_example_logs_in_keylessly_under_gitlab_ci_local() {
    let ctx = Ctx::new();
    let emu = Emu::start_with(&scenario("gitlab"), &[]);
    let token = crate::keyless::mint(&emu, "gitlab", crate::keyless::GL_REQUEST_TOKEN, "api://AzureADTokenExchange");
    ctx.secret(token.clone());
    let project = ctx.path("project");
    std::fs::create_dir_all(&project).unwrap();
    let example = std::fs::read_to_string(repo().join("examples/entra.gitlab-ci.yml")).unwrap();
    let pointed = format!("--oidc gitlab -r {} --allow-host 127.0.0.1 --ca-file {}", emu.url, emu.ca.display());
    let graph =
        "'curl -fsS -H \"Authorization: Bearer $ENTRA_ACCESS_TOKEN\" https://graph.microsoft.com/v1.0/sites/root'";
    assert!(example.contains("--oidc gitlab ") && example.contains(graph), "the example changed: update this test");
    let job = example
        .replace("--oidc gitlab ", &format!("{pointed} "))
        .replace(graph, "test -n \"$ENTRA_ACCESS_TOKEN\" && echo \"token present for tenant $ENTRA_TENANT_ID\"");
    std::fs::write(project.join(".gitlab-ci.yml"), job).unwrap();
    // The install step runs as written, against the fake release with the pins as CI/CD variables.
    let (_rel, vars) = crate::canary::release(&ctx);
    let pins: String = vars.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    std::fs::write(
        project.join(".gitlab-ci-local-variables.yml"),
        format!("ENTRA_TENANT_ID: {TENANT}\nENTRA_CLIENT_ID: {APP}\nSFJWT_ID_TOKEN: {token}\n{pins}"),
    )
    .unwrap();
    for args in
        [&["init", "-q"][..], &["add", "."], &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "t"]]
    {
        assert!(Command::new("git").args(args).current_dir(&project).status().unwrap().success());
    }
    let gcl = std::env::var_os("SFJWT_GCL_BIN").unwrap_or_else(|| "gitlab-ci-local".into());
    let out = Command::new(gcl)
        .current_dir(&project)
        .env("PATH", crate::canary::path_without_sfjwt())
        .env("HOME", ctx.dir.path())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    ctx.assert_no_secrets(&log);
    assert!(out.status.success(), "{log}");
    crate::canary::check_installed(&log);
    assert!(log.contains(&format!("Logged in to Microsoft Entra tenant {TENANT_ID}")), "{log}");
    // The dotenv report's ENTRA_TENANT_ID (the token's tid) replaced the domain the job was given.
    assert!(log.contains(&format!("token present for tenant {TENANT_ID}")), "{log}");
}

/// README's GitHub workflow (examples/entra-graph.yml) under act (self-hosted mode) against the
/// emulator: its install step as written against the fake release (pins as repository variables),
/// the login pointed at the emulator, the
/// Graph call replaced by printing what a later step sees. The ID token comes from the fake
/// ACTIONS_ID_TOKEN_REQUEST_URL; act applies the masks.
#[test]
#[ignore = "needs act: source scripts/tools.sh"]
fn github_workflow_runs_under_act_and_masks_the_tokens() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let run = ctx.path("act-run");
    std::fs::create_dir_all(run.join(".github/workflows")).unwrap();
    let wf = std::fs::read_to_string(repo().join("examples/entra-graph.yml")).unwrap();
    let graph = "curl -fsS -H \"Authorization: Bearer $TOKEN\" https://graph.microsoft.com/v1.0/sites/root";
    assert!(wf.contains(graph) && wf.contains("--oidc github "), "the example changed");
    // The install step runs as written: the canary's pinned step, against the fake release.
    let canary = std::fs::read_to_string(repo().join("examples/sfjwt-canary.yml")).unwrap();
    let step = |text: &str, end: &str| {
        let from = text.find("      - name: Install sfjwt\n").expect("an install step");
        text[from..from + text[from..].find(end).expect("the next step")]
            .replace("        if: env.SFJWT_INSTALL == 'release'\n", "")
    };
    assert_eq!(
        step(&wf, "      - name: Log in"),
        step(&canary, "      - name: Doctor"),
        "the install step is the canary's"
    );
    let (_rel, vars) = crate::canary::release(&ctx);
    let wf = wf
        .replace("--oidc github ", "--oidc github -r \"$EMU_URL\" --allow-host 127.0.0.1 --ca-file \"$EMU_CA\" ")
        .replace(
            graph,
            "echo \"token: $TOKEN roles: ${{ steps.entra.outputs.roles }} cause: ${{ steps.entra.outputs.cause }}\"",
        );
    std::fs::write(run.join(".github/workflows/entra.yml"), wf).unwrap();
    for args in
        [&["init", "-q"][..], &["add", "."], &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "t"]]
    {
        assert!(Command::new("git").args(args).current_dir(&run).status().unwrap().success());
    }
    let act = std::env::var_os("SFJWT_ACT_BIN").unwrap_or_else(|| "act".into());
    let out = Command::new(act)
        .current_dir(&run)
        .args(["push", "-W", ".github/workflows/entra.yml", "-P", "ubuntu-latest=-self-hosted"])
        .args(["--var", &format!("ENTRA_TENANT_ID={TENANT}"), "--var", &format!("ENTRA_CLIENT_ID={APP}")])
        .args(["--env", &format!("EMU_URL={}", emu.url), "--env", &format!("EMU_CA={}", emu.ca.display())])
        .args(["--env", &format!("ACTIONS_ID_TOKEN_REQUEST_URL={}/_oidc/github/token?api-version=2.0", emu.url)])
        .args(["--env", &format!("ACTIONS_ID_TOKEN_REQUEST_TOKEN={GH_REQUEST_TOKEN}")])
        .args(vars.iter().flat_map(|(k, v)| ["--var".to_string(), format!("{k}={v}")]))
        .env("HOME", ctx.dir.path())
        .env("PATH", crate::canary::path_without_sfjwt())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{log}");
    crate::canary::check_installed(&log);
    ctx.secret(GH_REQUEST_TOKEN);
    ctx.assert_no_secrets(&log);
    assert!(!log.contains("eyJ"), "a JWT (the ID token or the access token) reached act's log:\n{log}");
    for needle in ["token: *** roles: Sites.Read.All cause: none", "Logged in to Microsoft Entra tenant"] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
}

/// The GitHub Action with `provider: entra` (tests/action/entra.yml) under act against the
/// emulator: certificate login, required role, outputs to a later step, the token masked; the
/// post step has nothing to revoke (no instance URL).
#[test]
#[ignore = "needs act: source scripts/tools.sh"]
fn action_with_provider_entra_logs_in_under_act() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let (code, log) = crate::action::act(&ctx, "entra.yml", &emu, &[("ENTRA_CERT", cert().display().to_string())]);
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("eyJ"), "a JWT reached act's log:\n{log}");
    for needle in [&format!("tenant-id: {TENANT_ID}")[..], "roles: Sites.Read.All", "cause: none", "token: ***"] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
}

/// The expired certificate's refusal names entra_certificate_expired, and the commands its fix
/// prints run as printed: keygen makes a key and a certificate, cert inspect finds it valid and
/// holding the key (it exits 6 on an expired one, as it does on the fixture that was refused).
#[test]
fn expired_certificate_fix_commands_run_as_printed() {
    let ctx = Ctx::new();
    let emu = start("expired-certificate");
    let run = ctx.run(&mut expired_cert_login(&ctx, &emu));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("cause: entra_certificate_expired"), "{}", run.stderr);
    let commands: Vec<String> =
        run.stderr.split('`').skip(1).step_by(2).filter(|c| c.starts_with("sfjwt ")).map(str::to_string).collect();
    assert_eq!(commands.len(), 2, "{commands:?} in {}", run.stderr);
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().skip(1).collect();
        ctx.run(ctx.sfjwt().args(&words).current_dir(ctx.dir.path())).ok();
    }
    let refused = repo().join("fixtures/orgs/ci-expired.crt");
    ctx.run(ctx.sfjwt().arg("cert").arg("inspect").arg(refused)).code(6);
}

/// The Action with `provider: entra` refused (the tenant's only certificate expired): with
/// `admin-token` (a Graph token) it runs `sfjwt doctor --provider entra`, whose report replaces the
/// login's and whose verdict Graph confirms, and the step keeps the login's exit code (3); the same
/// step without `admin-token` runs no doctor (tests/action/entra-doctor.yml).
#[test]
#[ignore = "needs act: source scripts/tools.sh"]
fn action_with_provider_entra_runs_doctor_on_a_refusal_with_an_admin_token() {
    let ctx = Ctx::new();
    let emu = start("doctor-expired-certificate");
    let expired = repo().join("fixtures/orgs/ci-expired.crt").display().to_string();
    let (code, log) = crate::action::act(&ctx, "entra-doctor.yml", &emu, &[("ENTRA_CERT", expired)]);
    assert_eq!(code, 0, "continue-on-error keeps the job going:\n{log}");
    let asked = "Asking the tenant why (sfjwt doctor --provider entra with the Graph admin token)";
    assert_eq!(log.matches(asked).count(), 1, "doctor ran for the step with admin-token only:\n{log}");
    for needle in [
        "[FAIL] Certificate uploaded to the app registration",
        "sfjwt doctor exited 1; the step keeps the login's exit code 3",
        "diagnosed outcome: failure",
        "plain outcome: failure",
        "diagnosed cause output: entra_certificate_expired",
        "diagnosed report \"command\": \"doctor\"",
        "diagnosed report \"confidence\": \"confirmed\"",
        "plain report \"command\": \"login\"",
        "plain report \"cause\": \"entra_certificate_expired\"",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in act's log:\n{log}");
    }
}

/// README's Action step with admin-token for Entra names only inputs action.yml has.
#[test]
fn readme_action_step_with_a_graph_token_uses_real_inputs() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains("secrets.ENTRA_GRAPH_TOKEN"))
        .expect("README's Action step for Entra with admin-token");
    let step: serde_yaml::Value = serde_yaml::from_str(block).unwrap();
    let action: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo().join("action.yml")).unwrap()).unwrap();
    let with = step[0]["with"].as_mapping().expect("a with: mapping");
    assert!(with.contains_key("admin-token") && with.contains_key("provider"), "{block}");
    for key in with.keys().filter_map(|k| k.as_str()) {
        assert!(action["inputs"].get(key).is_some(), "README's step passes {key}, which action.yml lacks");
    }
}

/// Every AADSTS code the emulator's tenant can answer has a sourced row in docs/evidence.md.
#[test]
fn every_entra_refusal_of_the_emulator_has_a_ledger_row() {
    let code = std::fs::read_to_string(repo().join("emulator/src/entra.rs")).unwrap();
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let codes: Vec<&str> = flat
        .split("refusal(")
        .skip(1) // the definition is filtered below: its third parameter is not a number
        .filter_map(|rest| rest.split(", ").nth(2))
        .filter(|c| c.chars().all(|ch| ch.is_ascii_digit()))
        .collect();
    assert!(codes.len() >= 10, "found {codes:?}");
    let ledger = std::fs::read_to_string(repo().join("docs/evidence.md")).unwrap();
    let entra =
        ledger.split("\n## Microsoft Entra\n").nth(1).expect("the Entra login section").split("\n## ").next().unwrap();
    for c in codes {
        let row = entra.lines().find(|l| l.starts_with("| <a id=\"en-") && l.contains(&format!("AADSTS{c}")));
        let row = row.unwrap_or_else(|| panic!("no ledger row for AADSTS{c}"));
        assert!(
            ["official", "reported", "unconfirmed"].iter().any(|lvl| row.contains(&format!(" | {lvl} | "))),
            "{row}"
        );
    }
}

/// MSAL for Python (Microsoft's client, `msal` on PyPI) logs in to the same tenant with the same
/// certificate, both ways it signs (RS256 + x5t from a SHA-1 thumbprint; PS256 + x5t#S256 from
/// the certificate), and sfjwt's login succeeds against the same emulator.
#[test]
#[ignore = "needs msal (pip); source scripts/tools.sh"]
fn msal_for_python_and_sfjwt_both_log_in() {
    let ctx = Ctx::new();
    let log = ctx.path("emulator.log");
    let emu = Emu::spawn_logged(&emulator_bin(), &scenario("healthy"), &[], &log);
    for mode in ["sha1", "sha256"] {
        let out = Command::new("python3")
            .args(["-c", MSAL_SCRIPT, &emu.url, TENANT, APP, mode])
            .arg(fixture_key())
            .arg(cert())
            .env("REQUESTS_CA_BUNDLE", &emu.ca)
            .output()
            .expect("python3");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "MSAL ({mode}): {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let j: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(j["token_type"], "Bearer", "MSAL ({mode}): {j}");
        assert_eq!(j["roles"][0], "Sites.Read.All", "MSAL ({mode}): {j}");
        assert_eq!(j["alg"], if mode == "sha1" { "RS256" } else { "PS256" });
    }
    let requests = std::fs::read_to_string(&log).unwrap();
    assert!(requests.contains(&format!("GET /{TENANT}/v2.0/.well-known/openid-configuration -> 200")), "{requests}");
    let r = ctx.run(cert_login(&ctx, &emu).args(["--require-role", "Sites.Read.All"])).ok();
    assert!(r.stderr.contains(&format!("Logged in to Microsoft Entra tenant {TENANT_ID}")), "{}", r.stderr);
}

/// Prints MSAL's answer without the token, plus the token's roles and the assertion's alg.
const MSAL_SCRIPT: &str = r#"
import base64, json, sys, msal
url, tenant, client_id, mode, key, cert = sys.argv[1:7]
cred = {"private_key": open(key).read()}
if mode == "sha1":
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    c = x509.load_pem_x509_certificate(open(cert, "rb").read())
    cred["thumbprint"] = c.fingerprint(hashes.SHA1()).hex()
else:
    cred["public_certificate"] = open(cert).read()
app = msal.ConfidentialClientApplication(client_id, authority=f"{url}/{tenant}", client_credential=cred,
    validate_authority=False, instance_discovery=False)
sent = []
orig = app.http_client.post
def post(u, data=None, **kw):
    sent.append(data or {})
    return orig(u, data=data, **kw)
app.http_client.post = post
r = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
def part(jwt, i):
    jwt = jwt.decode() if isinstance(jwt, bytes) else jwt
    p = jwt.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
out = {k: v for k, v in r.items() if k != "access_token"}
if "access_token" in r:
    out["roles"] = part(r["access_token"], 1).get("roles", [])
assertion = next((d.get("client_assertion") for d in sent if d.get("client_assertion")), None)
out["alg"] = part(assertion, 0)["alg"] if assertion else None
print(json.dumps(out))
sys.exit(0 if "access_token" in r else 1)
"#;

/// A key and a certificate that do not match: exit 5 with a help line before any request, even
/// with a domain tenant whose OpenID discovery used to come first (on an unreachable host it
/// retried, then exited 4 and never named the mismatch).
#[test]
fn a_key_certificate_mismatch_is_exit_5_before_discovery() {
    let ctx = Ctx::new();
    ctx.secret_key_file(&fixture_key());
    let mut cmd = ctx.sfjwt();
    cmd.args(["login", "--provider", "entra", "--tenant", TENANT, "-i", APP, "-r", "https://127.0.0.1:9"])
        .args(["--allow-host", "127.0.0.1", "--max-retries", "0", "--key"])
        .arg(fixture_key())
        .arg("--cert")
        .arg(repo().join("fixtures/orgs/other.crt"));
    let r = ctx.run(&mut cmd);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("error: the key does not match the certificate"), "{}", r.stderr);
    assert!(r.stderr.contains("help: pass the certificate made from this key"), "{}", r.stderr);
}

/// --require-role: comma-separated like the Action's input, an empty one refused before any
/// request, and a role differing only in case named as such (still a failure: compared exactly).
#[test]
fn require_role_takes_commas_refuses_empty_and_names_a_case_difference() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    ctx.run(cert_login(&ctx, &emu).args(["--require-role", ""])).code(2).stderr_has("an empty role");
    ctx.run(cert_login(&ctx, &emu).args(["--require-role", "Sites.Read.All, Sites.Read.All"])).ok();
    let r = ctx.run(cert_login(&ctx, &emu).args(["--require-role", "Sites.Read.All,User.Read.All"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("required: User.Read.All\n"), "{}", r.stderr);
    let r = ctx.run(cert_login(&ctx, &emu).args(["--require-role", "sites.read.all"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("entra_admin_consent_required"), "{}", r.stderr);
    assert!(r.stderr.contains("sites.read.all differs only in case: the token holds Sites.Read.All"), "{}", r.stderr);
}

/// A granted login's report is the common record too, and validates: the grant and the roles
/// check passed, the token's roles under `entra.identity`, never the token.
#[test]
fn a_granted_login_report_is_the_common_record() {
    let ctx = Ctx::new();
    let emu = start("healthy");
    let mut cmd = cert_login(&ctx, &emu);
    ctx.run(cmd.args(["--require-role", "Sites.Read.All", "--report", "ok.json", "--report", "ok.xml"])).ok();
    validate_with_schema(&ctx.path("ok.json"));
    let rep: serde_json::Value = serde_json::from_str(&ctx.read_clean("ok.json")).unwrap();
    assert_eq!((rep["schema_version"].as_str(), rep["status"].as_str()), (Some("1"), Some("ok")));
    assert_eq!(rep["attempts"][0]["outcome"], "granted");
    let ids: Vec<&str> = rep["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["grant", "token_roles"]);
    assert_eq!(rep["entra"]["identity"]["roles"][0], "Sites.Read.All");
    let xml = ctx.read_clean("ok.xml");
    assert!(!xml.contains("<failure"), "{xml}");
}
