//! The signed JWT bearer assertion (RS256; claims iss, sub, aud, exp in whole seconds).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::credentials::keys::RsaPrivateKey;
use crate::error::Error;

pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(180);
/// Salesforce documents "within 3 minutes"; it does not enforce an upper bound, but a long-lived
/// bearer credential is only a liability.
pub const MAX_LIFETIME: Duration = Duration::from_secs(3_600);

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
}

impl Claims {
    pub fn new(client_id: &str, username: &str, audience: &str, lifetime: Duration) -> Claims {
        Claims::shifted(client_id, username, audience, lifetime, 0)
    }

    /// `exp` relative to a clock `offset` seconds off this machine's (the server's, measured).
    pub fn shifted(client_id: &str, username: &str, audience: &str, lifetime: Duration, offset: i64) -> Claims {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let exp = (now + lifetime).as_secs().saturating_add_signed(offset);
        Claims { iss: client_id.to_string(), sub: username.to_string(), aud: audience.to_string(), exp }
    }
}

pub fn header() -> Header {
    Header::new(Algorithm::RS256)
}

/// Signs the claims. The result is a bearer credential: it must not be logged.
pub fn sign(key: &RsaPrivateKey, claims: &Claims) -> Result<Zeroizing<String>, Error> {
    let enc = EncodingKey::from_rsa_der(key.pkcs1_der());
    jsonwebtoken::encode(&header(), claims, &enc).map(Zeroizing::new).map_err(Error::Sign)
}

pub fn validate_lifetime(lifetime: Duration) -> Result<Duration, Error> {
    if lifetime.is_zero() || lifetime > MAX_LIFETIME {
        return Err(Error::usage(
            format!("--lifetime must be between 1s and {}s", MAX_LIFETIME.as_secs()),
            "Salesforce documents an expiry within 3 minutes; the default 180s suits almost every case",
        ));
    }
    Ok(lifetime)
}
