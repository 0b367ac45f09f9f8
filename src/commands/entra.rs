//! `sfjwt login --provider entra`: settings, the client assertion (certificate or CI token), the
//! grant, the roles check after it, then outputs as for Salesforce. Every failure writes the
//! report and names a cause; nothing is handed on unless the grant and the check passed.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::cli::entra_doctor::{client_id_shape, net_settings, scope};
use crate::cli::{LoginArgs, LoginCommand, OutFormat, duration};
use crate::credentials::keys::{self, KeySource, Passphrase};
use crate::credentials::{cert, oidc};
use crate::entra::authority::Authority;
use crate::entra::causes::{self, EntraCause};
use crate::entra::report::{self, Report};
use crate::entra::token::{self, Answer, Granted};
use crate::error::{Error, Exit};
use crate::net::{self, FailureKind, NetSettings};
use crate::output::ci;
use crate::output::printer::{Outcome, Printer};

/// Every line this command writes to stderr quotes something it was given or told (a tenant, a
/// URL, Entra's text): each is scrubbed of known secrets and made terminal-safe first.
macro_rules! say {
    ($($arg:tt)*) => {
        super::say(&format!($($arg)*))
    };
}

enum Credential {
    Certificate { key: KeySource, passphrase: Option<Passphrase>, cert: PathBuf },
    Oidc { source: oidc::OidcSource, audience: String },
}

struct Settings {
    authority: Authority,
    client_id: String,
    scope: String,
    credential: Credential,
    lifetime: Duration,
    net: NetSettings,
    format: Option<OutFormat>,
    show_token: bool,
    github: bool,
    export_env: bool,
    dotenv: Option<PathBuf>,
    reports: Vec<PathBuf>,
    require_roles: Vec<String>,
    printer: Printer,
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn run(args: LoginCommand, printer: Printer) -> Result<Outcome, Error> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let s = settings(&args, &env, printer)?;
    let mut rep = Report::new(target(&s));
    // The key and the certificate are checked before any request (README: exit 5 before any
    // request): discovery against an unreachable host would otherwise hide the mismatch.
    let pair = match local_pair(&s, &mut rep) {
        Ok(p) => p,
        Err(failed) => return local_failure(&s, failed, rep),
    };
    let thumbs = pair.as_ref().map(|(_, info)| Thumbprints::of(info));
    let client = net::client(&s.net)?;
    // The endpoint first: it is the assertion's `aud`.
    let endpoint = if s.authority.tenant_is_id() {
        s.authority.token_endpoint()
    } else {
        let (found, n) = token::discover(&client, &s.net, &s.authority.discovery_url(), s.authority.host());
        rep.requests = n;
        match found {
            Ok(e) => e,
            Err(answer) => return on_answer(&s, answer, thumbs.as_ref(), rep),
        }
    };
    rep.target.token_endpoint = endpoint.clone();
    let assertion = match assertion(&s, &endpoint, pair, &client, &env, &mut rep) {
        Ok(a) => a,
        Err(failed) => return local_failure(&s, failed, rep),
    };
    let request =
        token::Request { endpoint: &endpoint, client_id: &s.client_id, scope: &s.scope, assertion: &assertion };
    let (answer, requests) = token::request(&client, &s.net, &request);
    rep.requests += requests;
    on_answer(&s, answer, thumbs.as_ref(), rep)
}

/// The certificate's two thumbprints, upper-case hex as Entra and the portal print them.
struct Thumbprints {
    sha1: String,
    sha256: String,
}

impl Thumbprints {
    fn of(info: &cert::CertInfo) -> Thumbprints {
        let hex = |f: &str| f.replace(':', "").to_ascii_uppercase();
        Thumbprints { sha1: hex(&info.sha1_fingerprint), sha256: hex(&info.sha256_fingerprint) }
    }
}

