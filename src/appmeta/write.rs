//! Salesforce DX metadata for a JWT app: an External Client App (the default since Spring '26)
//! or a connected app, plus the permission set that pre-authorizes the CI user.
//! Field names follow the Metadata API (its WSDL; tests/wsdl holds the check).

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::fsutil;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ExternalClientApp,
    ConnectedApp,
}

pub struct AppSpec<'a> {
    pub kind: Kind,
    /// The metadata API name (letters, digits, underscores).
    pub api_name: &'a str,
    pub label: &'a str,
    pub consumer_key: &'a str,
    pub certificate_pem: &'a str,
    pub contact_email: &'a str,
    pub permission_set: &'a str,
}

/// A file written, and whether it holds consumer details that must stay out of source control.
pub struct Written {
    pub path: PathBuf,
    pub private: bool,
}

pub const CALLBACK_URL: &str = "http://localhost:1717/OauthRedirect";

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub(crate) fn doc(root: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{body}</{root}>\n"
    )
}

pub(crate) fn el(name: &str, value: &str) -> String {
    format!("    <{name}>{}</{name}>\n", esc(value))
}

/// A random consumer key: alphanumeric, as the metadata allows at creation, so the client id is
/// known before any deploy.
pub fn consumer_key() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 64];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    // Rejection-free mapping: 62 letters over 256 values biases a little; 64 characters of it
    // still carry far more than 300 bits.
    bytes.iter().map(|b| CHARS[(*b as usize) % CHARS.len()] as char).collect()
}

pub fn valid_api_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

pub fn write(dir: &Path, spec: &AppSpec<'_>, force: bool) -> Result<Vec<Written>, Error> {
    let ps_body = [
        el("description", &format!("Pre-authorizes users for the {} app's JWT bearer login", spec.label)),
        el("hasActivationRequired", "false"),
        el("label", &format!("{} JWT Access", spec.label)),
    ]
    .concat();
    let mut files = vec![(
        dir.join(format!("permissionsets/{}.permissionset-meta.xml", spec.permission_set)),
        doc("PermissionSet", &ps_body),
        false,
    )];
    match spec.kind {
        Kind::ExternalClientApp => files.extend(eca_files(dir, spec)),
        Kind::ConnectedApp => files.push(connected_app_file(dir, spec)),
    }
    write_files(files, force)
}

type File = (PathBuf, String, bool);

/// The External Client App's five files (Metadata API shapes, checked against its WSDL in tests/wsdl); the global
/// OAuth settings hold the consumer key and certificate, so they are the private one.
fn eca_files(dir: &Path, spec: &AppSpec<'_>) -> Vec<File> {
    let n = spec.api_name;
    let eca = [
        el("contactEmail", spec.contact_email),
        el("description", "CI/CD login with the OAuth 2.0 JWT bearer flow (made by sfjwt setup)"),
        el("distributionState", "Local"),
        el("isProtected", "false"),
        el("label", spec.label),
    ]
    .concat();
    let oauth = [
        el("commaSeparatedOauthScopes", "Api,RefreshToken"),
        el("externalClientApplication", n),
        el("label", &format!("{n}_oauth")),
    ]
    .concat();
    let global = [
        el("callbackUrl", CALLBACK_URL),
        el("certificate", spec.certificate_pem.trim()),
        el("consumerKey", spec.consumer_key),
        el("externalClientApplication", n),
        el("isConsumerSecretOptional", "true"),
        el("isPkceRequired", "false"),
        el("label", &format!("{n}_glbloauth")),
    ]
    .concat();
    let policies = [
        el("externalClientApplication", n),
        el("isEnabled", "true"),
        el("isOauthPluginEnabled", "true"),
        el("label", &format!("{n}_plcy")),
    ]
    .concat();
    let oauth_policies = [
        el("commaSeparatedPermissionSet", spec.permission_set),
        el("externalClientApplication", n),
        el("ipRelaxationPolicyType", "Enforce"),
        el("label", &format!("{n}_oauthPlcy")),
        el("permittedUsersPolicyType", "AdminApprovedPreAuthorized"),
        el("refreshTokenPolicyType", "Infinite"),
    ]
    .concat();
    vec![
        (dir.join(format!("externalClientApps/{n}.eca-meta.xml")), doc("ExternalClientApplication", &eca), false),
        (
            dir.join(format!("extlClntAppOauthSettings/{n}_oauth.ecaOauth-meta.xml")),
            doc("ExtlClntAppOauthSettings", &oauth),
            false,
        ),
        (
            dir.join(format!("extlClntAppGlobalOauthSets/{n}_glbloauth.ecaGlblOauth-meta.xml")),
            doc("ExtlClntAppGlobalOauthSettings", &global),
            true,
        ),
        (
            dir.join(format!("extlClntAppPolicies/{n}_plcy.ecaPlcy-meta.xml")),
            doc("ExtlClntAppConfigurablePolicies", &policies),
            false,
        ),
        (
            dir.join(format!("extlClntAppOauthPolicies/{n}_oauthPlcy.ecaOauthPlcy-meta.xml")),
            doc("ExtlClntAppOauthConfigurablePolicies", &oauth_policies),
            false,
        ),
    ]
}

