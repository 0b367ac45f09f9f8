//! `sfjwt.yaml`: named targets, so one file serves production, UAT and the rest.
//! Never a source of `--allow-host`: a pull request can change this file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, UsageKind};

pub const DEFAULT_FILE: &str = "sfjwt.yaml";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Used when --target is not given.
    #[serde(default)]
    pub default_target: Option<String>,
    #[serde(default)]
    pub targets: BTreeMap<String, Target>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub client_id: Option<String>,
    pub username: Option<String>,
    /// login | test | a My Domain host | a URL
    pub login_url: Option<String>,
    pub audience: Option<String>,
    /// Any key-input form: a path, file:PATH, env:VAR
    pub key: Option<String>,
    pub key_passphrase_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub timeout: Option<String>,
    /// doctor: the Salesforce CLI alias of an admin of this org.
    pub admin_sf_org: Option<String>,
    /// doctor: the NAME of the variable holding an admin access token (never the token itself).
    pub admin_token_env: Option<String>,
    /// doctor: the admin session's instance URL.
    pub admin_instance_url: Option<String>,
    /// doctor: the app's name in the org.
    pub app_name: Option<String>,
    /// doctor: the certificate uploaded to the app (expiry timeline, key match).
    pub cert: Option<PathBuf>,
    /// salesforce (the default) or entra: who issues this target's token (issue 25).
    pub provider: Option<String>,
    /// entra: the directory (tenant) id or a verified domain.
    pub tenant: Option<String>,
    /// entra: the login attempt's scope, RESOURCE/.default.
    pub scope: Option<String>,
    /// entra: a federated (keyless) app's OIDC token source, as --oidc takes it.
    pub oidc: Option<String>,
    /// entra: application permissions the app must hold (admin consent).
    #[serde(default)]
    pub require_roles: Vec<String>,
    /// entra: Microsoft Graph's URL, when not the authority's cloud's.
    pub graph_url: Option<String>,
}

pub struct Loaded {
    pub path: PathBuf,
    pub target_name: String,
    pub target: Target,
    /// Named by `--target` (or a fleet run), not picked by the file's `default_target`.
    pub explicit: bool,
}

/// Loads the chosen target: `--config FILE` (must exist) or ./sfjwt.yaml (if present).
pub fn load(explicit: Option<&Path>, target: Option<&str>) -> Result<Option<Loaded>, Error> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from(DEFAULT_FILE);
            if !p.is_file() {
                if let Some(t) = target {
                    return Err(Error::usage_of(
                        UsageKind::Config,
                        format!("--target {t} given, but there is no {DEFAULT_FILE} here"),
                        "pass --config FILE, or run where sfjwt.yaml is",
                    ));
                }
                return Ok(None);
            }
            p
        }
    };
    let file = read(&path)?;
    let explicit = target.is_some();
    let Some(name) = target.map(str::to_string).or(file.default_target.clone()) else {
        return Ok(None);
    };
    let Some(t) = file.targets.get(&name) else {
        let known: Vec<&str> = file.targets.keys().map(String::as_str).collect();
        return Err(Error::usage_of(
            UsageKind::Config,
            format!("{}: no target named {name:?}", path.display()),
            format!("known targets: {}", if known.is_empty() { "none".into() } else { known.join(", ") }),
        ));
    };
    let target = rebase(t.clone(), path.parent().unwrap_or(Path::new("")));
    Ok(Some(Loaded { path, target_name: name, target, explicit }))
}

/// The target's relative paths (`key:`, `cert:`, `ca_file:`, `key_passphrase_file:`) taken from
/// the file's folder, as a reader of the file expects, not from wherever the job happens to run.
fn rebase(mut t: Target, dir: &Path) -> Target {
    let join = |p: PathBuf| if p.is_relative() { dir.join(p) } else { p };
    t.cert = t.cert.map(join);
    t.ca_file = t.ca_file.map(join);
    t.key_passphrase_file = t.key_passphrase_file.map(join);
    t.key = t.key.map(|k| {
        if k == "-" || k.starts_with("env:") || k.contains("-----BEGIN") {
            return k;
        }
        let p = PathBuf::from(k.strip_prefix("file:").unwrap_or(&k));
        if p.is_relative() { dir.join(p).to_string_lossy().into_owned() } else { k }
    });
    t
}

