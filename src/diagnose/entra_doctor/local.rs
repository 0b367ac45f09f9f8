//! The local checks: the key, the certificate and the pair; or the CI's OIDC token and its claims.
//! Check ids match the Salesforce doctor's (`key`, `certificate_expiry`, `certificate_match`) so
//! the fleet matrix lines them up.

use zeroize::Zeroizing;

use super::{State, safe};
use crate::credentials::keys::{self, RsaPrivateKey};
use crate::credentials::{cert, oidc};
use crate::diagnose::Cause;
use crate::diagnose::doctor::CertSummary;
use crate::diagnose::verdict::check;
use crate::record::CheckStatus;

/// What signs or carries the assertion.
pub(super) enum Proof {
    Signed { key: RsaPrivateKey, thumbprint: String },
    Token(Zeroizing<String>),
}

pub(super) fn credential(st: &mut State<'_>, client: &reqwest::blocking::Client) -> Option<Proof> {
    match &st.p.credential {
        super::EntraCredential::Certificate { key, passphrase, cert } => {
            certificate(st, key, passphrase.as_ref(), cert)
        }
        super::EntraCredential::Oidc { source, audience } => token(st, source, audience, client),
    }
}

fn certificate(
    st: &mut State<'_>,
    source: &keys::KeySource,
    passphrase: Option<&keys::Passphrase>,
    path: &std::path::Path,
) -> Option<Proof> {
    let key = match keys::load(source, passphrase) {
        Ok(k) => {
            let detail = format!("RSA {} bits, {}", k.bits(), k.format());
            st.push(check("key", "Private key readable and RSA", CheckStatus::Pass, detail));
            Some(k)
        }
        Err(e) => {
            let detail = format!("{e}; {}", e.help());
            st.push(check("key", "Private key readable and RSA", CheckStatus::Fail, detail.clone()));
            st.local_failure = Some((Cause::InvalidKey, detail));
            None
        }
    };
    let info = match cert::load(path) {
        Ok(i) => i,
        Err(e) => {
            st.push(check("certificate_expiry", "Certificate validity", CheckStatus::Fail, e.to_string()));
            st.local_failure.get_or_insert((Cause::InvalidKey, e.to_string()));
            return None;
        }
    };
    st.push(expiry(&info, st.p.expires_within));
    st.certificate = Some(CertSummary {
        source: path.display().to_string(),
        not_after: info.not_after.clone(),
        days_left: info.days_left,
    });
    let key = key?;
    let thumbprint = crate::entra::assertion::x5t_s256(&info.sha256_fingerprint);
    let matches = cert::key_matches(&info, &key);
    let (status, detail) = if matches {
        (CheckStatus::Pass, format!("{} holds this key's public half", path.display()))
    } else {
        (CheckStatus::Fail, format!("{} was not made from this key", path.display()))
    };
    st.push(check("certificate_match", "Key matches the certificate", status, detail.clone()));
    st.cert = Some(info);
    if !matches {
        st.local_failure = Some((Cause::CertificateMismatch, detail));
        return None;
    }
    Some(Proof::Signed { key, thumbprint })
}

/// Entra refuses an expired certificate's assertion (AADSTS1000502, AzureAD/microsoft-identity-web
/// #2840), unlike Salesforce: expired fails here, and so does inside --expires-within (the
/// renewal window a scheduled pipeline watches), each with Entra's way to renew.
fn expiry(info: &cert::CertInfo, within: Option<std::time::Duration>) -> crate::record::Check {
    let renew = crate::entra::RENEWAL;
    let inside = within.is_some_and(|w| info.seconds_left <= w.as_secs() as i64);
    let (status, detail) = if info.seconds_left <= 0 {
        (CheckStatus::Fail, format!("expired on {}: Entra refuses it (AADSTS1000502); {renew}", info.not_after))
    } else if inside {
        let days = info.days_left;
        (CheckStatus::Fail, format!("expires in {days} days ({}), inside --expires-within: {renew}", info.not_after))
    } else if info.days_left < 30 {
        (CheckStatus::Warn, format!("expires in {} days ({}): {renew}", info.days_left, info.not_after))
    } else {
        (CheckStatus::Pass, format!("valid until {} ({} days)", info.not_after, info.days_left))
    };
    check("certificate_expiry", "Certificate validity", status, detail)
}

fn token(
    st: &mut State<'_>,
    source: &oidc::OidcSource,
    audience: &str,
    client: &reqwest::blocking::Client,
) -> Option<Proof> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match oidc::acquire(source, audience, client, &st.p.net, &env, st.p.github) {
        Ok(t) => {
            crate::secrets::register(t.expose());
            let claims = oidc::decode(t.expose());
            let detail = match &claims {
                Some(c) => format!(
                    "from {}: iss {}, sub {}, aud {}",
                    source.describe(),
                    safe(c.iss.as_deref().unwrap_or("(none)")),
                    safe(c.sub.as_deref().unwrap_or("(none)")),
                    safe(&c.aud.join(" "))
                ),
                None => format!("from {}: not a JWT, its claims cannot be read", source.describe()),
            };
            // The token's own dates, read before it is sent: Entra refuses an expired one
            // (AADSTS700024), so it fails here too.
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let problems = claims.as_ref().map(|c| oidc::preflight_time(c, now)).unwrap_or_default();
            let (status, detail) = if problems.is_empty() {
                (CheckStatus::Pass, detail)
            } else {
                (CheckStatus::Fail, format!("{detail}; {}", problems.join("; ")))
            };
            st.push(check("oidc_token", "CI's OIDC token", status, detail));
            st.oidc = claims;
            Some(Proof::Token(Zeroizing::new(t.expose().to_string())))
        }
        Err(e) => {
            let detail = format!("{}: {e}", source.describe());
            st.push(check("oidc_token", "CI's OIDC token", CheckStatus::Fail, detail.clone()));
            st.local_failure = Some((Cause::OidcTokenUnavailable, detail));
            None
        }
    }
}
