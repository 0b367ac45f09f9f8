//! Every refusal wording sfjwt recognises, with how sure we are that Salesforce sends it for the
//! JWT bearer grant. One table drives `login`, `explain`, docs/causes.md and docs/evidence.md
//! (tests keep the three in step), so a wording cannot be diagnosed more surely than its source.

use super::{Cause, Confidence};
use Cause::{
    ApiDisabledForOrg, ApiDisabledForUser, ApiTemporarilyUnavailable, AppBlocked, AppNotInstalled, AssertionExpired,
    AudienceInvalid, CertificateMismatch, ClientCredentialsInvalid, ClientIdUnknown, HighAssuranceRequired, InvalidKey,
    IpRestricted, MutualTlsRequired, MyDomainRequired, NetworkError, NoValidScopes, OrgInactive, PasswordExpired,
    RateLimited, ReplicationPending, Unknown, UnsupportedGrantType, UserInactive, UserNotApproved,
    UserNotPreauthorized, UserUnknown, WrongEnvironment,
};
use Confidence::*;

/// How a wording is known (docs/evidence.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// Salesforce's documentation.
    Official,
    /// Salesforce's own code (the sf CLI, sfdx-core).
    SalesforceCode,
    /// Seen and quoted in public issues or vendor docs.
    Reported,
    /// Plausible, never seen for this grant: a verdict resting on it is at most `possible`.
    Unconfirmed,
}

impl Evidence {
    pub fn id(self) -> &'static str {
        match self {
            Evidence::Official => "official",
            Evidence::SalesforceCode => "salesforce_code",
            Evidence::Reported => "reported",
            Evidence::Unconfirmed => "unconfirmed",
        }
    }
}

pub struct Wording {
    /// The anchor in docs/evidence.md.
    pub id: &'static str,
    /// Lower-case `error` code it needs, when the description alone is not telling.
    pub error: Option<&'static str>,
    /// Lower-case text to find in the error or description (any of them).
    pub needles: &'static [&'static str],
    /// Causes, most likely first, before the evidence cap.
    pub causes: &'static [(Cause, Confidence)],
    pub evidence: Evidence,
}