fn connected_app_file(dir: &Path, spec: &AppSpec<'_>) -> File {
    // Nested one level; the PEM's own lines are left untouched.
    let inner = |name: &str, value: &str| format!("    {}", el(name, value));
    let oauth = [
        inner("callbackUrl", CALLBACK_URL),
        inner("certificate", spec.certificate_pem.trim()),
        inner("consumerKey", spec.consumer_key),
        inner("isAdminApproved", "true"),
        inner("isConsumerSecretOptional", "true"),
        inner("scopes", "Api"),
        inner("scopes", "RefreshToken"),
    ]
    .concat();
    let body = [
        el("contactEmail", spec.contact_email),
        el("description", "CI/CD login with the OAuth 2.0 JWT bearer flow (made by sfjwt setup)"),
        el("label", spec.label),
        format!("    <oauthConfig>\n{oauth}    </oauthConfig>\n"),
        "    <oauthPolicy>\n        <ipRelaxation>ENFORCE</ipRelaxation>\n        <refreshTokenPolicy>infinite</refreshTokenPolicy>\n    </oauthPolicy>\n".to_string(),
        el("permissionSetName", spec.permission_set),
    ]
    .concat();
    (dir.join(format!("connectedApps/{}.connectedApp-meta.xml", spec.api_name)), doc("ConnectedApp", &body), false)
}

/// Writes (path, text, private) files, refusing to overwrite any unless `force`; private ones
/// (consumer details) get mode 0600.
pub(crate) fn write_files(files: Vec<(PathBuf, String, bool)>, force: bool) -> Result<Vec<Written>, Error> {
    if !force {
        for (p, _, _) in &files {
            if p.exists() {
                return Err(Error::usage(
                    format!("{} already exists", p.display()),
                    "pass --force to overwrite, or choose another --app-name",
                ));
            }
        }
    }
    let mut written = Vec::new();
    for (path, text, private) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                action: "create",
                path: parent.display().to_string(),
                source: e,
                help: None,
            })?;
        }
        let mode = if private { fsutil::SECRET_MODE } else { fsutil::PUBLIC_MODE };
        fsutil::write_atomic(&path, text.as_bytes(), mode)?;
        written.push(Written { path, private });
    }
    Ok(written)
}

/// Adds `entry` to the .gitignore in `dir` unless a line already says it.
pub fn gitignore(dir: &Path, entry: &str) -> Result<(), Error> {
    let path = dir.join(".gitignore");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current.lines().any(|l| l.trim() == entry) {
        return Ok(());
    }
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(entry);
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| Error::Io {
        action: "write",
        path: path.display().to_string(),
        source: e,
        help: None,
    })
}

/// Replaces the `<certificate>` element of an app metadata file (cert rotation).
pub fn replace_certificate(xml: &str, new_pem: &str) -> Option<String> {
    let start = xml.find("<certificate>")? + "<certificate>".len();
    let end = xml[start..].find("</certificate>")? + start;
    Some(format!("{}{}{}", &xml[..start], esc(new_pem.trim()), &xml[end..]))
}
