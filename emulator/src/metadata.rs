//! Loads apps and permission sets from a Salesforce DX source folder, as a deploy would create them:
//! `*.connectedApp-meta.xml`, the External Client App file family, and `*.permissionset-meta.xml`.

use std::path::Path;

use crate::scenario::{AppKind, AppSpec, IpRelaxation, PermissionSetSpec, PermittedUsers};

#[derive(Default)]
pub struct Deployed {
    pub apps: Vec<AppSpec>,
    pub permission_sets: Vec<PermissionSetSpec>,
    /// Token exchange handlers (`*.oauthtokenexchangehandler-meta.xml`) with their Apex policy.
    pub handlers: Vec<crate::keyless::HandlerSpec>,
}

pub fn load(dir: &Path) -> Result<Deployed, String> {
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| format!("cannot read source folder {}: {e}", dir.display()))?;
    files.sort();
    let mut out = Deployed::default();
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".connectedApp-meta.xml") {
            out.apps.push(connected_app(stem, &read(f)?).map_err(|e| format!("{}: {e}", f.display()))?);
        } else if let Some(stem) = name.strip_suffix(".permissionset-meta.xml") {
            let doc = read(f)?;
            let label = field(&parse(&doc)?, "label");
            out.permission_sets.push(PermissionSetSpec { name: stem.to_string(), label, permissions: vec![] });
        } else if let Some(stem) = name.strip_suffix(".eca-meta.xml") {
            out.apps.push(external_client_app(stem, f.parent().unwrap_or(dir), dir, &files)?);
        } else if let Some(stem) = name.strip_suffix(".oauthtokenexchangehandler-meta.xml") {
            out.handlers.push(crate::keyless_metadata::handler(stem, &read(f)?, &files)?);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

pub(crate) fn parse(text: &str) -> Result<roxmltree::Document<'_>, String> {
    roxmltree::Document::parse(text).map_err(|e| format!("invalid XML: {e}"))
}

pub(crate) fn field(doc: &roxmltree::Document<'_>, tag: &str) -> Option<String> {
    doc.descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).map(|t| t.trim().to_string())
}

fn all(doc: &roxmltree::Document<'_>, tag: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn connected_app(stem: &str, text: &str) -> Result<AppSpec, String> {
    let doc = parse(text)?;
    let consumer_key = field(&doc, "consumerKey").ok_or("oauthConfig has no consumerKey")?;
    let certificate = field(&doc, "certificate").ok_or("oauthConfig has no certificate (JWT needs one)")?;
    let admin = field(&doc, "isAdminApproved").is_some_and(|v| v == "true");
    let ip = field(&doc, "ipRelaxation").unwrap_or_default();
    let high = field(&doc, "sessionLevel").is_some_and(|v| v.eq_ignore_ascii_case("HIGH_ASSURANCE"));
    Ok(AppSpec {
        name: field(&doc, "label").unwrap_or_else(|| stem.to_string()),
        kind: AppKind::ConnectedApp,
        consumer_key,
        certificate,
        installed: true,
        blocked: false,
        permitted_users: Some(if admin {
            PermittedUsers::AdminApprovedPreauthorized
        } else {
            PermittedUsers::AllSelfAuthorize
        }),
        profiles: all(&doc, "profileName"),
        permission_sets: all(&doc, "permissionSetName"),
        high_assurance: high,
        ip_relaxation: if ip.starts_with("BYPASS") { IpRelaxation::Bypass } else { IpRelaxation::Enforce },
        scopes: all(&doc, "scopes").iter().map(|s| scope_name(s)).collect(),
        propagation_delay_seconds: 0,
        approved_users: vec![],
        jwt_access_tokens: field(&doc, "isNamedUserJwtEnabled").is_some_and(|v| v == "true"),
        token_exchange: false,
    })
}

/// Metadata scope names (Api, RefreshToken) to OAuth scope names (api, refresh_token).
fn scope_name(s: &str) -> String {
    match s {
        "Api" => "api".into(),
        "Full" => "full".into(),
        "RefreshToken" | "OfflineAccess" => "refresh_token".into(),
        "Web" => "web".into(),
        "OpenID" => "openid".into(),
        "Basic" => "id".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// An External Client App is several files that name the app in `externalClientApplication`.
fn external_client_app(
    stem: &str,
    _folder: &Path,
    _root: &Path,
    files: &[std::path::PathBuf],
) -> Result<AppSpec, String> {
    let mut consumer_key = None;
    let mut certificate = None;
    let mut exchange = (false, false);
    let mut scopes = Vec::new();
    let mut policy = None;
    let mut label = stem.to_string();
    for f in files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let belongs = |doc: &roxmltree::Document<'_>| field(doc, "externalClientApplication").as_deref() == Some(stem);
        if name == format!("{stem}.eca-meta.xml") {
            label = field(&parse(&text)?, "label").unwrap_or(label);
        } else if name.ends_with(".ecaGlblOauth-meta.xml") {
            let doc = parse(&text)?;
            if belongs(&doc) {
                consumer_key = field(&doc, "consumerKey");
                certificate = field(&doc, "certificate");
                exchange.0 = field(&doc, "isTokenExchangeEnabled").is_some_and(|v| v == "true");
            }
        } else if name.ends_with(".ecaOauth-meta.xml") {
            let doc = parse(&text)?;
            if belongs(&doc) {
                scopes = field(&doc, "commaSeparatedOauthScopes")
                    .unwrap_or_default()
                    .split(',')
                    .map(|s| scope_name(s.trim()))
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        } else if name.ends_with(".ecaOauthPlcy-meta.xml") {
            let doc = parse(&text)?;
            if belongs(&doc) {
                policy = Some((
                    field(&doc, "permittedUsersPolicyType").unwrap_or_default(),
                    split_csv(field(&doc, "commaSeparatedProfile")),
                    split_csv(field(&doc, "commaSeparatedPermissionSet")),
                    field(&doc, "ipRelaxationPolicyType").unwrap_or_default(),
                    field(&doc, "requiredSessionLevel").unwrap_or_default(),
                ));
                exchange.1 = field(&doc, "isTokenExchangeFlowEnabled").is_some_and(|v| v == "true");
            }
        }
    }
    let consumer_key =
        consumer_key.ok_or_else(|| format!("External Client App {stem}: no ecaGlblOauth file with a consumerKey"))?;
    // Token exchange needs both the developer setting and the admin policy (keyless.md §1.3).
    let token_exchange = exchange.0 && exchange.1;
    let certificate = match certificate {
        Some(c) => c,
        None if token_exchange => String::new(),
        None => return Err(format!("External Client App {stem}: the global OAuth settings have no certificate")),
    };
    let (policy_type, profiles, permission_sets, ip, level) = policy.unwrap_or_default();
    Ok(AppSpec {
        name: label,
        kind: AppKind::ExternalClientApp,
        consumer_key,
        certificate,
        installed: true,
        blocked: false,
        permitted_users: Some(if policy_type == "AllSelfAuthorized" {
            PermittedUsers::AllSelfAuthorize
        } else {
            PermittedUsers::AdminApprovedPreauthorized
        }),
        profiles,
        permission_sets,
        high_assurance: level.eq_ignore_ascii_case("HIGH_ASSURANCE"),
        ip_relaxation: if ip.starts_with("Bypass") { IpRelaxation::Bypass } else { IpRelaxation::Enforce },
        scopes: if scopes.is_empty() { vec!["api".into()] } else { scopes },
        propagation_delay_seconds: 0,
        approved_users: vec![],
        jwt_access_tokens: false,
        token_exchange,
    })
}

fn split_csv(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default().split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}
