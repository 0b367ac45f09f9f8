use crate::appmeta::read as metadata;
use crate::cli::settings;
use crate::cli::{DoctorArgs, OutFormat};
use crate::credentials::cert;
use crate::credentials::keys;
use crate::diagnose::verdict::{self, Local, check};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::error::{Error, Exit};
use crate::login::endpoint;
use crate::login::grant::{self, GrantRequest, Outcome};
use crate::org::api::{AdminSession, OrgApi};
use crate::org::facts as orgfacts;
use crate::output::report::{self, CheckStatus, Identity, Report};

pub fn run(args: DoctorArgs) -> Result<Exit, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let s = settings::resolve(&args.login, &env)?;
    if matches!(s.format, Some(OutFormat::Env) | Some(OutFormat::Shell)) {
        return Err(Error::usage("doctor prints its report as json or yaml", "use --format json or --format yaml"));
    }
    for note in &s.notes {
        eprintln!("note: {note}");
    }
    let admin = admin_session(&args, &env)?;
    let mut report = Report::new(
        "doctor",
        report::Target {
            client_id: Some(s.client_id.clone()),
            username: Some(s.username.clone()),
            login_host: s.login.host_str().map(str::to_string),
            audience: s.audience.clone(),
        },
    );
    let mut checks = Vec::new();
    let mut local = Local {
        login_host_is_sandbox: endpoint::is_sandbox_host(s.login.host_str().unwrap_or_default()),
        ..Local::default()
    };

    // 1. The key.
    let key = match keys::load(&s.key, s.passphrase.as_ref()) {
        Ok(k) => {
            checks.push(check(
                "key",
                "Private key readable and RSA",
                CheckStatus::Pass,
                format!("RSA {} bits, {}", k.bits(), k.format()),
            ));
            Some(k)
        }
        Err(e) => {
            checks.push(check("key", "Private key readable and RSA", CheckStatus::Fail, format!("{e}; {}", e.help())));
            None
        }
    };

    // 2. The certificate given, and the repository's.
    if let Some(path) = &args.cert {
        let info = cert::load(path)?;
        checks.push(expiry_check(&info, "certificate_expiry", "Certificate validity"));
        if let Some(k) = &key {
            let m = cert::key_matches(&info, k);
            local.key_matches_cert = Some(m);
            checks.push(check(
                "certificate_match",
                "Key matches the certificate",
                if m { CheckStatus::Pass } else { CheckStatus::Fail },
                if m {
                    format!("{} holds this key's public half", path.display())
                } else {
                    format!("{} was not made from this key", path.display())
                },
            ));
        }
    }
    let dirs = metadata::source_dirs(args.source_dir.as_deref());
    let apps = metadata::scan(&dirs);
    let repo_app = metadata::find_by_key(&apps, &s.client_id).cloned();
    match (&repo_app, dirs.is_empty()) {
        (Some(a), _) => {
            let policy = match a.admin_approved {
                Some(true) => format!(
                    "admin-approved; profiles [{}], permission sets [{}]",
                    a.profiles.join(", "),
                    a.permission_sets.join(", ")
                ),
                Some(false) => "self-authorize".into(),
                None => "policy not in the repository".into(),
            };
            checks.push(check(
                "repo_app",
                "App metadata in the repository",
                CheckStatus::Pass,
                format!("{} ({policy})", a.path),
            ));
            if let (Some(pem), Some(k)) = (&a.certificate, &key) {
                match cert::inspect_pem(pem.as_bytes()) {
                    Ok(info) => {
                        let m = cert::key_matches(&info, k);
                        local.key_matches_repo_cert = Some(m);
                        checks.push(check(
                            "repo_certificate",
                            "Repository certificate matches the key",
                            if m { CheckStatus::Pass } else { CheckStatus::Fail },
                            format!(
                                "the certificate in {} {} this key",
                                a.path,
                                if m { "matches" } else { "does not match" }
                            ),
                        ));
                        if args.cert.is_none() {
                            checks.push(expiry_check(&info, "certificate_expiry", "Certificate validity (repository)"));
                        }
                    }
                    Err(e) => checks.push(check(
                        "repo_certificate",
                        "Repository certificate matches the key",
                        CheckStatus::Warn,
                        e.to_string(),
                    )),
                }
            }
        }
        (None, false) => checks.push(check(
            "repo_app",
            "App metadata in the repository",
            CheckStatus::Skip,
            format!(
                "no app with consumer key {} under {}",
                s.client_id,
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        )),
        (None, true) => checks.push(check(
            "repo_app",
            "App metadata in the repository",
            CheckStatus::Skip,
            "no --source-dir and no sfdx-project.json",
        )),
    }

    // 3. Username against host.
    let host = s.login.host_str().unwrap_or_default();
    local.environment_mismatch =
        endpoint::environment_mismatch(&s.username, local.login_host_is_sandbox, &format!("{host} serves"));
    checks.push(match &local.environment_mismatch {
        Some(m) => check("environment", "Username fits the login host", CheckStatus::Warn, m.clone()),
        None => {
            check("environment", "Username fits the login host", CheckStatus::Pass, format!("{} at {host}", s.username))
        }
    });

    // 4. The grant itself.
    let client = crate::login::net::client(&s.net)?;
    let mut refusal = None;
    let mut failure = None;
    let mut session_refusal = None;
    if let Some(k) = &key {
        let request = GrantRequest {
            login: &s.login,
            hosts: &s.hosts,
            client_id: &s.client_id,
            username: &s.username,
            key: k,
            audience: s.audience.as_deref(),
            lifetime: s.lifetime,
            wait_for_propagation: s.wait_for_propagation,
        };
        let (outcome, attempts) = grant::run(&client, &s.net, &request, &mut grant::Silent)?;
        report.attempts = attempts;
        match outcome {
            Outcome::Granted(g) => {
                checks.push(check(
                    "grant",
                    "JWT bearer grant",
                    CheckStatus::Pass,
                    format!("logged in to org {} (aud {})", g.org_id, g.audience),
                ));
                report.identity = Some(Identity {
                    org_id: g.org_id.clone(),
                    user_id: g.user_id.clone(),
                    instance_url: g.instance_url.clone(),
                    is_sandbox: g.audience == endpoint::TEST || local.login_host_is_sandbox,
                });
                session_refusal = session_check(&client, &s, &g, &mut checks);
            }
            Outcome::Refused { error, description } => {
                checks.push(check("grant", "JWT bearer grant", CheckStatus::Fail, format!("{error}: {description}")));
                refusal = Some((error, description));
            }
            Outcome::NoAnswer { failure: f, detail } => {
                checks.push(check(
                    "grant",
                    "JWT bearer grant",
                    CheckStatus::Fail,
                    format!("no usable answer ({f}): {detail}"),
                ));
                failure = Some(f);
            }
        }
        if let Some(skew) = report.attempts.iter().rev().find_map(|a| a.server_date.as_deref()).and_then(clock_skew) {
            local.skew_seconds = Some(skew);
            let st = if skew.abs() > 150 {
                CheckStatus::Fail
            } else if skew.abs() > 30 {
                CheckStatus::Warn
            } else {
                CheckStatus::Pass
            };
            checks.push(check(
                "clock",
                "Local clock agrees with the server",
                st,
                format!("server clock minus local clock: {skew}s"),
            ));
        }
    } else {
        checks.push(check("grant", "JWT bearer grant", CheckStatus::Skip, "no usable key"));
    }

    // 5. The org, through an admin session.
    let facts = match &admin {
        Some(session) => {
            settings::check_host(
                &url::Url::parse(&session.instance_url).map_err(|e| {
                    Error::usage(format!("invalid admin instance URL: {e}"), "e.g. https://acme.my.salesforce.com")
                })?,
                &args.login.allow_host,
            )?;
            let api = OrgApi { client: &client, net: &s.net, session };
            let f = orgfacts::gather(
                &api,
                &s.username,
                args.app_name.as_deref(),
                repo_app.as_ref().map(|a| a.label.as_str()),
            );
            // The org says what it is; that beats guessing from the host name.
            if let Some(sandbox) = f.is_sandbox {
                local.login_host_is_sandbox = sandbox;
                local.environment_mismatch = endpoint::environment_mismatch(&s.username, sandbox, "the org is");
                let kind = if sandbox { "sandbox" } else { "production" };
                if let Some(c) = checks.iter_mut().find(|c| c.id == "environment") {
                    *c = match &local.environment_mismatch {
                        Some(m) => check("environment", "Username fits the login host", CheckStatus::Warn, m.clone()),
                        None => check(
                            "environment",
                            "Username fits the login host",
                            CheckStatus::Pass,
                            format!("{} in a {kind} org", s.username),
                        ),
                    };
                }
            }
            checks.extend(verdict::org_checks(&f, &s.username));
            Some(f)
        }
        None => {
            checks.push(check(
                "admin_session",
                "Admin session",
                CheckStatus::Skip,
                "none given (--admin-token with --admin-instance-url, or --admin-sf-org)",
            ));
            None
        }
    };

    // 6. The verdict.
    let base = if key.is_none() {
        Diagnosis::new(Cause::InvalidKey, Confidence::Confirmed, vec!["the private key could not be used".into()])
    } else {
        let base =
            diagnose::from_attempts(&report.attempts, refusal.as_ref().map(|(e, d)| (e.as_str(), d.as_str())), failure);
        // The same host-aware reading as `login`, so the two agree.
        let audience = report.attempts.last().map(|a| a.audience.clone()).unwrap_or_default();
        let ctx = crate::diagnose::login::LoginContext {
            host: s.login.host_str().unwrap_or_default(),
            username: &s.username,
            audience: &audience,
            default_audience: endpoint::default_audience(&s.login),
        };
        crate::diagnose::login::refine(base, &ctx)
    };
    report.diagnosis = verdict::verdict(
        base,
        refusal.as_ref().map(|(e, d)| (e.as_str(), d.as_str())),
        facts.as_ref(),
        repo_app.as_ref(),
        &local,
        &s.username,
    );
    report.diagnosis =
        std::mem::replace(&mut report.diagnosis, Diagnosis::ok()).with_admin_alias(args.admin_sf_org.as_deref());
    if let Some(d) = session_refusal {
        report.diagnosis = confirm_session_refusal(d, facts.as_ref());
    }
    if let Some(f) = &facts
        && let Some(by) = &f.app_found_by
    {
        report.diagnosis.evidence.push(format!("app identified by {by}"));
    }
    let failed = checks.iter().any(|c| matches!(c.status, CheckStatus::Fail));
    report.checks = checks;
    report.status = if failed { report::Status::Failed } else { report::Status::Ok };
    let exit = if failed { Exit::CheckFailed } else { Exit::Success };
    report.exit_code = exit as u8;

    for c in &report.checks {
        let tag = match c.status {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skip => "skip",
        };
        eprintln!("[{tag}] {}: {}", c.title, c.detail);
    }
    let d = &report.diagnosis;
    if d.cause != Cause::None {
        super::print_diagnosis(d, 0);
    }
    match s.format {
        Some(OutFormat::Json) if crate::output::envelope::enabled() => super::print_json(&report)?,
        Some(OutFormat::Json) => print!("{}", report.render(report::ReportFormat::Json)?),
        Some(OutFormat::Yaml) => print!("{}", report.render(report::ReportFormat::Yaml)?),
        _ => {}
    }
    if exit != Exit::Success {
        let d = &report.diagnosis;
        crate::output::envelope::set_failure("CheckFailed", d.summary.clone(), Some(d.cause.id()));
    }
    if s.github {
        crate::output::ci::github_outputs(&[("cause", report.diagnosis.cause.id())])?;
        crate::output::ci::github_report(&report);
    }
    report.write_all(&s.reports)?;
    Ok(exit)
}

