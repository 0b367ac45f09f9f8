//! The Salesforce CLI (`sf`): found where it will be run, and handed a session.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::fsutil;

mod env;

/// The Salesforce CLI: SFJWT_SF_BIN, else `sf` on PATH; quiet about its own updates.
pub struct Sf {
    bin: std::ffi::OsString,
}

impl Sf {
    pub fn new() -> Sf {
        Sf { bin: std::env::var_os("SFJWT_SF_BIN").unwrap_or_else(|| "sf".into()) }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        // Only what sf needs: never the key, its passphrase or the admin token.
        env::restrict(&mut cmd);
        cmd.args(args).env("SF_SKIP_NEW_VERSION_CHECK", "true");
        cmd
    }

    /// Checked before the grant (or before setup writes anything): sf must exist where it will be
    /// run, so that a missing sf never strands an issued token or a half-written setup.
    pub fn check_available(&self) -> Result<(), Error> {
        let bin = std::path::Path::new(&self.bin);
        let found = if bin.components().count() > 1 {
            bin.is_file()
        } else {
            std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        };
        if found {
            return Ok(());
        }
        Err(Error::usage(
            format!("the Salesforce CLI ({}) is not installed or not on PATH", bin.display()),
            "install it first (npm install --global @salesforce/cli), or set SFJWT_SF_BIN; nothing was sent or written",
        ))
    }

    /// The error when sf cannot even start; `help` says what else the user can do.
    pub fn spawn_error(&self, source: std::io::Error, help: &str) -> Error {
        Error::Io {
            action: "run the Salesforce CLI",
            path: self.bin.to_string_lossy().into_owned(),
            source,
            help: Some(format!("install it (npm install -g @salesforce/cli) or set SFJWT_SF_BIN{help}")),
        }
    }
}

impl Default for Sf {
    fn default() -> Self {
        Sf::new()
    }
}

/// `sf org login access-token`, the token passed in the environment (never on a command line).
/// sf is Node: it trusts `--ca-file` only through NODE_EXTRA_CA_CERTS, so that is set for it.
/// `extra`: sf's own flags to pass on (`--set-default`, `--set-default-dev-hub`).
pub fn sf_handoff(
    alias: &str,
    instance_url: &str,
    token: &str,
    ca_files: &[PathBuf],
    extra: &[&str],
) -> Result<(), Error> {
    let sf = Sf::new();
    let bundle = ca_bundle(ca_files)?;
    let mut args =
        vec!["org", "login", "access-token", "--instance-url", instance_url, "--alias", alias, "--no-prompt"];
    args.extend_from_slice(extra);
    let mut cmd = sf.command(&args);
    cmd.env("SF_ACCESS_TOKEN", token);
    if let Some(path) = bundle.as_ref().map(|b| b.path()) {
        cmd.env("NODE_EXTRA_CA_CERTS", path);
    }
    let out = cmd.output().map_err(|e| sf.spawn_error(e, ""))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = crate::untrusted::text(&crate::secrets::scrub(&text.replace(token, "***")));
    let mut excerpt: String = text.trim().chars().take(600).collect();
    if excerpt.is_empty() {
        excerpt = format!("sf exited with {} and printed nothing", out.status);
    }
    let help = if excerpt.contains("fetch failed") || excerpt.contains("certificate") {
        "sf could not reach the instance over TLS: with a TLS-inspecting proxy, pass its CA with --ca-file (sfjwt hands it to sf as NODE_EXTRA_CA_CERTS)"
    } else {
        "run `sf org login access-token --help`; sf needs Node >= 22"
    };
    Err(Error::usage(format!("the Salesforce CLI did not accept the session: {excerpt}"), help))
}

/// The CA files as one PEM file for Node (NODE_EXTRA_CA_CERTS names a single file).
enum CaBundle {
    One(PathBuf),
    Joined(PathBuf),
}

impl CaBundle {
    fn path(&self) -> &Path {
        match self {
            CaBundle::One(p) | CaBundle::Joined(p) => p,
        }
    }
}

impl Drop for CaBundle {
    fn drop(&mut self) {
        if let CaBundle::Joined(p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn ca_bundle(files: &[PathBuf]) -> Result<Option<CaBundle>, Error> {
    match files {
        [] => Ok(None),
        [one] => Ok(Some(CaBundle::One(one.clone()))),
        many => {
            let mut pem = Vec::new();
            for f in many {
                pem.extend(std::fs::read(f).map_err(|e| Error::Io {
                    action: "read CA file",
                    path: f.display().to_string(),
                    source: e,
                    help: None,
                })?);
                pem.push(b'\n');
            }
            let path = std::env::temp_dir().join(format!("sfjwt-ca-{}.pem", std::process::id()));
            fsutil::write_atomic(&path, &pem, fsutil::PUBLIC_MODE)?;
            Ok(Some(CaBundle::Joined(path)))
        }
    }
}