/// A failure found before or instead of a request: the report is written, a mismatch is
/// exit 5 with its help line, anything else goes up as the error it is.
fn local_failure(s: &Settings, (e, exit): Failed, mut rep: Report) -> Result<Outcome, Error> {
    rep.exit_code = exit as u8;
    super::entra_record::write_all(&rep, &s.reports)?;
    if exit == Exit::KeyMismatch {
        say!("error: {e}");
        if let Some(help) = e.help() {
            say!("help: {help}");
        }
        return Ok(Outcome::new(exit).with_failure("KeyMismatch", e.to_string(), Some(rep.diagnosis.cause)));
    }
    Err(e)
}

fn on_answer(s: &Settings, answer: Answer, thumbs: Option<&Thumbprints>, mut rep: Report) -> Result<Outcome, Error> {
    match answer {
        Answer::Granted(g) => granted(s, g, rep),
        Answer::Refused { status, refusal } => refused(s, status, refusal, thumbs, rep),
        Answer::NoAnswer { kind, detail } => {
            let cause = if kind == FailureKind::Tls { "tls_error" } else { "network_error" };
            let said = crate::secrets::terminal_safe(&detail);
            say!("error: no usable answer from {} ({}): {said}", s.authority.host(), kind.as_str());
            let help = if kind == FailureKind::UnexpectedAnswer { vec![token::UNUSABLE_HELP.into()] } else { vec![] };
            if let Some(h) = help.first() {
                say!("help: {h}");
            }
            rep.fail(cause, "no usable answer from Microsoft Entra", vec![said], help);
            rep.no_answer = Some(kind);
            finish_failure(s, rep, Exit::NoAnswer, "NoUsableAnswer")
        }
    }
}

/// Flags that mean something only to Salesforce are refused, not ignored.
fn refuse_salesforce_flags(a: &LoginArgs) -> Result<(), Error> {
    let given = [
        ("--username", a.username.is_some()),
        ("--audience", a.audience.is_some()),
        ("--sf-alias", a.sf_alias.is_some()),
        ("--subject-token-type", a.subject_token_type.is_some()),
        ("--token-handler", a.token_handler.is_some()),
        ("--wait-for-propagation", a.wait_for_propagation.is_some()),
        ("--insecure-http", a.insecure_http),
        ("--config", a.config.is_some()),
        ("--target", !a.target.is_empty()),
    ];
    match given.iter().find(|(_, on)| *on) {
        Some((flag, _)) => Err(Error::usage(
            format!("{flag} is not used by --provider entra"),
            "an Entra login takes --tenant, --client-id, --key and --cert (or --oidc), and --scope",
        )),
        None => Ok(()),
    }
}

fn settings(args: &LoginCommand, env: Env, printer: Printer) -> Result<Settings, Error> {
    let a = &args.login;
    let e = &args.entra;
    refuse_salesforce_flags(a)?;
    let tenant = e.tenant.clone().or_else(|| env("SFJWT_TENANT")).ok_or_else(|| {
        Error::usage("no tenant given", "pass --tenant with the Directory (tenant) ID, or set SFJWT_TENANT")
    })?;
    let authority = Authority::new(a.login_url.as_deref(), &tenant, &a.allow_host)?;
    let client_id = a.client_id.clone().or_else(|| env("SFJWT_CLIENT_ID")).ok_or_else(|| {
        Error::usage(
            "no client id given",
            "pass --client-id (-i) with the Application (client) ID, or set SFJWT_CLIENT_ID",
        )
    })?;
    let lifetime = duration::parse(&a.lifetime)
        .map_err(|err| Error::usage(format!("invalid --lifetime: {err}"), "e.g. --lifetime 300s"))?;
    super::entra_record::check_paths(&a.report)?;
    Ok(Settings {
        authority,
        client_id: client_id_shape(&client_id)?,
        scope: scope(e.scope.as_deref())?,
        credential: credential(args, env)?,
        lifetime: crate::login::assertion::validate_lifetime(lifetime)?,
        net: net_settings(a, env)?,
        // Under --json the result is the envelope's.
        format: if printer.json() { Some(OutFormat::Json) } else { a.format },
        show_token: a.show_token,
        github: a.github || env("GITHUB_ACTIONS").as_deref() == Some("true"),
        export_env: a.export_env,
        dotenv: a.dotenv.clone(),
        reports: a.report.clone(),
        require_roles: e.require_role.clone(),
        printer,
    })
}

