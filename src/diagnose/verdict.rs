//! `sfjwt doctor`: every check, from every source it can reach, and one verdict.
//! Sources: local preflight, the token endpoint's answers, the org through an admin session,
//! and the app's metadata in the repository.

use crate::appmeta::read::{AppKind, RepoApp};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::org::facts::{AppFacts, OrgFacts, UserFacts};
use crate::record::{Check, CheckStatus};

/// Local facts gathered without the network (or from response headers).
#[derive(Default)]
pub struct Local {
    /// The key against the certificate given with --cert.
    pub key_matches_cert: Option<bool>,
    /// The key against the certificate in the repository's app metadata.
    pub key_matches_repo_cert: Option<bool>,
    /// Server clock minus local clock, in seconds.
    pub skew_seconds: Option<i64>,
    /// Why the username and the host look like different environments.
    pub environment_mismatch: Option<String>,
    pub login_host_is_sandbox: bool,
}

pub fn check(id: &str, title: &str, status: CheckStatus, detail: impl Into<String>) -> Check {
    Check { id: id.into(), title: title.into(), status, detail: detail.into() }
}

/// Checks read off the org facts (one per question diagnosis asks).
pub fn org_checks(f: &OrgFacts, username: &str) -> Vec<Check> {
    use CheckStatus::*;
    let mut out = Vec::new();
    if let Some(e) = &f.session_error {
        out.push(check("admin_session", "Admin session", Fail, e.clone()));
        return out;
    }
    // Not refused is not the same as working: a request that never left (a malformed token) or
    // failed on the way answers nothing, and nothing read off the org may be reported as known.
    if !f.session_ok {
        let why = f.denied.first().map_or("the org answered no query".to_string(), |d| d.detail.clone());
        out.push(check(
            "admin_session",
            "Admin session",
            Fail,
            format!("the admin session could not query the org: {why}"),
        ));
        return out;
    }
    out.push(check("admin_session", "Admin session", Pass, "the admin session can query the org"));
    for d in &f.denied {
        out.push(check("admin_permissions", "Admin can read the setup objects", Warn, d.detail.clone()));
    }
    out.extend(user_check(f, username));
    match (&f.app, f.app_absent, &f.app_name) {
        (Some(a), _, _) => out.extend(app_checks(f, a)),
        (None, true, Some(name)) => out.push(check(
            "org_app",
            "App installed in the org",
            Fail,
            format!("no installed connected app or External Client App named {name:?}"),
        )),
        (None, _, None) => out.push(check(
            "org_app",
            "App installed in the org",
            Skip,
            "the app could not be identified: pass --app-name",
        )),
        _ => {}
    }
    // Any failed login in the window is worth a look, even when the latest one succeeded.
    if !f.recent_logins.is_empty() {
        let statuses: Vec<String> =
            f.recent_logins.iter().take(5).map(|l| format!("{} {} ({})", l.time, l.status, l.application)).collect();
        let st = if f.recent_logins.iter().any(|l| l.failed()) { Warn } else { Pass };
        out.push(check("org_login_history", "Recent logins (LoginHistory)", st, statuses.join("; ")));
    }
    out
}

fn user_check(f: &OrgFacts, username: &str) -> Option<Check> {
    use CheckStatus::*;
    const TITLE: &str = "User exists and is active";
    if f.user_absent {
        return Some(check("org_user", TITLE, Fail, format!("no user {username} in this org")));
    }
    let u = f.user.as_ref()?;
    let (st, detail) = if u.frozen == Some(true) {
        (Fail, format!("{username} is frozen (UserLogin.IsFrozen)"))
    } else if !u.active {
        (Fail, format!("{username} is inactive"))
    } else {
        (Pass, format!("{username} is active, profile {}", u.profile.as_deref().unwrap_or("?")))
    };
    Some(check("org_user", TITLE, st, detail))
}

fn app_checks(f: &OrgFacts, a: &AppFacts) -> Vec<Check> {
    use CheckStatus::*;
    let kind = if a.external { "External Client App" } else { "connected app" };
    let by = f.app_found_by.as_deref().unwrap_or("?");
    let mut out = vec![check(
        "org_app",
        "App installed in the org",
        Pass,
        format!("{kind} {:?} ({}; found by {by})", a.name, a.id),
    )];
    let policy = match a.admin_approved {
        Some(true) => (Pass, "Admin approved users are pre-authorized".to_string()),
        Some(false) => (Warn, "All users may self-authorize: JWT needs a prior interactive approval".to_string()),
        None => (Skip, "not readable".to_string()),
    };
    out.push(check("org_policy", "Permitted Users policy", policy.0, policy.1));
    const HA: &str = "No High Assurance session requirement";
    match a.high_assurance {
        Some(true) => out.push(check(
            "org_high_assurance",
            HA,
            Fail,
            "the app requires a High Assurance session; JWT cannot step up",
        )),
        Some(false) => out.push(check("org_high_assurance", HA, Pass, "none")),
        None => {}
    }
    if let Some(u) = &f.user {
        out.push(access_check(f, a, u));
    }
    out
}

