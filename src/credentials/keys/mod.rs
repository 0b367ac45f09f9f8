//! Private-key input: every form a CI secret produces, turned into one RSA key held by aws-lc-rs.
//!
//! Where a key comes from is always explicit (a path, `-`, `env:VAR`, or the SFJWT_KEY /
//! SFJWT_KEY_FILE variables): we never guess whether a string is a path or a key.

mod legacy;
mod pem;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use pkcs8::der::Decode;
use zeroize::Zeroizing;

/// Keys, even PKCS#12 bundles with a chain, are a few KiB; anything far larger is a mistake.
pub const MAX_KEY_BYTES: u64 = 256 * 1024;
/// The smallest modulus we sign with; Salesforce and aws-lc-rs both reject smaller keys.
pub const MIN_BITS: usize = 2048;

const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// Where the key comes from. Debug shows a path only truncated: a "path" can be a pasted key.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    Stdin,
    /// A variable holding the key itself.
    EnvVar(String),
}

impl KeySource {
    /// Parses the value of `--key`: a path, `file:PATH`, `-` for stdin, or `env:VAR`.
    pub fn parse(spec: &str) -> Result<Self, KeyError> {
        if spec == "-" {
            Ok(KeySource::Stdin)
        } else if let Some(var) = spec.strip_prefix("env:") {
            if looks_like_key_material(var) || var.len() > 128 {
                // `env:` followed by the key itself, instead of a variable's name.
                return Err(KeyError::MaterialAsPath);
            }
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(KeyError::BadSpec { spec: shown(spec) });
            }
            Ok(KeySource::EnvVar(var.to_string()))
        } else if let Some(path) = spec.strip_prefix("file:") {
            Ok(KeySource::File(PathBuf::from(path)))
        } else if spec.is_empty() {
            Err(KeyError::BadSpec { spec: String::new() })
        } else if spec.contains("-----BEGIN") {
            // Refuse to treat key material as a path: saying so is kinder than "file not found",
            // and we must not echo it back.
            Err(KeyError::MaterialAsPath)
        } else {
            Ok(KeySource::File(PathBuf::from(spec)))
        }
    }

    /// Resolves `--key`, then SFJWT_KEY (the key itself), then SFJWT_KEY_FILE (a path).
    pub fn resolve(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Result<Self, KeyError> {
        if let Some(spec) = flag {
            return Self::parse(spec);
        }
        match (env("SFJWT_KEY").filter(|v| !v.is_empty()), env("SFJWT_KEY_FILE").filter(|v| !v.is_empty())) {
            (Some(_), Some(_)) => Err(KeyError::AmbiguousEnv),
            (Some(_), None) => Ok(KeySource::EnvVar("SFJWT_KEY".into())),
            (None, Some(path)) => Ok(KeySource::File(PathBuf::from(path))),
            (None, None) => Err(KeyError::NoKey),
        }
    }

    /// How to name this source on another command line, when it can be named: a path or
    /// `env:VAR`. None for standard input (already read) and for SFJWT_KEY (read by default).
    pub fn spec(&self) -> Option<String> {
        match self {
            KeySource::File(p) => Some(p.to_string_lossy().into_owned()),
            KeySource::EnvVar(v) if v == "SFJWT_KEY" => None,
            KeySource::EnvVar(v) => Some(format!("env:{v}")),
            KeySource::Stdin => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            KeySource::File(p) => format!("file {}", shown(&p.to_string_lossy())),
            KeySource::Stdin => "standard input".into(),
            KeySource::EnvVar(v) => format!("environment variable {v}"),
        }
    }

    fn read(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let bytes = match self {
            KeySource::File(path) => read_file(path)?,
            KeySource::Stdin => {
                let mut buf = Zeroizing::new(Vec::new());
                std::io::stdin()
                    .take(MAX_KEY_BYTES + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| KeyError::Read { what: self.describe(), source: e })?;
                buf
            }
            KeySource::EnvVar(name) => match std::env::var_os(name) {
                None => return Err(KeyError::EnvMissing { name: name.clone() }),
                Some(v) => Zeroizing::new(v.into_encoded_bytes()),
            },
        };
        if bytes.len() as u64 > MAX_KEY_BYTES {
            return Err(KeyError::TooLarge { what: self.describe(), limit: MAX_KEY_BYTES });
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(KeyError::Empty { what: self.describe() });
        }
        Ok(bytes)
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Most characters of a user's value that any key-input error may show.
pub const MAX_SHOWN: usize = 16;

/// A value as errors show it: whole when short, else a prefix clearly marked as cut, so a key
/// pasted where a path belongs never lands in a log.
pub fn shown(value: &str) -> String {
    let count = value.chars().count();
    if count <= MAX_SHOWN {
        return value.to_string();
    }
    let head: String = value.chars().take(MAX_SHOWN - 4).collect();
    format!("{head}… ({count} characters)")
}

/// Whether a "path" that cannot be opened is more likely the key itself: PEM text, a long run of
/// base64 (whose alphabet includes `/`, so slashes prove nothing), or base64 of a key.
pub fn looks_like_key_material(value: &str) -> bool {
    let v = value.trim();
    if v.contains("-----BEGIN") || v.contains("PRIVATE KEY") {
        return true;
    }
    let b64 = |c: char| c.is_ascii_alphanumeric() || "+/=_-".contains(c) || c.is_whitespace() || c == '\\';
    if v.len() >= 200 && v.chars().all(b64) {
        return true;
    }
    v.len() >= 64
        && pem::decode_base64_blob(v).is_some_and(|d| d.starts_with(b"-----BEGIN") || d.first() == Some(&0x30))
}

/// A value with a folder or a file extension reads as a path; anything else given as a
/// passphrase file may be the passphrase itself and is not quoted.
fn looks_like_a_path(shown: &str) -> bool {
    shown.contains('/')
        || shown.contains('\\')
        || shown
            .rsplit_once('.')
            .is_some_and(|(_, ext)| (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let raw = path.to_string_lossy();
    let shown = shown(&raw);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        _ if looks_like_key_material(&raw) => KeyError::MaterialAsPath,
        std::io::ErrorKind::NotFound => KeyError::NotFound { path: shown.clone() },
        _ => KeyError::Read { what: format!("file {shown}"), source: e },
    })?;
    if meta.is_dir() {
        return Err(KeyError::IsDirectory { path: shown });
    }
    // A FIFO is allowed on purpose: `--key <(echo "$SECRET")` is a common CI idiom. Its read is
    // bounded in size (MAX_KEY_BYTES) like any other.
    if meta.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLarge { what: format!("file {shown}"), limit: MAX_KEY_BYTES });
    }
    let mut buf = Zeroizing::new(Vec::new());
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_KEY_BYTES + 1).read_to_end(&mut buf))
        .map_err(|e| KeyError::Read { what: format!("file {shown}"), source: e })?;
    Ok(buf)
}

