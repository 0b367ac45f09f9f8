//! POST /services/oauth2/token for the JWT bearer grant. Checks run in the order documented in
//! the README; every refusal text comes from the error catalogue (salesforce.md §2).

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{Value, json};

use crate::org::{Org, ip_allowed};
use crate::scenario::{
    AppKind, AudienceText, Blocked, Inactive, IpRelaxation, IpText, NotPreauthorized, Permission, PermittedUsers,
    Uninstalled,
};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const LOGIN: &str = "https://login.salesforce.com";
const TEST: &str = "https://test.salesforce.com";

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

fn refuse(error: &str, description: &str) -> Answer {
    Answer { status: 400, body: json!({ "error": error, "error_description": description }) }
}

pub fn hasnt_approved() -> Answer {
    refuse("invalid_grant", "user hasn't approved this consumer")
}

/// Handles one token request. `own_url` is the emulator's URL, which plays the org's My Domain.
pub fn token(org: &Org, form: &HashMap<String, String>, client: IpAddr, own_url: &str) -> Answer {
    // 1. grant type
    if form.get("grant_type").map(String::as_str) != Some(GRANT_TYPE) {
        return refuse("unsupported_grant_type", "grant type not supported");
    }
    // 2. a well-formed RS256 assertion
    let Some(assertion) = form.get("assertion").and_then(|a| crate::jwt::parse(a).ok()) else {
        return refuse("invalid_grant", "invalid assertion");
    };
    // 3. the org itself
    if org.inactive {
        return refuse("inactive_org", "Org is locked, closed, or suspended");
    }
    // 4. the issuer names a known app, propagated by now
    let app = assertion.str_claim("iss").and_then(|iss| org.apps.iter().find(|a| a.consumer_key == iss));
    let Some(app) = app.filter(|a| org.started.elapsed().as_secs() >= a.propagation_delay) else {
        return refuse("invalid_client_id", "client identifier invalid");
    };
    let user = assertion.subject().and_then(|s| org.user_by_name(s));
    let log = |status: &str| {
        if let Some(u) = user {
            org.record_login(&u.id, status, &app.name);
        }
    };
    // 5. the app is installed (and not blocked)
    // "Use Any API Client" no longer bypasses this since December 2025 (Salesforce knowledge
    // article 005228838, as reported); it still bypasses Permitted Users (step 10).
    let bypass_uninstalled = user.is_some_and(|u| {
        org.has_permission(u, Permission::ApproveUninstalledApps) || app.approved_user_ids.contains(&u.id)
    });
    if app.kind == AppKind::ExternalClientApp && !app.installed {
        log("Failed: App not installed");
        return refuse("app_not_found", "External client app is not installed in this org");
    }
    if app.kind == AppKind::ConnectedApp && !app.installed && !bypass_uninstalled {
        log("Failed: App not installed");
        return match org.behaviour.uninstalled_connected_app_error {
            Uninstalled::AppMustBeInstalled => refuse("invalid_client", "app must be installed into org"),
            Uninstalled::HasntApproved => hasnt_approved(),
            Uninstalled::ApprovalErrorGeneric => {
                refuse("OAUTH_APPROVAL_ERROR_GENERIC", "An unexpected error has occured during authentication.")
            }
        };
    }
    if app.blocked {
        log("Failed: App blocked");
        return match org.behaviour.blocked_app_error {
            Blocked::OauthAppBlocked => refuse("OAUTH_APP_BLOCKED", "this app is blocked by admin"),
            Blocked::HasntApproved => hasnt_approved(),
        };
    }
    // 6. the audience this host accepts
    let own = own_url.trim_end_matches('/');
    let auds = assertion.audiences();
    let classic = if org.sandbox { TEST } else { LOGIN };
    // Through login/test.salesforce.com an External Client App that wants its My Domain is not
    // found, whatever the audience (salesforce.md §7.3: forcedotcom/cli #3482, n8n #28990).
    let generic_host = own.ends_with("://login.salesforce.com") || own.ends_with("://test.salesforce.com");
    if org.my_domain_audience && generic_host && app.kind == AppKind::ExternalClientApp {
        log("Failed: App not found through the generic login host");
        return refuse("app_not_found", "External client app is not installed in this org");
    }
    if org.my_domain_audience {
        if !auds.iter().any(|a| a == own) {
            log("Failed: Audience invalid");
            if app.kind == AppKind::ExternalClientApp && auds.iter().any(|a| a == LOGIN || a == TEST) {
                return refuse("app_not_found", "External client app is not installed in this org");
            }
            return audience_refusal(org);
        }
    } else if !auds.iter().any(|a| a == classic) {
        log("Failed: Audience invalid");
        return audience_refusal(org);
    }
    // 7. not expired (beyond a small skew); no upper bound
    let now = org.now().unix_timestamp();
    match assertion.exp() {
        Some(exp) if exp >= now - org.exp_skew => {}
        Some(_) => {
            log("Failed: Assertion expired");
            return refuse("invalid_grant", "expired authorization code");
        }
        None => {
            log("Failed: Invalid assertion");
            return refuse("invalid_grant", "invalid assertion");
        }
    }
    // 8. the signature verifies against the app's certificate
    if !assertion.verifies_with(&app.public_key) {
        log("Failed: Invalid assertion");
        return refuse("invalid_grant", "invalid assertion");
    }
    // 9. the user exists and may log in
    let Some(user) = user else {
        return hasnt_approved();
    };
    if !user.active || user.frozen {
        log(if user.frozen { "Failed: User is frozen" } else { "Failed: User is inactive" });
        return match org.behaviour.inactive_user_error {
            Inactive::InvalidGrant => refuse("invalid_grant", "inactive user"),
            Inactive::InactiveUser => refuse("inactive_user", "User is inactive"),
        };
    }
    // 10. the app's Permitted Users policy lets this user in
    let any_client = org.has_permission(user, Permission::UseAnyApiClient);
    match app.permitted {
        PermittedUsers::AllSelfAuthorize if !app.approved_user_ids.contains(&user.id) && !any_client => {
            log("Failed: Not approved for access");
            return hasnt_approved();
        }
        PermittedUsers::AdminApprovedPreauthorized if !org.preauthorized(user, app) && !any_client => {
            log("Failed: Not approved for access");
            return match org.behaviour.not_preauthorized_error {
                NotPreauthorized::HasntApproved => hasnt_approved(),
                NotPreauthorized::InvalidAppAccess => {
                    refuse("invalid_app_access", "user is not admin approved to access this app")
                }
            };
        }
        _ => {}
    }
    // 11. high assurance: JWT has no step-up. No token-endpoint wording is observed; the one
    // public case is a granted session that REST refuses (salesforce.md §7.2), so it is issued
    // below with that refusal attached.
    // 12. login IP ranges, unless the app relaxes them
    let profile = org.profile(&user.profile_id);
    if app.ip_relaxation == IpRelaxation::Enforce && profile.is_some_and(|p| !ip_allowed(&p.ip_ranges, client)) {
        log("Restricted IP");
        return match org.behaviour.ip_restricted_error {
            IpText::IpRestricted => refuse("invalid_grant", "ip restricted"),
            IpText::IpRestrictedOrInvalidLoginHours => refuse("invalid_grant", "IP restricted or invalid login hours"),
        };
    }
    // 13. usable scopes
    if !app.scopes.iter().any(|s| s == "api" || s == "full") {
        log("Failed: No valid scopes");
        return refuse("invalid_grant", "no valid scopes defined");
    }
    // 14. login rate
    let mut state = match org.state.lock() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    };
    let count = state.grants_per_user.entry(user.id.clone()).or_default();
    *count += 1;
    if org.login_rate_limit.is_some_and(|limit| *count > limit) {
        drop(state);
        log("Failed: Login rate exceeded");
        return refuse("rate_limit_exceeded", "Number of logins exceeded");
    }
    let token = access_token(org, app.jwt_access_tokens, &user.id);
    let profile_high_assurance = org.profile(&user.profile_id).is_some_and(|p| p.high_assurance);
    let rest_refusal = if app.high_assurance || profile_high_assurance {
        Some(crate::org::HIGH_ASSURANCE_REST)
    } else if !org.api_enabled {
        Some(crate::org::ORG_API_DISABLED)
    } else if !user.api_enabled {
        Some(crate::org::USER_API_DISABLED)
    } else if org.api_temporarily_unavailable {
        Some(crate::org::API_TEMPORARILY_UNAVAILABLE)
    } else {
        None
    };
    state.tokens.insert(token.clone(), crate::org::IssuedToken { user_id: user.id.clone(), rest_refusal });
    drop(state);
    log("Success");

    let mut body = json!({
        "access_token": token,
        "instance_url": own,
        "id": format!("{own}/id/{}/{}", org.id, user.id),
        "token_type": "Bearer",
        "scope": app.scopes.join(" "),
    });
    if org.behaviour.issued_at {
        body["issued_at"] = Value::String((org.now().unix_timestamp() * 1000).to_string());
        body["signature"] = Value::String(random_b64(32));
    }
    Answer { status: 200, body }
}

