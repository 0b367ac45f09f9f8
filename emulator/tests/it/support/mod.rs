#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

pub use sfjwt_testsupport::{ADMIN_TOKEN, CI_USER, CLIENT_ID, Emu, LOGIN, TEST, scenario};

pub fn root() -> PathBuf {
    sfjwt_testsupport::repo_root()
}

/// The emulator this package builds, started on a scenario file.
pub fn start(scenario_path: &Path, extra: &[&str]) -> Emu {
    Emu::spawn(Path::new(env!("CARGO_BIN_EXE_sfjwt-emulator")), scenario_path, extra)
}

pub fn emu(name: &str) -> Emu {
    start(&scenario(name), &[])
}

fn key_pair() -> RsaKeyPair {
    let pem = std::fs::read_to_string(root().join("fixtures/keys/ci.key")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(b64).unwrap()).unwrap()
}

/// Signs arbitrary claims with the fixture key, RS256.
pub fn sign(claims: &Value) -> String {
    sign_with_header(&json!({"alg": "RS256", "typ": "JWT"}), claims)
}

pub fn sign_with_header(header: &Value, claims: &Value) -> String {
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let kp = key_pair();
    let mut sig = vec![0u8; kp.public_modulus_len()];
    kp.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn claims(user: &str, aud: &str) -> Value {
    json!({"iss": CLIENT_ID, "sub": user, "aud": aud, "exp": now() + 180})
}

pub struct Http {
    pub curl_exit: i32,
    pub status: u16,
    pub content_type: String,
    pub headers: String,
    pub body: String,
}

impl Http {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request with curl (a real HTTPS client trusting only the emulator's CA).
pub fn curl(emu: &Emu, args: &[&str]) -> Http {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body");
    let headers = dir.path().join("headers");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(&emu.ca)
        .arg("-o")
        .arg(&body)
        .arg("-D")
        .arg(&headers)
        .args(["-w", "%{http_code} %{content_type}"])
        .args(args)
        .output()
        .expect("curl on PATH");
    let meta = String::from_utf8_lossy(&out.stdout).to_string();
    let (code, ctype) = meta.split_once(' ').unwrap_or((&meta, ""));
    Http {
        curl_exit: out.status.code().unwrap_or(-1),
        status: code.parse().unwrap_or(0),
        content_type: ctype.to_string(),
        headers: std::fs::read_to_string(&headers).unwrap_or_default(),
        body: std::fs::read_to_string(&body).unwrap_or_default(),
    }
}

pub fn grant(emu: &Emu, assertion: &str) -> Http {
    let url = format!("{}/services/oauth2/token", emu.url);
    curl(
        emu,
        &[
            &url,
            "-d",
            "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer",
            "--data-urlencode",
            &format!("assertion={assertion}"),
        ],
    )
}

pub fn grant_claims(emu: &Emu, claims: &Value) -> Http {
    grant(emu, &sign(claims))
}

/// A SOQL query through the REST API with the given session.
pub fn query(emu: &Emu, token: &str, soql: &str) -> Http {
    let url = format!("{}/services/data/v66.0/query", emu.url);
    curl(emu, &["-G", &url, "-H", &format!("Authorization: Bearer {token}"), "--data-urlencode", &format!("q={soql}")])
}