/// A passphrase for an encrypted key. Never printed.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(s: impl Into<String>) -> Self {
        Passphrase(Zeroizing::new(s.into()))
    }

    /// Reads a passphrase file; one trailing newline (as `echo` writes) is not part of it.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        // A passphrase typed where its file belongs is neither quoted back nor called a key file.
        let bytes = read_file(path).map_err(|e| match e {
            KeyError::NotFound { path: p } => {
                KeyError::PassphraseFileMissing { shown: looks_like_a_path(&p).then_some(p) }
            }
            KeyError::MaterialAsPath => KeyError::PassphraseFileMissing { shown: None },
            other => other,
        })?;
        let mut s = String::from_utf8(bytes.to_vec()).map_err(|_| KeyError::PassphraseNotText)?;
        if s.ends_with('\n') {
            s.pop();
            if s.ends_with('\r') {
                s.pop();
            }
        }
        Ok(Passphrase::new(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// An RSA private key, validated by aws-lc-rs. Its Debug output never shows key material.
pub struct RsaPrivateKey {
    pkcs1: Zeroizing<Vec<u8>>,
    pkcs8: Zeroizing<Vec<u8>>,
    public_pkcs1: Vec<u8>,
    bits: usize,
    format: &'static str,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey").field("bits", &self.bits).field("format", &self.format).finish_non_exhaustive()
    }
}

impl RsaPrivateKey {
    /// PKCS#1 `RSAPrivateKey` DER, what jsonwebtoken's `EncodingKey::from_rsa_der` wants.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1
    }

    /// PKCS#8 DER, what rcgen wants.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// PKCS#1 `RSAPublicKey` DER: equal to a certificate's subjectPublicKey when the two match.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_pkcs1
    }

    pub fn bits(&self) -> usize {
        self.bits
    }

    /// How the key arrived, e.g. "PKCS#8 PEM" (for reports; holds no key material).
    pub fn format(&self) -> &'static str {
        self.format
    }

    /// PKCS#8 PEM, for writing a key file.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        use base64::Engine;
        let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.pkcs8.as_slice()));
        let mut out = Zeroizing::new(String::from("-----BEGIN PRIVATE KEY-----\n"));
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END PRIVATE KEY-----\n");
        out
    }

    fn from_pkcs1(pkcs1: Zeroizing<Vec<u8>>, format: &'static str) -> Result<Self, KeyError> {
        let pair = RsaKeyPair::from_der(&pkcs1).map_err(|e| classify_rejection(&e.to_string()))?;
        let bits = pair.public_modulus_len() * 8;
        let pkcs8 = pair.as_der().map_err(|_| KeyError::Invalid { detail: "cannot re-encode as PKCS#8".into() })?;
        Ok(RsaPrivateKey {
            pkcs8: Zeroizing::new(pkcs8.as_ref().to_vec()),
            public_pkcs1: pair.public_key().as_ref().to_vec(),
            pkcs1,
            bits,
            format,
        })
    }

    fn from_pkcs8(der: &[u8], format: &'static str) -> Result<Self, KeyError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(der_error)?;
        let oid = info.algorithm.oid.to_string();
        if oid != OID_RSA {
            return Err(KeyError::NotRsa { algorithm: algorithm_name(&oid) });
        }
        Self::from_pkcs1(Zeroizing::new(info.private_key.as_bytes().to_vec()), format)
    }
}

