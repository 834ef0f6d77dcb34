//! The threaded core end to end on loopback: writer, reader and listener, in every mode.

mod common;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::{connected_pair, rendezvous, take, wait_until, within};
use gamenet::{CloseReason, ErrorKind, Listener, Manager, Reader, Writer, address};

const LONG: Duration = Duration::from_secs(20);

fn seq_payload(i: u64) -> [u8; 8] {
    i.to_le_bytes()
}

fn seq_of(d: &[u8]) -> u64 {
    u64::from_le_bytes(d[..8].try_into().unwrap())
}

#[test]
fn echo_in_every_mode() {
    for (wt, rt, lt) in [(0, 0, 0), (1, 1, 1), (2, 3, 0)] {
        let m = Manager::new();
        let listener = Listener::new(&m, lt).unwrap();
        let reader = Reader::new(&m, rt).unwrap();
        let writer = Writer::new(&m, wt).unwrap();
        listener.set_reader(Some(reader.clone())).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (client, server) = connected_pair(&m, &listener, at);
        reader.add_connection(client).unwrap();
        for i in 0..3u64 {
            writer.send(client, &seq_payload(i), true).unwrap();
        }
        let got = take(&reader, 3, LONG);
        assert!(got.iter().all(|d| d.conn == server));
        assert_eq!(
            got.iter().map(|d| seq_of(&d.data)).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        writer.send(server, b"back", true).unwrap();
        let back = take(&reader, 1, LONG);
        assert_eq!((back[0].conn, &back[0].data[..]), (client, &b"back"[..]));
        assert_eq!(back[0].from, Some(at));
        writer.shutdown(Duration::from_secs(1));
        reader.shutdown();
        listener.shutdown();
    }
}

#[test]
fn four_writer_threads_keep_order_over_100k_datagrams() {
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    let reader = Reader::new(&m, 2).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let writer = Writer::new(&m, 4).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let clients: Vec<u64> = (0..4)
        .map(|_| connected_pair(&m, &listener, at).0)
        .collect();
    let per = 25_000u64;
    let w = writer.clone();
    let cl = clients.clone();
    let sender = std::thread::spawn(move || {
        for i in 0..per {
            for &c in &cl {
                w.send(c, &seq_payload(i), true).unwrap();
            }
        }
    });
    let got = take(&reader, (per * 4) as usize, LONG);
    sender.join().unwrap();
    let mut next = std::collections::HashMap::new();
    let mut inversions = 0;
    for d in &got {
        let want = next.entry(d.conn).or_insert(0u64);
        if seq_of(&d.data) != *want {
            inversions += 1;
        }
        *want = seq_of(&d.data) + 1;
    }
    assert_eq!(inversions, 0);
    assert_eq!(next.len(), 4);
    assert!(next.values().all(|&n| n == per));
}

#[test]
fn tcp_loses_nothing_through_a_queue_of_16() {
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    reader.set_max_queue_size(16).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (client, _server) = connected_pair(&m, &listener, at);
    let n = 1_000_000u64;
    let w = writer.clone();
    let sender = std::thread::spawn(move || {
        let payloads: Vec<[u8; 8]> = (0..n).map(seq_payload).collect();
        for chunk in payloads.chunks(1000) {
            let mut sent = 0;
            while sent < chunk.len() {
                sent += w
                    .send_batch(client, chunk[sent..].iter().map(|p| &p[..]), true)
                    .unwrap();
            }
        }
    });
    let mut expect = 0u64;
    let mut last = Instant::now();
    while expect < n {
        let batch = reader.get_batch(64);
        if batch.is_empty() {
            reader.poll(Some(Duration::from_millis(20)));
            assert!(last.elapsed() < LONG, "stalled at {expect}");
            continue;
        }
        last = Instant::now();
        for d in batch {
            assert_eq!(seq_of(&d.data), expect);
            expect += 1;
        }
        assert!(reader.current_queue_size() <= 16);
    }
    sender.join().unwrap();
    let s = reader.stats();
    assert_eq!(s.datagrams, n);
    assert!(
        s.backpressure_pauses > 0,
        "the queue of 16 never filled: {s:?}"
    );
}

#[test]
fn a_peer_that_does_not_read_stalls_only_itself() {
    for threads in [0, 2] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let reader = Reader::new(&m, 1).unwrap();
        let writer = Writer::new(&m, threads).unwrap();
        writer.set_max_buffer_bytes(256 * 1024).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        // The slow peer is a plain socket that never reads.
        let slow =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        slow.set_recv_buffer_size(32 * 1024).unwrap();
        slow.connect(&at.into()).unwrap();
        assert!(listener.poll(Some(LONG)));
        let to_slow = listener.get_new_connection().unwrap().conn;
        // Fixed small kernel buffers, so the slow peer fills up for good.
        m.connection(to_slow)
            .unwrap()
            .set_send_buffer_size(32 * 1024)
            .unwrap();
        let (fast, to_fast) = connected_pair(&m, &listener, at);
        reader.add_connection(fast).unwrap();
        let chunk = vec![7u8; 16 * 1024];
        // Fill the slow peer until the writer refuses; this must not block.
        let mut refused = false;
        for _ in 0..10_000 {
            match writer.send(to_slow, &chunk, false) {
                Ok(()) => {}
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::WouldBlock, "{e}");
                    assert!(e.message().contains("not reading"), "{e}");
                    refused = true;
                    break;
                }
            }
        }
        assert!(
            refused,
            "a never-reading peer never filled up ({threads} threads)"
        );
        // Let the kernel settle, then fill again: from now on nothing moves.
        std::thread::sleep(Duration::from_millis(100));
        while writer.send(to_slow, &chunk, false).is_ok() {}
        // The fast peer still gets everything.
        for i in 0..1000u64 {
            writer.send(to_fast, &seq_payload(i), true).unwrap();
        }
        let got = take(&reader, 1000, LONG);
        assert_eq!(seq_of(&got[999].data), 999);
        // A blocking send to the slow peer gives up at its timeout.
        writer.set_send_timeout(Some(Duration::from_millis(50)));
        let pending = m.connection(to_slow).unwrap().pending_out_bytes();
        // 65000 bytes need room the stuck peer will never make.
        let e = writer.send(to_slow, &vec![1u8; 65000], true).unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::Timeout,
            "{threads} threads, {pending} pending"
        );
        drop(slow);
        let w = writer.clone();
        let unsent = within(LONG, move || w.shutdown(Duration::from_millis(100)));
        assert_eq!(writer.stats().unsent_at_shutdown, unsent);
    }
}

