//! What the doctor is asked to check, in its own terms: `cli::doctor` builds it from flags, the
//! config target and the environment; the engine and the fleet take nothing from `cli`.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::credentials::keys::{KeySource, Passphrase};
use crate::login::endpoint::{HostPolicy, LoginUrl};
use crate::net::NetSettings;

/// One target's check: the grant to try, the admin session to read the org with, the app and
/// certificate to compare.
pub struct DoctorPlan {
    /// The config target's name (fleet mode, or --target).
    pub name: Option<String>,
    pub login: GrantPlan,
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

/// The JWT bearer grant the doctor tries: what is logged in to, and with which key; never a
/// hand-off (the doctor hands no session on).
pub struct GrantPlan {
    pub client_id: String,
    pub username: String,
    pub login: LoginUrl,
    /// The hosts the login and the token may go to; answers are checked against it too.
    pub hosts: HostPolicy,
    pub audience: Option<String>,
    /// None when no key was given: the local key checks are then skipped.
    pub key: Option<KeySource>,
    pub passphrase: Option<Passphrase>,
    pub lifetime: Duration,
    pub net: NetSettings,
    pub wait_for_propagation: Option<Duration>,
}

/// Where the admin session comes from; the sf CLI is asked only when the doctor runs.
pub enum AdminSource {
    Token { instance_url: url::Url, token: Zeroizing<String> },
    SfOrg(String),
}
