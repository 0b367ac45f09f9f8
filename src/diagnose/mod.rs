//! Why a grant failed: the cause vocabulary, and a verdict from the token endpoint's answers.
//! Org data and repository metadata (when available) refine this; see `doctor`.

pub mod keyless;
pub mod verdict;

use serde::Serialize;

use crate::login::grant::Attempt;

/// The fixed vocabulary of `diagnosis.cause` (a promise to pipelines: extend, never rename).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    None,
    UserNotPreauthorized,
    UserNotApproved,
    AppNotInstalled,
    AppBlocked,
    ClientIdUnknown,
    CertificateMismatch,
    AudienceInvalid,
    WrongEnvironment,
    AssertionExpired,
    UserUnknown,
    UserInactive,
    OrgInactive,
    IpRestricted,
    HighAssuranceRequired,
    NoValidScopes,
    RateLimited,
    UnsupportedGrantType,
    InvalidKey,
    NetworkError,
    TlsError,
    Unknown,
    // Keyless login (token exchange), issue 17.
    ExchangeHandlerMissing,
    ExchangeTokenRejected,
    ExchangeNotEnabled,
    OidcTokenUnavailable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Org data or a local proof.
    Confirmed,
    /// The error text alone.
    Likely,
    Possible,
}

impl Confidence {
    /// The snake_case name used in reports.
    pub fn id(self) -> &'static str {
        match self {
            Confidence::Confirmed => "confirmed",
            Confidence::Likely => "likely",
            Confidence::Possible => "possible",
        }
    }
}