#[test]
fn an_oversize_claim_closes_with_too_large() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    reader.set_tcp_header_size(4).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peer = TcpStream::connect(at).unwrap();
    assert!(listener.poll(Some(LONG)));
    let conn = listener.get_new_connection().unwrap().conn;
    // One good datagram, then a claim of 2 GiB.
    peer.write_all(&[2, 0, 0, 0, b'o', b'k']).unwrap();
    peer.write_all(&0x8000_0000u32.to_le_bytes()).unwrap();
    let got = take(&reader, 1, LONG);
    assert_eq!(got[0].data, b"ok");
    let start = Instant::now();
    while !m.reset_connection_available() {
        assert!(start.elapsed() < LONG);
        std::thread::sleep(Duration::from_millis(5));
    }
    let ev = m.get_reset_connection().unwrap();
    assert_eq!((ev.conn, ev.reason), (conn, CloseReason::TooLarge));
    assert!(ev.message.contains("2147483648"), "{}", ev.message);
    // The peer sees the close.
    peer.set_read_timeout(Some(LONG)).unwrap();
    let mut buf = [0u8; 1];
    assert!(matches!(peer.read(&mut buf), Ok(0) | Err(_)));
}

#[test]
fn peer_close_is_reported_once_after_its_datagrams() {
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peer = TcpStream::connect(at).unwrap();
    assert!(listener.poll(Some(LONG)));
    let conn = listener.get_new_connection().unwrap().conn;
    let mut wire = Vec::new();
    for i in 0..100u64 {
        gamenet::Framing::default()
            .encode_tcp(&seq_payload(i), &mut wire)
            .unwrap();
    }
    peer.write_all(&wire).unwrap();
    drop(peer);
    let start = Instant::now();
    while !m.reset_connection_available() {
        assert!(start.elapsed() < LONG);
        std::thread::sleep(Duration::from_millis(2));
    }
    // Every datagram is queued by the time the close is reported.
    assert_eq!(reader.current_queue_size(), 100);
    let ev = m.get_reset_connection().unwrap();
    assert_eq!((ev.conn, ev.reason), (conn, CloseReason::PeerClosed));
    assert!(m.get_reset_connection().is_none());
    assert!(!reader.is_connection_ok(conn));
    assert_eq!(
        m.close_connection(conn).unwrap_err().kind(),
        ErrorKind::UnknownConnection
    );
}