fn credential(args: &LoginCommand, env: Env) -> Result<Credential, Error> {
    let a = &args.login;
    if let Some(spec) = &a.oidc {
        if args.entra.cert.is_some() {
            return Err(Error::usage("--cert and --oidc do not go together", "a keyless login sends no certificate"));
        }
        let audience = a.oidc_audience.clone().unwrap_or_else(|| crate::entra::FEDERATED_AUDIENCE.into());
        return Ok(Credential::Oidc { source: oidc::OidcSource::parse(spec)?, audience });
    }
    let key = KeySource::resolve(a.key.key.as_deref(), env)?;
    let passphrase = match &a.key.key_passphrase_file {
        Some(p) => Some(Passphrase::from_file(p)?),
        None => env("SFJWT_KEY_PASSPHRASE").map(Passphrase::new),
    };
    let cert = args.entra.cert.clone().or_else(|| env("SFJWT_CERT").map(PathBuf::from)).ok_or_else(|| {
        Error::usage(
            "no certificate given",
            "pass --cert with the certificate uploaded to the app registration (its thumbprint goes in the assertion), or use --oidc",
        )
    })?;
    Ok(Credential::Certificate { key, passphrase, cert })
}

fn target(s: &Settings) -> report::Target {
    report::Target {
        provider: "entra",
        tenant: s.authority.tenant.clone(),
        client_id: s.client_id.clone(),
        token_endpoint: s.authority.token_endpoint(),
        scope: s.scope.clone(),
        flow: if matches!(s.credential, Credential::Oidc { .. }) { "federated" } else { "client_assertion" },
        required_roles: s.require_roles.clone(),
        oidc: None,
    }
}

type Failed = (Error, Exit);

/// The key and its certificate, loaded and matched (None for a keyless login).
type Pair = Option<(keys::RsaPrivateKey, cert::CertInfo)>;

fn local_pair(s: &Settings, rep: &mut Report) -> Result<Pair, Failed> {
    let Credential::Certificate { key, passphrase, cert: cert_path } = &s.credential else {
        return Ok(None);
    };
    let key = keys::load(key, passphrase.as_ref()).map_err(|e| {
        rep.fail("invalid_key", "the private key cannot be used", vec![e.to_string()], vec![e.help()]);
        (Error::from(e), Exit::Usage)
    })?;
    let info = cert::load(cert_path).map_err(|e| {
        rep.fail("invalid_key", "the certificate cannot be read", vec![e.to_string()], vec![]);
        (Error::from(e), Exit::Usage)
    })?;
    if !cert::key_matches(&info, &key) {
        let msg = format!("the key does not match the certificate {}", cert_path.display());
        let help = format!(
            "pass the certificate made from this key (`sfjwt cert inspect {} --key KEY` checks a pair); Entra would answer AADSTS700027",
            cert_path.display()
        );
        rep.fail("certificate_mismatch", &msg, vec![], vec![help.clone()]);
        return Err((Error::usage(msg, help), Exit::KeyMismatch));
    }
    Ok(Some((key, info)))
}

