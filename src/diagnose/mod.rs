//! Why a grant failed: the cause vocabulary, and a verdict from the token endpoint's answers.
//! Org data and repository metadata (when available) refine this; see `doctor`.

pub mod app_kind;
pub mod attempt;
pub mod doctor;
pub mod entra;
pub mod entra_doctor;
pub mod keyless;
pub mod login;
pub mod text;
pub mod verdict;
pub mod wordings;

use crate::login::grant::Attempt;
use crate::net::FailureKind;
pub use crate::record::{Candidate, Cause, Confidence, Diagnosis};

impl Cause {
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
                "App Manager > the app > Manage > Edit Policies > Permitted Users: \"Admin approved users are pre-authorized\" (External Client App: Policies > OAuth Policies > Permitted Users). JWT has no consent screen, so a self-authorize app refuses a user who never approved it.",
                "Then Manage Profiles or Manage Permission Sets on the app, and add a profile or permission set the CI user holds. If the app already is admin-approved, this step alone is the fix (user_not_preauthorized).",
                "Or log in once as the user through the web flow (/services/oauth2/authorize?response_type=code&client_id=…) to approve the app.",
            ],
            Cause::AppNotInstalled => &[
                "Setup > Connected Apps OAuth Usage > the app > Install (since September 2025 uninstalled connected apps block new users). External Client App: deploy or install it in this org.",
                "Users with \"Approve Uninstalled Connected Apps\" bypass the restriction; \"Use Any API Client\" no longer does since December 2025 (Salesforce knowledge article 005228838, as reported).",
                "After a sandbox refresh, app configuration can be lost: redeploy the app to the sandbox.",
            ],
            Cause::AppBlocked => &["Setup > Connected Apps OAuth Usage > the app > Unblock."],
            Cause::ClientIdUnknown => &[
                "Check the consumer key (External Client App: External Client App Manager > the app > Settings > OAuth Settings > Consumer Key and Secret; connected app: App Manager > the app > View > Manage Consumer Details) and that it belongs to an app in this org.",
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
            Cause::ExchangeHandlerMissing
            | Cause::ExchangeTokenRejected
            | Cause::ExchangeNotEnabled
            | Cause::OidcTokenUnavailable => self.keyless_remediation(),
            Cause::ReplicationPending => &[
                "The user or org was created minutes ago and has not reached every Salesforce server yet: retry the login for a few minutes (`--wait-for-propagation`) before changing the app.",
            ],
            c if c.is_entra() => entra::remediation(c),
            _ => self.session_and_transport_remediation(),
        }
    }

    /// Whether the cause is one of Microsoft Entra's (`entra_` ids).
    pub fn is_entra(self) -> bool {
        self.id().starts_with("entra_")
    }

    /// The fixes of the causes past the app and the user: the assertion, the session, the
    /// transport (a table apart, so each reads at once).
    fn session_and_transport_remediation(self) -> &'static [&'static str] {
        match self {
            Cause::AssertionExpired => &[
                "The assertion's exp was already past when Salesforce read it: sync the runner's clock (NTP); sfjwt sets exp = now + --lifetime in UTC seconds.",
                "`sfjwt login` signs once more with exp relative to the server's clock when its Date header shows it ahead (within 1 hour), unless --no-clock-compensation.",
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
                "If the grant succeeded but the first API call answers INVALID_SESSION_ID: Setup > Session Settings > \"Lock sessions to the IP address from which they originated\" off (or the profile's \"Enforce login IP ranges on every request\"), and the app's IP Relaxation to \"Relax IP restrictions\".",
            ],
            Cause::HighAssuranceRequired => &[
                "The app's session policy requires High Assurance, which JWT cannot satisfy: App Manager > the app > Manage > Edit Policies > High assurance session required: off for the CI app.",
                "Or the CI user's profile: Setup > Profiles > the profile > Session Settings > \"Session Security Level Required at Login\": None (High Assurance there blocks API calls after a JWT login).",
            ],
            Cause::NoValidScopes => &[
                "Give the app the OAuth scopes \"Manage user data via APIs (api)\" and \"Perform requests at any time (refresh_token, offline_access)\": an app with only api answers \"refresh_token scope is required and the connected app should be installed and preauthorized\".",
            ],
            Cause::RateLimited => {
                &["Too many logins for this user: cache the access token for the job instead of logging in per step."]
            }
            Cause::UnsupportedGrantType => &[
                "The request was not a form-encoded JWT bearer grant. A login URL with http:// is the usual cause: the redirect to https:// turns the POST into a GET without its body. Use https://.",
                "Otherwise check for a proxy rewriting the request.",
            ],
            Cause::InvalidKey => &["Fix the private key input (see the error and `sfjwt keygen --help`)."],
            Cause::NetworkError => &[
                "Check connectivity to the login host, HTTPS_PROXY/NO_PROXY, and retry; sfjwt already retried with backoff.",
            ],
            Cause::TlsError => &[
                "If a proxy inspects TLS, pass its CA with --ca-file (or SFJWT_CA_FILE / SSL_CERT_FILE); check the login host name.",
            ],
            Cause::ApiDisabledForUser => &[
                "Give the CI user \"API Enabled\": Setup > Users > Permission Sets > New (or an existing one) > System Permissions > API Enabled, then assign it to the user; or enable it on the user's profile.",
            ],
            Cause::ApiDisabledForOrg => &[
                "This org's edition has no API access (e.g. Professional Edition without the API add-on): use an edition with API access, or ask Salesforce for the add-on.",
            ],
            Cause::PasswordExpired => &[
                "The CI user's password has expired: the JWT grant still issues a token, but every API call is refused until the password is set. Setup > Users > the user > Reset Password (or log in once as the user and change it).",
                "For an integration user, give its profile a password policy that never expires (Setup > Profiles > the profile > Password Policies > User passwords expire in: Never expires).",
            ],
            Cause::MutualTlsRequired => &[
                "The CI user holds \"Enforce SSL/TLS Mutual Authentication\": its API calls must come over the org's mutual-TLS port (8443) with a client certificate uploaded under Setup > Certificate and Key Management > Mutual Authentication Certificates. Remove that permission from the CI user, or call the API with the client certificate.",
                "An expired password has also been reported behind this refusal (jsforce #27): check the user's password too.",
            ],
            Cause::ApiTemporarilyUnavailable => &[
                "API_CURRENTLY_DISABLED officially means \"Because of a system problem, API functionality is temporarily unavailable\" (SOAP API exception codes): a transient condition on Salesforce's side. Retry the job later; sfjwt keeps the login.",
                "Only the text \"API is disabled for this User\" means the user lacks \"API Enabled\" (see api_disabled_for_user).",
            ],
            Cause::MyDomainRequired => &[
                "Log in through the org's My Domain, which then is the audience too: --login-url https://<your-domain>.my.salesforce.com (Setup > My Domain shows it). External Client Apps are not found through login.salesforce.com or test.salesforce.com.",
                "If the My Domain login also answers app_not_found, the app is not in this org: deploy or install it there (`sfjwt doctor` with an admin session can tell).",
            ],
            Cause::ClientCredentialsInvalid => &[
                "This wording is about a client secret, which the JWT bearer flow never sends: the failing tool used another OAuth flow. Check its consumer secret, or switch it to the JWT bearer flow.",
            ],
            Cause::Unknown => {
                &["Look at the attempts in the report; `sfjwt doctor` with an admin session can tell more."]
            }
            _ => &[],
        }
    }

    /// The keyless (token exchange) causes' fixes, apart so that each table reads at once.
    fn keyless_remediation(self) -> &'static [&'static str] {
        match self {
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
            _ => &[],
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
                "A High Assurance session is required (by the app's policy or the user's profile), which the JWT flow cannot provide."
            }
            Cause::NoValidScopes => "The app grants no usable OAuth scope.",
            Cause::RateLimited => "Too many logins for this user.",
            Cause::UnsupportedGrantType => "The token endpoint did not see a JWT bearer grant.",
            Cause::InvalidKey => "The private key could not be used.",
            Cause::NetworkError => "No usable answer from the token endpoint.",
            Cause::TlsError => "The TLS connection to the login host failed.",
            Cause::ApiDisabledForUser => {
                "The grant succeeded, but the CI user may not use the API (no \"API Enabled\" permission)."
            }
            Cause::ApiDisabledForOrg => "The grant succeeded, but this org's edition has no API access.",
            Cause::MyDomainRequired => {
                "The login host does not find this External Client App: it is found through the org's My Domain."
            }
            Cause::ClientCredentialsInvalid => "A client secret was refused: not a JWT bearer refusal.",
            Cause::PasswordExpired => {
                "The grant succeeded, but the CI user's password has expired: API calls are refused."
            }
            Cause::MutualTlsRequired => {
                "The grant succeeded, but the CI user must call the API over mutual TLS (a client certificate)."
            }
            Cause::ApiTemporarilyUnavailable => {
                "Salesforce said its API is temporarily unavailable (API_CURRENTLY_DISABLED): a transient condition."
            }
            Cause::Unknown => "The refusal does not match a known cause.",
            Cause::ExchangeHandlerMissing => {
                "No token exchange handler is enabled for this app (or the named one does not exist)."
            }
            Cause::ExchangeTokenRejected => "The org's token exchange handler refused the pipeline's OIDC token.",
            Cause::ExchangeNotEnabled => "The app does not allow the token exchange flow.",
            Cause::ReplicationPending => {
                "The user or org is new and not yet known everywhere: the login may work after a wait."
            }
            Cause::OidcTokenUnavailable => "The pipeline's OIDC token could not be obtained.",
            _ => entra::summary(self),
        }
    }
}