fn classify_rejection(reason: &str) -> KeyError {
    // aws-lc-rs names the reason; "TooSmall" is the one users can act on differently.
    if reason.contains("TooSmall") {
        KeyError::TooSmall
    } else {
        KeyError::Invalid { detail: format!("aws-lc-rs rejected it ({reason})") }
    }
}

fn der_error(e: pkcs8::der::Error) -> KeyError {
    let msg = e.to_string();
    if msg.contains("incomplete") || msg.contains("Incomplete") || msg.contains("length") {
        KeyError::Truncated { detail: "its DER encoding ends early".into() }
    } else {
        KeyError::Invalid { detail: format!("not a valid PKCS#8 structure ({msg})") }
    }
}

fn algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.2.1" => "an EC key".into(),
        "1.3.101.112" => "an Ed25519 key".into(),
        "1.3.101.113" => "an Ed448 key".into(),
        "1.2.840.10040.4.1" => "a DSA key".into(),
        "1.2.840.113549.1.1.10" => "an RSA-PSS key".into(),
        other => format!("a key of algorithm {other}"),
    }
}

/// Reads and parses the key from its source.
pub fn load(source: &KeySource, passphrase: Option<&Passphrase>) -> Result<RsaPrivateKey, KeyError> {
    let bytes = source.read()?;
    parse(&bytes, passphrase)
}

/// Parses key bytes in any accepted form.
pub fn parse(bytes: &[u8], passphrase: Option<&Passphrase>) -> Result<RsaPrivateKey, KeyError> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !looks_binary(text) => parse_text(text, passphrase, true),
        _ => parse_binary(bytes, passphrase),
    }
}

fn looks_binary(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !c.is_whitespace() && c != '\u{feff}')
}

