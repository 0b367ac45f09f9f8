//! The tenant as Microsoft Graph shows it to an admin, in at most two `$batch` requests: the first
//! finds the app registration, its service principal and the scope's resource by id; the second
//! reads what hangs off them by object id (granted application permissions, assigned principals,
//! federated credentials). Each finding is a check; what it confirms is a finding for the verdict.

use base64::Engine;
use serde_json::Value;

use super::{EntraCredential, State, safe};
use crate::diagnose::Cause;
use crate::diagnose::verdict::check;
use crate::entra::graph::{self as g, Batch, Reply};
use crate::record::CheckStatus;

const APP: (&str, &str) = ("entra_app_registration", "App registration in the tenant");
const SP: (&str, &str) = ("entra_service_principal", "Enterprise application (service principal) in the tenant");
const ASSIGN: (&str, &str) = ("entra_assignment", "Assignment required");
const CONSENT: (&str, &str) = ("entra_admin_consent", "Admin-consented application permissions");
const CERT: (&str, &str) = ("entra_certificate_registered", "Certificate uploaded to the app registration");
const FIC: (&str, &str) = ("entra_federated_credential", "Federated credential matching the CI's token");
const ACCESS: (&str, &str) = ("admin_session", "Microsoft Graph admin token");

/// What enables the Graph checks, said wherever they are skipped.
pub const NEEDS: &str = "a Microsoft Graph token with Application.Read.All enables them: --admin-token, SFJWT_ADMIN_TOKEN, or admin_token_env in sfjwt.yaml";

fn skip(st: &mut State<'_>, which: &[(&str, &str)], why: &str) {
    for (id, title) in which {
        st.push(check(id, title, CheckStatus::Skip, why));
    }
}

fn dependants(st: &State<'_>) -> Vec<(&'static str, &'static str)> {
    let own = if st.keyless() { FIC } else { CERT };
    vec![APP, SP, ASSIGN, CONSENT, own]
}

pub(super) fn read(st: &mut State<'_>, client: &reqwest::blocking::Client) {
    let Some(access) = &st.p.graph else {
        st.push(check(
            ACCESS.0,
            ACCESS.1,
            CheckStatus::Skip,
            format!("no admin token: the tenant checks are skipped; {NEEDS}"),
        ));
        skip(st, &dependants(st), "no admin token (see the Microsoft Graph admin token check)");
        return;
    };
    let (origin, token) = (access.origin.clone(), access.token.clone());
    let app_id = g::odata_quote(&st.p.client_id);
    let mut first = vec![
        ("app", format!("/applications?$filter=appId eq '{app_id}'&$select=id,appId,displayName,keyCredentials")),
        (
            "sp",
            format!(
                "/servicePrincipals?$filter=appId eq '{app_id}'&$select=id,appId,displayName,appRoleAssignmentRequired"
            ),
        ),
    ];
    if let Some(filter) = resource_filter(&st.p.scope) {
        first.push(("resource", format!("/servicePrincipals?$filter={filter}&$select=id,appId,displayName,appRoles")));
    }
    let (b1, n) = g::batch(client, &st.p.net, &origin, &token, &first);
    st.graph_requests += n as u32;
    if !usable(st, &b1) {
        return;
    }
    let (app_found, sp_found) = (lookup(b1.get("app")), lookup(b1.get("sp")));
    registration_checks(st, &app_found, &sp_found);
    let (app, sp) = (app_found.value(), sp_found.value());
    let mut second = Vec::new();
    let sp_id = sp.as_ref().and_then(|s| s.get("id")).and_then(Value::as_str).map(str::to_string);
    let app_obj = app.as_ref().and_then(|a| a.get("id")).and_then(Value::as_str).map(str::to_string);
    if let Some(id) = &sp_id {
        second.push(("granted", format!("/servicePrincipals/{id}/appRoleAssignments")));
        second.push(("assigned", format!("/servicePrincipals/{id}/appRoleAssignedTo")));
    }
    if let (Some(id), true) = (&app_obj, st.keyless()) {
        second.push(("fic", format!("/applications/{id}/federatedIdentityCredentials")));
    }
    let b2 = if second.is_empty() {
        Batch::Replies(vec![])
    } else {
        let (b, n) = g::batch(client, &st.p.net, &origin, &token, &second);
        st.graph_requests += n as u32;
        b
    };
    let why = refused_why(&b2);
    match (&sp, why) {
        (Some(sp), None) => {
            assignment(st, sp, b2.get("assigned"));
            consent(st, b2.get("granted"), b1.get("resource"));
        }
        (Some(_), Some(why)) => skip(st, &[ASSIGN, CONSENT], &why),
        (None, _) => match &sp_found {
            Found::Unknown(why) => {
                skip(st, &[ASSIGN, CONSENT], &format!("the service principal could not be read: {why}"))
            }
            _ => skip(st, &[ASSIGN, CONSENT], "no service principal to read"),
        },
    }
    own_credential(st, app.as_ref(), b2.get("fic"));
}