/// Diagnoses are built here, where the wordings are: the summary hedged to the confidence, the
/// fixes, the docs link.
impl Diagnosis {
    pub fn new(cause: Cause, confidence: Confidence, evidence: Vec<String>) -> Diagnosis {
        Diagnosis {
            cause,
            confidence,
            summary: hedged(cause.summary(), confidence),
            candidates: vec![Candidate { cause, confidence }],
            evidence,
            remediation: cause.remediation().iter().map(|s| s.to_string()).collect(),
            fix: None,
            docs: doc_link("docs/causes.md", cause.id()),
        }
    }

    /// Raises the verdict to confirmed (org data or a local proof settled it).
    pub fn confirmed(mut self) -> Diagnosis {
        self.confidence = Confidence::Confirmed;
        self.summary = hedged(self.cause.summary(), Confidence::Confirmed);
        if let Some(first) = self.candidates.first_mut() {
            first.confidence = Confidence::Confirmed;
        }
        self
    }

    pub fn ok() -> Diagnosis {
        Diagnosis::new(Cause::None, Confidence::Confirmed, vec![])
    }
}

/// Maps an `error` / `error_description` pair (matched case-insensitively, across the wordings in
/// docs/evidence.md) to causes, most likely first, each capped by how sure its source is.
pub fn from_error_text(error: &str, description: &str) -> Vec<(Cause, Confidence)> {
    let e = error.to_lowercase();
    let d = description.to_lowercase();
    let has = |s: &str| d.contains(s) || e.contains(s);
    // Keyless login (token exchange): its reported texts (keyless.md §1.9).
    if has("token handler not found")
        || has("token handler validation failed")
        || has("unauthorized_client")
        || has("not enabled for token exchange")
    {
        return keyless::from_error_text(error, description);
    }
    wordings::find(error, description)
        .map(wordings::ranked)
        .unwrap_or_else(|| vec![(Cause::Unknown, Confidence::Possible)])
}