fn expiry_check(info: &cert::CertInfo, id: &str, title: &str) -> crate::output::report::Check {
    let (st, detail) = if info.seconds_left <= 0 {
        (
            CheckStatus::Warn,
            format!(
                "expired on {}; Salesforce does not enforce this for JWT, but rotate it (sfjwt cert rotate)",
                info.not_after
            ),
        )
    } else if info.days_left < 30 {
        (CheckStatus::Warn, format!("expires in {} days ({}): rotate it soon", info.days_left, info.not_after))
    } else {
        (CheckStatus::Pass, format!("valid until {} ({} days)", info.not_after, info.days_left))
    };
    check(id, title, st, detail)
}

/// Server clock minus local clock, from an HTTP Date header.
fn clock_skew(date: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let server = time::PrimitiveDateTime::parse(date.trim(), &fmt).ok()?.assume_utc();
    Some((server - time::OffsetDateTime::now_utc()).whole_seconds())
}

fn admin_session(args: &DoctorArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<AdminSession>, Error> {
    if let Some(alias) = &args.admin_sf_org {
        return sf_session(alias).map(Some);
    }
    let token = args.admin_token.clone().or_else(|| env("SFJWT_ADMIN_TOKEN").filter(|t| !t.is_empty()));
    let url = args.admin_instance_url.clone().or_else(|| env("SFJWT_ADMIN_INSTANCE_URL").filter(|t| !t.is_empty()));
    match (token, url) {
        (Some(t), Some(u)) => {
            // The admin token goes there: the same host rules as the login.
            let hosts = endpoint::HostPolicy::new(&args.login.allow_host, args.login.insecure_http);
            let parsed = hosts.login_url(&u)?;
            Ok(Some(AdminSession::new(endpoint::origin(&parsed), t)))
        }
        (Some(_), None) => Err(Error::usage(
            "an admin token needs its instance URL",
            "pass --admin-instance-url or set SFJWT_ADMIN_INSTANCE_URL",
        )),
        (None, Some(_)) => {
            Err(Error::usage("an admin instance URL needs a token", "set SFJWT_ADMIN_TOKEN (or --admin-token)"))
        }
        (None, None) => Ok(None),
    }
}

/// The admin session stored by the Salesforce CLI. Recent sf versions redact tokens in
/// `org display --json`, so ask the command made to reveal it.
fn sf_session(alias: &str) -> Result<AdminSession, Error> {
    let sf = crate::output::ci::Sf::new();
    let run = |args: &[&str]| -> Result<serde_json::Value, Error> {
        let out = sf
            .command(args)
            .output()
            .map_err(|e| sf.spawn_error(e, "; or pass --admin-token and --admin-instance-url"))?;
        serde_json::from_slice(&out.stdout).map_err(|_| {
            Error::usage(
                format!("`sf {}` did not answer JSON", args.first().copied().unwrap_or_default()),
                format!("check `sf org display --target-org {alias}`"),
            )
        })
    };
    let shown = run(&["org", "auth", "show-access-token", "--target-org", alias, "--json"])?;
    let token = shown["result"]["accessToken"].as_str().map(str::to_string);
    let mut url = shown["result"]["instanceUrl"].as_str().map(str::to_string);
    if url.is_none() {
        url = run(&["org", "display", "--target-org", alias, "--json"])?["result"]["instanceUrl"]
            .as_str()
            .map(str::to_string);
    }
    match (token, url) {
        (Some(t), Some(u)) => {
            let parsed = endpoint::HostPolicy::new(&[], false).login_url(&u)?;
            Ok(AdminSession::new(endpoint::origin(&parsed), t))
        }
        _ => Err(Error::usage(
            format!("the Salesforce CLI has no usable session for {alias}"),
            format!("log in first: sf org login web --alias {alias}"),
        )),
    }
}

/// The check after the grant, as `login` makes it: the diagnosis when the session cannot use
/// the API (High Assurance, API access off), after revoking the token.
fn session_check(
    client: &reqwest::blocking::Client,
    s: &settings::LoginSettings,
    g: &crate::login::grant::Granted,
    checks: &mut Vec<crate::output::report::Check>,
) -> Option<Diagnosis> {
    use crate::login::session::{self, SessionCheck};
    let (status, detail, found) = match session::verify(client, &s.net, g) {
        SessionCheck::Works => (CheckStatus::Pass, "the session read the user's own record over REST".into(), None),
        SessionCheck::Inconclusive(why) => (CheckStatus::Warn, format!("inconclusive: {why}"), None),
        SessionCheck::Refused { status, code, message } => {
            let detail = format!("HTTP {status} {code}: {message}");
            match crate::diagnose::login::from_session_refusal(&code, &message) {
                Some((cause, conf)) => {
                    let evidence = vec![
                        "the grant itself succeeded (a token was issued, then revoked)".to_string(),
                        format!("the first REST call was refused: {detail}"),
                    ];
                    (CheckStatus::Fail, detail, Some(Diagnosis::new(cause, conf, evidence)))
                }
                None => (CheckStatus::Warn, format!("inconclusive: {detail}"), None),
            }
        }
    };
    if found.is_some() {
        crate::login::revoke::best_effort(client, &s.net, &g.instance_url, &g.access_token);
    }
    checks.push(check("session", "Session works after the grant", status, detail));
    found
}

/// Org data settles a High Assurance reading: the app's own session policy says so.
fn confirm_session_refusal(mut d: Diagnosis, facts: Option<&orgfacts::OrgFacts>) -> Diagnosis {
    let high = facts.and_then(|f| f.app.as_ref()).and_then(|a| a.high_assurance) == Some(true);
    if d.cause == Cause::HighAssuranceRequired && high {
        d.evidence.push("the app requires a High Assurance session (its session policy)".into());
        d = d.confirmed();
    }
    d
}