/// `RESOURCE` of `RESOURCE/.default`, when it is safe to put in a filter unencoded.
fn resource(scope: &str) -> Option<String> {
    let r = scope.strip_suffix("/.default")?;
    r.chars().all(|c| c.is_ascii_alphanumeric() || ":/._-".contains(c)).then(|| r.to_string())
}

/// Microsoft Graph's application id, the same in every cloud.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// How to find the scope's resource: Graph (any cloud's host) and an application id by `appId`,
/// anything else by its name in `servicePrincipalNames`.
fn resource_filter(scope: &str) -> Option<String> {
    let r = resource(scope)?;
    let host = r.strip_prefix("https://").map(|h| h.trim_end_matches('/'));
    let graph = ["graph.microsoft.com", "graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"];
    if host.is_some_and(|h| graph.contains(&h)) {
        return Some(format!("appId eq '{GRAPH_APP_ID}'"));
    }
    let guid = r.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12];
    if guid {
        return Some(format!("appId eq '{}'", g::odata_quote(&r)));
    }
    Some(format!("servicePrincipalNames/any(x:x eq '{}')", g::odata_quote(&r)))
}

fn one(r: Option<&Reply>) -> Option<Value> {
    r.filter(|r| r.status == 200).and_then(|r| r.values().into_iter().next())
}

/// A lookup by id as Graph answered it: found, confirmed absent (HTTP 200 with an empty `value`
/// list), or unknown (no answer, a non-200, a duplicate, not a collection) — only a confirmed
/// absence may become a finding.
enum Found {
    Yes(Value),
    No,
    Unknown(String),
}

impl Found {
    fn value(&self) -> Option<Value> {
        match self {
            Found::Yes(v) => Some(v.clone()),
            _ => None,
        }
    }
}

fn lookup(r: Option<&Reply>) -> Found {
    let Some(r) = r else { return Found::Unknown("Graph's batch answer has no response for it".into()) };
    if r.status != 200 {
        return Found::Unknown(said(r));
    }
    match r.body.get("value").and_then(Value::as_array) {
        Some(list) => list.first().cloned().map_or(Found::No, Found::Yes),
        None => Found::Unknown("Graph's answer for it is not a collection".into()),
    }
}

/// The grant in this run succeeded: the tenant has the service principal, whatever Graph says.
fn granted(st: &State<'_>) -> bool {
    st.checks.iter().any(|c| c.id == "grant" && matches!(c.status, CheckStatus::Pass))
}

/// A list Graph says has more pages (`@odata.nextLink`): the doctor reads one page, so what is
/// not on it is unknown, never confirmed missing.
fn paged(r: &Reply) -> bool {
    r.body.get("@odata.nextLink").is_some()
}

/// Why a batch gave nothing to read, in words (None when it did).
fn refused_why(b: &Batch) -> Option<String> {
    match b {
        Batch::Replies(_) => None,
        Batch::NoAnswer(why) => Some(format!("no usable answer from Microsoft Graph: {why}")),
        Batch::Refused(r) => Some(said(r)),
    }
}

fn said(r: &Reply) -> String {
    let (code, message) = r.error().unwrap_or_default();
    if r.status == 0 {
        return format!("Microsoft Graph's batch answer is unusable for it: {}", safe(&message));
    }
    let hint = match (r.status, code.as_str()) {
        (401, _) => "; the admin token is missing, expired or not for Microsoft Graph (its aud must be Graph)",
        (403, _) => {
            "; the admin token lacks Application.Read.All (an admin grants it: API permissions > Microsoft Graph > Application.Read.All > Grant admin consent)"
        }
        _ => "",
    };
    let message = safe(&message);
    format!("Microsoft Graph answered HTTP {} {}: {}{hint}", r.status, safe(&code), message.trim_end_matches('.'))
}

