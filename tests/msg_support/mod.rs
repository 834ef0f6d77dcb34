//! What the message-layer tests share: a registry, a server and client on loopback, a
//! pump that processes both until an event, a raw peer that speaks the protocol by hand.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use gamenet::msg::client::{Client, ClientConfig};
use gamenet::msg::msgpack::Value;
use gamenet::msg::peer::Event;
use gamenet::msg::registry::Registry;
use gamenet::msg::server::{Server, ServerConfig};

pub const LONG: Duration = Duration::from_secs(20);

pub fn registry(id: Option<u32>) -> Registry {
    let mut r = Registry::new();
    r.register("anchor:echo", id).unwrap();
    r
}

pub fn server(threads: usize, reg: Registry) -> Server {
    let cfg = ServerConfig {
        host: Some("127.0.0.1".into()),
        threads,
        ..ServerConfig::default()
    };
    Server::new(cfg, reg).unwrap()
}

pub fn client(port: u16, threads: usize, conn_type: &str, reg: Registry) -> Client {
    let cfg = ClientConfig {
        host: "127.0.0.1".into(),
        port,
        conn_type: conn_type.into(),
        threads,
        ..ClientConfig::default()
    };
    Client::connect(cfg, reg).unwrap()
}

/// Processes both until `want` matches an event of the server (`true`) or client, within
/// LONG; returns the events seen on each side.
pub fn pump(
    s: &Server,
    c: Option<&Client>,
    mut want: impl FnMut(bool, &Event) -> bool,
) -> (Vec<Event>, Vec<Event>) {
    let deadline = Instant::now() + LONG;
    let (mut se, mut ce) = (Vec::new(), Vec::new());
    loop {
        s.process(Duration::from_millis(2));
        while let Some(e) = s.next_event() {
            let done = want(true, &e);
            se.push(e);
            if done {
                return (se, ce);
            }
        }
        if let Some(c) = c {
            c.process(Duration::from_millis(2));
            while let Some(e) = c.next_event() {
                let done = want(false, &e);
                ce.push(e);
                if done {
                    return (se, ce);
                }
            }
        }
        assert!(Instant::now() < deadline, "server {se:?}\nclient {ce:?}");
    }
}

pub fn blob(n: usize) -> Vec<u8> {
    Value::map([("blob", Value::Str("A".repeat(n)))]).to_bytes()
}

/// A raw TCP peer of `s`, connected, its hello read.
pub fn raw_peer(s: &Server) -> TcpStream {
    let mut t = TcpStream::connect(("127.0.0.1", s.port())).unwrap();
    t.set_read_timeout(Some(LONG)).unwrap();
    // A server without threads accepts inside process.
    pump(s, None, |_, e| matches!(e, Event::Connected { .. }));
    // The server speaks first: its hello.
    let mut len = [0u8; 4];
    t.read_exact(&mut len).unwrap();
    let mut hello = vec![0u8; u32::from_be_bytes(len) as usize];
    t.read_exact(&mut hello).unwrap();
    t
}

pub fn closed_reason(s: &Server) -> Option<String> {
    let (se, _) = pump(s, None, |_, e| matches!(e, Event::Closed { .. }));
    match se.last() {
        Some(Event::Closed { reason, .. }) => reason.clone(),
        _ => None,
    }
}

/// Writes one peng3dnet packet (`len | pid | flags | body`) to `t`.
pub fn write_packet(t: &mut TcpStream, pid: u32, flags: u16, body: &[u8]) {
    let mut f = ((body.len() + 6) as u32).to_be_bytes().to_vec();
    f.extend_from_slice(&pid.to_be_bytes());
    f.extend_from_slice(&flags.to_be_bytes());
    f.extend_from_slice(body);
    t.write_all(&f).unwrap();
}

/// Reads one packet from `t`: its id and body.
pub fn read_packet(t: &mut TcpStream) -> (u32, Vec<u8>) {
    let mut len = [0u8; 4];
    t.read_exact(&mut len).unwrap();
    let mut p = vec![0u8; u32::from_be_bytes(len) as usize];
    t.read_exact(&mut p).unwrap();
    (
        u32::from_be_bytes(p[..4].try_into().unwrap()),
        p[6..].to_vec(),
    )
}

/// Processes `s` until `read` (run on another thread) returns.
pub fn pump_while<T: Send>(s: &Server, read: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|sc| {
        let h = sc.spawn(read);
        let deadline = Instant::now() + LONG;
        while !h.is_finished() {
            s.process(Duration::from_millis(2));
            assert!(Instant::now() < deadline, "the peer read nothing");
        }
        h.join().unwrap()
    })
}

/// A raw peer that completed the classic handshake by hand (settype, handshake, accept).
pub fn handshaken_raw_peer(s: &Server) -> TcpStream {
    let mut t = raw_peer(s);
    finish_handshake(s, &mut t);
    t
}

/// Completes the classic handshake of raw peer `t` by hand (settype, the server's
/// handshake, accept) and waits for the server's handshake event.
pub fn finish_handshake(s: &Server, t: &mut TcpStream) {
    let settype = Value::map([("conntype", Value::Str("classic".into()))]).to_bytes();
    write_packet(t, 2, 0, &settype);
    let mut r = t.try_clone().unwrap();
    let (pid, _) = pump_while(s, move || read_packet(&mut r));
    assert_eq!(pid, 3, "the server's handshake");
    let accept = Value::map([("success", Value::Bool(true))]).to_bytes();
    write_packet(t, 4, 0, &accept);
    pump(s, None, |_, e| matches!(e, Event::HandshakeComplete { .. }));
}