#[test]
fn shutdown_is_bounded_with_half_open_and_trickling_peers() {
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    let reader = Reader::new(&m, 2).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peers = Vec::new();
    for _ in 0..20 {
        let mut p = TcpStream::connect(at).unwrap();
        p.write_all(&[200, 0, 1, 2]).unwrap(); // a partial frame, then silence
        peers.push(p);
    }
    assert!(listener.poll(Some(LONG)));
    std::thread::sleep(Duration::from_millis(50));
    let r2 = reader.clone();
    within(Duration::from_secs(10), move || r2.shutdown());
    within(Duration::from_secs(10), move || listener.shutdown());
    assert_eq!(reader.stats().connections, 0);
    drop(peers);
}

#[test]
fn trickling_peers_do_not_delay_an_honest_one() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut tricklers: Vec<TcpStream> =
        (0..1000).map(|_| TcpStream::connect(at).unwrap()).collect();
    let honest = m.open_tcp_client(&[at], Some(LONG)).unwrap();
    let writer = Writer::new(&m, 0).unwrap();
    let mut accepted = 0;
    while accepted < 1001 {
        assert!(listener.poll(Some(LONG)));
        while listener.get_new_connection().is_some() {
            accepted += 1;
        }
    }
    // Each trickler sends one byte of a header announcing 1000 bytes, forever incomplete.
    let w = writer.clone();
    for (i, t) in tricklers.iter_mut().enumerate() {
        t.write_all(&[0xe8]).unwrap();
        if i % 100 == 0 {
            w.send(honest, &seq_payload(i as u64), true).unwrap();
        }
    }
    let got = take(&reader, 10, LONG);
    assert_eq!(
        got.iter().map(|d| seq_of(&d.data)).collect::<Vec<_>>(),
        (0..10).map(|i| i * 100).collect::<Vec<_>>()
    );
    for t in &mut tricklers {
        t.write_all(&[0x03]).unwrap();
    }
    assert_eq!(reader.current_queue_size(), 0);
}

#[test]
fn udp_checksum_header_drops_and_overflow() {
    let m = Manager::new();
    let reader = Reader::new(&m, 1).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    let a = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    let b = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    let b_addr = m.connection(b).unwrap().local_address();
    let a_addr = m.connection(a).unwrap().local_address();
    reader.add_connection(b).unwrap();
    writer
        .send_to(a, b_addr, &[0x34, 0x12, 2, 0, b'h', b'i'], false)
        .unwrap();
    let got = take(&reader, 1, LONG);
    assert_eq!(got[0].data, [0x34, 0x12, 2, 0, b'h', b'i']);
    assert_eq!(got[0].from, Some(a_addr));
    // On the wire: Panda's checksum header.
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    writer
        .send_to(
            a,
            raw.local_addr().unwrap(),
            &[0x34, 0x12, 2, 0, b'h', b'i'],
            false,
        )
        .unwrap();
    let mut buf = [0u8; 64];
    raw.set_read_timeout(Some(LONG)).unwrap();
    let (n, _) = raw.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], [0x19, 0x01, 0x34, 0x12, 2, 0, b'h', b'i']);
    // A bad checksum, an empty packet and a 1-byte packet (no room for the header) are
    // dropped and counted: every packet is delivered or counted.
    raw.send_to(&[0x00, 0x01, 1, 2], b_addr).unwrap();
    raw.send_to(&[], b_addr).unwrap();
    raw.send_to(&[7], b_addr).unwrap();
    raw.send_to(&[0x03, 0x00, 1, 2], b_addr).unwrap();
    let got = take(&reader, 1, LONG);
    assert_eq!(got[0].data, [1, 2]);
    assert_eq!(reader.stats().dropped_checksum, 3);
    assert_eq!(m.connection(b).unwrap().stats().dropped_checksum, 3);
    // Above the UDP limit: refused before sending.
    let e = writer.send_to(a, b_addr, &[0; 1501], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge);
    assert!(writer.is_valid_for_udp(1500) && !writer.is_valid_for_udp(1501));
    // Overflow: a queue of 4, 50 datagrams: drops are counted and flagged.
    reader.set_max_queue_size(4).unwrap();
    for i in 0..50u64 {
        writer.send_to(a, b_addr, &seq_payload(i), false).unwrap();
    }
    let start = Instant::now();
    while reader.stats().dropped_overflow + reader.current_queue_size() as u64 != 50 {
        assert!(start.elapsed() < LONG, "{:?}", reader.stats());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(reader.current_queue_size(), 4);
    assert_eq!(reader.stats().dropped_overflow, 46);
    assert!(reader.take_overflow());
    assert!(!reader.take_overflow());
    assert_eq!(m.connection(b).unwrap().stats().dropped_overflow, 46);
    // Raw mode: no header either way.
    writer.set_raw_mode(true);
    writer
        .send_to(a, raw.local_addr().unwrap(), b"raw", false)
        .unwrap();
    let (n, _) = raw.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"raw");
}

