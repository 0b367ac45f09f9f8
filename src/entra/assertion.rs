//! The client assertion Entra's certificate credentials page describes: header `alg` PS256 with
//! `x5t#S256` (base64url SHA-256 of the certificate's DER); claims `aud` = the token endpoint,
//! `iss` = `sub` = client id, a unique `jti`, `nbf`, `iat`, `exp`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::credentials::keys::RsaPrivateKey;
use crate::error::Error;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub sub: String,
    pub jti: String,
    pub nbf: u64,
    pub iat: u64,
    pub exp: u64,
}

impl Claims {
    pub fn new(client_id: &str, token_endpoint: &str, lifetime: Duration) -> Claims {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        Claims {
            aud: token_endpoint.to_string(),
            iss: client_id.to_string(),
            sub: client_id.to_string(),
            jti: jti(),
            nbf: now,
            iat: now,
            exp: now + lifetime.as_secs(),
        }
    }
}

/// 16 random bytes as a GUID-shaped string (what MSAL sends).
fn jti() -> String {
    let mut b = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut b);
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// `x5t#S256` from `cert inspect`'s colon-separated SHA-256 fingerprint.
pub fn x5t_s256(sha256_fingerprint: &str) -> String {
    let bytes: Vec<u8> = sha256_fingerprint.split(':').filter_map(|h| u8::from_str_radix(h, 16).ok()).collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn header(thumbprint: &str) -> Header {
    let mut h = Header::new(Algorithm::PS256);
    h.x5t_s256 = Some(thumbprint.to_string());
    h
}

/// Signs the assertion. The result is a bearer credential for minutes: never logged.
pub fn sign(key: &RsaPrivateKey, thumbprint: &str, claims: &Claims) -> Result<Zeroizing<String>, Error> {
    let enc = EncodingKey::from_rsa_der(key.pkcs1_der());
    let signed = jsonwebtoken::encode(&header(thumbprint), claims, &enc).map(Zeroizing::new).map_err(Error::Sign)?;
    // A token endpoint may echo it back (error_description, trace_id…): every output scrubs it.
    crate::secrets::register_signed(&signed);
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_and_thumbprint_follow_the_certificate_credentials_page() {
        let c = Claims::new(
            "11111111-2222-3333-4444-555555555555",
            "https://h/t/oauth2/v2.0/token",
            Duration::from_secs(300),
        );
        assert_eq!((c.iss.as_str(), c.sub.as_str()), ("11111111-2222-3333-4444-555555555555", c.iss.as_str()));
        assert_eq!(c.exp - c.nbf, 300);
        assert_eq!(c.jti.len(), 36);
        assert_ne!(c.jti, Claims::new("a", "b", Duration::from_secs(1)).jti);
        // 32 bytes 0x00..0x1f.
        let fp: Vec<String> = (0u8..32).map(|b| format!("{b:02X}")).collect();
        assert_eq!(x5t_s256(&fp.join(":")), URL_SAFE_NO_PAD.encode((0u8..32).collect::<Vec<u8>>()));
        let h = serde_json::to_value(header("abc")).unwrap();
        assert_eq!((h["alg"].as_str(), h["x5t#S256"].as_str()), (Some("PS256"), Some("abc")));
    }

    #[test]
    fn a_signed_assertion_is_scrubbed_wherever_it_is_echoed() {
        // A key made here: the packaged crate (release_workflow's offline build) has no fixtures/.
        let request = crate::credentials::cert::CertRequest {
            bits: crate::credentials::cert::Bits::parse(2048).unwrap(),
            common_name: "t".into(),
            organization: None,
            days: 1,
        };
        let key = crate::credentials::cert::generate(&request).unwrap().key;
        let signed = sign(&key, "abc", &Claims::new("c", "https://h/t", Duration::from_secs(60))).unwrap();
        let echoed = format!("AADSTS50000: bad assertion {}", signed.as_str());
        assert!(!crate::secrets::scrub(&echoed).contains(signed.as_str()));
    }
}