/// Whether the user gets through the app's Permitted Users policy, and by which grant.
fn access_check(f: &OrgFacts, a: &AppFacts, u: &UserFacts) -> Check {
    use CheckStatus::*;
    let granted: Vec<&str> = a
        .access_list
        .iter()
        .filter(|e| u.permission_sets.iter().any(|p| p.id == e.permission_set_id))
        .map(|e| e.shown.as_str())
        .collect();
    let (st, detail) = if !granted.is_empty() {
        (Pass, format!("through {}", granted.join(", ")))
    } else if u.use_any_api_client == Some(true) {
        (Pass, "the user holds Use Any API Client".to_string())
    } else if a.admin_approved == Some(false) {
        match f.prior_approval {
            Some(true) => (Pass, "self-authorize app, approved by the user before (OauthToken)".into()),
            Some(false) => (Fail, "self-authorize app the user never approved (no OauthToken)".into()),
            None => (Skip, "self-authorize app; prior approvals not readable".into()),
        }
    } else {
        let list: Vec<&str> = a.access_list.iter().map(|e| e.shown.as_str()).collect();
        let held: Vec<&str> = u.permission_sets.iter().map(|p| p.shown.as_str()).collect();
        let ignored = if u.ignored_assignments.is_empty() {
            String::new()
        } else {
            format!("; not in force: {}", u.ignored_assignments.join(", "))
        };
        (Fail, format!("the app lists [{}]; the user holds [{}]{ignored}", list.join(", "), held.join(", ")))
    };
    check("org_access", "User pre-authorized for the app", st, detail)
}

fn admin_pair(app: &RepoApp) -> (Option<&String>, &'static str) {
    match app.kind {
        AppKind::ConnectedApp => (app.permission_sets.first(), "permissionSetName"),
        AppKind::ExternalClientApp => (app.permission_sets.first(), "commaSeparatedPermissionSet"),
    }
}

/// What the verdict weighs: the error text's ranking and every other source.
struct Inputs<'a> {
    base: &'a Diagnosis,
    ranked: Vec<(Cause, Confidence)>,
    facts: Option<&'a OrgFacts>,
    repo: Option<&'a RepoApp>,
    local: &'a Local,
    username: &'a str,
}

impl Inputs<'_> {
    fn confirmed(&self, c: Cause, ev: Vec<String>) -> Diagnosis {
        let mut d = Diagnosis::new(c, Confidence::Confirmed, ev);
        d.candidates.extend(self.base.candidates.iter().filter(|x| x.cause != c).cloned());
        d
    }

    fn user(&self) -> Option<&UserFacts> {
        self.facts.and_then(|f| f.user.as_ref())
    }

    fn app(&self) -> Option<&AppFacts> {
        self.facts.and_then(|f| f.app.as_ref())
    }

    /// Not finding the app by name is not proof it is absent: the name may be wrong. Likely,
    /// and the evidence says exactly what was searched.
    fn app_not_found_by_name(&self, mut evidence: Vec<String>) -> Diagnosis {
        let name = self.facts.and_then(|f| f.app_name.clone()).unwrap_or_default();
        evidence.push(format!(
            "searched ConnectedApplication and ExternalClientApplication for the name {name:?}: no installed app by that name"
        ));
        evidence.push("a different name (--app-name) would find it if it is there".into());
        Diagnosis::new(Cause::AppNotInstalled, Confidence::Likely, evidence)
            .with_candidates(&[(Cause::MyDomainRequired, Confidence::Possible)])
    }
}

