//! What `doctor --provider entra` is asked to check, in its own terms: `cli` builds it from flags,
//! the config target and the environment; the engine and the fleet take nothing from `cli`.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::credentials::keys::{KeySource, Passphrase};
use crate::credentials::oidc::OidcSource;
use crate::entra::authority::Authority;
use crate::net::NetSettings;

/// How the app proves itself: a certificate assertion, or the CI's OIDC token.
pub enum EntraCredential {
    Certificate { key: KeySource, passphrase: Option<Passphrase>, cert: PathBuf },
    Oidc { source: OidcSource, audience: String },
}

/// Graph, read with an admin's token.
pub struct GraphAccess {
    /// `https://HOST` of Microsoft Graph (checked: a cloud's Graph host, or an allowed one).
    pub origin: String,
    pub token: Zeroizing<String>,
}

pub struct EntraPlan {
    /// The config target's name (fleet mode).
    pub name: Option<String>,
    pub authority: Authority,
    pub client_id: String,
    pub scope: String,
    pub credential: EntraCredential,
    pub lifetime: Duration,
    pub net: NetSettings,
    pub require_roles: Vec<String>,
    /// --expires-within: the certificate fails its check inside this renewal window (Entra
    /// refuses an expired one, AADSTS1000502).
    pub expires_within: Option<Duration>,
    /// None without an admin token: the Graph checks are skipped and say what would enable them.
    pub graph: Option<GraphAccess>,
    /// In GitHub Actions (the OIDC request token is masked before use).
    pub github: bool,
}