fn parse_text(text: &str, passphrase: Option<&Passphrase>, allow_base64: bool) -> Result<RsaPrivateKey, KeyError> {
    let text = pem::normalise(text);
    if pem::contains_pem(&text) {
        return parse_pem(&text, passphrase);
    }
    if allow_base64 && let Some(decoded) = pem::decode_base64_blob(&text) {
        return match std::str::from_utf8(&decoded) {
            Ok(inner) if pem::contains_pem(inner) => parse_text(inner, passphrase, false),
            _ if decoded.first() == Some(&0x30) => parse_binary(&decoded, passphrase),
            _ => Err(KeyError::NoPem),
        };
    }
    Err(KeyError::NoPem)
}

fn parse_pem(text: &str, passphrase: Option<&Passphrase>) -> Result<RsaPrivateKey, KeyError> {
    let blocks = pem::blocks(text);
    let key_block = blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY"));
    let Some(block) = key_block else {
        return Err(match blocks.iter().map(|b| b.label.as_str()).next() {
            Some("CERTIFICATE") | Some("TRUSTED CERTIFICATE") | Some("X509 CERTIFICATE") => KeyError::Certificate,
            Some("PUBLIC KEY") | Some("RSA PUBLIC KEY") => KeyError::PublicKey,
            Some("CERTIFICATE REQUEST") | Some("NEW CERTIFICATE REQUEST") => KeyError::CertificateRequest,
            Some(other) => KeyError::UnknownPem { label: other.chars().take(40).collect() },
            None => KeyError::NoPem,
        });
    };
    if !block.complete {
        return Err(KeyError::Truncated { detail: format!("the END line of the {} block is missing", block.label) });
    }
    let Some(der) = block.der.as_ref() else {
        return Err(KeyError::Truncated {
            detail: format!("the body of the {} block is not valid base64", block.label),
        });
    };
    match block.label.as_str() {
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8(der, "PKCS#8 PEM"),
        "RSA PRIVATE KEY" => {
            let encrypted =
                block.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("Proc-Type") && v.contains("ENCRYPTED"));
            if !encrypted {
                return RsaPrivateKey::from_pkcs1(Zeroizing::new(der.to_vec()), "PKCS#1 PEM");
            }
            let format = "encrypted PKCS#1 PEM (legacy OpenSSL)";
            let pass = passphrase.ok_or(KeyError::PassphraseRequired { format })?;
            let dek = block
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("DEK-Info"))
                .map(|(_, v)| v.as_str())
                .ok_or(KeyError::Invalid { detail: "encrypted PEM without a DEK-Info header".into() })?;
            let plain = legacy::decrypt(dek, pass.as_str().as_bytes(), der).map_err(|e| match e {
                legacy::LegacyError::Unsupported(c) => KeyError::UnsupportedEncryption { detail: c },
                legacy::LegacyError::BadHeader => KeyError::Invalid { detail: "malformed DEK-Info header".into() },
                legacy::LegacyError::Decrypt => KeyError::WrongPassphrase { format },
            })?;
            // A wrong passphrase can still unpad cleanly (1 in 256); the DER check then fails.
            RsaPrivateKey::from_pkcs1(plain, format).map_err(|_| KeyError::WrongPassphrase { format })
        }
        "ENCRYPTED PRIVATE KEY" => {
            let format = "encrypted PKCS#8 PEM";
            let pass = passphrase.ok_or(KeyError::PassphraseRequired { format })?;
            let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).map_err(der_error)?;
            let plain = info.decrypt(pass.as_str().as_bytes()).map_err(|e| {
                let msg = e.to_string();
                if msg.contains("unsupported") || msg.contains("Unsupported") || msg.contains("algorithm") {
                    KeyError::UnsupportedEncryption { detail: msg }
                } else {
                    KeyError::WrongPassphrase { format }
                }
            })?;
            RsaPrivateKey::from_pkcs8(plain.as_bytes(), format)
        }
        "EC PRIVATE KEY" => Err(KeyError::NotRsa { algorithm: "an EC key".into() }),
        "DSA PRIVATE KEY" => Err(KeyError::NotRsa { algorithm: "a DSA key".into() }),
        "OPENSSH PRIVATE KEY" => Err(KeyError::OpenSsh),
        other => Err(KeyError::UnknownPem { label: other.chars().take(40).collect() }),
    }
}

