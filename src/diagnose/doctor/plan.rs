//! What the doctor is asked to check, in its own terms: `cli::doctor` builds it from flags, the
//! config target and the environment; the engine and the fleet take nothing from `cli`.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::login::target::{KeyCredential, Target, Tries};

/// One target's check: the grant to try, the admin session to read the org with, the app and
/// certificate to compare.
pub struct DoctorPlan {
    /// The config target's name (fleet mode, or --target).
    pub name: Option<String>,
    /// What is logged in to, with which key, and how: the same values `login` takes. The doctor
    /// hands no session on, so there is no hand-off.
    pub target: Target,
    pub key: KeyCredential,
    pub tries: Tries,
    pub admin: Option<AdminSource>,
    pub app_name: Option<String>,
    pub cert: Option<PathBuf>,
    pub source_dir: Option<PathBuf>,
    pub expires_within: Option<Duration>,
}

impl DoctorPlan {
    /// The sf alias of the admin session, to fill into printed `--target-org` commands.
    pub fn admin_alias(&self) -> Option<&str> {
        match &self.admin {
            Some(AdminSource::SfOrg(alias)) => Some(alias),
            _ => None,
        }
    }
}

/// Where the admin session comes from; the sf CLI is asked only when the doctor runs.
pub enum AdminSource {
    Token { instance_url: url::Url, token: Zeroizing<String> },
    SfOrg(String),
}
