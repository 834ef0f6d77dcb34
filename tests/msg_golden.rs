//! The message layer's protocol against frames captured between the real peng3dnet server
//! and client (tests/data/peng3dnet-protocol2.json): every frame decodes, the plain ones
//! re-encode byte for byte, and the classic and ping sessions replay from both sides with
//! the captured bytes on the wire. Hostile frames close with their reason.

use gamenet::msg::frame::{self, Compress, FrameError};
use gamenet::msg::msgpack::{self, Value};
use gamenet::msg::registry::Registry;
use gamenet::msg::session::{Out, Session, Settings};

struct Vector {
    conn: String,
    dir: String,
    pid: u32,
    flags: u16,
    /// The frame without its 4-byte length: the core datagram.
    datagram: Vec<u8>,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn vectors() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/peng3dnet-protocol2.json"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let frame = hex(v["frame_hex"].as_str().unwrap());
            let len = u32::from_be_bytes(frame[0..4].try_into().unwrap()) as usize;
            assert_eq!(
                len,
                frame.len() - 4,
                "the length prefix counts what follows it"
            );
            Vector {
                conn: v["conn"].as_str().unwrap().to_string(),
                dir: v["dir"].as_str().unwrap().to_string(),
                pid: v["pid"].as_u64().unwrap() as u32,
                flags: v["flags"].as_u64().unwrap() as u16,
                datagram: frame[4..].to_vec(),
            }
        })
        .collect()
}

fn find<'a>(all: &'a [Vector], conn: &str, dir: &str, pid: u32, flags: u16) -> &'a Vector {
    all.iter()
        .find(|v| v.conn == conn && v.dir == dir && v.pid == pid && v.flags == flags)
        .unwrap_or_else(|| panic!("no vector {conn} {dir} {pid} {flags}"))
}

/// Settings that reproduce the captured peer's strings.
fn captured_settings() -> Settings {
    Settings {
        version: "0.1.3a0".into(),
        release: "0.1.3".into(),
        ping_data: vec![("motd".into(), Value::Str("anchor".into()))],
        ..Settings::default()
    }
}

fn sent(out: &[Out]) -> Vec<&[u8]> {
    out.iter()
        .filter_map(|o| match o {
            Out::Send(d) => Some(d.as_slice()),
            _ => None,
        })
        .collect()
}

fn body_of(datagram: &[u8]) -> Value {
    let p = frame::decode(datagram, 1 << 20, true).unwrap();
    msgpack::decode(&p.body, true).unwrap()
}

#[test]
fn every_captured_frame_decodes_and_plain_ones_encode_back_byte_exact() {
    let all = vectors();
    assert_eq!(all.len(), 22);
    for v in &all {
        let p = frame::decode(&v.datagram, 1 << 20, true).unwrap();
        assert_eq!((p.pid, p.flags), (v.pid, v.flags));
        if v.flags == 0 {
            assert_eq!(frame::encode(v.pid, &p.body, None), v.datagram);
        } else {
            // zlib output differs between implementations: compare by content, and check
            // that ours inflates back to the same body.
            let ours = frame::encode(v.pid, &p.body, Some(Compress::default()));
            assert_eq!(frame::decode(&ours, 1 << 20, true).unwrap().body, p.body);
            assert_eq!(
                body_of(&v.datagram).get("blob"),
                Some(&Value::Str("A".repeat(10000)))
            );
        }
    }
}

#[test]
fn a_classic_session_replays_from_the_server_side_with_the_captured_bytes() {
    let all = vectors();
    let s = captured_settings();
    let mut reg = Registry::new();
    reg.register("anchor:echo", None).unwrap();
    let (mut server, out) = Session::server(&s);
    assert_eq!(
        sent(&out),
        [find(&all, "classic", "s2c", 1, 0).datagram.as_slice()]
    );
    // A message the engine sends before the handshake is queued, not written.
    let echo = find(&all, "classic", "s2c", 64, 0);
    let echo_body = frame::decode(&echo.datagram, 1 << 20, true).unwrap().body;
    assert!(server.send(&s, 64, echo_body.clone()).unwrap().is_empty());
    // One that arrives before it is dropped and counted.
    let c2s_echo = find(&all, "classic", "c2s", 64, 0);
    assert!(server.receive(&s, &mut reg, &c2s_echo.datagram).is_empty());
    assert_eq!(server.dropped_early, 1);
    let out = server.receive(&s, &mut reg, &find(&all, "classic", "c2s", 2, 0).datagram);
    assert_eq!(
        sent(&out),
        [find(&all, "classic", "s2c", 3, 0).datagram.as_slice()]
    );
    let out = server.receive(&s, &mut reg, &find(&all, "classic", "c2s", 4, 0).datagram);
    assert_eq!(out[0], Out::HandshakeComplete);
    assert_eq!(
        sent(&out),
        [echo.datagram.as_slice()],
        "the queued send goes out"
    );
    let out = server.receive(&s, &mut reg, &c2s_echo.datagram);
    assert_eq!(
        out,
        [Out::Message {
            pid: 64,
            body: echo_body
        }]
    );
    let out = server.receive(&s, &mut reg, &find(&all, "classic", "c2s", 64, 1).datagram);
    let Out::Message { body, .. } = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(
        body.len(),
        10000 + 9,
        "inflated: the map, its key and a str32 header"
    );
    let out = server.receive(&s, &mut reg, &find(&all, "classic", "c2s", 16, 0).datagram);
    assert_eq!(
        out,
        [Out::Closed {
            reason: Some("done".into()),
            by_peer: true
        }]
    );
    assert!(server.receive(&s, &mut reg, &c2s_echo.datagram).is_empty());
}