fn parse_binary(bytes: &[u8], passphrase: Option<&Passphrase>) -> Result<RsaPrivateKey, KeyError> {
    if bytes.first() != Some(&0x30) {
        return Err(KeyError::Binary);
    }
    // DER PKCS#8 or PKCS#1, as `openssl … -outform DER` writes them.
    if pkcs8::PrivateKeyInfoRef::from_der(bytes).is_ok() {
        return RsaPrivateKey::from_pkcs8(bytes, "PKCS#8 DER");
    }
    if RsaKeyPair::from_der(bytes).is_ok() {
        return RsaPrivateKey::from_pkcs1(Zeroizing::new(bytes.to_vec()), "PKCS#1 DER");
    }
    parse_pkcs12(bytes, passphrase)
}

fn parse_pkcs12(bytes: &[u8], passphrase: Option<&Passphrase>) -> Result<RsaPrivateKey, KeyError> {
    let format = "PKCS#12";
    // Exported bundles often have an empty password; try it before asking for one.
    let password = passphrase.map(|p| p.as_str()).unwrap_or("");
    let archive = match p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password) {
        Ok(a) => a,
        Err(p12_keystore::error::Error::MacError(_)) | Err(p12_keystore::error::Error::Pkcs5Error(_)) => {
            return Err(if passphrase.is_some() {
                KeyError::WrongPassphrase { format }
            } else {
                KeyError::PassphraseRequired { format }
            });
        }
        Err(p12_keystore::error::Error::UnsupportedEncryptionScheme)
        | Err(p12_keystore::error::Error::UnsupportedMacAlgorithm) => {
            return Err(KeyError::UnsupportedEncryption { detail: "the PKCS#12 file's encryption".into() });
        }
        Err(p12_keystore::error::Error::DerError(e))
            if e.to_string().contains("incomplete") || e.to_string().contains("Incomplete") =>
        {
            return Err(KeyError::Truncated { detail: "the PKCS#12 data ends early".into() });
        }
        Err(_) => return Err(KeyError::Binary),
    };
    let key = archive.keys.first().ok_or(KeyError::Pkcs12NoKey)?;
    RsaPrivateKey::from_pkcs8(key.key.as_der(), format)
}

/// What can go wrong reading a key. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no private key given")]
    NoKey,
    #[error("both SFJWT_KEY and SFJWT_KEY_FILE are set")]
    AmbiguousEnv,
    #[error("invalid --key value {spec:?}")]
    BadSpec { spec: String },
    #[error("this looks like the key itself, not a path: pass it as SFJWT_KEY or env:VAR")]
    MaterialAsPath,
    #[error("key file {path} does not exist")]
    NotFound { path: String },
    #[error("{path} is a directory, not a key file")]
    IsDirectory { path: String },
    #[error("cannot read the key from {what}")]
    Read {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("environment variable {name} is not set")]
    EnvMissing { name: String },
    #[error("the key from {what} is empty")]
    Empty { what: String },
    #[error("the key from {what} is larger than {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("the passphrase file is not UTF-8 text")]
    PassphraseNotText,
    #[error("the passphrase file {} does not exist", .shown.as_deref().unwrap_or("(--key-passphrase-file)"))]
    PassphraseFileMissing { shown: Option<String> },
    #[error("the input is binary data that is neither a DER key nor a PKCS#12 bundle")]
    Binary,
    #[error("no PEM private key found (no '-----BEGIN … PRIVATE KEY-----' line, and not base64 of one)")]
    NoPem,
    #[error("the key is truncated: {detail}")]
    Truncated { detail: String },
    #[error("this is a certificate, not a private key")]
    Certificate,
    #[error("this is a public key, not a private key")]
    PublicKey,
    #[error("this is a certificate signing request, not a private key")]
    CertificateRequest,
    #[error("unsupported PEM block type {label:?}")]
    UnknownPem { label: String },
    #[error("the key must be RSA, but this is {algorithm}")]
    NotRsa { algorithm: String },
    #[error("this is an OpenSSH-format private key")]
    OpenSsh,
    #[error("the {format} key is encrypted and needs a passphrase")]
    PassphraseRequired { format: &'static str },
    #[error("wrong passphrase for the {format} key")]
    WrongPassphrase { format: &'static str },
    #[error("unsupported key encryption: {detail}")]
    UnsupportedEncryption { detail: String },
    #[error("the PKCS#12 bundle holds no private key")]
    Pkcs12NoKey,
    #[error("the RSA key is smaller than {MIN_BITS} bits")]
    TooSmall,
    #[error("not a usable RSA private key: {detail}")]
    Invalid { detail: String },
}

impl crate::error::InputFault for KeyError {
    fn name(&self) -> &'static str {
        "InvalidKey"
    }

    fn help(&self) -> Option<String> {
        Some(KeyError::help(self))
    }
}