/// The client assertion: signed here with the checked pair, or the CI's OIDC token. Failures
/// carry their exit code and have set the report's cause.
fn assertion(
    s: &Settings,
    endpoint: &str,
    pair: Pair,
    client: &reqwest::blocking::Client,
    env: Env,
    rep: &mut Report,
) -> Result<zeroize::Zeroizing<String>, Failed> {
    if let Some((key, info)) = pair {
        let claims = crate::entra::assertion::Claims::new(&s.client_id, endpoint, s.lifetime);
        let thumbprint = crate::entra::assertion::x5t_s256(&info.sha256_fingerprint);
        return crate::entra::assertion::sign(&key, &thumbprint, &claims).map_err(|e| (e, Exit::Usage));
    }
    let Credential::Oidc { source, audience } = &s.credential else {
        return Err((Error::usage("no credential to sign with", "pass --key and --cert, or --oidc"), Exit::Usage));
    };
    let token = oidc::acquire(source, audience, client, &s.net, env, s.github).map_err(|e| {
        rep.fail(
            "oidc_token_unavailable",
            "the CI's OIDC token could not be read",
            vec![format!("{}: {e}", source.describe())],
            vec![],
        );
        (e, Exit::Usage)
    })?;
    crate::secrets::register(token.expose());
    if s.github {
        crate::secrets::github_mask(token.expose());
    }
    rep.target.oidc = oidc::decode(token.expose());
    if let Some(c) = &rep.target.oidc {
        // Entra answers AADSTS700024 to such a token; said before it is sent, not after.
        for p in oidc::preflight_time(c, time::OffsetDateTime::now_utc().unix_timestamp()) {
            say!(
                "warning: {p}: Microsoft Entra will refuse it (AADSTS700024); request the token just before the login"
            );
        }
    }
    Ok(zeroize::Zeroizing::new(token.expose().to_string()))
}

fn refused(
    s: &Settings,
    status: u16,
    refusal: token::Refusal,
    thumbs: Option<&Thumbprints>,
    mut rep: Report,
) -> Result<Outcome, Error> {
    let keyless = matches!(s.credential, Credential::Oidc { .. });
    let (cause, likelihood) = causes::reading_of_refusal(refusal.code(), &refusal.error_description, keyless);
    let headline = crate::secrets::for_terminal(refusal.headline());
    let error = crate::secrets::terminal_safe(&refusal.error);
    say!("error: Microsoft Entra refused the token request: {error}: {headline}");
    rep.answer = Some(report::Answer {
        http_status: status,
        error: refusal.error.clone(),
        error_codes: refusal.error_codes.clone(),
        error_description: headline.clone(),
        trace_id: refusal.trace_id.clone(),
        correlation_id: refusal.correlation_id.clone(),
    });
    let fixes = fixes(&cause);
    print_cause(&cause, likelihood.map(causes::Likelihood::id), &fixes);
    if let Some(t) = thumbs.filter(|_| cause.id == causes::CERTIFICATE_NOT_REGISTERED.id) {
        // Entra quotes the header's thumbprint (SHA-256, x5t#S256); the portal lists SHA-1.
        say!(
            "note: this certificate's thumbprints: SHA-1 {} (as the portal lists them), SHA-256 {} (x5t#S256, as Entra's answer quotes it)",
            t.sha1,
            t.sha256
        );
    }
    rep.fail(cause.id, cause.summary, vec![headline], fixes);
    rep.confidence = match likelihood {
        Some(causes::Likelihood::Likely) => "likely",
        _ => "possible",
    };
    if let (Some(t), Some(c)) = (&refusal.trace_id, &refusal.correlation_id) {
        let (t, c) = (crate::secrets::terminal_safe(t), crate::secrets::terminal_safe(c));
        say!("note: Entra's trace ID {t}, correlation ID {c} (quote both to Microsoft support)");
    }
    finish_failure(s, rep, Exit::Refused, "GrantRefused")
}

/// The fixes of a cause, for the report.
fn fixes(cause: &EntraCause) -> Vec<String> {
    cause.fix.iter().map(|f| f.to_string()).collect()
}

/// The cause, its fixes (the table `explain` reads too) and where it is explained.
/// A refusal's reading says how sure it is, as Salesforce's do (`cause: x (likely): …`).
fn print_cause(cause: &EntraCause, confidence: Option<&str>, fixes: &[String]) {
    match confidence {
        Some(c) => say!("cause: {} ({c}): {}", cause.id, cause.summary),
        None => say!("cause: {}: {}", cause.id, cause.summary),
    }
    for fix in fixes {
        say!("help: {fix}");
    }
    if cause.id != causes::UNKNOWN.id {
        say!("more: {}", cause.doc());
    }
}

