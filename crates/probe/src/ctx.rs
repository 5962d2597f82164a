//! What every probe shares: the TLS client (built once from the root
//! `SSL` block) and how MISC_CHECK scripts get their user.

use std::path::Path;
use std::sync::Arc;

use ka_config::model::lvs::SslConfig;
use rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use rustls::crypto::{CryptoProvider, ring};
use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

/// Shared by every probe of a checker framework.
#[derive(Clone, Debug)]
pub struct ProbeCtx {
    /// The TLS client of every SSL_GET (and `genhash -S`).
    pub tls: Arc<ClientConfig>,
    /// `(uid, gid)` of scripts without `user`: `script_user`, else
    /// `keepalived_script` if it exists, else `None` (run as ourselves),
    /// as the VRRP scripts get it.
    pub default_script_ids: Option<(u32, u32)>,
}

impl ProbeCtx {
    /// A context with keepalived's auto-generated TLS context (no client
    /// certificate, peer not verified) and scripts run as ourselves.
    pub fn new() -> Self {
        Self {
            tls: Arc::new(bare()),
            default_script_ids: None,
        }
    }

    /// A context from the root `SSL` block. keepalived never asks OpenSSL
    /// to verify the server (`SSL_VERIFY_NONE`): `verify` (an extension)
    /// turns verification against `ca` on.
    pub fn with_ssl(
        ssl: Option<&SslConfig>,
        verify: bool,
        default_script_ids: Option<(u32, u32)>,
    ) -> Result<Self, SslError> {
        Ok(Self {
            tls: Arc::new(tls_config(ssl, verify)?),
            default_script_ids,
        })
    }
}

impl Default for ProbeCtx {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the `SSL` block cannot be used; keepalived's words.
#[derive(Debug, thiserror::Error)]
pub enum SslError {
    /// `certificate` unreadable or not PEM.
    #[error("SSL error : Cant load certificate file...")]
    Certificate(#[source] rustls_pki_types::pem::Error),
    /// `key` unreadable or not an unencrypted PEM key. rustls cannot
    /// decrypt keys: with `password`, decrypt the key beforehand.
    #[error("SSL error : Cant load key file...")]
    Key(#[source] rustls_pki_types::pem::Error),
    /// `ca` unreadable or not PEM.
    #[error("SSL error : Cant load CA file...")]
    Ca(#[source] rustls_pki_types::pem::Error),
    /// The certificate and key do not match, or `verify` without a CA.
    #[error("SSL error: cannot create new SSL context")]
    Context(#[source] rustls::Error),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The client without an `SSL` block, which cannot fail: ring supports
/// every protocol version rustls has (a property of the build, not of
/// any input).
fn bare() -> ClientConfig {
    let p = provider();
    #[allow(clippy::expect_used)]
    ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NoVerify(p)))
        .with_no_client_auth()
}

fn certs(
    path: &str,
) -> Result<Vec<CertificateDer<'static>>, rustls_pki_types::pem::Error> {
    CertificateDer::pem_file_iter(Path::new(path))?.collect()
}

/// The client configuration for the `SSL` block.
fn tls_config(
    ssl: Option<&SslConfig>,
    verify: bool,
) -> Result<ClientConfig, SslError> {
    let p = provider();
    let builder = ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(SslError::Context)?;
    let ca = match ssl.and_then(|s| s.ca.as_deref()) {
        Some(path) => Some(certs(path).map_err(SslError::Ca)?),
        None => None,
    };
    let builder = if verify {
        let mut roots = RootCertStore::empty();
        for c in ca.unwrap_or_default() {
            roots.add(c).map_err(SslError::Context)?;
        }
        builder.with_root_certificates(roots)
    } else {
        // keepalived compat: SSL_VERIFY_NONE; the CA is loaded only.
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(p)))
    };
    let cert = ssl.and_then(|s| s.certificate.as_deref());
    let key = ssl.and_then(|s| s.key.as_deref()).or(cert);
    let mut cfg = match (cert, key) {
        (Some(c), Some(k)) => {
            let chain = certs(c).map_err(SslError::Certificate)?;
            let key = PrivateKeyDer::from_pem_file(Path::new(k))
                .map_err(SslError::Key)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(SslError::Context)?
        }
        _ => builder.with_no_client_auth(),
    };
    cfg.enable_sni = true;
    Ok(cfg)
}

/// keepalived's `SSL_VERIFY_NONE`: any certificate is accepted; the
/// handshake signatures are still checked.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
