//! `sfjwt doctor`: every check, from every source it can reach, and one verdict.
//! Sources: local preflight, the token endpoint's answers, the org through an admin session,
//! and the app's metadata in the repository.

use crate::appmeta::read::{AppKind, RepoApp};
use crate::diagnose::{self, Cause, Confidence, Diagnosis};
use crate::org::facts::OrgFacts;
use crate::output::report::{Check, CheckStatus};

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
    out.push(check("admin_session", "Admin session", Pass, "the admin session can query the org"));
    for d in &f.denied {
        out.push(check("admin_permissions", "Admin can read the setup objects", Warn, d.clone()));
    }
    match (&f.user, f.user_absent) {
        (_, true) => {
            out.push(check("org_user", "User exists and is active", Fail, format!("no user {username} in this org")))
        }
        (Some(u), _) => {
            let (st, detail) = if u.frozen == Some(true) {
                (Fail, format!("{username} is frozen (UserLogin.IsFrozen)"))
            } else if !u.active {
                (Fail, format!("{username} is inactive"))
            } else {
                (Pass, format!("{username} is active, profile {}", u.profile.as_deref().unwrap_or("?")))
            };
            out.push(check("org_user", "User exists and is active", st, detail));
        }
        _ => {}
    }
    match (&f.app, f.app_absent, &f.app_name) {
        (Some(a), _, _) => {
            let kind = if a.external { "External Client App" } else { "connected app" };
            let by = f.app_found_by.as_deref().unwrap_or("?");
            out.push(check(
                "org_app",
                "App installed in the org",
                Pass,
                format!("{kind} {:?} ({}; found by {by})", a.name, a.id),
            ));
            let policy = match a.admin_approved {
                Some(true) => (Pass, "Admin approved users are pre-authorized".to_string()),
                Some(false) => {
                    (Warn, "All users may self-authorize: JWT needs a prior interactive approval".to_string())
                }
                None => (Skip, "not readable".to_string()),
            };
            out.push(check("org_policy", "Permitted Users policy", policy.0, policy.1));
            if a.high_assurance == Some(true) {
                out.push(check(
                    "org_high_assurance",
                    "No High Assurance session requirement",
                    Fail,
                    "the app requires a High Assurance session; JWT cannot step up",
                ));
            } else if a.high_assurance == Some(false) {
                out.push(check("org_high_assurance", "No High Assurance session requirement", Pass, "none"));
            }
            if let Some(u) = &f.user {
                let granted: Vec<&str> = a
                    .access_list
                    .iter()
                    .filter(|(ps, _)| u.permission_sets.iter().any(|(id, _)| id == ps))
                    .map(|(_, name)| name.as_str())
                    .collect();
                let list: Vec<&str> = a.access_list.iter().map(|(_, n)| n.as_str()).collect();
                let (st, detail) = if !granted.is_empty() {
                    (Pass, format!("through {}", granted.join(", ")))
                } else if u.use_any_api_client {
                    (Pass, "the user holds Use Any API Client".to_string())
                } else if a.admin_approved == Some(false) {
                    match f.prior_approval {
                        Some(true) => (Pass, "self-authorize app, approved by the user before (OauthToken)".into()),
                        Some(false) => (Fail, "self-authorize app the user never approved (no OauthToken)".into()),
                        None => (Skip, "self-authorize app; prior approvals not readable".into()),
                    }
                } else {
                    let held: Vec<&str> = u.permission_sets.iter().map(|(_, n)| n.as_str()).collect();
                    (
                        Fail,
                        format!(
                            "the app lists [{}]; the user holds [{}]{}",
                            list.join(", "),
                            held.join(", "),
                            if u.ignored_assignments.is_empty() {
                                String::new()
                            } else {
                                format!("; not in force: {}", u.ignored_assignments.join(", "))
                            }
                        ),
                    )
                };
                out.push(check("org_access", "User pre-authorized for the app", st, detail));
            }
        }
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
    let restricted = f.recent_logins.iter().filter(|(_, s, _)| s == "Restricted IP").count();
    if !f.recent_logins.is_empty() {
        let statuses: Vec<String> = f.recent_logins.iter().take(5).map(|(t, s, a)| format!("{t} {s} ({a})")).collect();
        let st = if restricted > 0 { Warn } else { Pass };
        out.push(check("org_login_history", "Recent logins (LoginHistory)", st, statuses.join("; ")));
    }
    out
}

