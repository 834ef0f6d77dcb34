//! The TLS configurations, checked by handshakes in memory between rustls connections
//! built from them (no sockets), with certificates made here by rcgen: a CA, a server
//! certificate for "localhost" and a client certificate.

use super::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::{ClientConnection, ServerConnection};

struct Pki {
    ca: String,
    server_chain: String,
    server_key: String,
    client_chain: String,
    client_key: String,
    other_ca: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gamenet test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_chain, server_key) = leaf(vec!["localhost".into()]);
    let (client_chain, client_key) = leaf(vec!["player-1".into()]);
    let other_key = KeyPair::generate().unwrap();
    let mut other = CertificateParams::new(Vec::<String>::new()).unwrap();
    other.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    other
        .distinguished_name
        .push(DnType::CommonName, "another CA");
    Pki {
        ca: ca.pem(),
        server_chain,
        server_key,
        client_chain,
        client_key,
        other_ca: other.self_signed(&other_key).unwrap().pem(),
    }
}

/// Runs a handshake between the two configs in memory; the first error either side hits.
fn handshake(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    name: &str,
) -> std::result::Result<(ServerConnection, ClientConnection), rustls::Error> {
    let mut s = ServerConnection::new(server)?;
    let mut c = ClientConnection::new(client, server_name(name).unwrap())?;
    for _ in 0..20 {
        let mut buf = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        s.read_tls(&mut buf.as_slice()).unwrap();
        s.process_new_packets()?;
        let mut back = Vec::new();
        while s.wants_write() {
            s.write_tls(&mut back).unwrap();
        }
        c.read_tls(&mut back.as_slice()).unwrap();
        c.process_new_packets()?;
        if !c.is_handshaking() && !s.is_handshaking() {
            return Ok((s, c));
        }
    }
    panic!("the handshake did not finish in 20 flights");
}

fn server_opts(p: &Pki) -> TlsServerOptions {
    TlsServerOptions {
        cert_chain_pem: p.server_chain.clone().into_bytes(),
        key_pem: p.server_key.clone().into_bytes(),
        ..Default::default()
    }
}

fn client_opts(roots: &str) -> TlsClientOptions {
    TlsClientOptions {
        roots_pem: Some(roots.as_bytes().to_vec()),
        ..Default::default()
    }
}

#[test]
fn a_client_trusting_the_ca_completes_the_handshake_and_agrees_on_alpn() {
    let p = pki();
    let mut so = server_opts(&p);
    so.alpn = vec![b"gamenet/1".to_vec()];
    let mut co = client_opts(&p.ca);
    co.alpn = vec![b"other".to_vec(), b"gamenet/1".to_vec()];
    let (s, c) = handshake(
        server_config(&so).unwrap(),
        client_config(&co).unwrap(),
        "localhost",
    )
    .unwrap();
    assert_eq!(c.alpn_protocol(), Some(&b"gamenet/1"[..]));
    assert_eq!(s.alpn_protocol(), Some(&b"gamenet/1"[..]));
    assert!(c.protocol_version().is_some() && c.negotiated_cipher_suite().is_some());
}

#[test]
fn an_untrusted_certificate_or_a_wrong_name_fails_the_handshake_with_why() {
    let p = pki();
    let sc = server_config(&server_opts(&p)).unwrap();
    let untrusted = handshake(
        sc.clone(),
        client_config(&client_opts(&p.other_ca)).unwrap(),
        "localhost",
    );
    let e = untrusted.err().unwrap().to_string();
    assert!(e.contains("UnknownIssuer"), "{e}");
    let wrong = handshake(
        sc.clone(),
        client_config(&client_opts(&p.ca)).unwrap(),
        "example.org",
    );
    let e = wrong.err().unwrap().to_string();
    assert!(e.contains("not valid for name"), "{e}");
    // Skipping verification (development only) accepts both.
    let skip = TlsClientOptions {
        dangerous_skip_verification: true,
        ..Default::default()
    };
    assert!(handshake(sc, client_config(&skip).unwrap(), "example.org").is_ok());
}

#[test]
fn mutual_authentication_requires_a_client_certificate_from_the_roots() {
    let p = pki();
    let mut so = server_opts(&p);
    so.client_roots_pem = Some(p.ca.clone().into_bytes());
    let sc = server_config(&so).unwrap();
    let anonymous = handshake(
        sc.clone(),
        client_config(&client_opts(&p.ca)).unwrap(),
        "localhost",
    );
    assert!(anonymous.is_err());
    let mut co = client_opts(&p.ca);
    co.client_cert_pem = Some(p.client_chain.clone().into_bytes());
    co.client_key_pem = Some(p.client_key.clone().into_bytes());
    let (s, _) = handshake(sc, client_config(&co).unwrap(), "localhost").unwrap();
    assert_eq!(s.peer_certificates().map(<[_]>::len), Some(1));
}

#[test]
fn bad_pem_and_mismatched_pieces_are_refused_with_what_is_wrong() {
    let p = pki();
    let mut so = server_opts(&p);
    so.cert_chain_pem = b"not pem".to_vec();
    let e = server_config(&so).unwrap_err();
    assert!(
        e.message().contains("no CERTIFICATE block"),
        "{}",
        e.message()
    );
    let mut so = server_opts(&p);
    so.key_pem = p.client_key.clone().into_bytes(); // another certificate's key
    let e = server_config(&so).unwrap_err();
    assert!(
        e.message().contains("do not go together"),
        "{}",
        e.message()
    );
    let mut co = client_opts(&p.ca);
    co.client_cert_pem = Some(p.client_chain.clone().into_bytes());
    let e = client_config(&co).unwrap_err();
    assert!(e.message().contains("needs its key"), "{}", e.message());
    assert!(server_name("not a name!").is_err());
    assert!(server_name("127.0.0.1").is_ok());
}