/// In order: the first match wins.
pub const WORDINGS: &[Wording] = &[
    Wording {
        id: "hasnt-approved",
        error: None,
        needles: &["hasn't approved this consumer", "has not approved this consumer"],
        causes: &[
            (UserNotPreauthorized, Likely),
            (UserNotApproved, Possible),
            // Posting to login/test instead of the org's My Domain (restforce #674, PR #886).
            (MyDomainRequired, Possible),
            // The login host of the other environment (omniphx/forrest #278).
            (WrongEnvironment, Possible),
            // A user or org created minutes earlier (forcedotcom/cli #1640, #2575).
            (ReplicationPending, Possible),
            (UserUnknown, Possible),
            // Also answered for an uninstalled connected app (scenario switch; docs/evidence.md#app-must-be-installed).
            (AppNotInstalled, Possible),
        ],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "invalid-app-access",
        error: None,
        needles: &["invalid_app_access", "not admin approved", "oauth_app_access_denied"],
        causes: &[(UserNotPreauthorized, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "ec-app-not-found",
        error: None,
        // The web flow's error page, shown after the user logged in to the org itself: the My Domain
        // question is settled, the app is not installed there (salesforce.md §2 #13b; PipedreamHQ/pipedream #21557).
        needles: &["oauth_ec_app_not_found"],
        causes: &[(AppNotInstalled, Likely), (MyDomainRequired, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "app-not-found",
        error: None,
        needles: &["app_not_found", "external client app is not installed"],
        causes: &[(MyDomainRequired, Likely), (AppNotInstalled, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "approval-error-generic",
        error: None,
        needles: &["oauth_approval_error_generic"],
        causes: &[(AppNotInstalled, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "app-must-be-installed",
        error: None,
        needles: &["app must be installed"],
        causes: &[(AppNotInstalled, Likely)],
        evidence: Evidence::Unconfirmed,
    },
    Wording {
        id: "app-blocked",
        error: None,
        needles: &["blocked by admin", "oauth_app_blocked"],
        causes: &[(AppBlocked, Likely)],
        evidence: Evidence::Unconfirmed,
    },
    Wording {
        id: "access-denied",
        error: Some("access_denied"),
        needles: &["access_denied"],
        causes: &[(AppBlocked, Likely), (UserNotPreauthorized, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "invalid-assertion",
        error: None,
        needles: &["invalid assertion"],
        // A sandbox-suffixed user sent to the production host (forcedotcom/cli #217).
        causes: &[(CertificateMismatch, Likely), (InvalidKey, Possible), (WrongEnvironment, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "audience",
        error: None,
        needles: &["audience"],
        causes: &[(AudienceInvalid, Likely), (WrongEnvironment, Possible)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "expired",
        error: None,
        needles: &["expired authorization code", "assertion expired", "expired assertion"],
        causes: &[(AssertionExpired, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "client-id",
        error: None,
        needles: &["invalid_client_id", "client identifier invalid"],
        causes: &[(ClientIdUnknown, Likely), (WrongEnvironment, Possible)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "client-credentials",
        error: None,
        needles: &["invalid client credentials", "invalid_client_credentials"],
        causes: &[(ClientCredentialsInvalid, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "inactive-user",
        error: None,
        needles: &["inactive_user", "inactive user", "user is inactive", "frozen"],
        causes: &[(UserInactive, Likely)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "inactive-org",
        error: None,
        needles: &["inactive_org", "org is locked"],
        causes: &[(OrgInactive, Likely)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "ip-restricted",
        error: None,
        needles: &["ip restricted", "invalid login hours"],
        causes: &[(IpRestricted, Likely)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "rate-limit",
        error: None,
        // "login rate exceeded" is Login History's status (forcedotcom/cli #3297).
        needles: &["rate_limit_exceeded", "number of logins exceeded", "login rate exceeded"],
        causes: &[(RateLimited, Likely)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "grant-type",
        error: None,
        needles: &["unsupported_grant_type", "grant type not supported"],
        causes: &[(UnsupportedGrantType, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "refresh-token-scope",
        error: None,
        needles: &["refresh_token scope is required"],
        causes: &[(NoValidScopes, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "no-valid-scopes",
        error: None,
        needles: &["no valid scopes", "invalid_scope"],
        causes: &[(NoValidScopes, Likely)],
        evidence: Evidence::Unconfirmed,
    },
    Wording {
        id: "high-assurance-text",
        error: None,
        needles: &["high assurance"],
        causes: &[(HighAssuranceRequired, Likely)],
        evidence: Evidence::Unconfirmed,
    },
    Wording {
        id: "rest-session-invalid",
        error: None,
        needles: &["not valid for use with the rest api"],
        // Several resolved causes (issue 23): candidates, none confident.
        causes: &[(HighAssuranceRequired, Possible), (IpRestricted, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "session-expired",
        error: None,
        needles: &["session expired or invalid", "illegal session", "session is invalid or has expired"],
        causes: &[(IpRestricted, Possible), (HighAssuranceRequired, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "api-disabled-user",
        error: None,
        // Only this text says the user lacks "API Enabled" (vendor pages quote it).
        needles: &["api is disabled for this user"],
        causes: &[(ApiDisabledForUser, Likely)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "api-currently-disabled",
        error: None,
        // The code alone: "Because of a system problem, API functionality is temporarily
        // unavailable" (SOAP API exception codes) — transient, not a permission.
        needles: &["api_currently_disabled"],
        causes: &[(ApiTemporarilyUnavailable, Likely), (ApiDisabledForUser, Possible)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "expired-password",
        error: None,
        needles: &["invalid_operation_with_expired_password", "password has expired"],
        causes: &[(PasswordExpired, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "mutual-authentication",
        error: None,
        needles: &["mutual_authentication_failed", "could not be mutually authenticated"],
        // The one public thread (jsforce #27) was resolved by an expired password, twice; the
        // code's literal reading, mutual TLS enforced for the user, stays a candidate.
        causes: &[(PasswordExpired, Likely), (MutualTlsRequired, Possible)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "api-disabled-org",
        error: None,
        needles: &["api_disabled_for_org", "api is not enabled for this organization"],
        causes: &[(ApiDisabledForOrg, Likely)],
        evidence: Evidence::Official,
    },
    Wording {
        id: "unknown-error-retry",
        error: None,
        needles: &["retry your request"],
        causes: &[(NetworkError, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "pem-no-start-line",
        error: None,
        // OpenSSL's words through the sf CLI: the key file is not PEM (forcedotcom/sfdx-travisci #135).
        needles: &["no start line", "pem_read_bio"],
        causes: &[(InvalidKey, Likely)],
        evidence: Evidence::Reported,
    },
    Wording {
        id: "authentication-failure",
        error: None,
        needles: &["authentication failure", "invalid user credentials"],
        // High Assurance (jsforce #1291), the Permitted Users policy (restforce #248).
        causes: &[
            (HighAssuranceRequired, Possible),
            (UserNotPreauthorized, Possible),
            (UserUnknown, Possible),
            (Unknown, Possible),
        ],
        evidence: Evidence::Unconfirmed,
    },
    Wording {
        id: "sf-jwt-wrapper",
        error: None,
        // Last: sfdx-core's wrapper alone: the reasons are on the lines that follow it.
        needles: &["jwtautherror", "error authenticating with jwt"],
        causes: &[(Unknown, Possible)],
        evidence: Evidence::SalesforceCode,
    },
];

/// Whether a refusal says the assertion had expired (what the clock check after it reads).
pub fn is_expiry(error: &str, description: &str) -> bool {
    find(error, description).is_some_and(|w| w.id == "expired")
}

/// The wording an `error` / `error_description` pair matches, case-insensitively.
pub fn find(error: &str, description: &str) -> Option<&'static Wording> {
    let e = error.to_lowercase();
    let d = description.to_lowercase();
    WORDINGS
        .iter()
        .find(|w| w.error.is_none_or(|code| e == code) && w.needles.iter().any(|n| d.contains(n) || e.contains(n)))
}

/// The wording's causes, each capped by its evidence: unconfirmed means at most `possible`.
pub fn ranked(w: &Wording) -> Vec<(Cause, Confidence)> {
    w.causes.iter().map(|&(c, conf)| (c, if w.evidence == Evidence::Unconfirmed { Possible } else { conf })).collect()
}