#[test]
fn a_classic_session_replays_from_the_client_side_and_adopts_any_ids() {
    let all = vectors();
    let s = captured_settings();
    let mut reg = Registry::new();
    reg.register("anchor:echo", Some(99)).unwrap();
    let mut client = Session::client("classic");
    let out = client.receive(&s, &mut reg, &find(&all, "classic", "s2c", 1, 0).datagram);
    assert_eq!(
        sent(&out),
        [find(&all, "classic", "c2s", 2, 0).datagram.as_slice()]
    );
    let out = client.receive(&s, &mut reg, &find(&all, "classic", "s2c", 3, 0).datagram);
    assert_eq!(
        sent(&out),
        [find(&all, "classic", "c2s", 4, 0).datagram.as_slice()]
    );
    assert!(out.contains(&Out::HandshakeComplete));
    assert_eq!(reg.id("anchor:echo"), Some(64), "the server's id, adopted");
    assert!(client.is_active());
    let closing = client.close(Some("done"));
    assert_eq!(
        sent(&closing),
        [find(&all, "classic", "c2s", 16, 0).datagram.as_slice()]
    );
}

#[test]
fn the_ping_type_replays_from_both_sides() {
    let all = vectors();
    let s = captured_settings();
    let mut reg = Registry::new();
    let (mut server, _) = Session::server(&s);
    assert!(
        server
            .receive(&s, &mut reg, &find(&all, "ping", "c2s", 2, 0).datagram)
            .is_empty()
    );
    let out = server.receive(&s, &mut reg, &find(&all, "ping", "c2s", 64, 0).datagram);
    assert_eq!(
        sent(&out),
        [find(&all, "ping", "s2c", 65, 0).datagram.as_slice()]
    );

    let mut client = Session::client("ping");
    let query = body_of(&find(&all, "ping", "c2s", 64, 0).datagram).to_bytes();
    assert!(
        client.ping(query).is_empty(),
        "queued until the hello is answered"
    );
    let out = client.receive(&s, &mut reg, &find(&all, "ping", "s2c", 1, 0).datagram);
    assert_eq!(
        sent(&out),
        [find(&all, "ping", "c2s", 2, 0).datagram.as_slice()]
    );
    let out = client.flush_ping();
    assert_eq!(
        sent(&out),
        [find(&all, "ping", "c2s", 64, 0).datagram.as_slice()]
    );
    let out = client.receive(&s, &mut reg, &find(&all, "ping", "s2c", 65, 0).datagram);
    let Out::PingAnswer(answer) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(answer.get("motd").and_then(Value::as_str), Some("anchor"));
    assert_eq!(
        out.last(),
        Some(&Out::Closed {
            reason: Some("pingcomplete".into()),
            by_peer: false
        })
    );
}

#[test]
fn a_ping_connection_carries_only_its_query_and_answer() {
    let all = vectors();
    let s = captured_settings();
    let settype = &find(&all, "ping", "c2s", 2, 0).datagram;
    let query = &find(&all, "ping", "c2s", 64, 0).datagram;
    let answer = &find(&all, "ping", "s2c", 65, 0).datagram;
    let reason_of = |session: &mut Session, dg: &[u8]| {
        let out = session.receive(&s, &mut Registry::new(), dg);
        match out.last() {
            Some(Out::Closed { reason, .. }) => reason.clone(),
            other => panic!("{other:?}"),
        }
    };
    // The server gets an answer, or an application packet: peng3dnet's reasons.
    for (dg, reason) in [
        (answer.clone(), "pinginvalidside"),
        (vec![0, 0, 0, 70, 0, 0, 0xc0], "invalidpingpacket"),
    ] {
        let (mut server, _) = Session::server(&s);
        assert!(server.receive(&s, &mut Registry::new(), settype).is_empty());
        assert_eq!(reason_of(&mut server, &dg).as_deref(), Some(reason));
    }
    // The client gets a query instead of the answer.
    let mut client = Session::client("ping");
    client.receive(
        &s,
        &mut Registry::new(),
        &find(&all, "ping", "s2c", 1, 0).datagram,
    );
    assert_eq!(
        reason_of(&mut client, query).as_deref(),
        Some("pinginvalidside")
    );
}

