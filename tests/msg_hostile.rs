//! Hostile peers over live connections of the message layer, each closed with its reason
//! while the others keep their service: a zip bomb, int map keys, handshake packets in the
//! wrong state or repeated, and 1,000 clients that connect and stall beside an honest one.

mod msg_support;

use std::net::TcpStream;
use std::time::Duration;

use gamenet::msg::msgpack::Value;
use gamenet::msg::peer::Event;
use gamenet::msg::server::{Server, ServerConfig};
use msg_support::*;
use nix::sys::resource::{Resource, getrlimit, setrlimit};

fn server_with(threads: usize, handshake_timeout: Duration) -> Server {
    let cfg = ServerConfig {
        host: Some("127.0.0.1".into()),
        threads,
        handshake_timeout,
        ..ServerConfig::default()
    };
    Server::new(cfg, registry(None)).unwrap()
}

/// Reads packets from `t` until the closeconn; returns its reason.
fn closeconn_reason(t: &mut TcpStream) -> Option<String> {
    loop {
        let (pid, body) = read_packet(t);
        if pid == 16 {
            let v = gamenet::msg::msgpack::decode(&body, false).unwrap();
            return v.get("reason").and_then(Value::as_str).map(String::from);
        }
    }
}

/// The process's resident memory, from /proc.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

/// An honest client still gets an echo through `s`.
fn honest_echo(s: &Server) {
    let c = client(s.port(), 1, "classic", registry(None));
    c.send_message("anchor:echo", blob(100)).unwrap();
    pump(s, Some(&c), |srv, e| {
        if let (true, Event::Message { cid, body, .. }) = (srv, e) {
            s.send_message(*cid, "anchor:echo", body.clone()).unwrap();
        }
        !srv && matches!(e, Event::Message { .. })
    });
}

#[test]
fn a_zip_bomb_on_a_live_connection_is_cut_short_without_growth() {
    let s = server_with(1, Duration::from_secs(10));
    let mut t = handshaken_raw_peer(&s);
    // About 1 MiB of zlib that inflates to 1 GiB.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        std::io::Write::write_all(&mut z, &zeros).unwrap();
    }
    let bomb = z.finish().unwrap();
    let before = rss_bytes();
    write_packet(&mut t, 64, 1, &bomb);
    let mut r = t.try_clone().unwrap();
    let told = pump_while(&s, move || closeconn_reason(&mut r));
    assert_eq!(told.as_deref(), Some("toolarge"));
    assert_eq!(closed_reason(&s).as_deref(), Some("toolarge"));
    // Inflated no further than the 16 MiB limit (and the frame itself): nowhere near 1 GiB.
    let grown = rss_bytes().saturating_sub(before);
    assert!(grown < 128 << 20, "grew {grown} bytes");
    honest_echo(&s);
}

#[test]
fn int_map_keys_and_malformed_bodies_on_live_connections_close_with_badmsgpack() {
    let s = server_with(0, Duration::from_secs(10));
    // {1: 2}: valid msgpack the Python peer would die on.
    for body in [vec![0x81, 0x01, 0x02], vec![0x92, 0x01], vec![0xc1]] {
        let mut t = handshaken_raw_peer(&s);
        write_packet(&mut t, 64, 0, &body);
        let mut r = t.try_clone().unwrap();
        assert_eq!(
            pump_while(&s, move || closeconn_reason(&mut r)).as_deref(),
            Some("badmsgpack")
        );
        assert_eq!(closed_reason(&s).as_deref(), Some("badmsgpack"));
    }
    honest_echo(&s);
}

#[test]
fn handshake_packets_in_the_wrong_state_or_repeated_close_with_smartpacketinvalid() {
    let s = server_with(1, Duration::from_secs(10));
    let settype = Value::map([("conntype", Value::Str("classic".into()))]).to_bytes();
    let accept = Value::map([("success", Value::Bool(true))]).to_bytes();
    let hello = Value::map([("protoversion", Value::Int(2))]).to_bytes();
    // After the handshake: settype again, accept again, a hello, a handshake.
    for (pid, body) in [(2, &settype), (4, &accept), (1, &hello), (3, &hello)] {
        let mut t = handshaken_raw_peer(&s);
        write_packet(&mut t, pid, 0, body);
        let mut r = t.try_clone().unwrap();
        assert_eq!(
            pump_while(&s, move || closeconn_reason(&mut r)).as_deref(),
            Some("smartpacketinvalid"),
            "packet {pid} repeated"
        );
        assert_eq!(closed_reason(&s).as_deref(), Some("smartpacketinvalid"));
    }
    // Before it: an accept before settype, settype twice.
    for first in [vec![(4, &accept)], vec![(2, &settype), (2, &settype)]] {
        let mut t = raw_peer(&s);
        for (pid, body) in first {
            write_packet(&mut t, pid, 0, body);
        }
        let mut r = t.try_clone().unwrap();
        assert_eq!(
            pump_while(&s, move || closeconn_reason(&mut r)).as_deref(),
            Some("smartpacketinvalid")
        );
        assert_eq!(closed_reason(&s).as_deref(), Some("smartpacketinvalid"));
    }
    honest_echo(&s);
}

#[test]
fn a_thousand_stalled_clients_cost_only_themselves() {
    const STALLED: usize = 1000;
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(
        hard >= 2 * STALLED as u64 + 200,
        "RLIMIT_NOFILE hard limit {hard}"
    );
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    // A handshake timeout longer than the test: they stay, connected and silent.
    let s = server_with(1, Duration::from_secs(600));
    let stalled: Vec<TcpStream> = (0..STALLED)
        .map(|_| TcpStream::connect(("127.0.0.1", s.port())).unwrap())
        .collect();
    let mut connected = 0;
    pump(&s, None, |_, e| {
        connected += matches!(e, Event::Connected { .. }) as usize;
        connected == STALLED
    });
    // An honest client beside them: its handshake and 200 echoes go through.
    let c = client(s.port(), 1, "classic", registry(None));
    for i in 0..200 {
        let body = Value::map([("i", Value::Int(i))]).to_bytes();
        c.send_message("anchor:echo", body.clone()).unwrap();
        let (_, got) = pump(&s, Some(&c), |srv, e| {
            if let (true, Event::Message { cid, body, .. }) = (srv, e) {
                s.send_message(*cid, "anchor:echo", body.clone()).unwrap();
            }
            !srv && matches!(e, Event::Message { .. })
        });
        assert!(
            matches!(got.last(), Some(Event::Message { body: b, .. }) if *b == body),
            "echo {i}"
        );
    }
    // The stalled ones are still there, each waiting in its handshake.
    assert_eq!(s.clients().len(), STALLED + 1);
    drop(stalled);
}
