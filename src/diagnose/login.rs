//! What `login` knows besides the refusal text — the host, the audience, the username, the TLS
//! error — and the check after the grant: how each sharpens or corrects the verdict.

use super::{Cause, Confidence, Diagnosis};
use crate::login::endpoint;
use crate::net::FailureKind;

/// The login as it was made.
pub struct LoginContext<'a> {
    pub host: &'a str,
    pub username: &'a str,
    /// The audience of the attempt that gave the verdict.
    pub audience: &'a str,
    /// The audience this host gets when the user names none.
    pub default_audience: &'a str,
    /// Another audience was refused as invalid first: the org accepted this one.
    pub audience_settled: bool,
}

impl<'a> LoginContext<'a> {
    /// The context of a refusal read from the grant's attempts; `audience` is the attempt's whose
    /// refusal is being read (each caller knows which).
    pub fn new(
        login: &'a url::Url,
        username: &'a str,
        audience: &'a str,
        attempts: &[crate::login::grant::Attempt],
    ) -> LoginContext<'a> {
        LoginContext {
            host: login.host_str().unwrap_or_default(),
            username,
            audience,
            default_audience: endpoint::default_audience(login),
            audience_settled: audience_settled_by(attempts),
        }
    }
}

/// Whether an attempt before the last was refused for its audience (so the last one's was right).
fn audience_settled_by(attempts: &[crate::login::grant::Attempt]) -> bool {
    let n = attempts.len();
    attempts.iter().take(n.saturating_sub(1)).any(|a| {
        let (e, d) = (a.error.as_deref().unwrap_or_default(), a.error_description.as_deref().unwrap_or_default());
        crate::login::grant::is_audience_refusal(e, d)
    })
}

fn is_generic_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "login.salesforce.com" || h == "test.salesforce.com"
}

/// Host-aware corrections of the text's reading (docs/evidence.md#app-not-found, docs/causes.md#wrong_environment).
pub fn refine(mut d: Diagnosis, ctx: &LoginContext<'_>) -> Diagnosis {
    if d.cause == Cause::MyDomainRequired && !is_generic_host(ctx.host) {
        // Already through a My Domain: the My Domain fix is spent, the app is likely absent.
        let mut evidence = std::mem::take(&mut d.evidence);
        evidence.push(format!(
            "the login already went through {}, not login/test.salesforce.com: the app is likely not in this org",
            ctx.host
        ));
        d = Diagnosis::new(Cause::AppNotInstalled, Confidence::Likely, evidence)
            .with_candidates(&[(Cause::ClientIdUnknown, Confidence::Possible)]);
    } else if d.cause == Cause::MyDomainRequired {
        d.fix = Some(format!(
            "--login-url https://<your-domain>.my.salesforce.com   (instead of {}; it becomes the audience too)",
            ctx.host
        ));
    }
    if d.cause == Cause::UserNotPreauthorized && ctx.audience != ctx.default_audience && !ctx.audience_settled {
        d.evidence.push(format!(
            "the audience {} is not {}'s own ({}): a wrong aud also gives this refusal",
            ctx.audience, ctx.host, ctx.default_audience
        ));
        d = d.with_candidates(&[(Cause::AudienceInvalid, Confidence::Possible)]);
    }
    username_hint(d, ctx)
}

/// The username's suffix is a hint, never a verdict: sandboxes suffix only users copied from
/// production, and `.dev` or `.com.br` are ordinary domains (docs/causes.md#wrong_environment).
fn username_hint(mut d: Diagnosis, ctx: &LoginContext<'_>) -> Diagnosis {
    // The audience the org accepted says more than a host that is an IP address or a proxy.
    let by_audience = ctx.audience == endpoint::TEST;
    let sandbox = endpoint::is_sandbox_host(ctx.host) || by_audience;
    let place = if by_audience {
        "the accepted audience (test.salesforce.com) means".to_string()
    } else {
        format!("{} serves", ctx.host)
    };
    let relevant = d
        .candidates
        .iter()
        .any(|c| matches!(c.cause, Cause::WrongEnvironment | Cause::UserNotPreauthorized | Cause::UserUnknown));
    if relevant && let Some(h) = endpoint::environment_mismatch(ctx.username, sandbox, &place) {
        d.evidence.push(format!("hint only: {h}"));
        d = d.with_candidates(&[(Cause::WrongEnvironment, Confidence::Possible)]);
    }
    d
}