#[test]
fn recent_reader_keeps_only_the_latest() {
    let m = Manager::new();
    let reader = Reader::new_recent(&m, 0).unwrap();
    let writer = Writer::new(&m, 0).unwrap();
    let a = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    let b = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    reader.add_connection(b).unwrap();
    let to = m.connection(b).unwrap().local_address();
    for i in 0..10u64 {
        writer.send_to(a, to, &seq_payload(i), false).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    assert!(reader.data_available());
    let d = reader.get_data().unwrap();
    assert_eq!(seq_of(&d.data), 9);
    assert!(reader.get_data().is_none());
    assert_eq!(reader.stats().replaced, 9);
}

#[test]
fn framing_on_the_wire_matches_panda() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peer = TcpStream::connect(at).unwrap();
    peer.set_read_timeout(Some(LONG)).unwrap();
    assert!(listener.poll(Some(LONG)));
    let conn = listener.get_new_connection().unwrap().conn;
    let writer = Writer::new(&m, 1).unwrap();
    let payload = [0x34, 0x12, 2, 0, b'h', b'i'];
    let mut expect = Vec::new();
    for (size, raw, wire) in [
        (2, false, &[6u8, 0, 0x34, 0x12, 2, 0, 0x68, 0x69][..]),
        (4, false, &[6, 0, 0, 0, 0x34, 0x12, 2, 0, 0x68, 0x69][..]),
        (0, false, &payload[..]),
        (2, true, &payload[..]),
    ] {
        writer.set_tcp_header_size(size).unwrap();
        writer.set_raw_mode(raw);
        writer.send(conn, &payload, true).unwrap();
        writer.flush();
        expect.extend_from_slice(wire);
        let mut got = vec![0; wire.len()];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(got, wire, "header {size} raw {raw}");
    }
    // Too large for a 2-byte header: refused, nothing sent.
    writer.set_raw_mode(false);
    writer.set_tcp_header_size(2).unwrap();
    let e = writer.send(conn, &vec![0; 65536], true).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge);
    assert_eq!(writer.stats().datagrams_sent, 4);
}

#[test]
fn collect_tcp_flushes_on_a_timer() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let reader = Reader::new(&m, 1).unwrap();
        listener.set_reader(Some(reader.clone())).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (client, _server) = connected_pair(&m, &listener, at);
        let writer = Writer::new(&m, threads).unwrap();
        writer
            .set_collect_tcp(Some(Duration::from_millis(30)))
            .unwrap();
        for i in 0..10u64 {
            writer.send(client, &seq_payload(i), false).unwrap();
        }
        // No flush call: the timer sends them.
        let got = take(&reader, 10, LONG);
        assert_eq!(seq_of(&got[9].data), 9);
        // Counted by the thread that wrote, after the write returned: wait for it.
        let c = m.connection(client).unwrap();
        wait_until(LONG, "10 datagrams counted out", || {
            c.stats().datagrams_out == 10
        });
        writer.shutdown(Duration::from_secs(1));
    }
}