/// The first batch's answer: the token accepted, and the app readable.
fn usable(st: &mut State<'_>, b: &Batch) -> bool {
    let refused = refused_why(b).or_else(|| {
        let app = b.get("app")?;
        (app.status != 200).then(|| said(app))
    });
    match refused {
        Some(why) => {
            st.push(check(ACCESS.0, ACCESS.1, CheckStatus::Warn, why.clone()));
            skip(st, &dependants(st), "Microsoft Graph could not be read (see the admin token check)");
            false
        }
        None => {
            st.push(check(ACCESS.0, ACCESS.1, CheckStatus::Pass, "Microsoft Graph read with JSON batching"));
            true
        }
    }
}

fn name(v: &Value) -> String {
    safe(v.get("displayName").and_then(Value::as_str).unwrap_or("(no name)"))
}

fn registration_checks(st: &mut State<'_>, app: &Found, sp: &Found) {
    let id = st.p.client_id.clone();
    let c = match (app, sp) {
        (Found::Yes(a), _) => {
            check(APP.0, APP.1, CheckStatus::Pass, format!("{} (Application (client) ID {id})", name(a)))
        }
        (Found::Unknown(why), _) => check(APP.0, APP.1, CheckStatus::Skip, format!("could not be read: {why}")),
        (Found::No, Found::Yes(_)) => check(
            APP.0,
            APP.1,
            CheckStatus::Warn,
            "registered in another tenant (a multi-tenant app): its certificates and federated credentials live in its home tenant",
        ),
        (Found::No, Found::Unknown(_)) => check(
            APP.0,
            APP.1,
            CheckStatus::Warn,
            format!(
                "no app registration has Application (client) ID {id} here (its service principal could not be read)"
            ),
        ),
        (Found::No, Found::No) => {
            check(APP.0, APP.1, CheckStatus::Fail, format!("no app registration has Application (client) ID {id}"))
        }
    };
    st.push(c);
    let c = match sp {
        Found::Yes(s) => check(SP.0, SP.1, CheckStatus::Pass, format!("installed: {}", name(s))),
        Found::Unknown(why) => check(SP.0, SP.1, CheckStatus::Skip, format!("could not be read: {why}")),
        Found::No if granted(st) => check(
            SP.0,
            SP.1,
            CheckStatus::Warn,
            "Graph lists no service principal, yet the token request succeeded, which needs one: Graph's answer is not believed",
        ),
        Found::No => {
            let why = format!(
                "no service principal for {id}: the app is not installed in this tenant (Enterprise applications does not list it)"
            );
            st.findings.push((Cause::EntraAppNotInTenant, why.clone()));
            check(SP.0, SP.1, CheckStatus::Fail, why)
        }
    };
    st.push(c);
}

fn assignment(st: &mut State<'_>, sp: &Value, assigned: Option<&Reply>) {
    let required = sp.get("appRoleAssignmentRequired").and_then(Value::as_bool).unwrap_or(false);
    if !required {
        st.push(check(
            ASSIGN.0,
            ASSIGN.1,
            CheckStatus::Pass,
            "No: any user or app in the tenant may get a token for it",
        ));
        return;
    }
    let who: Vec<String> = match assigned.filter(|r| r.status == 200) {
        Some(r) => r
            .values()
            .iter()
            .map(|a| {
                let kind = a.get("principalType").and_then(Value::as_str).unwrap_or("principal");
                format!(
                    "{} ({})",
                    safe(a.get("principalDisplayName").and_then(Value::as_str).unwrap_or("?")),
                    safe(kind)
                )
            })
            .collect(),
        None => vec!["(could not be read)".into()],
    };
    let mut shown = if who.is_empty() { "nobody".to_string() } else { who.join(", ") };
    if assigned.is_some_and(paged) {
        shown.push_str(" and more (Graph has more pages; the doctor reads one)");
    }
    let refused_for_it = st.refusal.as_ref().is_some_and(|r| r.code() == Some(50105));
    if refused_for_it {
        let why = format!("Assignment required is Yes and the sign-in was refused as unassigned; assigned: {shown}");
        st.findings.push((Cause::EntraAssignmentRequired, why.clone()));
        st.push(check(ASSIGN.0, ASSIGN.1, CheckStatus::Fail, why));
        return;
    }
    let detail = format!(
        "Yes; assigned: {shown}. Users, groups and other apps need an assignment to get a token for this app; its own client credentials login is not gated by it"
    );
    st.push(check(ASSIGN.0, ASSIGN.1, CheckStatus::Warn, detail));
}