fn finish_failure(s: &Settings, mut rep: Report, exit: Exit, name: &'static str) -> Result<Outcome, Error> {
    rep.exit_code = exit as u8;
    if s.github {
        ci::github_outputs(&[("cause", rep.diagnosis.cause)])?;
        let fix = rep.diagnosis.remediation.first().map(|f| format!(" Fix: {f}")).unwrap_or_default();
        ci::github_error(&format!("sfjwt login: {}", rep.diagnosis.cause), &format!("{}.{fix}", rep.diagnosis.summary));
        ci::github_summary(&rep.markdown());
    }
    super::entra_record::write_all(&rep, &s.reports)?;
    let outcome = Outcome::new(exit).with_failure(name, rep.diagnosis.summary.clone(), Some(rep.diagnosis.cause));
    if s.printer.json() {
        return Ok(outcome.with_result(s.printer.json_value(&super::entra_record::record(&rep))?));
    }
    Ok(outcome)
}

#[derive(Serialize)]
struct Output<'a> {
    tenant_id: &'a str,
    client_id: &'a str,
    token_endpoint: String,
    scope: &'a str,
    token_type: &'a str,
    expires_in: Option<u64>,
    roles: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

/// The claims of the access token sfjwt reads: `tid` and `aud` (for the summary), `roles`.
fn claim(token: &str, name: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get(name)?.as_str().map(str::to_string)
}

fn granted(s: &Settings, g: Granted, mut rep: Report) -> Result<Outcome, Error> {
    let token: &str = &g.access_token;
    crate::secrets::register(token);
    if s.github {
        crate::secrets::github_mask(token);
    }
    let tid = match checked_tid(s, token) {
        Ok(tid) => tid,
        Err(why) => {
            let answer = Answer::NoAnswer {
                kind: FailureKind::UnexpectedAnswer,
                detail: format!("HTTP 200 with a token answer that fails validation: {why}"),
            };
            return on_answer(s, answer, None, rep);
        }
    };
    let roles_checked = token::roles_checked(token);
    if let Some((_, dropped @ 1..)) = &roles_checked {
        say!(
            "warning: {dropped} role(s) in the access token are not plain role names (spaces, line breaks or control characters): dropped"
        );
    }
    let roles = roles_checked.map(|(r, _)| r);
    let have = roles.clone().unwrap_or_default();
    let tenant_id = tid.unwrap_or_else(|| s.authority.tenant.clone());
    rep.identity = Some(report::Identity {
        tenant_id: tenant_id.clone(),
        app_id: s.client_id.clone(),
        audience: claim(token, "aud")
            .filter(|a| a.len() <= 512 && a.chars().all(|c| c.is_ascii_graphic()))
            .unwrap_or_default(),
        roles: have.clone(),
        expires_in: g.expires_in,
    });
    let missing: Vec<&String> = s.require_roles.iter().filter(|r| !have.contains(r)).collect();
    if !missing.is_empty() {
        return roles_missing(s, roles.is_some(), &missing, &have, rep);
    }
    if roles.as_ref().is_some_and(Vec::is_empty) {
        say!(
            "warning: the access token carries no application permissions (roles): calls that need one will get 403 until an admin grants consent; --require-role ROLE fails the login instead"
        );
    }
    let pairs = [
        ("ENTRA_ACCESS_TOKEN", token),
        ("ENTRA_TENANT_ID", tenant_id.as_str()),
        ("ENTRA_CLIENT_ID", s.client_id.as_str()),
    ];
    let result = print_session(s, &g, &rep, &pairs, &have)?;
    hand_off(s, &pairs, &tenant_id, &have)?;
    let shown = if have.is_empty() { "none".to_string() } else { have.join(", ") };
    say!(
        "Logged in to Microsoft Entra tenant {tenant_id} as application {} ({}); roles: {shown}",
        s.client_id,
        s.scope
    );
    rep.status = "ok";
    if s.github {
        ci::github_summary(&rep.markdown());
    }
    super::entra_record::write_all(&rep, &s.reports)?;
    Ok(Outcome::new(Exit::Success).with_result(result))
}