#[test]
fn a_reset_peer_closes_the_connection_with_its_reason() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let peer = TcpStream::connect(at).unwrap();
    assert!(listener.poll(Some(LONG)));
    let conn = listener.get_new_connection().unwrap().conn;
    // SO_LINGER 0 then close: the peer sends a reset.
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(peer);
    let start = Instant::now();
    while !m.reset_connection_available() {
        let _ = writer.send(conn, b"x", false);
        assert!(start.elapsed() < LONG);
        std::thread::sleep(Duration::from_millis(5));
    }
    let ev = m.get_reset_connection().unwrap();
    assert_eq!(ev.conn, conn);
    assert!(
        matches!(ev.reason, CloseReason::Reset | CloseReason::PeerClosed),
        "{ev:?}"
    );
    assert!(m.get_reset_connection().is_none());
}

#[test]
fn close_connection_flushes_what_is_queued() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peer = TcpStream::connect(at).unwrap();
    assert!(listener.poll(Some(LONG)));
    let conn = listener.get_new_connection().unwrap().conn;
    let writer = Writer::new(&m, 0).unwrap();
    writer
        .set_collect_tcp(Some(Duration::from_secs(3600)))
        .unwrap();
    writer.send(conn, b"last words", false).unwrap();
    m.close_connection(conn).unwrap();
    let mut got = Vec::new();
    peer.set_read_timeout(Some(LONG)).unwrap();
    peer.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"\x0a\x00last words");
}

#[test]
fn reader_and_writer_refuse_bad_input() {
    let m = Manager::new();
    let reader = Reader::new(&m, 0).unwrap();
    let writer = Writer::new(&m, 0).unwrap();
    let (r, _) = rendezvous(&m);
    let u = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    assert_eq!(
        reader.add_connection(r).unwrap_err().kind(),
        ErrorKind::WrongKind
    );
    assert_eq!(
        reader.add_connection(0).unwrap_err().kind(),
        ErrorKind::UnknownConnection
    );
    reader.add_connection(u).unwrap();
    assert_eq!(
        reader.add_connection(u).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    reader.remove_connection(u).unwrap();
    assert_eq!(
        reader.remove_connection(u).unwrap_err().kind(),
        ErrorKind::UnknownConnection
    );
    assert_eq!(
        writer.send(u, b"x", false).unwrap_err().kind(),
        ErrorKind::WrongKind
    );
    assert_eq!(
        writer
            .send_to(r, address::localhost(1, false), b"x", false)
            .unwrap_err()
            .kind(),
        ErrorKind::WrongKind
    );
    assert!(reader.set_tcp_header_size(3).is_err());
    assert!(writer.set_max_queue_size(0).is_err());
    writer.shutdown(Duration::ZERO);
    assert_eq!(
        writer
            .send_to(u, address::localhost(1, false), b"x", false)
            .unwrap_err()
            .kind(),
        ErrorKind::Closed
    );
    reader.shutdown();
    assert_eq!(
        reader.add_connection(u).unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[test]
fn large_datagrams_arrive_whole_and_in_order() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let reader = Reader::new(&m, threads).unwrap();
        let writer = Writer::new(&m, 1).unwrap();
        reader.set_tcp_header_size(4).unwrap();
        reader.set_max_datagram_size(2 << 20);
        writer.set_tcp_header_size(4).unwrap();
        listener.set_reader(Some(reader.clone())).unwrap();
        let (rv, at) = rendezvous(&m);
        listener.add_connection(rv).unwrap();
        let (client, _server) = connected_pair(&m, &listener, at);
        let sizes = [
            70_000usize,
            5,
            300_000,
            0,
            1_500_000,
            64 * 1024,
            64 * 1024 + 1,
        ];
        let payloads: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (0..n).map(|j| (j * 7 + i) as u8).collect())
            .collect();
        let w = writer.clone();
        let p2 = payloads.clone();
        let sender = std::thread::spawn(move || {
            for p in &p2 {
                w.send(client, p, true).unwrap();
            }
        });
        let mut got = Vec::new();
        let deadline = Instant::now() + LONG;
        while got.len() < payloads.len() {
            assert!(
                Instant::now() < deadline,
                "got {} of {}",
                got.len(),
                payloads.len()
            );
            match reader.take_owned() {
                Some(d) => got.push(d.data().to_vec()),
                None => {
                    reader.poll(Some(Duration::from_millis(20)));
                }
            }
        }
        sender.join().unwrap();
        assert_eq!(got.len(), payloads.len());
        for (g, p) in got.iter().zip(&payloads) {
            assert!(
                g == p,
                "a datagram of {} bytes came back different",
                p.len()
            );
        }
    }
}
