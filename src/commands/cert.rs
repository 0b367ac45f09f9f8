use serde::Serialize;

use super::{load_optional_key, print_json};
use crate::cert::{self, CertInfo};
use crate::cli::{Format, InspectArgs};
use crate::duration;
use crate::error::{Error, Exit};

#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    cert: &'a CertInfo,
    expired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_within_threshold: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_matches: Option<bool>,
    status: &'static str,
}

pub fn inspect(args: InspectArgs) -> Result<Exit, Error> {
    let threshold = args
        .expires_within
        .as_deref()
        .map(|s| {
            duration::parse(s)
                .map_err(|e| Error::usage(format!("invalid --expires-within: {e}"), "e.g. --expires-within 30d"))
        })
        .transpose()?;
    let info = cert::load(&args.cert)?;
    let key = load_optional_key(&args.key)?;
    let key_matches = key.as_ref().map(|k| cert::key_matches(&info, k));
    let expired = info.seconds_left <= 0;
    let expiring = threshold.map(|t| !expired && (info.seconds_left as u64) < t.as_secs());

    let (exit, status) = if key_matches == Some(false) {
        (Exit::KeyMismatch, "key_mismatch")
    } else if expired {
        (Exit::CertExpired, "expired")
    } else if expiring == Some(true) {
        (Exit::CertExpiring, "expiring")
    } else {
        (Exit::Success, "ok")
    };
    let out = Output { cert: &info, expired, expires_within_threshold: expiring, key_matches, status };
    match args.format {
        Format::Json => print_json(&out)?,
        Format::Text => {
            println!("subject:     {}", info.subject);
            println!("issuer:      {}", info.issuer);
            println!("serial:      {}", info.serial);
            println!("not before:  {}", info.not_before);
            println!("not after:   {}", info.not_after);
            println!("days left:   {}", info.days_left);
            println!("key size:    {}", info.key_bits.map_or("not RSA".to_string(), |b| format!("{b} bits")));
            println!("signature:   {}", info.signature_algorithm);
            println!("SHA-1:       {}", info.sha1_fingerprint);
            println!("SHA-256:     {}", info.sha256_fingerprint);
            if let Some(m) = key_matches {
                println!("key matches: {}", if m { "yes" } else { "NO" });
            }
        }
    }
    match exit {
        Exit::KeyMismatch => eprintln!(
            "error: the key does not match the certificate\nhelp: Salesforce will answer `invalid assertion`; upload the certificate made with this key, or use the key it was made from"
        ),
        Exit::CertExpired => eprintln!(
            "warning: the certificate expired on {}\nhelp: Salesforce does not enforce the uploaded certificate's expiry for JWT, but rotate it: `sfjwt keygen`, upload, then replace the CI secret",
            info.not_after
        ),
        Exit::CertExpiring => eprintln!(
            "warning: the certificate expires in {} days ({})\nhelp: rotate it: `sfjwt keygen`, upload the new certificate, then replace the CI secret",
            info.days_left, info.not_after
        ),
        _ => {}
    }
    Ok(exit)
}