fn audience_refusal(org: &Org) -> Answer {
    match org.behaviour.audience_error {
        AudienceText::AudienceIsInvalid => refuse("invalid_grant", "audience is invalid"),
        AudienceText::AudienceValidationFailed => refuse("invalid_grant", "Audience validation failed"),
    }
}

/// Session Settings' default timeout (2 hours): a JWT-based access token's `exp`.
const SESSION_TIMEOUT_SECS: i64 = 2 * 3600;

/// Opaque tokens look like Salesforce's `00D…!…`; JWT-format ones are three base64url parts.
pub fn access_token(org: &Org, jwt_format: bool, user_id: &str) -> String {
    if jwt_format {
        let enc = |v: Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.{}",
            enc(json!({"alg": "RS256", "typ": "JWT"})),
            enc(json!({
                "sub": user_id,
                "org": org.id,
                "nonce": random_b64(12),
                "iat": org.now().unix_timestamp(),
                // Salesforce's JWT-based access tokens carry `exp` (help.salesforce.com,
                // xcloud.jwt_access_tokens.htm); the default session timeout, 2 hours.
                "exp": org.now().unix_timestamp() + SESSION_TIMEOUT_SECS,
            })),
            random_b64(64)
        )
    } else {
        format!("{}!{}", &org.id[..15], random_alnum(96))
    }
}

pub fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    let mut bytes = vec![0u8; n];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes.iter().map(|b| CHARS[(*b as usize) % CHARS.len()] as char).collect()
}

fn random_b64(n: usize) -> String {
    use base64::Engine;
    let mut bytes = vec![0u8; n];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
