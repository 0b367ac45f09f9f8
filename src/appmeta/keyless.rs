//! Salesforce DX metadata for the keyless login (keyless.md §6): an External Client App with
//! token exchange on and no secret, the permission set that pre-authorizes the CI user, the Apex
//! handler and its tests, the allow-list Custom Metadata type with one row, the handler's
//! definition and enablement, and the Remote Site Setting for the issuer's JWKS host.

use std::path::{Path, PathBuf};

use crate::appmeta::write::{CALLBACK_URL, Written, doc, el, esc, write_files};
use crate::error::Error;

pub const HANDLER_CLASS: &str = "SfjwtKeylessHandler";
pub const ALLOW_TYPE: &str = "Sfjwt_Keyless_Allow";
const API_VERSION: &str = "62.0";
const HANDLER_APEX: &str = include_str!("templates/SfjwtKeylessHandler.cls");
const HANDLER_TEST_APEX: &str = include_str!("templates/SfjwtKeylessHandlerTest.cls");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Github,
    Gitlab,
}

impl Provider {
    pub fn id(self) -> &'static str {
        match self {
            Provider::Github => "github",
            Provider::Gitlab => "gitlab",
        }
    }

    /// The immutable id claims: (repository, owner).
    pub fn id_claims(self) -> (&'static str, &'static str) {
        match self {
            Provider::Github => ("repository_id", "repository_owner_id"),
            Provider::Gitlab => ("project_id", "namespace_id"),
        }
    }

    /// The claim naming the trigger: GitHub `event_name`, GitLab `pipeline_source`.
    pub fn event_claim(self) -> &'static str {
        match self {
            Provider::Github => "event_name",
            Provider::Gitlab => "pipeline_source",
        }
    }

    /// The claim naming the repository: GitHub `repository`, GitLab `project_path`.
    pub fn repo_claim(self) -> &'static str {
        match self {
            Provider::Github => "repository",
            Provider::Gitlab => "project_path",
        }
    }
}

pub struct KeylessSpec<'a> {
    pub provider: Provider,
    pub app_name: &'a str,
    pub label: &'a str,
    pub consumer_key: &'a str,
    pub contact_email: &'a str,
    pub permission_set: &'a str,
    pub issuer: &'a str,
    pub jwks_url: &'a str,
    pub audience: &'a str,
    pub repo: &'a str,
    pub git_ref: Option<&'a str>,
    pub environment: Option<&'a str>,
    /// The repository's and owner's immutable ids; None: pinned by name only.
    pub repo_id: Option<&'a str>,
    pub owner_id: Option<&'a str>,
    /// `branch` or `tag` (the ref_type claim); None: any.
    pub ref_type: Option<&'a str>,
    /// Require ref_protected == "true" (GitLab).
    pub protected_only: bool,
    /// Comma-separated trigger events allowed (GitHub: push,workflow_dispatch,schedule); None: any.
    pub events: Option<&'a str>,
    /// GitHub: the reusable workflow (job_workflow_ref) that alone may log in; None: any.
    pub job_workflow_ref: Option<&'a str>,
    /// The user the allow-list row maps to.
    pub username: &'a str,
    /// The handler runs as this user (Salesforce recommends an integration user).
    pub execution_user: &'a str,
}

impl KeylessSpec<'_> {
    pub fn handler_name(&self) -> String {
        format!("{}_Handler", self.app_name)
    }
}