/// Granted application permissions (app role assignments), named through the resource's appRoles.
fn consent(st: &mut State<'_>, granted: Option<&Reply>, resource: Option<&Reply>) {
    let Some(granted) = granted.filter(|r| r.status == 200 && r.body.get("value").is_some_and(Value::is_array)) else {
        let why = match granted {
            Some(r) if r.status == 200 => "Graph's answer for it is not a collection".into(),
            Some(r) => said(r),
            None => "Graph gave no answer for it".into(),
        };
        st.push(check(CONSENT.0, CONSENT.1, CheckStatus::Skip, why));
        return;
    };
    let res = one(resource);
    let res_id = res.as_ref().and_then(|r| r.get("id")).and_then(Value::as_str).unwrap_or_default().to_string();
    let roles = res.as_ref().and_then(|r| r.get("appRoles")).and_then(Value::as_array).cloned().unwrap_or_default();
    let names: Vec<String> = granted
        .values()
        .iter()
        .filter(|a| res.is_none() || a.get("resourceId").and_then(Value::as_str) == Some(res_id.as_str()))
        .map(|a| {
            let role = a.get("appRoleId").and_then(Value::as_str).unwrap_or_default();
            let named = roles.iter().find(|r| r.get("id").and_then(Value::as_str) == Some(role));
            safe(named.and_then(|r| r.get("value")).and_then(Value::as_str).unwrap_or(role))
        })
        .collect();
    let shown = if names.is_empty() { "none".to_string() } else { names.join(", ") };
    let missing: Vec<&String> = st.p.require_roles.iter().filter(|r| !names.contains(r)).collect();
    let c = if !missing.is_empty() && paged(granted) {
        let list = missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let why = format!(
            "not on the first page of granted permissions: {list}; Graph has more pages (the doctor reads one), so consent is not confirmed missing"
        );
        check(CONSENT.0, CONSENT.1, CheckStatus::Warn, why)
    } else if !missing.is_empty() && res.is_some() {
        let list = missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let why = format!("not granted (admin consent missing): {list}; granted: {shown}");
        st.findings.push((Cause::EntraAdminConsentRequired, why.clone()));
        check(CONSENT.0, CONSENT.1, CheckStatus::Fail, why)
    } else if !missing.is_empty() {
        check(
            CONSENT.0,
            CONSENT.1,
            CheckStatus::Warn,
            format!("granted: {shown} (the scope's resource was not found, so the permissions cannot be named)"),
        )
    } else if names.is_empty() {
        check(
            CONSENT.0,
            CONSENT.1,
            CheckStatus::Warn,
            "none granted: calls needing an application permission will get 403",
        )
    } else {
        check(CONSENT.0, CONSENT.1, CheckStatus::Pass, format!("granted: {shown}"))
    };
    st.push(c);
}

fn own_credential(st: &mut State<'_>, app: Option<&Value>, fic: Option<&Reply>) {
    let which = if st.keyless() { FIC } else { CERT };
    let Some(app) = app else {
        st.push(check(which.0, which.1, CheckStatus::Skip, "no app registration in this tenant to read"));
        return;
    };
    match &st.p.credential {
        EntraCredential::Certificate { .. } => certificate(st, app),
        EntraCredential::Oidc { .. } => federated(st, fic),
    }
}

/// The SHA-1 thumbprint of a keyCredential: customKeyIdentifier is Binary (base64 in JSON); a
/// 40-hex-digit form is read too.
fn thumbprint_of(k: &Value) -> Option<String> {
    let v = k.get("customKeyIdentifier").and_then(Value::as_str)?.trim();
    let bytes = if v.len() == 40 && v.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(v.to_ascii_uppercase());
    } else {
        base64::engine::general_purpose::STANDARD.decode(v).ok()?
    };
    Some(bytes.iter().map(|b| format!("{b:02X}")).collect())
}