/// The access token's `tid`, read (not verified) and checked before it reaches any CI output: a
/// GUID, and the tenant asked when one was asked by its id (a tenant issues tokens for itself).
fn checked_tid(s: &Settings, token: &str) -> Result<Option<String>, &'static str> {
    let tid = claim(token, "tid");
    let asked = token::is_guid(&s.authority.tenant).then_some(s.authority.tenant.as_str());
    match tid.as_deref() {
        Some(t) if !token::is_guid(t) => Err("the access token's tid is not a tenant id (GUID)"),
        Some(t) if asked.is_some_and(|a| !a.eq_ignore_ascii_case(t)) => {
            Err("the access token's tid is another tenant than the one asked")
        }
        _ => Ok(tid),
    }
}

/// The session in the format asked for (`--format`), or the `--json` envelope's result.
fn print_session(
    s: &Settings,
    g: &Granted,
    rep: &Report,
    pairs: &[(&str, &str)],
    roles: &[String],
) -> Result<Option<serde_json::Value>, Error> {
    let out = Output {
        tenant_id: pairs[1].1,
        client_id: &s.client_id,
        token_endpoint: rep.target.token_endpoint.clone(),
        scope: &s.scope,
        token_type: &g.token_type,
        expires_in: g.expires_in,
        roles,
        access_token: s.show_token.then_some(pairs[0].1),
    };
    Ok(match s.format {
        Some(OutFormat::Json) => s.printer.json_value(&out)?,
        Some(OutFormat::Yaml) => {
            print!("{}", &serde_saphyr::to_string(&out).unwrap_or_default());
            None
        }
        Some(OutFormat::Env) => {
            print!("{}", &ci::env_lines(pairs)?);
            None
        }
        Some(OutFormat::Shell) => {
            print!("{}", &ci::shell_lines(pairs)?);
            None
        }
        None => None,
    })
}

fn hand_off(s: &Settings, pairs: &[(&str, &str)], tenant_id: &str, roles: &[String]) -> Result<(), Error> {
    if s.github {
        let roles = roles.join(",");
        ci::github_outputs(&[
            ("access-token", pairs[0].1),
            ("tenant-id", tenant_id),
            ("client-id", &s.client_id),
            ("roles", &roles),
            ("cause", "none"),
        ])?;
        if s.export_env {
            ci::github_env(&pairs[..2])?;
        }
    }
    if let Some(path) = &s.dotenv {
        ci::dotenv(path, pairs)?;
    }
    Ok(())
}

/// The check after the grant: an application permission without admin consent gives a token
/// without that role (entra.md §4), so the login fails here instead of a 403 later.
fn roles_missing(
    s: &Settings,
    jwt: bool,
    missing: &[&String],
    have: &[String],
    mut rep: Report,
) -> Result<Outcome, Error> {
    let cause = causes::ADMIN_CONSENT_REQUIRED;
    let list = missing.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    let had = if have.is_empty() { "none".to_string() } else { have.join(", ") };
    let evidence = if jwt {
        format!("the access token's roles: {had}; required: {list}")
    } else {
        format!("the access token is not a JWT, so its roles cannot be read; required: {list}")
    };
    say!("error: the grant succeeded, but the token lacks the required application permission(s): {list}");
    say!("  evidence: {evidence}");
    for hint in token::case_hints(missing, have) {
        say!("  {hint}");
    }
    let fixes = fixes(&cause);
    print_cause(&cause, None, &fixes);
    rep.fail(cause.id, cause.summary, vec![evidence], fixes);
    // The token lacks the role: consent is the likely reason, not a confirmed one.
    rep.confidence = "likely";
    finish_failure(s, rep, Exit::Refused, "GrantRefused")
}