/// An Apex single-quoted string's content.
fn apex_str(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

pub fn handler_apex(spec: &KeylessSpec<'_>) -> String {
    HANDLER_APEX
        .replace("__PROVIDER__", spec.provider.id())
        .replace("__ISSUER__", &apex_str(spec.issuer))
        .replace("__AUDIENCE__", &apex_str(spec.audience))
        .replace("__JWKS_URL__", &apex_str(spec.jwks_url))
        .replace("__APP_NAME__", &apex_str(spec.app_name))
        .replace("__REPO_CLAIM__", spec.provider.repo_claim())
        .replace("__EVENT_CLAIM__", spec.provider.event_claim())
        .replace("__REPO_ID_CLAIM__", spec.provider.id_claims().0)
        .replace("__OWNER_ID_CLAIM__", spec.provider.id_claims().1)
}

fn class_meta() -> String {
    doc("ApexClass", &[el("apiVersion", API_VERSION), el("status", "Active")].concat())
}

fn text_field(name: &str, label: &str, help: &str) -> String {
    doc(
        "CustomField",
        &[
            el("fullName", name),
            el("description", help),
            el("externalId", "false"),
            el("fieldManageability", "SubscriberControlled"),
            el("label", label),
            el("length", "255"),
            el("required", "false"),
            el("type", "Text"),
            el("unique", "false"),
        ]
        .concat(),
    )
}

/// Protected_Only__c: the row admits only runs on a protected ref (GitLab ref_protected).
fn checkbox_field() -> String {
    doc(
        "CustomField",
        &[
            el("fullName", "Protected_Only__c"),
            el("defaultValue", "false"),
            el("description", "Only runs on a protected ref (GitLab ref_protected = true)"),
            el("externalId", "false"),
            el("fieldManageability", "SubscriberControlled"),
            el("label", "Protected Only"),
            el("type", "Checkbox"),
        ]
        .concat(),
    )
}

fn allow_row(spec: &KeylessSpec<'_>) -> String {
    let value = |field: &str, v: Option<&str>| match v {
        Some(v) => format!(
            "    <values>\n        <field>{field}</field>\n        <value xsi:type=\"xsd:string\">{}</value>\n    </values>\n",
            esc(v)
        ),
        None => {
            format!("    <values>\n        <field>{field}</field>\n        <value xsi:nil=\"true\"/>\n    </values>\n")
        }
    };
    let label: String = format!("{} {}", spec.repo, spec.git_ref.unwrap_or("any ref")).chars().take(40).collect();
    let protected = format!(
        "    <values>\n        <field>Protected_Only__c</field>\n        <value xsi:type=\"xsd:boolean\">{}</value>\n    </values>\n",
        spec.protected_only
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomMetadata xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n{}{}{}{}{}{}{}{}{}{}{}{}</CustomMetadata>\n",
        el("label", &label),
        el("protected", "false"),
        value("Environment__c", spec.environment),
        value("Events__c", spec.events),
        value("Job_Workflow_Ref__c", spec.job_workflow_ref),
        value("Owner_Id__c", spec.owner_id),
        protected,
        value("Ref_Type__c", spec.ref_type),
        value("Ref__c", spec.git_ref),
        value("Repository_Id__c", spec.repo_id),
        value("Repository__c", Some(spec.repo)),
        value("Username__c", Some(spec.username)),
    )
}

/// Every file, as (path, text, private): the app's global settings hold the consumer key.
pub fn files(dir: &Path, spec: &KeylessSpec<'_>) -> Vec<(PathBuf, String, bool)> {
    let n = spec.app_name;
    let mut f: Vec<(PathBuf, String, bool)> = Vec::new();
    let mut add = |path: String, text: String, private: bool| f.push((dir.join(path), text, private));
    let ps = [
        el("description", &format!("Pre-authorizes users for the {} app's keyless (token exchange) login", spec.label)),
        el("hasActivationRequired", "false"),
        el("label", &format!("{} Keyless Access", spec.label)),
    ]
    .concat();
    add(format!("permissionsets/{}.permissionset-meta.xml", spec.permission_set), doc("PermissionSet", &ps), false);
    let eca = [
        el("contactEmail", spec.contact_email),
        el(
            "description",
            &format!("Keyless CI/CD login: {} OIDC token exchange (made by sfjwt setup --keyless)", spec.provider.id()),
        ),
        el("distributionState", "Local"),
        el("isProtected", "false"),
        el("label", spec.label),
    ]
    .concat();
    add(format!("externalClientApps/{n}.eca-meta.xml"), doc("ExternalClientApplication", &eca), false);
    let oauth = [
        el("commaSeparatedOauthScopes", "Api"),
        el("externalClientApplication", n),
        el("label", &format!("{n}_oauth")),
    ]
    .concat();
    add(
        format!("extlClntAppOauthSettings/{n}_oauth.ecaOauth-meta.xml"),
        doc("ExtlClntAppOauthSettings", &oauth),
        false,
    );
    let global = [
        el("callbackUrl", CALLBACK_URL),
        el("consumerKey", spec.consumer_key),
        el("externalClientApplication", n),
        el("isConsumerSecretOptional", "true"),
        el("isPkceRequired", "false"),
        el("isSecretRequiredForTokenExchange", "false"),
        el("isTokenExchangeEnabled", "true"),
        el("label", &format!("{n}_glbloauth")),
    ]
    .concat();
    add(
        format!("extlClntAppGlobalOauthSets/{n}_glbloauth.ecaGlblOauth-meta.xml"),
        doc("ExtlClntAppGlobalOauthSettings", &global),
        true,
    );
    let policies = [
        el("externalClientApplication", n),
        el("isEnabled", "true"),
        el("isOauthPluginEnabled", "true"),
        el("label", &format!("{n}_plcy")),
    ]
    .concat();
    add(
        format!("extlClntAppPolicies/{n}_plcy.ecaPlcy-meta.xml"),
        doc("ExtlClntAppConfigurablePolicies", &policies),
        false,
    );
    let oauth_policies = [
        el("commaSeparatedPermissionSet", spec.permission_set),
        el("externalClientApplication", n),
        el("ipRelaxationPolicyType", "Enforce"),
        el("isTokenExchangeFlowEnabled", "true"),
        el("label", &format!("{n}_oauthPlcy")),
        el("permittedUsersPolicyType", "AdminApprovedPreAuthorized"),
    ]
    .concat();
    add(
        format!("extlClntAppOauthPolicies/{n}_oauthPlcy.ecaOauthPlcy-meta.xml"),
        doc("ExtlClntAppOauthConfigurablePolicies", &oauth_policies),
        false,
    );
    f.extend(handler_files(dir, spec));
    f
}

/// The handler: its Apex and tests, the allow-list type and row, its definition and enablement,
/// and the Remote Site Setting for its JWKS callout.
fn handler_files(dir: &Path, spec: &KeylessSpec<'_>) -> Vec<(PathBuf, String, bool)> {
    let n = spec.app_name;
    let mut f: Vec<(PathBuf, String, bool)> = Vec::new();
    let mut add = |path: String, text: String, private: bool| f.push((dir.join(path), text, private));
    add(format!("classes/{HANDLER_CLASS}.cls"), handler_apex(spec), false);
    add(format!("classes/{HANDLER_CLASS}.cls-meta.xml"), class_meta(), false);
    add(
        format!("classes/{HANDLER_CLASS}Test.cls"),
        HANDLER_TEST_APEX.replace("__PROVIDER__", spec.provider.id()),
        false,
    );
    add(format!("classes/{HANDLER_CLASS}Test.cls-meta.xml"), class_meta(), false);
    let obj = format!("objects/{ALLOW_TYPE}__mdt");
    let object = [
        el(
            "description",
            "Keyless CI logins: which repository / ref / environment maps to which user (read by SfjwtKeylessHandler)",
        ),
        el("label", "sfjwt Keyless Allow"),
        el("pluralLabel", "sfjwt Keyless Allow"),
        el("visibility", "Protected"),
    ]
    .concat();
    add(format!("{obj}/{ALLOW_TYPE}__mdt.object-meta.xml"), doc("CustomObject", &object), false);
    for (field, label, help) in [
        ("Repository__c", "Repository", "GitHub repository (owner/name) or GitLab project_path: exact match"),
        ("Ref__c", "Ref", "GitHub ref (refs/heads/main) or GitLab ref (main); empty: any ref"),
        ("Environment__c", "Environment", "Deployment environment; empty: any, including none"),
        ("Repository_Id__c", "Repository Id", "GitHub repository_id or GitLab project_id: exact match; empty: any"),
        ("Owner_Id__c", "Owner Id", "GitHub repository_owner_id or GitLab namespace_id: exact match; empty: any"),
        ("Ref_Type__c", "Ref Type", "branch or tag (the ref_type claim): exact match; empty: any"),
        (
            "Events__c",
            "Events",
            "Comma-separated triggers allowed (GitHub event_name, GitLab pipeline_source); empty: any",
        ),
        (
            "Job_Workflow_Ref__c",
            "Job Workflow Ref",
            "GitHub job_workflow_ref (OWNER/REPO/.github/workflows/FILE@REF of a reusable workflow): exact match; empty: any",
        ),
        ("Username__c", "Username", "The Salesforce user this row logs in as"),
    ] {
        add(format!("{obj}/fields/{field}.field-meta.xml"), text_field(field, label, help), false);
    }
    add(format!("{obj}/fields/Protected_Only__c.field-meta.xml"), checkbox_field(), false);
    let row_name: String = format!("{}_{}", spec.repo, spec.git_ref.unwrap_or("any"))
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let row_name = format!("R_{}", row_name.split('_').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("_"));
    let row_name: String = row_name.chars().take(40).collect::<String>().trim_end_matches('_').to_string();
    add(format!("customMetadata/{ALLOW_TYPE}.{row_name}.md-meta.xml"), allow_row(spec), false);
    let handler = [
        el("description", &format!("Keyless CI login from {} OIDC tokens (made by sfjwt setup --keyless)", spec.provider.id())),
        // Required by the Metadata API WSDL (OauthTokenExchangeHandler.developerName has no minOccurs="0").
        el("developerName", &spec.handler_name()),
        format!(
            "    <enablements>\n        <apexExecutionUser>{}</apexExecutionUser>\n        <externalClientApp>{}</externalClientApp>\n        <isDefault>true</isDefault>\n    </enablements>\n",
            esc(spec.execution_user),
            esc(n)
        ),
        el("isAccessTokenSupported", "false"),
        el("isEnabled", "true"),
        el("isIdTokenSupported", "true"),
        el("isJwtSupported", "true"),
        el("isProtected", "false"),
        el("isRefreshTokenSupported", "false"),
        el("isSaml2Supported", "false"),
        el("isUserCreationAllowed", "false"),
        el("masterLabel", &format!("{} Handler", spec.label)),
        el("tokenHandlerApex", HANDLER_CLASS),
    ]
    .concat();
    add(
        format!("oauthtokenexchangehandlers/{}.oauthtokenexchangehandler-meta.xml", spec.handler_name()),
        doc("OauthTokenExchangeHandler", &handler),
        false,
    );
    let host = url::Url::parse(spec.jwks_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let site = [
        el("description", "The CI issuer's JWKS, fetched by SfjwtKeylessHandler (sfjwt setup --keyless)"),
        el("disableProtocolSecurity", "false"),
        el("isActive", "true"),
        el("url", &host),
    ]
    .concat();
    add(
        format!("remoteSiteSettings/Sfjwt_{}_JWKS.remoteSite-meta.xml", spec.provider.id()),
        doc("RemoteSiteSetting", &site),
        false,
    );
    f
}

pub fn write(dir: &Path, spec: &KeylessSpec<'_>, force: bool) -> Result<Vec<Written>, Error> {
    write_files(files(dir, spec), force)
}