#[test]
fn mismatches_and_unknown_types_close_with_peng3dnets_reasons() {
    let all = vectors();
    let s = captured_settings();
    // A client with another set of packets.
    let mut reg = Registry::new();
    reg.register("anchor:other", None).unwrap();
    let mut client = Session::client("classic");
    client.receive(&s, &mut reg, &find(&all, "classic", "s2c", 1, 0).datagram);
    let out = client.receive(&s, &mut reg, &find(&all, "classic", "s2c", 3, 0).datagram);
    assert_eq!(
        body_of(sent(&out)[0]).get("reason").and_then(Value::as_str),
        Some("packetregmismatch")
    );
    // A hello of protocol 3.
    let hello3 = Value::map([
        ("version", Value::Str("9".into())),
        ("protoversion", Value::Int(3)),
    ]);
    let mut client = Session::client("classic");
    let out = client.receive(&s, &mut reg, &frame::encode(1, &hello3.to_bytes(), None));
    assert_eq!(
        body_of(sent(&out)[0]).get("reason").and_then(Value::as_str),
        Some("protoversionmismatch")
    );
    // An unknown connection type is closed, not left half-open.
    let (mut server, _) = Session::server(&s);
    let bogus = Value::map([("conntype", Value::Str("bogus".into()))]);
    let out = server.receive(
        &s,
        &mut Registry::new(),
        &frame::encode(2, &bogus.to_bytes(), None),
    );
    assert_eq!(
        body_of(sent(&out)[0]).get("reason").and_then(Value::as_str),
        Some("unknownconntype")
    );
    // A repeated accept.
    let (mut server, _) = Session::server(&s);
    let mut r = Registry::new();
    server.receive(&s, &mut r, &find(&all, "classic", "c2s", 2, 0).datagram);
    server.receive(&s, &mut r, &find(&all, "classic", "c2s", 4, 0).datagram);
    let out = server.receive(&s, &mut r, &find(&all, "classic", "c2s", 4, 0).datagram);
    assert_eq!(
        body_of(sent(&out)[0]).get("reason").and_then(Value::as_str),
        Some("smartpacketinvalid")
    );
}

#[test]
fn hostile_frames_are_refused_with_a_reason_and_a_zip_bomb_is_cut_short() {
    // 1 KiB-ish of zlib that inflates to 1 GiB: refused at the limit, after inflating no
    // more than the limit and a byte.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        std::io::Write::write_all(&mut z, &zeros).unwrap();
    }
    let bomb = z.finish().unwrap();
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
    let mut dg = vec![0, 0, 0, 64, 0, 1];
    dg.extend_from_slice(&bomb);
    assert_eq!(
        frame::decode(&dg, 16 << 20, true),
        Err(FrameError::TooLarge(16 << 20))
    );
    for (dg, reason) in [
        (vec![0, 0, 0, 64, 0, 2, 0xc0], "aesunsupported"),
        (vec![0, 0, 0, 64, 0, 4, 0xc0], "unknownflags"),
        (vec![0, 0, 0, 64, 0, 1, 1, 2, 3], "badcompression"),
        (vec![0, 0, 0, 64, 0, 0, 0x81, 1, 2], "badmsgpack"),
        (
            vec![0, 0, 0, 64, 0, 0, 0xdb, 0xff, 0xff, 0xff, 0xff],
            "badmsgpack",
        ),
        (vec![0, 0, 0], "badframe"),
    ] {
        assert_eq!(
            frame::decode(&dg, 16 << 20, true).unwrap_err().reason(),
            reason
        );
        // A session closes on it, telling the peer why, and reports it once.
        let s = Settings::default();
        let (mut server, _) = Session::server(&s);
        let out = server.receive(&s, &mut Registry::new(), &dg);
        assert_eq!(
            body_of(sent(&out)[0]).get("reason").and_then(Value::as_str),
            Some(reason)
        );
        assert!(matches!(
            out.last(),
            Some(Out::Closed { by_peer: false, .. })
        ));
        assert!(server.receive(&s, &mut Registry::new(), &dg).is_empty());
    }
}

#[test]
fn compression_is_strictly_above_the_threshold() {
    let c = Some(Compress::default());
    let at = Value::Bin(vec![7; 8192 - 3]).to_bytes();
    assert_eq!(at.len(), 8192);
    assert_eq!(frame::encode(64, &at, c)[5], 0);
    let over = Value::Bin(vec![7; 8192 - 2]).to_bytes();
    assert_eq!(frame::encode(64, &over, c)[5], 1);
    assert_eq!(frame::encode(64, &over, None)[5], 0);
}