/// The verdict: the error text's reading, settled by org data, repository metadata and local proof.
pub fn verdict(
    base: Diagnosis,
    refusal: Option<(&str, &str)>,
    facts: Option<&OrgFacts>,
    repo: Option<&RepoApp>,
    local: &Local,
    username: &str,
) -> Diagnosis {
    let Some((error, description)) = refusal else { return base };
    let ranked = diagnose::from_error_text(error, description);
    let top = ranked[0].0;
    let inp = Inputs { base: &base, ranked, facts, repo, local, username };
    let mut evidence = base.evidence.clone();
    let mut d = match top {
        Cause::UserNotPreauthorized | Cause::UserNotApproved => not_preauthorized(&inp, top, evidence),
        Cause::CertificateMismatch => certificate(&inp, evidence),
        Cause::UserInactive => match inp.user() {
            Some(u) if u.frozen == Some(true) => {
                evidence.push(format!("{username} is frozen (UserLogin.IsFrozen)"));
                inp.confirmed(Cause::UserInactive, evidence)
            }
            Some(u) if !u.active => {
                evidence.push(format!("{username} is inactive (User.IsActive = false)"));
                inp.confirmed(Cause::UserInactive, evidence)
            }
            _ => base.clone(),
        },
        Cause::IpRestricted if facts.is_some_and(|f| f.recent_logins.iter().any(|l| l.status == "Restricted IP")) => {
            evidence.push("LoginHistory shows Status \"Restricted IP\" for this user".into());
            inp.confirmed(Cause::IpRestricted, evidence)
        }
        Cause::AssertionExpired if local.skew_seconds.is_some_and(|s| s.abs() > 60) => {
            evidence
                .push(format!("the server's clock is {}s off the local one", local.skew_seconds.unwrap_or_default()));
            inp.confirmed(Cause::AssertionExpired, evidence)
        }
        Cause::AppNotInstalled | Cause::MyDomainRequired if facts.is_some_and(|f| f.app_absent) => {
            inp.app_not_found_by_name(evidence)
        }
        Cause::Unknown if inp.app().is_some_and(|a| a.high_assurance == Some(true)) => {
            evidence.push("the app requires a High Assurance session".into());
            inp.confirmed(Cause::HighAssuranceRequired, evidence)
        }
        Cause::Unknown if repo.is_some_and(|r| r.high_assurance) => {
            evidence.push("the repository's app metadata requires a High Assurance session".into());
            Diagnosis::new(Cause::HighAssuranceRequired, Confidence::Likely, evidence)
        }
        _ => base.clone(),
    };
    user_notes(&inp, &mut d);
    sandbox_note(&inp, &mut d);
    d
}

/// "user hasn't approved this consumer" and its kin: the org (or the repository) says which.
fn not_preauthorized(inp: &Inputs<'_>, top: Cause, mut evidence: Vec<String>) -> Diagnosis {
    let (facts, username) = (inp.facts, inp.username);
    if facts.is_some_and(|f| f.user_absent) {
        evidence.push(format!("the org has no user {username}"));
        // The suffix is a hint only (docs/causes.md#wrong_environment): the org's answer decides.
        let mut d = inp.confirmed(Cause::UserUnknown, evidence);
        if let Some(m) = &inp.local.environment_mismatch {
            d.evidence.push(format!("hint only: {m}"));
            d = d.with_candidates(&[(Cause::WrongEnvironment, Confidence::Possible)]);
        }
        return d;
    }
    if facts.is_some_and(|f| f.app_absent) {
        return inp.app_not_found_by_name(evidence);
    }
    if let (Some(a), Some(u)) = (inp.app(), inp.user()) {
        return from_org_access(inp, top, a, u, evidence);
    }
    match inp.repo {
        Some(r) => from_repository(inp, r, evidence),
        None => inp.base.clone(),
    }
}

fn from_org_access(inp: &Inputs<'_>, top: Cause, a: &AppFacts, u: &UserFacts, mut evidence: Vec<String>) -> Diagnosis {
    let username = inp.username;
    let has = a.access_list.iter().any(|e| u.permission_sets.iter().any(|p| p.id == e.permission_set_id));
    let any_client = u.use_any_api_client == Some(true);
    match a.admin_approved {
        Some(true) if !has && !any_client => {
            let list: Vec<&str> = a.access_list.iter().map(|e| e.shown.as_str()).collect();
            evidence.push(format!("the app {:?} is admin-approved and lists [{}]", a.name, list.join(", ")));
            let held: Vec<&str> = u.permission_sets.iter().map(|p| p.shown.as_str()).collect();
            evidence.push(format!("{username} holds [{}], none of them", held.join(", ")));
            if !u.ignored_assignments.is_empty() {
                evidence.push(format!("assignments not in force: {}", u.ignored_assignments.join(", ")));
            }
            let mut d = inp.confirmed(Cause::UserNotPreauthorized, evidence);
            // The policy is confirmed admin-approved: say what is left to do, by name.
            let app_path = if a.external {
                format!("Setup > External Client App Manager > {} > Policies > OAuth Policies > App Policies", a.name)
            } else {
                format!("Setup > App Manager > {} > Manage > Manage Profiles / Manage Permission Sets", a.name)
            };
            d.remediation = vec![format!(
                "Give {username} access to the app {:?}: assign it a permission set on the app's list ({}) \
                 (Setup > Users > {username} > Permission Set Assignments > Edit Assignments), or add its \
                 profile ({}) or a permission set it holds to the app ({app_path}).",
                a.name,
                list.join(", "),
                u.profile.as_deref().unwrap_or("?"),
            )];
            let ps = a
                .access_list
                .iter()
                .find(|e| e.shown.starts_with("permission set "))
                .map(|e| e.shown.trim_start_matches("permission set ").to_string());
            d.fix = Some(match ps {
                Some(ps) => {
                    format!("sf org assign permset --name {ps} --on-behalf-of {username} --target-org <admin alias>")
                }
                None => format!(
                    "Add {username}'s profile ({}) or a permission set it holds to the app's list",
                    u.profile.as_deref().unwrap_or("?")
                ),
            });
            d
        }
        Some(false) if inp.facts.and_then(|f| f.prior_approval) == Some(false) && !any_client => {
            evidence.push(format!(
                "the app {:?} lets users self-authorize and {username} never approved it (no OauthToken row)",
                a.name
            ));
            inp.confirmed(Cause::UserNotApproved, evidence)
        }
        _ => {
            evidence.push(format!("{username} can use the app {:?} according to the org; the refusal may be about the audience or environment", a.name));
            Diagnosis::new(top, Confidence::Possible, evidence).with_candidates(&[
                (Cause::AudienceInvalid, Confidence::Possible),
                (Cause::WrongEnvironment, Confidence::Possible),
            ])
        }
    }
}

