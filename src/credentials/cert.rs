//! Self-signed certificates: creating them for upload to a connected app or External Client App,
//! and reading them back (subject, validity, fingerprints, and whether a key matches).

use std::path::Path;

use aws_lc_rs::digest;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose, PKCS_RSA_SHA256, RsaKeySize,
    SerialNumber,
};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::credentials::keys::{self, RsaPrivateKey};

/// A certificate is a few KiB; a bigger input is not one.
const MAX_CERT_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bits {
    B2048,
    B3072,
    B4096,
}

impl Bits {
    pub fn parse(n: u32) -> Option<Bits> {
        match n {
            2048 => Some(Bits::B2048),
            3072 => Some(Bits::B3072),
            4096 => Some(Bits::B4096),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct CertRequest {
    pub bits: Bits,
    pub common_name: String,
    pub organization: Option<String>,
    pub days: u32,
}

pub struct Generated {
    pub key: RsaPrivateKey,
    pub cert_pem: String,
    pub info: CertInfo,
}

/// What `cert inspect` and `keygen` report about a certificate.
#[derive(Clone, Debug, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until notAfter; negative once expired.
    pub days_left: i64,
    #[serde(skip)]
    pub seconds_left: i64,
    pub sha1_fingerprint: String,
    pub sha256_fingerprint: String,
    pub key_bits: Option<usize>,
    pub signature_algorithm: String,
    #[serde(skip)]
    pub public_key_der: Vec<u8>,
}

/// Creates an RSA key and a self-signed certificate valid for exactly `days` days from now.
pub fn generate(req: &CertRequest) -> Result<Generated, CertError> {
    let size = match req.bits {
        Bits::B2048 => RsaKeySize::_2048,
        Bits::B3072 => RsaKeySize::_3072,
        Bits::B4096 => RsaKeySize::_4096,
    };
    let pair = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size).map_err(|e| CertError::Generate(e.to_string()))?;
    let key = keys::parse(pair.serialize_pem().as_bytes(), None).map_err(|e| CertError::Generate(e.to_string()))?;
    let cert_pem = self_sign(&pair, req)?;
    let info = inspect_pem(cert_pem.as_bytes())?;
    Ok(Generated { key, cert_pem, info })
}

fn self_sign(pair: &KeyPair, req: &CertRequest) -> Result<String, CertError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| CertError::Generate(e.to_string()))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, req.common_name.as_str());
    if let Some(org) = &req.organization {
        dn.push(DnType::OrganizationName, org.as_str());
    }
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // Whole seconds, so notAfter - notBefore is exactly the days asked for once DER-encoded.
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).map_err(|e| CertError::Generate(e.to_string()))?;
    params.not_before = now;
    params.not_after = now + time::Duration::days(i64::from(req.days));
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()));
    let cert = params.self_signed(pair).map_err(|e| CertError::Generate(e.to_string()))?;
    Ok(cert.pem())
}

fn random_serial() -> [u8; 16] {
    let mut serial = [0u8; 16];
    // If the system RNG fails, the key generation just before would have failed too.
    let _ = aws_lc_rs::rand::fill(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01; // positive, and no leading zero byte to strip
    serial
}

/// Reads a certificate file (PEM or DER).
pub fn load(path: &Path) -> Result<CertInfo, CertError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CertError::NotFound { path: shown.clone() },
        _ => CertError::Read { path: shown.clone(), source: e },
    })?;
    if meta.is_dir() {
        return Err(CertError::IsDirectory { path: shown });
    }
    if meta.len() > MAX_CERT_BYTES {
        return Err(CertError::NotACertificate { detail: format!("{shown} is larger than {MAX_CERT_BYTES} bytes") });
    }
    // metadata's length is 0 for a device or a FIFO: the read itself is bounded.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_CERT_BYTES + 1), &mut bytes))
        .map_err(|e| CertError::Read { path: shown.clone(), source: e })?;
    if bytes.len() as u64 > MAX_CERT_BYTES {
        return Err(CertError::NotACertificate { detail: format!("{shown} is larger than {MAX_CERT_BYTES} bytes") });
    }
    inspect_pem(&bytes)
}