/// One line telling what to do about a TLS failure, from the error's own words.
pub fn tls_help(detail: &str) -> &'static str {
    if detail.to_lowercase().contains("name") || detail.contains("NotValidForName") {
        "the certificate is not valid for this host name: check --login-url"
    } else {
        "unknown certificate authority? If a proxy inspects TLS, pass its CA with --ca-file (or SFJWT_CA_FILE, SSL_CERT_FILE)"
    }
}

/// Whether a session was for a sandbox: the org's answer outranks the hosts (docs/causes.md#wrong_environment).
pub fn is_sandbox(org_says: Option<bool>, login_host: &str, instance_host: &str, audience: &str) -> bool {
    org_says.unwrap_or_else(|| {
        audience == endpoint::TEST || endpoint::is_sandbox_host(login_host) || endpoint::is_sandbox_host(instance_host)
    })
}

/// What the first REST call's refusal after a successful grant says (salesforce.md §7.2), read
/// with the same wording table as the token endpoint's refusals and `explain`.
#[derive(Debug, PartialEq)]
pub enum SessionReading {
    /// The session cannot use the API: causes, most likely first.
    Unusable(Vec<(Cause, Confidence)>),
    /// A transient condition on Salesforce's side: the login stands (a warning says so).
    Transient,
    /// Nothing sfjwt can read: the login stands.
    Inconclusive,
}

pub fn from_session_refusal(code: &str, message: &str) -> SessionReading {
    let Some(w) = super::wordings::find(code, message) else { return SessionReading::Inconclusive };
    let mut ranked = super::wordings::ranked(w);
    match w.id {
        // API_CURRENTLY_DISABLED without "API is disabled for this User": temporarily
        // unavailable, officially; never revoke a good token for it (issue 23 §2).
        "api-currently-disabled" => return SessionReading::Transient,
        // The org itself said it of this session: no reading of text is needed.
        "api-disabled-user" | "api-disabled-org" => ranked[0].1 = Confidence::Confirmed,
        _ => {}
    }
    if ranked[0].0 == Cause::Unknown { SessionReading::Inconclusive } else { SessionReading::Unusable(ranked) }
}

/// The check after the grant, read: the report's check, a warning when it says nothing either
/// way, and the diagnosis when the session cannot use the API. `host` names where the grant was
/// made, for the evidence (doctor's report names it elsewhere).
pub struct SessionVerdict {
    pub check: crate::record::Check,
    pub warning: Option<String>,
    pub diagnosis: Option<Diagnosis>,
}

pub fn assess_session(result: crate::login::session::SessionCheck, host: Option<&str>) -> SessionVerdict {
    use crate::login::session::SessionCheck;
    use crate::record::{Check, CheckStatus};
    let check = |status, detail: String| Check {
        id: "session".into(),
        title: "Session works after the grant".into(),
        status,
        detail,
    };
    let (code, message, detail) = match result {
        SessionCheck::Works => {
            let c = check(CheckStatus::Pass, "the session read the user's own record over REST".into());
            return SessionVerdict { check: c, warning: None, diagnosis: None };
        }
        SessionCheck::Inconclusive(why) => {
            let warning = format!("could not check the session after the grant ({why}); the login stands");
            let c = check(CheckStatus::Warn, format!("inconclusive: {why}"));
            return SessionVerdict { check: c, warning: Some(warning), diagnosis: None };
        }
        SessionCheck::Refused { status, code, message } => {
            let detail = format!("HTTP {status} {code}: {message}");
            (code, message, detail)
        }
    };
    let ranked = match from_session_refusal(&code, &message) {
        SessionReading::Unusable(ranked) => ranked,
        SessionReading::Transient => {
            let warning = format!(
                "the first REST call was refused ({detail}): Salesforce's code for \"API functionality is temporarily unavailable\"; the login stands, retry API calls later"
            );
            let c = check(CheckStatus::Warn, format!("transient: {detail}"));
            return SessionVerdict { check: c, warning: Some(warning), diagnosis: None };
        }
        SessionReading::Inconclusive => {
            let warning = format!("the first REST call was refused ({detail}); the login stands");
            let c = check(CheckStatus::Warn, format!("inconclusive: {detail}"));
            return SessionVerdict { check: c, warning: Some(warning), diagnosis: None };
        }
    };
    let at = host.map(|h| format!(" at {h}")).unwrap_or_default();
    let evidence = vec![
        format!("the grant itself succeeded{at} (a token was issued; sfjwt then revoked it, best effort)"),
        format!("the first REST call was refused: {detail}"),
    ];
    SessionVerdict {
        check: check(CheckStatus::Fail, detail),
        warning: None,
        diagnosis: Some(Diagnosis::new(ranked[0].0, ranked[0].1, evidence).with_candidates(&ranked[1..])),
    }
}