/// Every target's name, for `doctor --all`: `--config FILE` or ./sfjwt.yaml, which must exist.
pub fn target_names(explicit: Option<&Path>) -> Result<(PathBuf, Vec<String>), Error> {
    let path = explicit.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(DEFAULT_FILE));
    if explicit.is_none() && !path.is_file() {
        return Err(Error::usage_of(
            UsageKind::Config,
            format!("--all checks every target of {DEFAULT_FILE}, and there is none here"),
            "pass --config FILE, or run where sfjwt.yaml is",
        ));
    }
    let file = read(&path)?;
    if file.targets.is_empty() {
        return Err(Error::usage_of(
            UsageKind::Config,
            format!("{} has no targets", path.display()),
            "add targets: to the file",
        ));
    }
    Ok((path, file.targets.keys().cloned().collect()))
}

fn read(path: &Path) -> Result<ConfigFile, Error> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_CONFIG_BYTES as u64) {
        return Err(Error::usage_of(
            UsageKind::Config,
            format!("config {} is larger than {MAX_CONFIG_BYTES} bytes", path.display()),
            "a config file holds a few targets",
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        action: "read config",
        path: path.display().to_string(),
        source: e,
        help: Some("pass an existing YAML file to --config".into()),
    })?;
    parse_once(&text, &path.display().to_string())
}

/// The last config text parsed, with what it parsed to. `doctor --all` resolves every target
/// through the same file (its settings, then its doctor keys): parsing it again each time made
/// the fleet's start quadratic in its targets (101 parses of a 50-target file, about 70 ms before
/// the first org was asked; issue 22, step 8). Keyed by the text, so an edited file is parsed
/// anew; errors are not kept.
static LAST_PARSED: std::sync::Mutex<Option<(String, ConfigFile)>> = std::sync::Mutex::new(None);

fn parse_once(text: &str, origin: &str) -> Result<ConfigFile, Error> {
    if let Ok(last) = LAST_PARSED.lock()
        && let Some((t, file)) = last.as_ref()
        && t == text
    {
        return Ok(file.clone());
    }
    let file = parse(text, origin)?;
    if let Ok(mut last) = LAST_PARSED.lock() {
        *last = Some((text.to_string(), file.clone()));
    }
    Ok(file)
}

/// Parses config text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<ConfigFile, Error> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(Error::usage_of(
            UsageKind::Config,
            format!("config {origin} is larger than {MAX_CONFIG_BYTES} bytes"),
            "a config file holds a few targets",
        ));
    }
    serde_saphyr::from_str(text).map_err(|e| {
        // The parser's own excerpt quotes the file's lines, which can hold a pasted key or token:
        // only the location and the message are kept, long runs of key-like text cut out.
        let first = e.to_string().lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
        Error::usage_of(
            UsageKind::Config,
            format!("invalid config {origin}: {}", crate::secrets::redact_long_runs(&first)),
            "the file holds `targets:` with client_id, username, login_url, audience, key, key_passphrase_file, ca_file, timeout, and for doctor admin_sf_org, admin_token_env, admin_instance_url, app_name, cert",
        )
    })
}

/// A config file is a few targets; anything far larger is a mistake (or an attack on the parser).
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// `sfdcLoginUrl` from ./sfdx-project.json, as the Salesforce CLI reads it.
pub fn sfdx_login_url() -> Option<String> {
    let text = std::fs::read_to_string("sfdx-project.json").ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("sfdcLoginUrl")?.as_str().map(str::to_string)
}
