//! `--tls`: a throw-away CA and a server certificate for `127.0.0.1` and `localhost`, made at
//! start. The CA certificate is written to a file so clients can trust it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TlsSetup {
    pub server_config: Arc<rustls::ServerConfig>,
    pub ca_path: PathBuf,
}

fn tls_error(context: &str, err: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("quay-sim TLS setup: {context}: {err}"))
}

/// Generates the CA and server certificate and writes the CA PEM into `dir`.
pub fn setup(dir: &Path) -> std::io::Result<TlsSetup> {
    let ca_key = KeyPair::generate().map_err(|e| tls_error("CA key", e))?;
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA params", e))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "quay-sim test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| tls_error("CA certificate", e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(|e| tls_error("server key", e))?;
    let mut server_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| tls_error("server params", e))?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "quay-sim");
    let server_cert = server_params
        .signed_by(&server_key, &issuer)
        .map_err(|e| tls_error("server certificate", e))?;

    std::fs::create_dir_all(dir)?;
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca_cert.pem())?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone()], key)
        .map_err(|e| tls_error("server config", e))?;
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsSetup {
        server_config: Arc::new(server_config),
        ca_path,
    })
}
