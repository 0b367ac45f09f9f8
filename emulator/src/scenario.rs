//! The YAML scenario: an org's apps, users, access grants, and the faults to inject.
//! Keys are kebab-case like the command line; unknown keys are errors with a line number.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Free text shown in logs and the demo.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub org: OrgSpec,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub profiles: Vec<ProfileSpec>,
    #[serde(default)]
    pub permission_sets: Vec<PermissionSetSpec>,
    #[serde(default)]
    pub permission_set_groups: Vec<GroupSpec>,
    #[serde(default)]
    pub faults: Faults,
    /// Where the server's answer differs between sources (catalogue: disputed or UNCONFIRMED).
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Milliseconds added before every answer, on every path (a distant org; benchmarks).
    #[serde(default)]
    pub latency_ms: u64,
    /// A fake CI OIDC issuer served under /_oidc/ (keyless login).
    #[serde(default)]
    pub oidc_issuer: Option<crate::keyless::IssuerSpec>,
    /// Token exchange handlers enabled for the scenario's apps (keyless login).
    #[serde(default)]
    pub token_exchange_handlers: Vec<crate::keyless::HandlerSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OrgSpec {
    #[serde(default = "default_org_name")]
    pub name: String,
    #[serde(default)]
    pub my_domain: Option<String>,
    #[serde(default)]
    pub sandbox: bool,
    /// The org wants its My Domain URL as `aud` (reported for External Client Apps since Spring '26):
    /// login/test audiences are then refused with app_not_found.
    #[serde(default)]
    pub my_domain_audience: bool,
    /// Locked, closed or suspended: every grant gets inactive_org.
    #[serde(default)]
    pub inactive: bool,
    /// Seconds the org's clock runs ahead of the machine's (negative: behind).
    #[serde(default)]
    pub clock_offset_seconds: i64,
    /// Tolerance, in seconds, for an `exp` slightly in the past.
    #[serde(default = "default_skew")]
    pub exp_skew_seconds: i64,
    /// Logins allowed per user within the emulator's lifetime before rate_limit_exceeded.
    #[serde(default)]
    pub login_rate_limit: Option<u32>,
    /// false: an edition without API access. The grant succeeds; every REST call answers
    /// API_DISABLED_FOR_ORG (salesforce.md §7.2).
    #[serde(default = "yes")]
    pub api_enabled: bool,
    /// Every REST call answers API_CURRENTLY_DISABLED without "API is disabled for this User":
    /// Salesforce's code for "API functionality is temporarily unavailable" (issue 23 §2).
    #[serde(default)]
    pub api_temporarily_unavailable: bool,
    /// API Access Control enabled by Salesforce Support: only then does the "Use Any API Client"
    /// permission (PermissionSet.PermissionsUseAnyApiClient) exist (salesforce.md §7.1).
    #[serde(default)]
    pub api_access_control: bool,
}

impl Default for OrgSpec {
    fn default() -> Self {
        OrgSpec {
            name: default_org_name(),
            my_domain: None,
            sandbox: false,
            my_domain_audience: false,
            inactive: false,
            clock_offset_seconds: 0,
            exp_skew_seconds: default_skew(),
            login_rate_limit: None,
            api_enabled: true,
            api_temporarily_unavailable: false,
            api_access_control: false,
        }
    }
}

fn default_org_name() -> String {
    "Emulated Org".into()
}