fn from_repository(inp: &Inputs<'_>, r: &RepoApp, mut evidence: Vec<String>) -> Diagnosis {
    let username = inp.username;
    evidence.push(format!("repository metadata {} describes the app", r.path));
    if r.admin_approved == Some(false) {
        evidence.push("its Permitted Users policy is self-authorize".into());
        return Diagnosis::new(Cause::UserNotApproved, Confidence::Likely, evidence).with_candidates(&inp.ranked);
    }
    evidence.push(format!(
        "it is admin-approved and lists profiles [{}] and permission sets [{}]",
        r.profiles.join(", "),
        r.permission_sets.join(", ")
    ));
    let mut d = Diagnosis::new(Cause::UserNotPreauthorized, Confidence::Likely, evidence).with_candidates(&inp.ranked);
    let (ps, field) = admin_pair(r);
    d.fix = Some(match ps {
        Some(ps) => format!("sf org assign permset --name {ps} --on-behalf-of {username} --target-org <admin alias>"),
        None => {
            format!("add a permission set to the app's {field} in {}, deploy it, and assign it to {username}", r.path)
        }
    });
    d
}

fn certificate(inp: &Inputs<'_>, mut evidence: Vec<String>) -> Diagnosis {
    let local = inp.local;
    if local.key_matches_cert == Some(false) {
        evidence.push("the key does not match the certificate given with --cert".into());
        return inp.confirmed(Cause::CertificateMismatch, evidence);
    }
    if local.key_matches_repo_cert == Some(false) {
        evidence.push(format!(
            "the key does not match the certificate in {}",
            inp.repo.and_then(|r| r.certificate_path.as_deref()).unwrap_or("the repository")
        ));
        return inp.confirmed(Cause::CertificateMismatch, evidence);
    }
    let mut d = inp.base.clone();
    if local.key_matches_cert == Some(true) || local.key_matches_repo_cert == Some(true) {
        d.evidence.push("the key matches the local certificate: the app in the org holds a different one".into());
    }
    d
}

/// What the user's permissions add to any verdict.
fn user_notes(inp: &Inputs<'_>, d: &mut Diagnosis) {
    let Some(u) = inp.user() else { return };
    if d.cause == Cause::AppNotInstalled {
        d.evidence.push(match u.approve_uninstalled {
            Some(true) => "the user holds Approve Uninstalled Connected Apps".into(),
            Some(false) => "the user does not hold Approve Uninstalled Connected Apps".into(),
            // No PermissionSet field holds it (docs/evidence.md#obj-permissionset): only metadata can tell.
            None => "whether the user holds Approve Uninstalled Connected Apps is unknown: SOQL cannot read it; check the user's profile and permission sets in Setup".into(),
        });
    }
    if u.use_any_api_client == Some(true) {
        d.evidence.push("the user holds Use Any API Client (bypasses Permitted Users)".into());
    }
}

fn sandbox_note(inp: &Inputs<'_>, d: &mut Diagnosis) {
    let sandbox = inp.facts.and_then(|f| f.is_sandbox).unwrap_or(inp.local.login_host_is_sandbox);
    if sandbox
        && matches!(
            d.cause,
            Cause::UserNotPreauthorized | Cause::AppNotInstalled | Cause::ClientIdUnknown | Cause::UserUnknown
        )
    {
        d.remediation.push(
            "This is a sandbox: a refresh reverts users' permission set assignments to production's and can lose an app's configuration; if it was refreshed recently, reapply the assignment or redeploy the app.".into(),
        );
    }
}