impl KeyError {
    pub fn help(&self) -> String {
        use KeyError::*;
        match self {
            NoKey => "pass --key PATH (or -, env:VAR, file:PATH), or set SFJWT_KEY to the key itself or SFJWT_KEY_FILE to its path".into(),
            AmbiguousEnv => "unset one of them: SFJWT_KEY holds the key itself, SFJWT_KEY_FILE its path".into(),
            BadSpec { .. } => "--key takes a path, file:PATH, - (standard input) or env:VAR (a variable holding the key)".into(),
            MaterialAsPath => "--key, SFJWT_KEY_FILE and a config file's key: take a path; put the key itself in SFJWT_KEY, or in a variable named with --key env:VAR, or pipe it with --key -".into(),
            NotFound { .. } => "check the path; to pass the key itself use --key env:VAR or --key -".into(),
            IsDirectory { .. } => "point --key at the key file inside it (keygen writes NAME.key)".into(),
            Read { .. } => "check the file's permissions".into(),
            EnvMissing { name } => format!("set {name} to the PEM key (newlines, \\n escapes or base64 are all accepted)"),
            Empty { .. } => "the CI secret may be unset or masked out for this job (e.g. a protected variable on an unprotected branch)".into(),
            TooLarge { .. } => "point --key at the private key file itself".into(),
            PassphraseNotText => "write the passphrase as plain text; one trailing newline is ignored".into(),
            PassphraseFileMissing { .. } => "--key-passphrase-file takes the path of a file holding the passphrase; to give the passphrase itself, set SFJWT_KEY_PASSPHRASE".into(),
            Binary => "pass the PEM key, or a .p12/.pfx bundle with --key-passphrase-file".into(),
            NoPem => "the key should start with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----".into(),
            Truncated { .. } => "the secret was probably cut when pasted; copy the whole file, or store it base64-encoded (base64 -w0 server.key)".into(),
            Certificate => "the certificate (.crt) is what you upload to Salesforce; sfjwt needs the private key (.key) that goes with it".into(),
            PublicKey => "sfjwt needs the private key; a public key cannot sign".into(),
            CertificateRequest => "sfjwt needs the private key that the request was made from".into(),
            UnknownPem { .. } => "pass an RSA private key in PKCS#8 or PKCS#1 PEM".into(),
            NotRsa { .. } => "Salesforce's JWT bearer flow needs RS256: create an RSA key with `sfjwt keygen`".into(),
            OpenSsh => "convert it with `ssh-keygen -p -m PKCS8 -f KEY`, or create a new key with `sfjwt keygen`".into(),
            PassphraseRequired { .. } => "give the passphrase with --key-passphrase-file FILE or SFJWT_KEY_PASSPHRASE".into(),
            WrongPassphrase { .. } => "check the passphrase (a passphrase file's single trailing newline is ignored)".into(),
            UnsupportedEncryption { .. } => "re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`, or decrypt it first".into(),
            Pkcs12NoKey => "export the bundle with its private key (openssl pkcs12 -export -inkey KEY -in CERT)".into(),
            TooSmall => format!("create a {MIN_BITS}-bit or larger key with `sfjwt keygen`"),
            Invalid { .. } => "check that this is the right file; `openssl rsa -check -noout -in KEY` gives a second opinion".into(),
        }
    }
}