fn certificate(st: &mut State<'_>, app: &Value) {
    let Some(info) = &st.cert else {
        st.push(check(CERT.0, CERT.1, CheckStatus::Skip, "the certificate could not be read"));
        return;
    };
    let ours = info.sha1_fingerprint.replace(':', "").to_ascii_uppercase();
    let keys = app.get("keyCredentials").and_then(Value::as_array).cloned().unwrap_or_default();
    // Graph and the portal list SHA-1 thumbprints; Entra's AADSTS700027 quotes the header's
    // (SHA-256 for sfjwt's x5t#S256): both are printed, each labelled, so either compares.
    let sha256 = info.sha256_fingerprint.replace(':', "").to_ascii_uppercase();
    let label =
        |why: String| format!("{why}; its SHA-256 thumbprint (x5t#S256, as Entra's answers quote it): {sha256}");
    match registered(&keys, &ours, time::OffsetDateTime::now_utc()) {
        Ok(()) => st.push(check(
            CERT.0,
            CERT.1,
            CheckStatus::Pass,
            label(format!("SHA-1 thumbprint {ours} (as the portal lists it) is uploaded and not expired")),
        )),
        Err((cause, why)) => {
            let why = label(why);
            st.findings.push((cause, why.clone()));
            st.push(check(CERT.0, CERT.1, CheckStatus::Fail, why));
        }
    }
}

/// Our thumbprint among the app's keyCredentials, and not past its endDateTime (an expired key
/// is refused too: AADSTS1000502, AzureAD/microsoft-identity-web #2840). `Err` names the cause.
fn registered(keys: &[Value], ours: &str, now: time::OffsetDateTime) -> Result<(), (Cause, String)> {
    let Some(k) = keys.iter().find(|k| thumbprint_of(k).as_deref() == Some(ours)) else {
        let listed: Vec<String> = keys.iter().filter_map(thumbprint_of).collect();
        let shown = if listed.is_empty() { "none".to_string() } else { listed.join(", ") };
        let why = format!(
            "SHA-1 thumbprint {ours} is not among the app's certificates (SHA-1, as the portal lists them: {shown})"
        );
        return Err((Cause::EntraCertificateNotRegistered, why));
    };
    let end = k.get("endDateTime").and_then(Value::as_str).unwrap_or_default();
    let expired =
        time::OffsetDateTime::parse(end, &time::format_description::well_known::Rfc3339).is_ok_and(|t| t <= now);
    if expired {
        let why = format!(
            "SHA-1 thumbprint {ours} is uploaded, but that credential expired ({}): upload a renewed certificate",
            safe(end)
        );
        return Err((Cause::EntraCertificateExpired, why));
    }
    Ok(())
}

/// Entra matches issuer, subject and audience exactly, case included (entra.md §2).
fn federated(st: &mut State<'_>, fic: Option<&Reply>) {
    let Some(reply) = fic.filter(|r| r.status == 200) else {
        let why = fic.map(said).unwrap_or_else(|| "Graph gave no answer for it".into());
        st.push(check(FIC.0, FIC.1, CheckStatus::Skip, why));
        return;
    };
    let Some(claims) = st.oidc.clone() else {
        st.push(check(FIC.0, FIC.1, CheckStatus::Skip, "the CI's token claims could not be read"));
        return;
    };
    let creds = reply.values();
    let mut best: Option<(usize, Vec<String>, String)> = None;
    for c in &creds {
        let (score, diffs) = compare(c, &claims);
        let cname = safe(c.get("name").and_then(Value::as_str).unwrap_or("(unnamed)"));
        if diffs.is_empty() {
            st.push(check(
                FIC.0,
                FIC.1,
                CheckStatus::Pass,
                format!("{cname} matches the token's issuer, subject and audience"),
            ));
            return;
        }
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, diffs, cname));
        }
    }
    if paged(reply) {
        let why = "no federated credential on the first page matches; Graph has more pages (the doctor reads one), so a mismatch is not confirmed";
        st.push(check(FIC.0, FIC.1, CheckStatus::Warn, why));
        return;
    }
    let why = match best {
        None => "the app has no federated credentials".to_string(),
        Some((_, diffs, cname)) => {
            format!("no federated credential matches; closest, {cname}, differs in {}", diffs.join("; "))
        }
    };
    st.findings.push((Cause::EntraFederatedCredentialMismatch, why.clone()));
    st.push(check(FIC.0, FIC.1, CheckStatus::Fail, why));
}

