//! The message-layer server and client over the core, end to end on loopback: handshake,
//! messages both ways (one sent before the handshake), compression, the server's own ids,
//! registry mismatch, the ping type, close reasons, hostile peers, shutdown.

use std::io::Write;
use std::time::{Duration, Instant};

use gamenet::msg::msgpack::Value;
use gamenet::msg::peer::Event;
use gamenet::msg::registry::Registry;
use gamenet::msg::server::{Server, ServerConfig};

mod msg_support;

use msg_support::*;

#[test]
fn messages_flow_both_ways_after_the_handshake_in_every_thread_mode() {
    for threads in [0, 1] {
        let s = server(threads, registry(Some(200)));
        let c = client(s.port(), threads, "classic", registry(None));
        let hello = Value::map([("hello", Value::Str("peng3dnet".into()))]).to_bytes();
        c.send_message("anchor:echo", hello.clone()).unwrap(); // before the handshake
        let (se, _) = pump(&s, Some(&c), |srv, e| {
            srv && matches!(e, Event::Message { .. })
        });
        let Some(Event::Message {
            cid,
            pid,
            name,
            body,
        }) = se.last().cloned()
        else {
            panic!("{se:?}")
        };
        assert_eq!((pid, name.as_str(), &body), (200, "anchor:echo", &hello));
        assert!(
            se.iter()
                .any(|e| matches!(e, Event::HandshakeComplete { .. }))
        );
        // A body above the threshold travels compressed and arrives whole.
        s.send_message(cid, "anchor:echo", blob(10_000)).unwrap();
        let (_, ce) = pump(&s, Some(&c), |srv, e| {
            !srv && matches!(e, Event::Message { .. })
        });
        assert!(
            matches!(ce.last(), Some(Event::Message { body, pid: 200, .. }) if *body == blob(10_000))
        );
        c.close(Some("done"));
        let (se, _) = pump(&s, Some(&c), |srv, e| {
            srv && matches!(e, Event::Closed { .. })
        });
        assert_eq!(
            se.last(),
            Some(&Event::Closed {
                cid,
                reason: Some("done".into()),
                by_peer: true
            }),
            "{threads} threads"
        );
    }
}

#[test]
fn a_client_with_other_packets_is_refused_with_packetregmismatch_on_both_sides() {
    let s = server(0, registry(None));
    let mut other = Registry::new();
    other.register("anchor:other", None).unwrap();
    let c = client(s.port(), 0, "classic", other);
    let mut closes = 0;
    let (se, ce) = pump(&s, Some(&c), |_, e| {
        closes += matches!(e, Event::Closed { .. }) as usize;
        closes == 2
    });
    let reason = |evs: &[Event]| {
        evs.iter().find_map(|e| match e {
            Event::Closed { reason, .. } => reason.clone(),
            _ => None,
        })
    };
    assert_eq!(reason(&se).as_deref(), Some("packetregmismatch"));
    assert_eq!(reason(&ce).as_deref(), Some("packetregmismatch"));
}

#[test]
fn the_ping_type_answers_without_a_handshake() {
    let s = server(0, registry(None));
    let c = client(s.port(), 0, "ping", Registry::new());
    c.ping(vec![("who".into(), Value::Str("test".into()))])
        .unwrap();
    let (_, ce) = pump(&s, Some(&c), |srv, e| {
        !srv && matches!(e, Event::PingAnswer { .. })
    });
    let Some(Event::PingAnswer { body, .. }) = ce.last() else {
        panic!()
    };
    let v = gamenet::msg::msgpack::decode(body, true).unwrap();
    assert_eq!(
        v.get("oldmsg")
            .and_then(|m| m.get("who"))
            .and_then(Value::as_str),
        Some("test")
    );
    assert!(
        v.get("peng3dnet")
            .and_then(|m| m.get("protoversion"))
            .is_some()
    );
}

#[test]
fn hostile_peers_are_closed_with_their_reason_and_the_server_goes_on() {
    let cfg = ServerConfig {
        host: Some("127.0.0.1".into()),
        handshake_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let s = Server::new(cfg, registry(None)).unwrap();
    for (frame, reason) in [
        // The AES flag.
        (vec![0, 0, 0, 7, 0, 0, 0, 64, 0, 2, 0xc0], "aesunsupported"),
        // A length prefix split across writes, then a body that is not msgpack.
        (
            vec![0, 0, 0, 8, 0, 0, 0, 64, 0, 0, 0x81, 0x01],
            "badmsgpack",
        ),
        // A frame claiming 4 GiB: the core closes it before any of it arrives.
        (vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 64], "toolarge"),
    ] {
        let mut t = raw_peer(&s);
        t.write_all(&frame[..2]).unwrap();
        t.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        t.write_all(&frame[2..]).unwrap();
        assert_eq!(closed_reason(&s).as_deref(), Some(reason));
    }
    // One that never finishes its handshake.
    let _silent = raw_peer(&s);
    assert_eq!(closed_reason(&s).as_deref(), Some("handshaketimeout"));
    // An honest client still gets its service.
    let c = client(s.port(), 0, "classic", registry(None));
    c.send_message("anchor:echo", blob(3)).unwrap();
    pump(&s, Some(&c), |srv, e| {
        srv && matches!(e, Event::Message { .. })
    });
}