/// A summary never states as fact what is only likely: "Likely: the app is …".
fn hedged(summary: &str, confidence: Confidence) -> String {
    let lead = match confidence {
        Confidence::Confirmed => return summary.to_string(),
        Confidence::Likely => "Likely: ",
        Confidence::Possible => "Possibly: ",
    };
    let word = summary.split([' ', ',', '\'']).next().unwrap_or_default();
    if PROPER_NOUNS.contains(&word) || (word.len() > 1 && word.chars().all(|c| !c.is_ascii_lowercase())) {
        // "Likely: Entra found …", "Likely: OIDC …": a name keeps its capital.
        return format!("{lead}{summary}");
    }
    let mut chars = summary.chars();
    let first = chars.next().map(|c| c.to_lowercase().collect::<String>()).unwrap_or_default();
    format!("{lead}{first}{}", chars.as_str())
}

/// Words a summary may open with that keep their capital after "Likely: ".
const PROPER_NOUNS: &[&str] = &["Entra", "Microsoft", "Salesforce", "GitHub", "GitLab", "Azure", "Graph"];

/// The summary without its hedge, for a line that already names the confidence
/// (`cause: x (likely): the app is …`): each thing said once.
pub fn unhedged(summary: &str) -> &str {
    ["Likely: ", "Possibly: "].iter().find_map(|lead| summary.strip_prefix(lead)).unwrap_or(summary)
}

