//! The record of one run: what was tried, what was checked, what was found. Data only: the
//! diagnosis (`diagnose/`) fills it and the output (`output/`) renders it, so it imports neither;
//! the cause vocabulary's names live here, their wordings (summary, fixes) in `diagnose/`.

use serde::Serialize;

use crate::credentials::oidc::OidcClaims;
use crate::login::grant::Attempt;

pub const SCHEMA_VERSION: &str = "1";

/// When this run started, from one read of the clock: every record of the run (a login's or a
/// doctor's report, each target's report in a fleet and the fleet's own) carries the same instant,
/// in RFC 3339, UTC, whole seconds (`2026-12-06T23:04:49Z`). Each record used to read the clock
/// itself, so a fleet's fifty reports had fifty times in nanoseconds beside the fleet's own in
/// seconds.
pub fn run_timestamp() -> String {
    static STARTED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STARTED
        .get_or_init(|| {
            let now = time::OffsetDateTime::now_utc();
            let now = now.replace_nanosecond(0).unwrap_or(now);
            now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
        })
        .clone()
}

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Target {
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub login_host: Option<String>,
    /// The audience given, else the one the last attempt used (see `Report::record_attempts`);
    /// null only when no attempt was made.
    pub audience: Option<String>,
    /// Which login flow was used.
    pub flow: Flow,
    /// Keyless: the OIDC token's claims, decoded without verification (never the token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<OidcClaims>,
    /// Who issues the token: absent for Salesforce (the default), `entra` for Microsoft Entra.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// Microsoft Entra: the directory (tenant) id or domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    #[default]
    JwtBearer,
    /// Keyless: the pipeline's OIDC token exchanged (RFC 8693).
    TokenExchange,
    /// Microsoft Entra: client credentials with a client assertion (a certificate's, or the CI's
    /// OIDC token through a federated credential).
    ClientCredentials,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Identity {
    pub org_id: String,
    pub user_id: String,
    pub instance_url: String,
    pub is_sandbox: bool,
}

/// The report's overall status (schema: `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub command: &'static str,
    pub timestamp: String,
    pub status: Status,
    pub exit_code: u8,
    pub target: Target,
    pub attempts: Vec<Attempt>,
    pub checks: Vec<Check>,
    pub diagnosis: Diagnosis,
    pub identity: Option<Identity>,
    /// Microsoft Entra logins: what the token endpoint answered and what the token holds, in the
    /// shape schema/report.schema.json's `entra` publishes (the former `entra-1` fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entra: Option<serde_json::Value>,
}

impl Report {
    /// The record of one run, before anything is known: diagnose fills it (`Diagnosis::ok()` until
    /// a check fails), output renders it.
    /// The attempts made; without `--audience`, the target's audience becomes the one the last
    /// attempt used (the granted one, or the last refused), so a report says where it logged in.
    pub fn record_attempts(&mut self, attempts: Vec<Attempt>) {
        if self.target.audience.is_none() {
            self.target.audience = attempts.last().map(|a| a.audience.clone());
        }
        self.attempts = attempts;
    }

    pub fn new(command: &'static str, target: Target, diagnosis: Diagnosis) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "sfjwt", version: env!("CARGO_PKG_VERSION") },
            command,
            timestamp: run_timestamp(),
            status: Status::Failed,
            exit_code: 0,
            target,
            attempts: vec![],
            checks: vec![],
            diagnosis,
            identity: None,
            entra: None,
        }
    }
}

/// Declares the cause vocabulary once: the enum, its report names and the list of all of them.
macro_rules! causes {
    ($($variant:ident => $id:literal,)*) => {
        /// The fixed vocabulary of `diagnosis.cause` (a promise to pipelines: extend, never rename).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
        pub enum Cause {
            $(#[serde(rename = $id)] $variant,)*
        }

        impl Cause {
            /// Every cause, in the order docs/causes.md lists them.
            pub const ALL: &'static [Cause] = &[$(Cause::$variant,)*];

            /// The snake_case name used in reports and as the docs/causes.md anchor.
            pub fn id(self) -> &'static str {
                match self {
                    $(Cause::$variant => $id,)*
                }
            }
        }
    };
}