#[test]
fn shutdown_tells_every_client_servershutdown_and_returns_in_time() {
    let s = server(1, registry(None));
    let c = client(s.port(), 1, "classic", registry(None));
    pump(&s, Some(&c), |srv, e| {
        srv && matches!(e, Event::HandshakeComplete { .. })
    });
    let start = Instant::now();
    s.shutdown(None, Duration::from_secs(2));
    assert!(start.elapsed() < Duration::from_secs(5));
    let deadline = Instant::now() + LONG;
    loop {
        c.process(Duration::from_millis(5));
        if let Some(Event::Closed {
            reason, by_peer, ..
        }) = std::iter::from_fn(|| c.next_event()).find(|e| matches!(e, Event::Closed { .. }))
        {
            assert_eq!((reason.as_deref(), by_peer), (Some("servershutdown"), true));
            break;
        }
        assert!(Instant::now() < deadline);
    }
}

#[test]
fn sends_from_another_thread_during_the_handshake_arrive_once_and_in_order() {
    for threads in [0, 1] {
        let s = server(threads, registry(None));
        let c = std::sync::Arc::new(client(s.port(), threads, "classic", registry(None)));
        let sender = {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..300 {
                    c.send_message("anchor:echo", Value::Int(i).to_bytes())
                        .unwrap();
                }
            })
        };
        let mut got = Vec::new();
        let deadline = Instant::now() + LONG;
        while got.len() < 300 {
            c.process(Duration::from_millis(1));
            while c.next_event().is_some() {}
            s.process(Duration::from_millis(1));
            while let Some(e) = s.next_event() {
                if let Event::Message { body, .. } = e {
                    got.push(gamenet::msg::msgpack::decode(&body, true).unwrap());
                }
            }
            assert!(Instant::now() < deadline, "{} of 300 arrived", got.len());
        }
        sender.join().unwrap();
        let want: Vec<Value> = (0..300).map(Value::Int).collect();
        assert_eq!(got, want, "{threads} threads");
    }
}

#[test]
fn one_process_call_does_bounded_work_under_a_flood() {
    let s = server(0, registry(None));
    let c = client(s.port(), 1, "classic", registry(None));
    pump(&s, Some(&c), |srv, e| {
        srv && matches!(e, Event::HandshakeComplete { .. })
    });
    for i in 0..20_000 {
        c.send_message("anchor:echo", Value::Int(i).to_bytes())
            .unwrap();
    }
    let mut seen = 0;
    let deadline = Instant::now() + LONG;
    while seen < 20_000 {
        let waiting = s.process(Duration::from_millis(1));
        assert!(
            waiting <= gamenet::msg::peer::MAX_EVENTS,
            "{waiting} events after one call"
        );
        while let Some(e) = s.next_event() {
            seen += matches!(e, Event::Message { .. }) as usize;
        }
        assert!(Instant::now() < deadline, "{seen} of 20000");
    }
}

#[test]
fn a_classic_client_cannot_ping_and_unknown_packet_ids_never_reach_the_engine() {
    let s = server(0, registry(None));
    let c = client(s.port(), 0, "classic", registry(None));
    let e = c.ping(Vec::new()).unwrap_err();
    assert_eq!(e.kind(), gamenet::core::error::ErrorKind::WrongKind);
    pump(&s, Some(&c), |srv, e| {
        srv && matches!(e, Event::HandshakeComplete { .. })
    });
    // A raw frame of an unregistered id after the handshake: dropped, the next one delivered.
    let mut t = raw_peer(&s);
    let frame = |pid: u32, body: &[u8]| {
        let mut f = ((6 + body.len()) as u32).to_be_bytes().to_vec();
        f.extend_from_slice(&pid.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(body);
        f
    };
    let settype = Value::map([("conntype", Value::Str("classic".into()))]).to_bytes();
    let accept = Value::map([("success", Value::Bool(true))]).to_bytes();
    t.write_all(&frame(2, &settype)).unwrap();
    t.write_all(&frame(4, &accept)).unwrap();
    t.write_all(&frame(999, &[0xc0])).unwrap();
    t.write_all(&frame(64, &[0xc3])).unwrap();
    let (se, _) = pump(&s, None, |_, e| matches!(e, Event::Message { .. }));
    let msgs: Vec<&Event> = se
        .iter()
        .filter(|e| matches!(e, Event::Message { .. }))
        .collect();
    assert!(
        matches!(msgs[..], [Event::Message { pid: 64, .. }]),
        "{se:?}"
    );
}