/// Parses PEM (the first CERTIFICATE block) or DER.
pub fn inspect_pem(bytes: &[u8]) -> Result<CertInfo, CertError> {
    let text = std::str::from_utf8(bytes).ok();
    let der: Vec<u8> = match text {
        Some(t) if t.contains("-----BEGIN") => {
            let t = t.replace("\r\n", "\n").replace("\\n", "\n");
            if t.contains("PRIVATE KEY-----") && !t.contains("BEGIN CERTIFICATE") {
                return Err(CertError::IsPrivateKey);
            }
            let start = t
                .find("-----BEGIN CERTIFICATE-----")
                .ok_or(CertError::NotACertificate { detail: "no '-----BEGIN CERTIFICATE-----' block".into() })?;
            let (_, pem) = x509_parser::pem::parse_x509_pem(&t.as_bytes()[start..])
                .map_err(|e| CertError::NotACertificate { detail: format!("bad PEM: {e}") })?;
            pem.contents
        }
        _ => bytes.to_vec(),
    };
    inspect_der(&der)
}

pub fn inspect_der(der: &[u8]) -> Result<CertInfo, CertError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| CertError::NotACertificate { detail: e.to_string() })?;
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let seconds_left = (not_after - OffsetDateTime::now_utc()).whole_seconds();
    let spki = cert.public_key();
    let key_bits = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => Some(rsa.key_size()),
        _ => None,
    };
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        // Nearest whole day, so a fresh 365-day certificate reads 365, not 364.
        days_left: (seconds_left + 43_200).div_euclid(86_400),
        seconds_left,
        sha1_fingerprint: fingerprint(&digest::SHA1_FOR_LEGACY_USE_ONLY, der),
        sha256_fingerprint: fingerprint(&digest::SHA256, der),
        key_bits,
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        public_key_der: spki.subject_public_key.data.to_vec(),
    })
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption".into(),
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption".into(),
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        other => other.into(),
    }
}

/// Colon-separated upper-case hex, as `openssl x509 -fingerprint` prints it.
pub fn fingerprint(alg: &'static digest::Algorithm, der: &[u8]) -> String {
    let d = digest::digest(alg, der);
    d.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// True when the certificate holds this key's public half.
pub fn key_matches(cert: &CertInfo, key: &RsaPrivateKey) -> bool {
    cert.public_key_der == key.public_key_der()
}

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("certificate file {path} does not exist")]
    NotFound { path: String },
    #[error("{path} is a directory, not a certificate")]
    IsDirectory { path: String },
    #[error("cannot read certificate {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("this is a private key, not a certificate")]
    IsPrivateKey,
    #[error("not an X.509 certificate: {detail}")]
    NotACertificate { detail: String },
    #[error("cannot create the key and certificate: {0}")]
    Generate(String),
}

impl crate::error::InputFault for CertError {
    fn name(&self) -> &'static str {
        "CertificateError"
    }

    fn help(&self) -> Option<String> {
        CertError::help(self)
    }
}

impl CertError {
    pub fn help(&self) -> Option<String> {
        Some(match self {
            CertError::NotFound { .. } | CertError::IsDirectory { .. } => {
                "pass the certificate file (keygen writes NAME.crt)".into()
            }
            CertError::Read { .. } => "check the file's permissions".into(),
            CertError::IsPrivateKey => "pass the certificate (.crt) as CERT and the key with --key".into(),
            CertError::NotACertificate { .. } => {
                "pass a PEM (-----BEGIN CERTIFICATE-----) or DER X.509 certificate".into()
            }
            CertError::Generate(_) => return None,
        })
    }
}
