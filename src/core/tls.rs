//! TLS configurations (issue 13, first step): what a TLS server and a TLS client are made
//! from, built into rustls configs with errors that say what is wrong. The TLS stream (a
//! [`super::io::ByteStream`] over `rustls::Connection`) comes next.
//!
//! The crypto provider is *ring*, chosen on purpose: it builds with the C compiler the
//! project already needs, where aws-lc-rs (rustls' default) also needs CMake and, for
//! some targets, NASM and Go at build time. Protocol versions are rustls' safe defaults
//! (TLS 1.3 and 1.2).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use super::error::{Error, ErrorKind, Result};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidArgument, what.to_string())
}

/// The certificates in PEM text `pem` (`what` names it in errors); at least one.
pub fn certs_from_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("{what}: not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(bad(format!("{what}: no CERTIFICATE block in the PEM text")));
    }
    Ok(certs)
}

/// The private key in PEM text `pem` (PKCS#8, PKCS#1 or SEC1).
pub fn key_from_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| bad(format!("{what}: no private key in the PEM text: {e}")))
}

/// Root certificates from PEM text, as a store.
fn roots_from_pem(pem: &[u8], what: &str) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for c in certs_from_pem(pem, what)? {
        roots
            .add(c)
            .map_err(|e| bad(format!("{what}: a certificate is not a usable root: {e}")))?;
    }
    Ok(roots)
}

/// What a TLS server is made from.
#[derive(Debug, Clone, Default)]
pub struct TlsServerOptions {
    /// The certificate chain, PEM (the server's first, then intermediates).
    pub cert_chain_pem: Vec<u8>,
    /// The chain's private key, PEM.
    pub key_pem: Vec<u8>,
    /// Roots that client certificates must chain to; with them every client must present
    /// one (mutual authentication). `None`: clients are not asked.
    pub client_roots_pem: Option<Vec<u8>>,
    /// ALPN protocols offered, most preferred first.
    pub alpn: Vec<Vec<u8>>,
}

/// Builds the rustls server config of `o`.
pub fn server_config(o: &TlsServerOptions) -> Result<Arc<ServerConfig>> {
    let chain = certs_from_pem(&o.cert_chain_pem, "the certificate chain")?;
    let key = key_from_pem(&o.key_pem, "the private key")?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS versions: {e}")))?;
    let builder = match &o.client_roots_pem {
        Some(pem) => {
            let roots = roots_from_pem(pem, "the client roots")?;
            let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider())
                .build()
                .map_err(|e| bad(format!("the client roots: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut cfg = builder.with_single_cert(chain, key).map_err(|e| {
        bad(format!(
            "the certificate chain and key do not go together: {e}"
        ))
    })?;
    cfg.alpn_protocols = o.alpn.clone();
    Ok(Arc::new(cfg))
}

/// What a TLS client is made from.
#[derive(Debug, Clone, Default)]
pub struct TlsClientOptions {
    /// Roots the server's certificate must chain to, PEM. `None`: the system's roots.
    pub roots_pem: Option<Vec<u8>>,
    /// A client certificate chain and its key, PEM, for servers that ask for one.
    pub client_cert_pem: Option<Vec<u8>>,
    pub client_key_pem: Option<Vec<u8>>,
    /// ALPN protocols offered, most preferred first.
    pub alpn: Vec<Vec<u8>>,
    /// Accept any server certificate, for local development only: the connection is
    /// encrypted but not authenticated (anyone in the middle can read it).
    pub dangerous_skip_verification: bool,
}

/// Builds the rustls client config of `o`.
pub fn client_config(o: &TlsClientOptions) -> Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS versions: {e}")))?;
    let builder = if o.dangerous_skip_verification {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipVerification(provider())))
    } else {
        let roots = match &o.roots_pem {
            Some(pem) => roots_from_pem(pem, "the roots")?,
            None => system_roots()?,
        };
        builder.with_root_certificates(roots)
    };
    let mut cfg = match (&o.client_cert_pem, &o.client_key_pem) {
        (Some(c), Some(k)) => builder
            .with_client_auth_cert(
                certs_from_pem(c, "the client certificate")?,
                key_from_pem(k, "the client key")?,
            )
            .map_err(|e| bad(format!("the client certificate and key: {e}")))?,
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(bad(
                "a client certificate needs its key, and a key its certificate",
            ));
        }
    };
    cfg.alpn_protocols = o.alpn.clone();
    Ok(Arc::new(cfg))
}

/// The system's root certificates (rustls-native-certs); an error when none load.
fn system_roots() -> Result<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "no system root certificates could be loaded ({} errors): give the roots \
                 as PEM",
                found.errors.len()
            ),
        ));
    }
    Ok(roots)
}

/// A server name to verify, from a host name or an IP address.
pub fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_string())
        .map_err(|e| bad(format!("'{host}' is not a server name to verify: {e}")))
}

/// The verifier of `dangerous_skip_verification`: any certificate, any name. Signatures
/// are still checked (the peer holds the key of the certificate it shows).
#[derive(Debug)]
struct SkipVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for SkipVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