impl Cause {
    /// The snake_case name used in reports and as the docs/causes.md anchor.
    pub fn id(self) -> &'static str {
        match self {
            Cause::None => "none",
            Cause::UserNotPreauthorized => "user_not_preauthorized",
            Cause::UserNotApproved => "user_not_approved",
            Cause::AppNotInstalled => "app_not_installed",
            Cause::AppBlocked => "app_blocked",
            Cause::ClientIdUnknown => "client_id_unknown",
            Cause::CertificateMismatch => "certificate_mismatch",
            Cause::AudienceInvalid => "audience_invalid",
            Cause::WrongEnvironment => "wrong_environment",
            Cause::AssertionExpired => "assertion_expired",
            Cause::UserUnknown => "user_unknown",
            Cause::UserInactive => "user_inactive",
            Cause::OrgInactive => "org_inactive",
            Cause::IpRestricted => "ip_restricted",
            Cause::HighAssuranceRequired => "high_assurance_required",
            Cause::NoValidScopes => "no_valid_scopes",
            Cause::RateLimited => "rate_limited",
            Cause::UnsupportedGrantType => "unsupported_grant_type",
            Cause::InvalidKey => "invalid_key",
            Cause::NetworkError => "network_error",
            Cause::TlsError => "tls_error",
            Cause::Unknown => "unknown",
            Cause::ExchangeHandlerMissing => "exchange_handler_missing",
            Cause::ExchangeTokenRejected => "exchange_token_rejected",
            Cause::ExchangeNotEnabled => "exchange_not_enabled",
            Cause::OidcTokenUnavailable => "oidc_token_unavailable",
        }
    }

    pub const ALL: [Cause; 26] = [
        Cause::None,
        Cause::UserNotPreauthorized,
        Cause::UserNotApproved,
        Cause::AppNotInstalled,
        Cause::AppBlocked,
        Cause::ClientIdUnknown,
        Cause::CertificateMismatch,
        Cause::AudienceInvalid,
        Cause::WrongEnvironment,
        Cause::AssertionExpired,
        Cause::UserUnknown,
        Cause::UserInactive,
        Cause::OrgInactive,
        Cause::IpRestricted,
        Cause::HighAssuranceRequired,
        Cause::NoValidScopes,
        Cause::RateLimited,
        Cause::UnsupportedGrantType,
        Cause::InvalidKey,
        Cause::NetworkError,
        Cause::TlsError,
        Cause::Unknown,
        Cause::ExchangeHandlerMissing,
        Cause::ExchangeTokenRejected,
        Cause::ExchangeNotEnabled,
        Cause::OidcTokenUnavailable,
    ];

    /// What to do, in the words of Salesforce Setup.
    pub fn remediation(self) -> &'static [&'static str] {
        match self {
            Cause::None => &[],
            Cause::UserNotPreauthorized => &[
                "App Manager > the app > Manage > Edit Policies > Permitted Users: \"Admin approved users are pre-authorized\" (External Client App: Policies > OAuth Policies > Permitted Users).",
                "Then Manage Profiles or Manage Permission Sets on the app, and add a profile or permission set the CI user holds; or assign the user a permission set already on the app's list.",
                "A user with the \"Use Any API Client\" permission bypasses this check.",
            ],
            Cause::UserNotApproved => &[
                "The app lets users self-authorize, and this user never approved it. JWT has no consent screen: switch Permitted Users to \"Admin approved users are pre-authorized\" and add the user's profile or a permission set.",
                "Or log in once as the user through the web flow (/services/oauth2/authorize?response_type=code&client_id=…) to approve the app.",
            ],
            Cause::AppNotInstalled => &[
                "Setup > Connected Apps OAuth Usage > the app > Install (since September 2025 uninstalled connected apps block new users). External Client App: deploy or install it in this org.",
                "Users with \"Approve Uninstalled Connected Apps\" (or \"Use Any API Client\" under API Access Control) bypass the restriction.",
                "After a sandbox refresh, app configuration can be lost: redeploy the app to the sandbox.",
            ],
            Cause::AppBlocked => &["Setup > Connected Apps OAuth Usage > the app > Unblock."],
            Cause::ClientIdUnknown => &[
                "Check the consumer key (App Manager > the app > View > Manage Consumer Details) and that it belongs to an app in this org.",
                "A new or changed app takes 2-10 minutes to propagate: retry with --wait-for-propagation 10m.",
                "Check the login host: a sandbox app is not known to login.salesforce.com.",
            ],
            Cause::CertificateMismatch => &[
                "Upload the certificate that matches the CI key (App Manager > the app > Edit > Use digital signatures; External Client App: OAuth Settings > Enable JWT Bearer Flow).",
                "Compare: `sfjwt cert inspect server.crt --key server.key` (exit 5 means they do not match).",
            ],
            Cause::AudienceInvalid => &[
                "Use https://login.salesforce.com for production, https://test.salesforce.com for sandboxes, or the My Domain URL for External Client Apps on orgs that require it (--audience).",
            ],
            Cause::WrongEnvironment => &[
                "A sandbox username (ci@acme.com.uat) logs in with --login-url test or the sandbox's My Domain; a production username with login or the production My Domain.",
            ],
            Cause::AssertionExpired => &[
                "The assertion's exp was already past when Salesforce read it: sync the runner's clock (NTP); sfjwt sets exp = now + --lifetime in UTC seconds.",
            ],
            Cause::UserUnknown => {
                &["Check the username (the JWT sub): it must exist in the org the login host serves."]
            }
            Cause::UserInactive => {
                &["Setup > Users > the user: reactivate, or unfreeze (Freeze button), or use another integration user."]
            }
            Cause::OrgInactive => &[
                "The org is locked, closed or suspended (scratch orgs expire): use another org or contact Salesforce.",
            ],
            Cause::IpRestricted => &[
                "Add the runner's egress IPs to the profile's Login IP Ranges, or set the app's IP Relaxation to \"Relax IP restrictions\".",
            ],
            Cause::HighAssuranceRequired => &[
                "The app's session policy requires High Assurance, which JWT cannot satisfy: App Manager > the app > Manage > Edit Policies > High assurance session required: off for the CI app.",
            ],
            Cause::NoValidScopes => &["Add the \"Manage user data via APIs (api)\" scope to the app's OAuth scopes."],
            Cause::RateLimited => {
                &["Too many logins for this user: cache the access token for the job instead of logging in per step."]
            }
            Cause::UnsupportedGrantType => {
                &["The request was not a form-encoded JWT bearer grant: check for a proxy rewriting it."]
            }
            Cause::InvalidKey => &["Fix the private key input (see the error and `sfjwt keygen --help`)."],
            Cause::NetworkError => &[
                "Check connectivity to the login host, HTTPS_PROXY/NO_PROXY, and retry; sfjwt already retried with backoff.",
            ],
            Cause::TlsError => &[
                "If a proxy inspects TLS, pass its CA with --ca-file (or SFJWT_CA_FILE / SSL_CERT_FILE); check the login host name.",
            ],
            Cause::Unknown => {
                &["Look at the attempts in the report; `sfjwt doctor` with an admin session can tell more."]
            }
            Cause::ExchangeHandlerMissing => &[
                "Deploy the handler `sfjwt setup --keyless` generated (its OauthTokenExchangeHandler file enables it for the app as the default handler), or Setup > Token Exchange Handlers > the handler > enable it for the app.",
                "With --token-handler, pass the handler's name exactly as in Setup (whether Salesforce wants the Apex class or the handler's API name is unconfirmed: try the other).",
            ],
            Cause::ExchangeTokenRejected => &[
                "The Apex handler refused the token. Compare the token's claims in this report (iss, aud, repository, ref, environment) with the handler's allow-list: Setup > Custom Metadata Types > sfjwt Keyless Allow > Manage Records.",
                "The audience must equal what the handler requires (--oidc-audience; default the My Domain URL), the issuer the CI's, and the token must be unexpired.",
                "Details are only in the debug log: add a trace flag on the handler's execution user, retry, then `sf data query --use-tooling-api -q \"SELECT Id, Operation, Status FROM ApexLog WHERE Operation LIKE '%TokenExchange%' ORDER BY StartTime DESC LIMIT 5\"`. \"Unauthorized endpoint\" there means the Remote Site Setting for the JWKS host is missing.",
            ],
            Cause::ExchangeNotEnabled => &[
                "Enable the token exchange flow on the app: External Client App > Settings > OAuth Settings > Enable Token Exchange Flow (isTokenExchangeEnabled), and Policies > OAuth Policies > Enable Token Exchange Flow (isTokenExchangeFlowEnabled); keep \"Require secret for Token Exchange Flow\" off for a keyless pipeline.",
                "Check that the handler is enabled for this app (Setup > Token Exchange Handlers).",
            ],
            Cause::OidcTokenUnavailable => &[
                "GitHub: give the job `permissions: id-token: write`. GitLab: declare `id_tokens: { SFJWT_ID_TOKEN: { aud: <My Domain URL> } }`. Elsewhere: --oidc file:PATH or env:VAR with the token itself.",
            ],
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Cause::None => "Logged in.",
            Cause::UserNotPreauthorized => {
                "The app is admin-approved, but its Profiles and Permission Sets do not reach the CI user."
            }
            Cause::UserNotApproved => "The app lets users self-authorize, and the CI user never approved it.",
            Cause::AppNotInstalled => "The app is not installed in the org.",
            Cause::AppBlocked => "The app is blocked in this org.",
            Cause::ClientIdUnknown => "The login host does not know this consumer key.",
            Cause::CertificateMismatch => {
                "The assertion's signature does not verify against the certificate on the app."
            }
            Cause::AudienceInvalid => "The org does not accept this audience (aud) for this host.",
            Cause::WrongEnvironment => {
                "The username and the login host belong to different environments (sandbox vs production)."
            }
            Cause::AssertionExpired => "The assertion had expired when Salesforce checked it (clock skew).",
            Cause::UserUnknown => "The user does not exist in this org.",
            Cause::UserInactive => "The user is inactive or frozen.",
            Cause::OrgInactive => "The org is locked, closed or suspended.",
            Cause::IpRestricted => "The login came from an IP address outside the user's allowed ranges.",
            Cause::HighAssuranceRequired => {
                "The app requires a High Assurance session, which the JWT flow cannot provide."
            }
            Cause::NoValidScopes => "The app grants no usable OAuth scope.",
            Cause::RateLimited => "Too many logins for this user.",
            Cause::UnsupportedGrantType => "The token endpoint did not see a JWT bearer grant.",
            Cause::InvalidKey => "The private key could not be used.",
            Cause::NetworkError => "No usable answer from the token endpoint.",
            Cause::TlsError => "The TLS connection to the login host failed.",
            Cause::Unknown => "The refusal does not match a known cause.",
            Cause::ExchangeHandlerMissing => {
                "No token exchange handler is enabled for this app (or the named one does not exist)."
            }
            Cause::ExchangeTokenRejected => "The org's token exchange handler refused the pipeline's OIDC token.",
            Cause::ExchangeNotEnabled => "The app does not allow the token exchange flow.",
            Cause::OidcTokenUnavailable => "The pipeline's OIDC token could not be obtained.",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub cause: Cause,
    pub confidence: Confidence,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub cause: Cause,
    pub confidence: Confidence,
    pub summary: String,
    pub candidates: Vec<Candidate>,
    pub evidence: Vec<String>,
    pub remediation: Vec<String>,
    /// A ready fix (a command or metadata snippet), when one fits.
    pub fix: Option<String>,
    pub docs: String,
}

impl Diagnosis {
    pub fn new(cause: Cause, confidence: Confidence, evidence: Vec<String>) -> Diagnosis {
        Diagnosis {
            cause,
            confidence,
            summary: cause.summary().to_string(),
            candidates: vec![Candidate { cause, confidence }],
            evidence,
            remediation: cause.remediation().iter().map(|s| s.to_string()).collect(),
            fix: None,
            docs: format!("docs/causes.md#{}", cause.id()),
        }
    }

    pub fn ok() -> Diagnosis {
        Diagnosis::new(Cause::None, Confidence::Confirmed, vec![])
    }

    pub fn with_candidates(mut self, others: &[(Cause, Confidence)]) -> Diagnosis {
        for (c, conf) in others {
            if !self.candidates.iter().any(|x| x.cause == *c) {
                self.candidates.push(Candidate { cause: *c, confidence: *conf });
            }
        }
        self
    }
}

/// Maps an `error` / `error_description` pair (matched case-insensitively, across the wordings in
/// the catalogue: the documentation's and the servers') to causes, most likely first.
pub fn from_error_text(error: &str, description: &str) -> Vec<(Cause, Confidence)> {
    let e = error.to_lowercase();
    let d = description.to_lowercase();
    let has = |s: &str| d.contains(s) || e.contains(s);
    use Cause::*;
    use Confidence::*;
    // Keyless login (token exchange): its reported texts (keyless.md §1.9).
    if has("token handler not found") || has("token handler validation failed") || has("unauthorized_client") {
        return keyless::from_error_text(error, description);
    }
    if has("hasn't approved this consumer") || has("has not approved this consumer") {
        return vec![
            (UserNotPreauthorized, Likely),
            (UserNotApproved, Possible),
            (UserUnknown, Possible),
            (WrongEnvironment, Possible),
        ];
    }
    if e == "invalid_app_access" || has("not admin approved") || e == "oauth_app_access_denied" {
        return vec![(UserNotPreauthorized, Likely)];
    }
    if e == "app_not_found"
        || has("external client app is not installed")
        || has("app must be installed")
        || e == "oauth_ec_app_not_found"
    {
        return vec![(AppNotInstalled, Likely), (AudienceInvalid, Possible)];
    }
    if has("blocked by admin") || e == "oauth_app_blocked" {
        return vec![(AppBlocked, Likely)];
    }
    if has("invalid assertion") {
        return vec![(CertificateMismatch, Likely), (InvalidKey, Possible)];
    }
    if has("audience") {
        return vec![(AudienceInvalid, Likely), (WrongEnvironment, Possible)];
    }
    if has("expired authorization code") || has("expired") && has("assertion") {
        return vec![(AssertionExpired, Likely)];
    }
    if e == "invalid_client_id" || has("client identifier invalid") {
        return vec![(ClientIdUnknown, Likely), (WrongEnvironment, Possible)];
    }
    if e == "inactive_user" || has("inactive user") || has("user is inactive") || has("frozen") {
        return vec![(UserInactive, Likely)];
    }
    if e == "inactive_org" || has("org is locked") {
        return vec![(OrgInactive, Likely)];
    }
    if has("ip restricted") || has("invalid login hours") {
        return vec![(IpRestricted, Likely)];
    }
    if e == "rate_limit_exceeded" || has("number of logins exceeded") {
        return vec![(RateLimited, Likely)];
    }
    if e == "unsupported_grant_type" || has("grant type not supported") {
        return vec![(UnsupportedGrantType, Likely)];
    }
    if has("no valid scopes") || e == "invalid_scope" {
        return vec![(NoValidScopes, Likely)];
    }
    if has("high assurance") {
        return vec![(HighAssuranceRequired, Likely)];
    }
    if has("authentication failure") || has("invalid user credentials") {
        return vec![(Unknown, Possible), (HighAssuranceRequired, Possible), (UserUnknown, Possible)];
    }
    vec![(Unknown, Possible)]
}

/// The verdict from the token endpoint's answers alone.
pub fn from_attempts(attempts: &[Attempt], refusal: Option<(&str, &str)>, failure: Option<&str>) -> Diagnosis {
    let evidence: Vec<String> = attempts.iter().map(describe_attempt).collect();
    if let Some((error, description)) = refusal {
        let ranked = from_error_text(error, description);
        let (cause, conf) = ranked[0];
        return Diagnosis::new(cause, conf, evidence).with_candidates(&ranked[1..]);
    }
    match failure {
        Some("tls") => Diagnosis::new(Cause::TlsError, Confidence::Confirmed, evidence),
        Some(_) => Diagnosis::new(Cause::NetworkError, Confidence::Confirmed, evidence),
        None => Diagnosis::ok(),
    }
}

pub fn describe_attempt(a: &Attempt) -> String {
    match (&a.error, &a.failure) {
        (Some(e), _) => format!(
            "token endpoint {} (aud {}): HTTP {} {}: {}",
            a.host,
            a.audience,
            a.http_status.unwrap_or_default(),
            e,
            a.error_description.as_deref().unwrap_or_default()
        ),
        (None, Some(f)) => format!(
            "token endpoint {} (aud {}): {f} after {} request(s): {}",
            a.host,
            a.audience,
            a.requests,
            a.detail.as_deref().unwrap_or_default()
        ),
        (None, None) => format!("token endpoint {} (aud {}): granted", a.host, a.audience),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordings_map_to_causes() {
        let top = |e: &str, d: &str| from_error_text(e, d)[0].0;
        assert_eq!(top("invalid_grant", "user hasn't approved this consumer"), Cause::UserNotPreauthorized);
        assert_eq!(top("invalid_grant", "User Hasn't Approved This Consumer"), Cause::UserNotPreauthorized);
        assert_eq!(
            top("invalid_app_access", "user is not admin approved to access this app"),
            Cause::UserNotPreauthorized
        );
        assert_eq!(top("app_not_found", "External client app is not installed in this org"), Cause::AppNotInstalled);
        assert_eq!(top("invalid_client", "app must be installed into org"), Cause::AppNotInstalled);
        assert_eq!(top("invalid_grant", "Audience validation failed"), Cause::AudienceInvalid);
        assert_eq!(top("invalid_grant", "audience is invalid"), Cause::AudienceInvalid);
        assert_eq!(top("invalid_grant", "IP restricted or invalid login hours"), Cause::IpRestricted);
        assert_eq!(top("invalid_grant", "ip restricted"), Cause::IpRestricted);
        assert_eq!(top("inactive_user", "User is inactive"), Cause::UserInactive);
        assert_eq!(top("invalid_grant", "inactive user"), Cause::UserInactive);
        assert_eq!(top("invalid_grant", "expired authorization code"), Cause::AssertionExpired);
        assert_eq!(top("invalid_client_id", "client identifier invalid"), Cause::ClientIdUnknown);
        assert_eq!(top("inactive_org", "Org is locked, closed, or suspended"), Cause::OrgInactive);
        assert_eq!(top("rate_limit_exceeded", "Number of logins exceeded"), Cause::RateLimited);
        assert_eq!(top("unsupported_grant_type", "grant type not supported"), Cause::UnsupportedGrantType);
        assert_eq!(top("invalid_grant", "no valid scopes defined"), Cause::NoValidScopes);
        assert_eq!(top("OAUTH_APP_BLOCKED", "this app is blocked by admin"), Cause::AppBlocked);
        assert_eq!(top("invalid_grant", "invalid assertion"), Cause::CertificateMismatch);
        assert_eq!(top("weird", "never seen"), Cause::Unknown);
        assert_eq!(Cause::UserNotPreauthorized.id(), "user_not_preauthorized");
    }
}

#[cfg(test)]
mod docs_tests {
    use super::Cause;

    /// Every cause a report can name has its section in docs/causes.md (the report links to it).
    #[test]
    fn every_cause_is_documented() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/causes.md")).unwrap();
        for cause in Cause::ALL {
            assert!(doc.contains(&format!("\n## {}\n", cause.id())), "docs/causes.md lacks ## {}", cause.id());
        }
    }
}
