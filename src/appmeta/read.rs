//! The app as the repository describes it: `*.connectedApp-meta.xml` and the External Client App
//! files under a Salesforce DX source folder. Matched to the login by consumer key.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    ConnectedApp,
    ExternalClientApp,
}

#[derive(Clone, Debug, Serialize)]
pub struct RepoApp {
    pub path: String,
    pub kind: AppKind,
    /// The metadata API name (file stem).
    pub api_name: String,
    pub label: String,
    pub consumer_key: Option<String>,
    /// isAdminApproved / permittedUsersPolicyType == AdminApprovedPreAuthorized
    pub admin_approved: Option<bool>,
    pub profiles: Vec<String>,
    pub permission_sets: Vec<String>,
    #[serde(skip)]
    pub certificate: Option<String>,
    /// The file the certificate is in: the connected app's own file, or an External Client App's
    /// global OAuth settings (not the .eca file `path` names).
    #[serde(skip)]
    pub certificate_path: Option<String>,
    pub high_assurance: bool,
}

/// The source folders to read: `--source-dir`, else the packageDirectories of ./sfdx-project.json.
pub fn source_dirs(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(d) = explicit {
        return vec![d.to_path_buf()];
    }
    let Ok(text) = std::fs::read_to_string("sfdx-project.json") else { return vec![] };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { return vec![] };
    v.get("packageDirectories")
        .and_then(|p| p.as_array())
        .map(|a| a.iter().filter_map(|d| d.get("path")?.as_str().map(PathBuf::from)).collect())
        .unwrap_or_default()
}

pub fn scan(dirs: &[PathBuf]) -> Vec<RepoApp> {
    let mut files = Vec::new();
    for d in dirs {
        walk(d, &mut files, 0);
    }
    files.sort();
    let mut apps = Vec::new();
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".connectedApp-meta.xml") {
            if let Some(app) = std::fs::read_to_string(f).ok().and_then(|t| connected_app(stem, f, &t)) {
                apps.push(app);
            }
        } else if let Some(stem) = name.strip_suffix(".eca-meta.xml") {
            apps.push(external_client_app(stem, f, &files));
        }
    }
    apps
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Bounded: a source folder is shallow; a symlink loop must not hang a pipeline.
    if depth > 12 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "node_modules" || n == ".git") {
                continue;
            }
            walk(&p, out, depth + 1);
        } else if p.to_string_lossy().ends_with("-meta.xml") {
            out.push(p);
        }
    }
}

fn text(doc: &roxmltree::Document<'_>, tag: &str) -> Option<String> {
    doc.descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).map(|t| t.trim().to_string())
}

fn texts(doc: &roxmltree::Document<'_>, tag: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn connected_app(stem: &str, path: &Path, xml: &str) -> Option<RepoApp> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    Some(RepoApp {
        path: path.display().to_string(),
        kind: AppKind::ConnectedApp,
        api_name: stem.to_string(),
        label: text(&doc, "label").unwrap_or_else(|| stem.to_string()),
        consumer_key: text(&doc, "consumerKey"),
        admin_approved: text(&doc, "isAdminApproved").map(|v| v == "true"),
        profiles: texts(&doc, "profileName"),
        permission_sets: texts(&doc, "permissionSetName"),
        certificate: text(&doc, "certificate"),
        certificate_path: Some(path.display().to_string()),
        high_assurance: text(&doc, "sessionLevel").is_some_and(|v| v.eq_ignore_ascii_case("HIGH_ASSURANCE")),
    })
}

fn external_client_app(stem: &str, path: &Path, files: &[PathBuf]) -> RepoApp {
    let mut app = RepoApp {
        path: path.display().to_string(),
        kind: AppKind::ExternalClientApp,
        api_name: stem.to_string(),
        label: stem.to_string(),
        consumer_key: None,
        admin_approved: None,
        profiles: vec![],
        permission_sets: vec![],
        certificate: None,
        certificate_path: None,
        high_assurance: false,
    };
    let csv = |v: Option<String>| -> Vec<String> {
        v.unwrap_or_default().split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    };
    for f in files {
        let Ok(xml) = std::fs::read_to_string(f) else { continue };
        let Ok(doc) = roxmltree::Document::parse(&xml) else { continue };
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if f == path {
            app.label = text(&doc, "label").unwrap_or(app.label.clone());
            continue;
        }
        if text(&doc, "externalClientApplication").as_deref() != Some(stem) {
            continue;
        }
        if name.ends_with(".ecaGlblOauth-meta.xml") {
            app.consumer_key = text(&doc, "consumerKey");
            app.certificate = text(&doc, "certificate");
            app.certificate_path = Some(f.display().to_string());
        } else if name.ends_with(".ecaOauthPlcy-meta.xml") {
            app.admin_approved = text(&doc, "permittedUsersPolicyType").map(|v| v == "AdminApprovedPreAuthorized");
            app.profiles = csv(text(&doc, "commaSeparatedProfile"));
            app.permission_sets = csv(text(&doc, "commaSeparatedPermissionSet"));
            app.high_assurance =
                text(&doc, "requiredSessionLevel").is_some_and(|v| v.eq_ignore_ascii_case("HIGH_ASSURANCE"));
        }
    }
    app
}

/// The repository app whose consumer key is the login's client id.
pub fn find_by_key<'a>(apps: &'a [RepoApp], client_id: &str) -> Option<&'a RepoApp> {
    apps.iter().find(|a| a.consumer_key.as_deref() == Some(client_id))
}
