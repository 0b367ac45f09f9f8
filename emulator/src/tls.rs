//! A throwaway CA and a server certificate for 127.0.0.1, localhost and any extra names (so a
//! client that only talks to `*.salesforce.com` can reach it under such a name); clients trust
//! `ca.pem`.

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub fn server_config(dir: &Path, names: &[String]) -> Result<Arc<rustls::ServerConfig>, String> {
    let err = |e: &dyn std::fmt::Display| format!("TLS setup: {e}");
    let ca_key = KeyPair::generate().map_err(|e| err(&e))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| err(&e))?;
    ca.distinguished_name.push(DnType::CommonName, "sfjwt-emulator test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).map_err(|e| err(&e))?;
    let issuer = rcgen::Issuer::new(ca, ca_key);

    let key = KeyPair::generate().map_err(|e| err(&e))?;
    let mut dns = vec!["localhost".to_string()];
    dns.extend(names.iter().cloned());
    let mut leaf = CertificateParams::new(dns).map_err(|e| err(&e))?;
    leaf.subject_alt_names.push(SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)));
    leaf.subject_alt_names.push(SanType::IpAddress(std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)));
    leaf.distinguished_name.push(DnType::CommonName, "sfjwt-emulator");
    let leaf_cert = leaf.signed_by(&key, &issuer).map_err(|e| err(&e))?;

    std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).map_err(|e| err(&e))?;
    std::fs::write(dir.join("server.pem"), leaf_cert.pem()).map_err(|e| err(&e))?;

    let chain = vec![CertificateDer::from(leaf_cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| err(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