/// An absolute link to a page of the docs at this release's tag, so it works from an installed
/// binary and in a CI step summary. Cargo.toml's `repository` is the one place naming the repo.
pub fn doc_link(page: &str, anchor: &str) -> String {
    format!("{}/blob/v{}/{page}#{anchor}", env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_VERSION"))
}

/// The text's reading of a refusal, with the wording's evidence level said when it caps the verdict.
pub fn from_refusal(error: &str, description: &str, mut evidence: Vec<String>) -> Diagnosis {
    let ranked = from_error_text(error, description);
    if let Some(w) = wordings::find(error, description)
        && w.evidence == wordings::Evidence::Unconfirmed
    {
        evidence.push(format!(
            "this wording is unconfirmed for the JWT bearer grant (docs/evidence.md#{}): the verdict is at most possible",
            w.id
        ));
    }
    let (cause, conf) = ranked[0];
    Diagnosis::new(cause, conf, evidence).with_candidates(&ranked[1..])
}

/// The verdict from the token endpoint's answers alone.
pub fn from_attempts(attempts: &[Attempt], refusal: Option<(&str, &str)>, failure: Option<FailureKind>) -> Diagnosis {
    let mut evidence: Vec<String> = attempts.iter().map(describe_attempt).collect();
    // Rounds of --wait-for-propagation repeat the same answer: once is enough.
    evidence.dedup();
    if let Some((error, description)) = refusal {
        return from_refusal(error, description, evidence);
    }
    let Some(failure) = failure else { return Diagnosis::ok() };
    // One cause for silence, whoever asks (login, doctor, setup): a TLS failure is not a network one.
    let mut d = Diagnosis::new(login::from_failure(failure), Confidence::Confirmed, evidence);
    match failure {
        FailureKind::Tls => {
            let detail = attempts.last().and_then(|a| a.detail.as_deref()).unwrap_or_default();
            d.remediation = vec![login::tls_help(detail).to_string()];
        }
        FailureKind::RetryRequested => {
            d.remediation = vec![
                "Salesforce answered every try with `unknown_error: retry your request`, a transient condition on its side: run the job again later (a longer --retry-window waits longer).".into(),
            ];
        }
        _ if !attempts.iter().any(|a| a.requests > 1) => {
            // One request only (--max-retries 0, or an answer not worth retrying): say so.
            d.remediation = vec![
                "Check connectivity to the login host, HTTPS_PROXY/NO_PROXY, and retry; this run made one request (--max-retries allows up to 10).".into(),
            ];
        }
        _ => {}
    }
    d
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
        assert_eq!(top("invalid_grant", "user hasn't approved this consumer"), Cause::UserNotApproved);
        assert_eq!(top("invalid_grant", "User Hasn't Approved This Consumer"), Cause::UserNotApproved);
        assert_eq!(
            top("invalid_app_access", "user is not admin approved to access this app"),
            Cause::UserNotPreauthorized
        );
        assert_eq!(top("app_not_found", "External client app is not installed in this org"), Cause::MyDomainRequired);
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
        assert_eq!(top("OAUTH_APPROVAL_ERROR_GENERIC", "An unexpected error has occured"), Cause::AppNotInstalled);
        assert_eq!(top("invalid_client", "invalid client credentials"), Cause::ClientCredentialsInvalid);
        assert_eq!(Cause::UserNotPreauthorized.id(), "user_not_preauthorized");
    }

    #[test]
    fn unconfirmed_wordings_are_at_most_possible_and_say_so() {
        let d = from_refusal("invalid_client", "app must be installed into org", vec![]);
        assert_eq!((d.cause, d.confidence), (Cause::AppNotInstalled, Confidence::Possible));
        assert!(d.evidence.iter().any(|e| e.contains("unconfirmed") && e.contains("app-must-be-installed")));
        let d = from_refusal("invalid_grant", "user hasn't approved this consumer", vec![]);
        assert_eq!(d.confidence, Confidence::Likely);
        assert!(d.evidence.is_empty());
    }

    #[test]
    fn every_cause_but_none_has_a_fix_and_a_summary() {
        for c in Cause::ALL.iter().filter(|c| **c != Cause::None) {
            assert!(!c.remediation().is_empty(), "{} has no remediation", c.id());
            assert!(!c.summary().is_empty(), "{} has no summary", c.id());
        }
    }

    #[test]
    fn the_cause_ids_match_their_serde_names() {
        for c in Cause::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::Value::String(c.id().into()));
        }
    }
}