fn default_skew() -> i64 {
    30
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    #[default]
    ConnectedApp,
    ExternalClientApp,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PermittedUsers {
    #[default]
    AdminApprovedPreauthorized,
    AllSelfAuthorize,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum IpRelaxation {
    #[default]
    Enforce,
    Bypass,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AppSpec {
    pub name: String,
    #[serde(default)]
    pub kind: AppKind,
    pub consumer_key: String,
    /// A path relative to the scenario file, or inline PEM; empty for an app without JWT bearer.
    #[serde(default)]
    pub certificate: String,
    #[serde(default = "yes")]
    pub installed: bool,
    /// Blocked on Connected Apps OAuth Usage.
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    /// Absent means the default (admin-approved); kept optional so that a scenario which sets it
    /// on an app that cannot have it is refused.
    pub permitted_users: Option<PermittedUsers>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub permission_sets: Vec<String>,
    #[serde(default)]
    pub high_assurance: bool,
    #[serde(default)]
    pub ip_relaxation: IpRelaxation,
    /// OAuth scopes; without `api` (or `full`) the grant has no valid scope.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Seconds after start during which the app answers invalid_client_id (a new app propagating).
    #[serde(default)]
    pub propagation_delay_seconds: u64,
    /// Users who approved the app interactively before (OauthToken rows): needed for self-authorize.
    #[serde(default)]
    pub approved_users: Vec<String>,
    /// Issue JWT-format access tokens ("Issue JSON Web Token (JWT)-based access tokens").
    #[serde(default)]
    pub jwt_access_tokens: bool,
    /// Token exchange enabled (isTokenExchangeEnabled and the policy's isTokenExchangeFlowEnabled).
    #[serde(default)]
    pub token_exchange: bool,
}

fn yes() -> bool {
    true
}

fn default_scopes() -> Vec<String> {
    vec!["api".into(), "refresh_token".into()]
}

/// A permission-set assignment: a name, or a name with its state.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Assignment {
    Name(String),
    Detailed(DetailedAssignment),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DetailedAssignment {
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// ISO date (2025-01-31); past dates make the assignment expired.
    #[serde(default)]
    pub expires: Option<String>,
}

impl Assignment {
    pub fn detailed(&self) -> DetailedAssignment {
        match self {
            Assignment::Name(n) => DetailedAssignment { name: n.clone(), active: true, expires: None },
            Assignment::Detailed(d) => d.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UserSpec {
    pub username: String,
    #[serde(default = "default_profile")]
    pub profile: String,
    #[serde(default)]
    pub permission_sets: Vec<Assignment>,
    #[serde(default)]
    pub permission_set_groups: Vec<Assignment>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub frozen: bool,
    /// false: the user's profile lacks "API Enabled". The grant succeeds; every REST call
    /// answers API_CURRENTLY_DISABLED (salesforce.md §7.2).
    #[serde(default = "yes")]
    pub api_enabled: bool,
    #[serde(default)]
    pub email: Option<String>,
    /// Earlier logins to show in LoginHistory, e.g. ["Success", "Restricted IP"].
    #[serde(default)]
    pub login_history: Vec<String>,
    /// A fixed access token the org accepts for this user (an admin session for diagnosis tests).
    #[serde(default)]
    pub session_token: Option<String>,
}

fn default_profile() -> String {
    "Minimum Access - API Only Integrations".into()
}

/// User permissions a profile or permission set can carry (API names without the `Permissions` prefix).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    ApiEnabled,
    ViewSetup,
    CustomizeApplication,
    ManageUsers,
    ModifyAllData,
    UseAnyApiClient,
    ApproveUninstalledApps,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProfileSpec {
    pub name: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// Login IP ranges, "10.0.0.0-10.0.0.255" or one address. The emulator sees clients as their
    /// loopback address, so a range without 127.0.0.1 restricts every test client.
    #[serde(default)]
    pub login_ip_ranges: Vec<String>,
    /// "Session Security Level Required at Login: High Assurance": a JWT session is issued, then
    /// REST refuses it (jsforce #1291, PR #1301), as for an app that requires High Assurance.
    #[serde(default)]
    pub high_assurance: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PermissionSetSpec {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GroupSpec {
    pub name: String,
    #[serde(default)]
    pub permission_sets: Vec<String>,
}

/// Faults injected before the token endpoint answers (and, with `all-paths`, before every answer).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Faults {
    #[serde(default)]
    pub latency_ms: u64,
    /// Answer 500 (or `status`) to the first N requests.
    #[serde(default)]
    pub server_errors: Option<ServerErrors>,
    /// Answer 429 with Retry-After to the first N requests.
    #[serde(default)]
    pub too_many_requests: Option<TooMany>,
    /// Answer an HTML maintenance page (503) to the first N requests.
    #[serde(default)]
    pub html_maintenance: u32,
    /// Send a Content-Length longer than the body and close, to the first N requests.
    #[serde(default)]
    pub truncated_body: u32,
    /// Close the connection without answering, to the first N requests.
    #[serde(default)]
    pub drop_connection: u32,
    /// Never answer the first N requests (hold the connection open).
    #[serde(default)]
    pub hang: u32,
    /// Answer `unknown_error: retry your request` (400) to the first N requests: a transient
    /// refusal that clients retry (salesforce.md §7.2).
    #[serde(default)]
    pub retry_request: u32,
    /// Apply the faults to every path, not only the token endpoint.
    #[serde(default)]
    pub all_paths: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerErrors {
    pub count: u32,
    #[serde(default = "default_500")]
    pub status: u16,
}

fn default_500() -> u16 {
    500
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TooMany {
    pub count: u32,
    #[serde(default = "one")]
    pub retry_after_seconds: u64,
}

fn one() -> u64 {
    1
}

/// Per-scenario choices where the catalogue (salesforce.md §2) disagrees or is unconfirmed.
/// Defaults are the more commonly reported behaviour.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Behaviour {
    /// Admin-approved app whose profiles/permission sets miss the user (catalogue #1b vs #2).
    #[serde(default)]
    pub not_preauthorized_error: NotPreauthorized,
    /// Connected app not installed (September 2025 restriction; catalogue #14, UNCONFIRMED for JWT).
    #[serde(default)]
    pub uninstalled_connected_app_error: Uninstalled,
    /// Inactive or frozen user (catalogue #7: the doc's inactive_user vs the observed invalid_grant).
    #[serde(default)]
    pub inactive_user_error: Inactive,
    /// Audience refused (catalogue #4: observed "audience is invalid" vs the doc's example).
    #[serde(default)]
    pub audience_error: AudienceText,
    /// IP restriction (catalogue #9: observed "ip restricted" vs the doc's wording).
    #[serde(default)]
    pub ip_restricted_error: IpText,
    /// A blocked app (catalogue #15: OAUTH_APP_BLOCKED is a web-flow code; the token endpoint's
    /// answer is UNCONFIRMED, salesforce.md §7.2).
    #[serde(default)]
    pub blocked_app_error: Blocked,
    /// Include `issued_at` and `signature` in the success body (UNCONFIRMED for this flow).
    #[serde(default = "yes")]
    pub issued_at: bool,
    /// `unavailable`: POST /composite answers 404, as where the resource is not offered (API
    /// versions before 34.0, or a gateway that passes only single queries); clients fall back.
    #[serde(default)]
    pub composite: Composite,
    /// A token-exchange handler's refusal: generic text, or its custom message (UNCONFIRMED).
    #[serde(default)]
    pub handler_message: crate::keyless::HandlerMessage,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Composite {
    #[default]
    Available,
    Unavailable,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            not_preauthorized_error: NotPreauthorized::default(),
            uninstalled_connected_app_error: Uninstalled::default(),
            inactive_user_error: Inactive::default(),
            audience_error: AudienceText::default(),
            ip_restricted_error: IpText::default(),
            blocked_app_error: Blocked::default(),
            issued_at: true,
            composite: Composite::default(),
            handler_message: crate::keyless::HandlerMessage::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum NotPreauthorized {
    #[default]
    HasntApproved,
    InvalidAppAccess,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Uninstalled {
    #[default]
    AppMustBeInstalled,
    HasntApproved,
    /// OAUTH_APPROVAL_ERROR_GENERIC, reported for uninstalled apps (jetstreamapp/jetstream #1462).
    ApprovalErrorGeneric,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Blocked {
    #[default]
    OauthAppBlocked,
    HasntApproved,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Inactive {
    #[default]
    InvalidGrant,
    InactiveUser,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AudienceText {
    #[default]
    AudienceIsInvalid,
    AudienceValidationFailed,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum IpText {
    #[default]
    IpRestricted,
    IpRestrictedOrInvalidLoginHours,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("scenario {path}: {message}")]
    Parse { path: String, message: String },
    #[error("scenario {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Read { path: path.display().to_string(), source: e })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = serde_saphyr::from_str(text).map_err(|e| ScenarioError::Parse {
            path: origin.to_string(),
            message: e.to_string().trim_start_matches("error: ").to_string(),
        })?;
        scenario.check_realism().map_err(|message| ScenarioError::Invalid { path: origin.to_string(), message })?;
        Ok(scenario)
    }

    /// Refuses combinations a real org cannot have, so no test rests on them: a connected app
    /// that is not installed has no editable policies (salesforce.md §7.6).
    fn check_realism(&self) -> Result<(), String> {
        for app in &self.apps {
            let uninstalled_connected = app.kind == AppKind::ConnectedApp && !app.installed;
            let has_policy =
                app.permitted_users.is_some() || !app.profiles.is_empty() || !app.permission_sets.is_empty();
            if uninstalled_connected && has_policy {
                return Err(format!(
                    "app {}: a connected app that is not installed has no editable policies (no Permitted Users \
                     setting, no profile or permission set list; salesforce.md §7.6): drop permitted-users, \
                     profiles and permission-sets, or install it",
                    app.name
                ));
            }
        }
        Ok(())
    }
}

/// Reads a certificate: inline PEM, or a path relative to the scenario's folder.
pub fn certificate_pem(value: &str, base: &Path) -> Result<String, String> {
    if value.contains("-----BEGIN CERTIFICATE-----") {
        return Ok(value.to_string());
    }
    let path: PathBuf = if Path::new(value).is_absolute() { PathBuf::from(value) } else { base.join(value) };
    std::fs::read_to_string(&path).map_err(|e| format!("certificate {}: {e}", path.display()))
}
