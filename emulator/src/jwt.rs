//! The emulator's own assertion parsing and RS256 verification, written against RFC 7515 rather
//! than shared with sfjwt, so a bug in the product cannot hide behind the same bug here.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

pub struct Assertion {
    pub claims: serde_json::Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

pub fn parse(jwt: &str) -> Result<Assertion, &'static str> {
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    if parts.len() != 3 {
        return Err("not three dot-separated parts");
    }
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).map_err(|_| "bad base64url");
    let header: Value = serde_json::from_slice(&decode(parts[0])?).map_err(|_| "header is not JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("alg is not RS256");
    }
    let claims: Value = serde_json::from_slice(&decode(parts[1])?).map_err(|_| "claims are not JSON")?;
    let Value::Object(claims) = claims else { return Err("claims are not an object") };
    Ok(Assertion { claims, signing_input: format!("{}.{}", parts[0], parts[1]), signature: decode(parts[2])? })
}

impl Assertion {
    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// `sub`, or `prn` (the old name) which wins when both are present, as Salesforce documents.
    pub fn subject(&self) -> Option<&str> {
        self.str_claim("prn").or_else(|| self.str_claim("sub"))
    }

    /// Audiences as sent (a string or an array), without trailing slashes.
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.trim_end_matches('/').to_string()],
            Some(Value::Array(a)) => {
                a.iter().filter_map(Value::as_str).map(|s| s.trim_end_matches('/').to_string()).collect()
            }
            _ => vec![],
        }
    }

    /// `exp` as a number or a numeric string (Salesforce's own doc example uses a string). No upper
    /// bound: the sf CLI sends milliseconds and Salesforce accepts it.
    pub fn exp(&self) -> Option<i64> {
        match self.claims.get("exp") {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn verifies_with(&self, rsa_public_key_pkcs1: &[u8]) -> bool {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, rsa_public_key_pkcs1)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .is_ok()
    }
}