#[cfg(test)]
mod docs_tests {
    #[test]
    fn a_hedge_keeps_a_names_capital() {
        use super::{Confidence, hedged};
        assert_eq!(hedged("Entra found no application.", Confidence::Likely), "Likely: Entra found no application.");
        assert_eq!(hedged("The app is blocked.", Confidence::Possible), "Possibly: the app is blocked.");
    }

    use super::Cause;
    use super::wordings::WORDINGS;

    fn section(doc: &str, cause: Cause) -> &str {
        let head = format!("\n## {}\n", cause.id());
        let start = doc.find(&head).map(|i| i + head.len()).unwrap_or(doc.len());
        let end = doc[start..].find("\n## ").map(|i| start + i).unwrap_or(doc.len());
        &doc[start..end]
    }

    /// docs/causes.md lists, per cause, every wording that can lead to it and how sure we are.
    #[test]
    fn causes_doc_lists_each_wording_with_its_evidence() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/causes.md")).unwrap();
        for w in WORDINGS {
            for (cause, _) in w.causes {
                let entry = format!("[`{}`](evidence.md#{}) ({})", w.id, w.id, w.evidence.id());
                assert!(section(&doc, *cause).contains(&entry), "docs/causes.md ## {} lacks {entry}", cause.id());
            }
        }
    }

    /// The report schema's cause enum is exactly the vocabulary.
    #[test]
    fn schema_lists_every_cause() {
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/report.schema.json")).unwrap(),
        )
        .unwrap();
        let listed: Vec<&str> =
            schema["$defs"]["cause"]["enum"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        let ours: Vec<&str> = Cause::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(listed, ours);
    }

    /// Every cause a report can name has its section in docs/causes.md (the report links to it).
    #[test]
    fn every_cause_is_documented() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/causes.md")).unwrap();
        for cause in Cause::ALL {
            assert!(doc.contains(&format!("\n## {}\n", cause.id())), "docs/causes.md lacks ## {}", cause.id());
        }
    }
}
