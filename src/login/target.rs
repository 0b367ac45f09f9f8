//! What a login needs, split by what it is about, so no field stands in for another (issue 22
//! §3): what is logged in to (`Target`), how (`Credential`), and how the tries are made
//! (`Tries`). `cli` builds them from flags, the environment and the config file; `login`,
//! `doctor`, `setup` and the fleet take them as they are. What is done with the session (the
//! hand-off) is the login command's own and lives with its settings.

use std::time::Duration;

use crate::credentials::keys::{KeySource, Passphrase, RsaPrivateKey};
use crate::credentials::oidc::OidcSource;
use crate::login::endpoint::{HostPolicy, LoginUrl};
use crate::login::exchange::SubjectTokenType;
use crate::login::grant::GrantRequest;
use crate::net::NetSettings;

/// What is logged in to: the app, at which login URL, under which host rules.
pub struct Target {
    pub client_id: String,
    pub login: LoginUrl,
    /// The hosts the login and the token may go to; answers are checked against it too.
    pub hosts: HostPolicy,
}

/// How the login proves who it is.
pub enum Credential {
    /// The JWT bearer grant: a key signs for a named user.
    Key(KeyCredential),
    /// Keyless: the pipeline's OIDC token exchanged for a session.
    Oidc(OidcCredential),
}

/// The JWT bearer grant's credential: the key, and the user it signs for (always required).
pub struct KeyCredential {
    pub key: KeySource,
    pub passphrase: Option<Passphrase>,
    pub username: String,
    /// Set by the user: then it is the only audience tried.
    pub audience: Option<String>,
}

/// The token exchange's credential: where the pipeline's OIDC token comes from, and what it asks.
pub struct OidcCredential {
    pub source: OidcSource,
    /// Requested from GitHub, and what the handler is expected to require.
    pub audience: String,
    pub token_type: SubjectTokenType,
    pub token_handler: Option<String>,
    /// Given only to name the user in output: the handler picks the user.
    pub username: Option<String>,
}

impl Credential {
    /// The user named for the login, when one was given (always for a key).
    pub fn username(&self) -> Option<&str> {
        match self {
            Credential::Key(k) => Some(&k.username),
            Credential::Oidc(o) => o.username.as_deref(),
        }
    }
}

/// How the tries are made: the assertion's lifetime, the network's bounds, the propagation wait.
#[derive(Clone)]
pub struct Tries {
    pub lifetime: Duration,
    pub net: NetSettings,
    /// Keep retrying invalid_client_id / app_not_found this long.
    pub wait_for_propagation: Option<Duration>,
}

impl<'a> GrantRequest<'a> {
    /// The grant for this target, signed with the credential's (loaded) key.
    pub fn new(target: &'a Target, cred: &'a KeyCredential, key: &'a RsaPrivateKey, tries: &Tries) -> Self {
        GrantRequest {
            login: &target.login,
            hosts: &target.hosts,
            client_id: &target.client_id,
            username: &cred.username,
            key,
            audience: cred.audience.as_deref(),
            lifetime: tries.lifetime,
            wait_for_propagation: tries.wait_for_propagation,
        }
    }
}