causes! {
    None => "none",
    UserNotPreauthorized => "user_not_preauthorized",
    UserNotApproved => "user_not_approved",
    AppNotInstalled => "app_not_installed",
    AppBlocked => "app_blocked",
    ClientIdUnknown => "client_id_unknown",
    CertificateMismatch => "certificate_mismatch",
    AudienceInvalid => "audience_invalid",
    WrongEnvironment => "wrong_environment",
    AssertionExpired => "assertion_expired",
    UserUnknown => "user_unknown",
    UserInactive => "user_inactive",
    OrgInactive => "org_inactive",
    IpRestricted => "ip_restricted",
    HighAssuranceRequired => "high_assurance_required",
    NoValidScopes => "no_valid_scopes",
    RateLimited => "rate_limited",
    UnsupportedGrantType => "unsupported_grant_type",
    InvalidKey => "invalid_key",
    NetworkError => "network_error",
    TlsError => "tls_error",
    ApiDisabledForUser => "api_disabled_for_user",
    ApiDisabledForOrg => "api_disabled_for_org",
    MyDomainRequired => "my_domain_required",
    ClientCredentialsInvalid => "client_credentials_invalid",
    Unknown => "unknown",
    // Keyless login (token exchange), issue 17.
    ExchangeHandlerMissing => "exchange_handler_missing",
    ExchangeTokenRejected => "exchange_token_rejected",
    ExchangeNotEnabled => "exchange_not_enabled",
    OidcTokenUnavailable => "oidc_token_unavailable",
    // Issue 23: a user or org created minutes ago (forcedotcom/cli #1640, #2575).
    ReplicationPending => "replication_pending",
    // Issue 23 §2: after the grant, the first API call's other refusals.
    PasswordExpired => "password_expired",
    MutualTlsRequired => "mutual_tls_required",
    ApiTemporarilyUnavailable => "api_temporarily_unavailable",
    // Microsoft Entra refusals (issue 25 §2): their table and fixes are in diagnose/entra.rs.
    EntraAppNotInTenant => "entra_app_not_in_tenant",
    EntraResourceNotFound => "entra_resource_not_found",
    EntraAdminConsentRequired => "entra_admin_consent_required",
    EntraConsentDeclined => "entra_consent_declined",
    EntraAssignmentRequired => "entra_assignment_required",
    EntraCertificateNotRegistered => "entra_certificate_not_registered",
    EntraAssertionInvalid => "entra_assertion_invalid",
    EntraAssertionExpired => "entra_assertion_expired",
    EntraFederatedTokenExpired => "entra_federated_token_expired",
    EntraFederatedCredentialMismatch => "entra_federated_credential_mismatch",
    EntraClientSecretInvalid => "entra_client_secret_invalid",
    EntraClientSecretExpired => "entra_client_secret_expired",
    EntraTenantNotFound => "entra_tenant_not_found",
    EntraWrongAuthority => "entra_wrong_authority",
    EntraConditionalAccess => "entra_conditional_access",
    EntraInvalidScope => "entra_invalid_scope",
    EntraPublicClientMismatch => "entra_public_client_mismatch",
    // An expired certificate (AADSTS1000502), after the table above was first written.
    EntraCertificateExpired => "entra_certificate_expired",
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
    /// Puts the names the user gave into the fix and the remediation (`--admin-sf-org emuadmin`
    /// makes every `--target-org <admin alias>` read `--target-org emuadmin`).
    pub fn with_admin_alias(mut self, alias: Option<&str>) -> Diagnosis {
        if let Some(alias) = alias {
            let fill = |s: &mut String| *s = s.replace("<admin alias>", alias);
            self.fix.iter_mut().for_each(fill);
            self.remediation.iter_mut().for_each(fill);
        }
        self
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
