//! Checks that need no network: the key, the certificates, the repository's app metadata, and
//! whether the username fits the login host.

use super::{CertSummary, State};
use crate::appmeta::read as metadata;
use crate::credentials::{cert, keys};
use crate::diagnose::verdict::check;
use crate::error::Error;
use crate::login::endpoint;
use crate::record::{Check, CheckStatus};

pub(super) fn key(st: &mut State<'_>) {
    let k = &st.s.key;
    match keys::load(&k.key, k.passphrase.as_ref()) {
        Ok(k) => {
            let detail = format!("RSA {} bits, {}", k.bits(), k.format());
            st.push(check("key", "Private key readable and RSA", CheckStatus::Pass, detail));
            st.key = Some(k);
        }
        Err(e) => {
            let detail = format!("{e}; {}", e.help());
            st.push(check("key", "Private key readable and RSA", CheckStatus::Fail, detail));
        }
    }
}

/// The certificate given with --cert (or the target's `cert`): expiry, and the key against it.
pub(super) fn given_certificate(st: &mut State<'_>) -> Result<(), Error> {
    let Some(path) = st.s.cert.clone() else { return Ok(()) };
    let info = cert::load(&path)?;
    let expiry = expiry_check(st, &info, "Certificate validity");
    st.push(expiry);
    st.certificate = Some(summary(&info, path.display().to_string()));
    if let Some(k) = &st.key {
        let m = cert::key_matches(&info, k);
        st.local.key_matches_cert = Some(m);
        let (status, detail) = if m {
            (CheckStatus::Pass, format!("{} holds this key's public half", path.display()))
        } else {
            (CheckStatus::Fail, format!("{} was not made from this key", path.display()))
        };
        st.push(check("certificate_match", "Key matches the certificate", status, detail));
    }
    Ok(())
}

fn summary(info: &cert::CertInfo, source: String) -> CertSummary {
    CertSummary { source, not_after: info.not_after.clone(), days_left: info.days_left }
}

pub(super) fn repository(st: &mut State<'_>) {
    let client_id = st.s.target.client_id.clone();
    let dirs = metadata::source_dirs(st.s.source_dir.as_deref());
    let apps = metadata::scan(&dirs);
    st.repo_app = metadata::find_by_key(&apps, &client_id).cloned();
    let Some(a) = st.repo_app.clone() else {
        let detail = if dirs.is_empty() {
            "no --source-dir and no sfdx-project.json".to_string()
        } else {
            let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            format!("no app with consumer key {client_id} under {}", shown.join(", "))
        };
        st.push(check("repo_app", "App metadata in the repository", CheckStatus::Skip, detail));
        return;
    };
    let policy = match a.admin_approved {
        Some(true) => format!(
            "admin-approved; profiles [{}], permission sets [{}]",
            a.profiles.join(", "),
            a.permission_sets.join(", ")
        ),
        Some(false) => "self-authorize".into(),
        None => "policy not in the repository".into(),
    };
    st.push(check("repo_app", "App metadata in the repository", CheckStatus::Pass, format!("{} ({policy})", a.path)));
    let (Some(pem), Some(k)) = (&a.certificate, &st.key) else { return };
    const TITLE: &str = "Repository certificate matches the key";
    match cert::inspect_pem(pem.as_bytes()) {
        Ok(info) => {
            let m = cert::key_matches(&info, k);
            st.local.key_matches_repo_cert = Some(m);
            let (status, verb) = if m { (CheckStatus::Pass, "matches") } else { (CheckStatus::Fail, "does not match") };
            let file = a.certificate_path.as_deref().unwrap_or(&a.path);
            st.push(check("repo_certificate", TITLE, status, format!("the certificate in {file} {verb} this key")));
            if st.s.cert.is_none() {
                let expiry = expiry_check(st, &info, "Certificate validity (repository)");
                st.push(expiry);
                st.certificate = Some(summary(&info, a.path.clone()));
            }
        }
        Err(e) => st.push(check("repo_certificate", TITLE, CheckStatus::Warn, e.to_string())),
    }
}

/// Username against the login host (the org's own answer may replace it later).
pub(super) fn environment(st: &mut State<'_>) {
    let host = st.s.target.login.host_str().unwrap_or_default().to_string();
    let username = st.s.key.username.clone();
    st.local.environment_mismatch =
        endpoint::environment_mismatch(&username, st.local.login_host_is_sandbox, &format!("{host} serves"));
    let c = environment_check(st, format!("{username} at {host}"));
    st.push(c);
}

pub(super) fn environment_check(st: &State<'_>, ok_detail: String) -> Check {
    match &st.local.environment_mismatch {
        Some(m) => check("environment", "Username fits the login host", CheckStatus::Warn, m.clone()),
        None => check("environment", "Username fits the login host", CheckStatus::Pass, ok_detail),
    }
}

/// Expired or close to it is a warning (Salesforce does not enforce expiry for JWT); within
/// --expires-within it fails, so a scheduled pipeline can catch the renewal window.
fn expiry_check(st: &State<'_>, info: &cert::CertInfo, title: &str) -> Check {
    let within = st.s.expires_within.map(|d| d.as_secs() as i64);
    let (mut status, detail) = if info.seconds_left <= 0 {
        (
            CheckStatus::Warn,
            format!(
                "expired on {}; Salesforce does not enforce this for JWT, but rotate it (sfjwt cert rotate)",
                info.not_after
            ),
        )
    } else if info.days_left < 30 || within.is_some_and(|w| info.seconds_left <= w) {
        (CheckStatus::Warn, format!("expires in {} days ({}): rotate it soon", info.days_left, info.not_after))
    } else {
        (CheckStatus::Pass, format!("valid until {} ({} days)", info.not_after, info.days_left))
    };
    if within.is_some_and(|w| info.seconds_left <= w) {
        status = CheckStatus::Fail;
    }
    check("certificate_expiry", title, status, detail)
}