/// The cause of a failure with no usable answer.
pub fn from_failure(failure: FailureKind) -> Cause {
    if failure == FailureKind::Tls { Cause::TlsError } else { Cause::NetworkError }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// INVALID_SESSION_ID after a grant has several resolved causes (issue 23 §2): candidates,
    /// none confident; API_CURRENTLY_DISABLED alone is transient; only the user text confirms.
    #[test]
    fn session_refusals_read_with_the_wording_table() {
        let SessionReading::Unusable(r) =
            from_session_refusal("INVALID_SESSION_ID", "This session is not valid for use with the REST API")
        else {
            panic!("unusable")
        };
        assert!(r.iter().all(|(_, c)| *c == Confidence::Possible), "{r:?}");
        assert!(
            r.iter().any(|(c, _)| *c == Cause::IpRestricted)
                && r.iter().any(|(c, _)| *c == Cause::HighAssuranceRequired)
        );
        let SessionReading::Unusable(r) = from_session_refusal("INVALID_SESSION_ID", "Session expired or invalid")
        else {
            panic!("unusable")
        };
        assert!(r.iter().all(|(_, c)| *c == Confidence::Possible), "{r:?}");
        assert_eq!(from_session_refusal("API_CURRENTLY_DISABLED", "try later"), SessionReading::Transient);
        assert_eq!(
            from_session_refusal("API_CURRENTLY_DISABLED", "API is disabled for this User"),
            SessionReading::Unusable(vec![(Cause::ApiDisabledForUser, Confidence::Confirmed)])
        );
        let SessionReading::Unusable(r) = from_session_refusal(
            "INVALID_OPERATION_WITH_EXPIRED_PASSWORD",
            "The users password has expired, you must call SetPassword before attempting any other API operations",
        ) else {
            panic!("unusable")
        };
        assert_eq!(r[0], (Cause::PasswordExpired, Confidence::Likely));
        assert_eq!(from_session_refusal("SOMETHING_ELSE", "no idea"), SessionReading::Inconclusive);
    }

    fn ctx<'a>(host: &'a str, username: &'a str) -> LoginContext<'a> {
        LoginContext {
            host,
            username,
            audience: endpoint::LOGIN,
            default_audience: endpoint::LOGIN,
            audience_settled: false,
        }
    }

    #[test]
    fn a_username_suffix_never_decides() {
        for user in ["ci@acme.com.dev", "ci@acme.com.br", "ci@acme.co.nz", "ci@acme.com.uat"] {
            let d = super::super::from_refusal("invalid_grant", "user hasn't approved this consumer", vec![]);
            let d = refine(d, &ctx("login.salesforce.com", user));
            assert_eq!(d.cause, Cause::UserNotPreauthorized, "{user}");
            assert!(
                d.candidates.iter().all(|c| c.cause != Cause::WrongEnvironment || c.confidence == Confidence::Possible),
                "{user}"
            );
        }
    }

    #[test]
    fn app_not_found_on_login_host_points_to_my_domain() {
        let d = super::super::from_refusal("app_not_found", "External client app is not installed in this org", vec![]);
        let on_login = refine(d.clone(), &ctx("login.salesforce.com", "ci@acme.com"));
        assert_eq!(on_login.cause, Cause::MyDomainRequired);
        assert!(on_login.fix.as_deref().is_some_and(|f| f.contains("--login-url https://")));
        let on_my_domain = refine(d, &ctx("acme.my.salesforce.com", "ci@acme.com"));
        assert_eq!(on_my_domain.cause, Cause::AppNotInstalled);
    }
}