fn admin_pair(app: &RepoApp) -> (Option<&String>, &'static str) {
    match app.kind {
        AppKind::ConnectedApp => (app.permission_sets.first(), "permissionSetName"),
        AppKind::ExternalClientApp => (app.permission_sets.first(), "commaSeparatedPermissionSet"),
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
    let mut evidence = base.evidence.clone();
    let confirmed = |c: Cause, ev: Vec<String>| {
        let mut d = Diagnosis::new(c, Confidence::Confirmed, ev);
        d.candidates.extend(base.candidates.iter().filter(|x| x.cause != c).cloned());
        d
    };
    let user = facts.and_then(|f| f.user.as_ref());
    let app = facts.and_then(|f| f.app.as_ref());
    let mut d = match top {
        Cause::UserNotPreauthorized | Cause::UserNotApproved => {
            if facts.is_some_and(|f| f.user_absent) {
                evidence.push(format!("the org has no user {username}"));
                // The suffix is a hint only (salesforce.md §7.4): the org's answer decides.
                let mut d = confirmed(Cause::UserUnknown, evidence);
                if let Some(m) = &local.environment_mismatch {
                    d.evidence.push(format!("hint only: {m}"));
                    d = d.with_candidates(&[(Cause::WrongEnvironment, Confidence::Possible)]);
                }
                d
            } else if facts.is_some_and(|f| f.app_absent) {
                app_not_found_by_name(facts, evidence)
            } else if let (Some(a), Some(u)) = (app, user) {
                let has = a.access_list.iter().any(|(ps, _)| u.permission_sets.iter().any(|(id, _)| id == ps));
                match a.admin_approved {
                    Some(true) if !has && !u.use_any_api_client => {
                        let list: Vec<&str> = a.access_list.iter().map(|(_, n)| n.as_str()).collect();
                        evidence.push(format!(
                            "the app {:?} is admin-approved and lists [{}]",
                            a.name,
                            list.join(", ")
                        ));
                        let held: Vec<&str> = u.permission_sets.iter().map(|(_, n)| n.as_str()).collect();
                        evidence.push(format!("{username} holds [{}], none of them", held.join(", ")));
                        if !u.ignored_assignments.is_empty() {
                            evidence.push(format!("assignments not in force: {}", u.ignored_assignments.join(", ")));
                        }
                        let mut d = confirmed(Cause::UserNotPreauthorized, evidence);
                        // The policy is confirmed admin-approved: say what is left to do, by name.
                        d.remediation = vec![format!(
                            "Give {username} access to the app {:?}: assign it a permission set on the app's list ({}) \
                             (Setup > Users > {username} > Permission Set Assignments > Edit Assignments), or add its \
                             profile ({}) or a permission set it holds to the app (Setup > App Manager > {} > Manage > \
                             Manage Profiles / Manage Permission Sets).",
                            a.name,
                            list.join(", "),
                            u.profile.as_deref().unwrap_or("?"),
                            a.name
                        )];
                        let ps = a
                            .access_list
                            .iter()
                            .find(|(_, n)| n.starts_with("permission set "))
                            .map(|(_, n)| n.trim_start_matches("permission set ").to_string());
                        d.fix = Some(match ps {
                            Some(ps) => format!(
                                "sf org assign permset --name {ps} --on-behalf-of {username} --target-org <admin alias>"
                            ),
                            None => format!(
                                "Add {username}'s profile ({}) or a permission set it holds to the app's list",
                                u.profile.as_deref().unwrap_or("?")
                            ),
                        });
                        d
                    }
                    Some(false) if f_prior(facts) == Some(false) && !u.use_any_api_client => {
                        evidence.push(format!("the app {:?} lets users self-authorize and {username} never approved it (no OauthToken row)", a.name));
                        confirmed(Cause::UserNotApproved, evidence)
                    }
                    _ => {
                        evidence.push(format!("{username} can use the app {:?} according to the org; the refusal may be about the audience or environment", a.name));
                        Diagnosis::new(top, Confidence::Possible, evidence).with_candidates(&[
                            (Cause::AudienceInvalid, Confidence::Possible),
                            (Cause::WrongEnvironment, Confidence::Possible),
                        ])
                    }
                }
            } else if let Some(r) = repo {
                evidence.push(format!("repository metadata {} describes the app", r.path));
                match r.admin_approved {
                    Some(false) => {
                        evidence.push("its Permitted Users policy is self-authorize".into());
                        Diagnosis::new(Cause::UserNotApproved, Confidence::Likely, evidence).with_candidates(&ranked)
                    }
                    _ => {
                        evidence.push(format!(
                            "it is admin-approved and lists profiles [{}] and permission sets [{}]",
                            r.profiles.join(", "),
                            r.permission_sets.join(", ")
                        ));
                        let mut d = Diagnosis::new(Cause::UserNotPreauthorized, Confidence::Likely, evidence)
                            .with_candidates(&ranked);
                        let (ps, field) = admin_pair(r);
                        d.fix = Some(match ps {
                            Some(ps) => format!(
                                "sf org assign permset --name {ps} --on-behalf-of {username} --target-org <admin alias>"
                            ),
                            None => format!(
                                "add a permission set to the app's {field} in {}, deploy it, and assign it to {username}",
                                r.path
                            ),
                        });
                        d
                    }
                }
            } else {
                base.clone()
            }
        }
        Cause::CertificateMismatch => {
            if local.key_matches_cert == Some(false) {
                evidence.push("the key does not match the certificate given with --cert".into());
                confirmed(Cause::CertificateMismatch, evidence)
            } else if local.key_matches_repo_cert == Some(false) {
                evidence.push(format!(
                    "the key does not match the certificate in {}",
                    repo.map(|r| r.path.as_str()).unwrap_or("the repository")
                ));
                confirmed(Cause::CertificateMismatch, evidence)
            } else {
                if local.key_matches_cert == Some(true) || local.key_matches_repo_cert == Some(true) {
                    evidence
                        .push("the key matches the local certificate: the app in the org holds a different one".into());
                }
                base.clone()
            }
        }
        Cause::UserInactive => match user {
            Some(u) if u.frozen == Some(true) => {
                evidence.push(format!("{username} is frozen (UserLogin.IsFrozen)"));
                confirmed(Cause::UserInactive, evidence)
            }
            Some(u) if !u.active => {
                evidence.push(format!("{username} is inactive (User.IsActive = false)"));
                confirmed(Cause::UserInactive, evidence)
            }
            _ => base.clone(),
        },
        Cause::IpRestricted if facts.is_some_and(|f| f.recent_logins.iter().any(|(_, s, _)| s == "Restricted IP")) => {
            evidence.push("LoginHistory shows Status \"Restricted IP\" for this user".into());
            confirmed(Cause::IpRestricted, evidence)
        }
        Cause::AssertionExpired if local.skew_seconds.is_some_and(|s| s.abs() > 60) => {
            evidence
                .push(format!("the server's clock is {}s off the local one", local.skew_seconds.unwrap_or_default()));
            confirmed(Cause::AssertionExpired, evidence)
        }
        Cause::AppNotInstalled | Cause::MyDomainRequired if facts.is_some_and(|f| f.app_absent) => {
            app_not_found_by_name(facts, evidence)
        }
        Cause::Unknown if app.is_some_and(|a| a.high_assurance == Some(true)) => {
            evidence.push("the app requires a High Assurance session".into());
            confirmed(Cause::HighAssuranceRequired, evidence)
        }
        Cause::Unknown if repo.is_some_and(|r| r.high_assurance) => {
            evidence.push("the repository's app metadata requires a High Assurance session".into());
            Diagnosis::new(Cause::HighAssuranceRequired, Confidence::Likely, evidence)
        }
        _ => base.clone(),
    };
    if let Some(u) = user {
        if u.approve_uninstalled && d.cause == Cause::AppNotInstalled {
            d.evidence.push("the user holds Approve Uninstalled Connected Apps".into());
        }
        if u.use_any_api_client {
            d.evidence.push("the user holds Use Any API Client (bypasses Permitted Users)".into());
        }
    }
    let sandbox = facts.and_then(|f| f.is_sandbox).unwrap_or(local.login_host_is_sandbox);
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
    d
}

/// Not finding the app by name is not proof it is absent: the name may be wrong. Likely, and
/// the evidence says exactly what was searched.
fn app_not_found_by_name(facts: Option<&OrgFacts>, mut evidence: Vec<String>) -> Diagnosis {
    let name = facts.and_then(|f| f.app_name.clone()).unwrap_or_default();
    evidence.push(format!(
        "searched ConnectedApplication and ExternalClientApplication for the name {name:?}: no installed app by that name"
    ));
    evidence.push("a different name (--app-name) would find it if it is there".into());
    Diagnosis::new(Cause::AppNotInstalled, Confidence::Likely, evidence)
        .with_candidates(&[(Cause::MyDomainRequired, Confidence::Possible)])
}

fn f_prior(f: Option<&OrgFacts>) -> Option<bool> {
    f.and_then(|f| f.prior_approval)
}