/// How many of issuer, subject, audience match, and each that does not, said with both values.
fn compare(c: &Value, t: &crate::credentials::oidc::OidcClaims) -> (usize, Vec<String>) {
    let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let auds: Vec<String> = c
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut diffs = Vec::new();
    for (what, theirs, ours) in [
        ("issuer", field("issuer"), t.iss.clone().unwrap_or_default()),
        ("subject", field("subject"), t.sub.clone().unwrap_or_default()),
    ] {
        if theirs != ours {
            let case = if theirs.eq_ignore_ascii_case(&ours) { " (only in case: Entra compares exactly)" } else { "" };
            diffs.push(format!("{what}: the token has {:?}, the credential {:?}{case}", safe(&ours), safe(&theirs)));
        }
    }
    if !t.aud.iter().any(|a| auds.contains(a)) {
        diffs.push(format!(
            "audience: the token has {:?}, the credential {:?}",
            safe(&t.aud.join(" ")),
            safe(&auds.join(" "))
        ));
    }
    (3 - diffs.len(), diffs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thumbprints_read_base64_and_hex() {
        let b64 = json!({"customKeyIdentifier": "ZEPpP/+KJe2fVDBNaPNOTDoJMac="});
        assert_eq!(thumbprint_of(&b64).unwrap(), "6443E93FFF8A25ED9F54304D68F34E4C3A0931A7");
        let hex = json!({"customKeyIdentifier": "6443e93fff8a25ed9f54304d68f34e4c3a0931a7"});
        assert_eq!(thumbprint_of(&hex).unwrap(), "6443E93FFF8A25ED9F54304D68F34E4C3A0931A7");
        assert_eq!(thumbprint_of(&json!({})), None);
    }

    #[test]
    fn a_key_credential_past_its_end_date_is_expired_not_unregistered() {
        use time::format_description::well_known::Rfc3339;
        let now = time::OffsetDateTime::now_utc();
        let at = |d: time::Duration| (now + d).format(&Rfc3339).unwrap();
        let ours = "6443E93FFF8A25ED9F54304D68F34E4C3A0931A7";
        let key = |end: String| json!({"customKeyIdentifier": "ZEPpP/+KJe2fVDBNaPNOTDoJMac=", "endDateTime": end});
        assert_eq!(registered(&[key(at(time::Duration::days(1)))], ours, now), Ok(()));
        let (cause, e) = registered(&[key(at(-time::Duration::days(1)))], ours, now).unwrap_err();
        assert_eq!(cause, Cause::EntraCertificateExpired);
        assert!(e.contains("uploaded, but that credential expired"), "{e}");
        let (cause, e) = registered(&[json!({"customKeyIdentifier": "aGVsbG8="})], ours, now).unwrap_err();
        assert_eq!(cause, Cause::EntraCertificateNotRegistered);
        assert!(e.contains("not among the app's certificates (SHA-1, as the portal lists them: 68656C6C6F)"), "{e}");
    }

    #[test]
    fn federated_credentials_compare_exactly_and_name_the_field() {
        let t = crate::credentials::oidc::OidcClaims {
            iss: Some("https://token.actions.githubusercontent.com".into()),
            sub: Some("repo:Acme/app:ref:refs/heads/main".into()),
            aud: vec!["api://AzureADTokenExchange".into()],
            ..Default::default()
        };
        let c = json!({"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:acme/app:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]});
        let (score, diffs) = compare(&c, &t);
        assert_eq!(score, 2);
        assert!(diffs[0].starts_with("subject:") && diffs[0].contains("only in case"), "{diffs:?}");
        assert!(resource("a'b/.default").is_none());
        let f = |s: &str| resource_filter(s).unwrap();
        assert_eq!(f("https://graph.microsoft.us/.default"), format!("appId eq '{GRAPH_APP_ID}'"));
        assert_eq!(f("api://ci-api/.default"), "servicePrincipalNames/any(x:x eq 'api://ci-api')");
    }
}
