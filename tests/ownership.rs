//! The connection owns its close, its read side and its I/O: a close returns the writers'
//! credits whoever closes, a connection is read by one consumer at a time and moves between
//! readers without losing or misreading a byte, and close events and accepted connections
//! fan out to the layers that ask for them.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{connected_pair, raw_peer, rendezvous, stalled_peer, take, wait_until, within};
use gamenet::{CloseReason, ErrorKind, Framing, Listener, Manager, Reader, Writer};

const LONG: Duration = Duration::from_secs(20);

/// Fills a never-reading peer until the writer refuses, twice (the kernel's buffers settle
/// in between); returns the writer's queue count then.
fn fill(writer: &Writer, conn: u64) -> usize {
    let chunk = vec![7u8; 1024];
    while writer.send(conn, &chunk, false).is_ok() {}
    std::thread::sleep(Duration::from_millis(50));
    while writer.send(conn, &chunk, false).is_ok() {}
    writer.current_queue_size()
}

#[test]
fn every_close_returns_the_writers_credits() {
    // (writer threads, how the connection closes)
    for threads in [0, 1] {
        for how in ["application", "peer", "report_close"] {
            let m = Manager::new();
            let listener = Listener::new(&m, 0).unwrap();
            let reader = Reader::new(&m, 1).unwrap();
            let writer = Writer::new(&m, threads).unwrap();
            writer.set_max_buffer_bytes(256 * 1024).unwrap();
            let (r, at) = rendezvous(&m);
            listener.add_connection(r).unwrap();
            let (slow, conn) = stalled_peer(&m, &listener, at);
            reader.add_connection(conn).unwrap();
            let queued = fill(&writer, conn);
            assert!(queued > 0, "{threads} threads: nothing stayed queued");
            match how {
                "application" => m.close_connection(conn).unwrap(),
                "peer" => {
                    // SO_LINGER 0: the peer resets; the reader sees it and closes.
                    slow.set_linger(Some(Duration::ZERO)).unwrap();
                    drop(slow);
                    wait_until(LONG, "the reset event", || m.reset_connection_available());
                }
                _ => {
                    let c = m.connection(conn).unwrap();
                    assert!(m.report_close(&c, CloseReason::PeerClosed, 0, "peer"));
                }
            }
            // A threaded writer may be inside a write of this connection: wait for it.
            wait_until(LONG, "the queue to return to 0 after a close", || {
                writer.current_queue_size() == 0
            });
            assert_eq!(writer.stats().queue_size, 0);
            // Nothing is left to flush, so a long flush timeout is not waited for.
            let w = writer.clone();
            let unsent = within(Duration::from_secs(10), move || {
                w.shutdown(Duration::from_secs(60))
            });
            assert_eq!(unsent, 0, "{threads} threads, {how} close");
            let ev = m.get_reset_connection().unwrap();
            assert_eq!(ev.conn, conn);
            assert!(m.get_reset_connection().is_none(), "reported once");
        }
    }
}

#[test]
fn a_connection_is_read_by_one_reader_at_a_time() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, threads).unwrap();
        let a = Reader::new(&m, threads).unwrap();
        let b = Reader::new(&m, threads).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (client, server) = connected_pair(&m, &listener, at);
        a.add_connection(server).unwrap();
        let e = b.add_connection(server).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(
            e.message().contains(&format!("connection {server}"))
                && e.message().contains("reader #"),
            "{}",
            e.message()
        );
        let e = a.add_connection(server).unwrap_err();
        assert!(e.message().contains("already on this reader"), "{e}");
        assert_eq!(b.stats().connections, 0);
        // A listener's auto-add is a reader like any other.
        listener.set_reader(Some(a.clone())).unwrap();
        let (_c2, s2) = connected_pair(&m, &listener, at);
        assert_eq!(
            b.add_connection(s2).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        // A rendezvous socket is watched by one listener.
        let other = Listener::new(&m, threads).unwrap();
        assert_eq!(
            other.add_connection(r).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        // After a remove, the other reader may take it, and it gets the data.
        a.remove_connection(server).unwrap();
        b.add_connection(server).unwrap();
        let w = Writer::new(&m, 0).unwrap();
        w.send(client, b"hello", true).unwrap();
        let got = take(&b, 1, LONG);
        assert_eq!(got[0].data, b"hello");
        assert_eq!(a.current_queue_size(), 0);
        // Shutting a reader down releases its connections.
        b.shutdown();
        a.add_connection(server).unwrap();
    }
}

/// 1000 numbered datagrams of 300 bytes, framed with a 2-byte header.
fn numbered(n: u32) -> Vec<u8> {
    let mut wire = Vec::new();
    for i in 0..n {
        let mut p = vec![(i % 251) as u8; 300];
        p[..4].copy_from_slice(&i.to_le_bytes());
        Framing::default().encode_tcp(&p, &mut wire).unwrap();
    }
    wire
}

fn number(d: &[u8]) -> u32 {
    assert_eq!(d.len(), 300, "a malformed datagram");
    u32::from_le_bytes([d[0], d[1], d[2], d[3]])
}

#[test]
fn moving_a_blocked_connection_loses_nothing() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let a = Reader::new(&m, threads).unwrap();
        a.set_max_queue_size(10).unwrap();
        let b = Reader::new(&m, threads).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (mut peer, conn) = raw_peer(&listener, at);
        a.add_connection(conn).unwrap();
        peer.write_all(&numbered(1000)).unwrap();
        // Reader a fills its queue and parks the datagrams it decoded beyond it.
        wait_until(LONG, "reader a to pause for room", || {
            a.data_available();
            a.stats().backpressure_pauses > 0
        });
        a.remove_connection(conn).unwrap();
        b.add_connection(conn).unwrap();
        let mut got: Vec<u32> = a
            .get_batch(usize::MAX)
            .iter()
            .map(|d| number(&d.data))
            .collect();
        assert_eq!(got.len(), 10);
        got.extend(take(&b, 990, LONG).iter().map(|d| number(&d.data)));
        assert_eq!(got, (0..1000).collect::<Vec<u32>>(), "{threads} threads");
        assert!(b.get_data().is_none());
    }
}

#[test]
fn moving_in_the_middle_of_a_datagram_keeps_the_frame() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let a = Reader::new(&m, 0).unwrap();
    let b = Reader::new(&m, 0).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peer = TcpStream::connect(at).unwrap();
    peer.set_nodelay(true).unwrap();
    assert!(listener.poll(Some(LONG)));
    let conn = listener.get_new_connection().unwrap().conn;
    a.add_connection(conn).unwrap();
    let wire = numbered(3);
    let (first, rest) = wire.split_at(302 + 150);
    // One write: datagram 0 and half of datagram 1 arrive together, so the read that
    // delivers datagram 0 also takes the half.
    peer.write_all(first).unwrap();
    let got = take(&a, 1, LONG);
    assert_eq!(number(&got[0].data), 0);
    a.remove_connection(conn).unwrap();
    b.add_connection(conn).unwrap();
    peer.write_all(rest).unwrap();
    let got = take(&b, 2, LONG);
    assert_eq!(number(&got[0].data), 1);
    assert_eq!(number(&got[1].data), 2);
    assert!(m.connection(conn).is_ok(), "no protocol violation");
}

#[test]
fn close_events_fan_out_to_sinks_and_a_sink_may_take_them() {
    let m = Manager::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let c1 = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    let c2 = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    // This sink takes the events of c2 (as a layer above does for its own connections).
    let key = m.add_close_sink(Arc::new(move |ev| {
        s2.lock().unwrap().push((ev.conn, ev.reason));
        ev.conn == c2
    }));
    m.close_connection(c1).unwrap();
    m.close_connection(c2).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(c1, CloseReason::LocalClose), (c2, CloseReason::LocalClose)]
    );
    assert_eq!(m.get_reset_connection().unwrap().conn, c1);
    assert!(m.get_reset_connection().is_none());
    assert!(m.remove_close_sink(key));
    assert!(!m.remove_close_sink(key));
    let c3 = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    m.close_connection(c3).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2, "a removed sink sees nothing");
    assert_eq!(m.get_reset_connection().unwrap().conn, c3);
}

#[test]
fn an_accept_hook_sees_each_connection_and_may_keep_it() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, threads).unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let n2 = count.clone();
        // Keeps every second connection for itself.
        listener.set_on_accept(Some(Arc::new(move |new| {
            assert!(new.conn != 0);
            n2.fetch_add(1, Ordering::SeqCst) % 2 == 0
        })));
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let _peers: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(at).unwrap()).collect();
        wait_until(LONG, "four accepted connections", || {
            listener.new_connection_available();
            count.load(Ordering::SeqCst) == 4
        });
        let mut queued = 0;
        while listener.get_new_connection().is_some() {
            queued += 1;
        }
        assert_eq!(queued, 2, "{threads} threads");
        assert_eq!(listener.stats().accepted, 4);
    }
}

#[test]
fn peng3dnet_framing_travels_through_writer_and_reader() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let reader = Reader::new(&m, threads).unwrap();
        reader.set_framing(Framing::peng3dnet()).unwrap();
        let writer = Writer::new(&m, threads).unwrap();
        writer.set_framing(Framing::peng3dnet()).unwrap();
        listener.set_reader(Some(reader.clone())).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (client, _server) = connected_pair(&m, &listener, at);
        let big = vec![9u8; 70_000];
        writer.send(client, b"abc", true).unwrap();
        writer.send(client, &big, true).unwrap();
        let got = take(&reader, 2, LONG);
        assert_eq!(got[0].data, b"abc");
        assert_eq!(got[1].data, big);
    }
}

#[test]
fn a_connection_moved_mid_datagram_takes_the_new_readers_framing_after_it() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let a = Reader::new(&m, 0).unwrap();
        let b = Reader::new(&m, threads).unwrap();
        b.set_tcp_header_size(4).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (mut peer, conn) = raw_peer(&listener, at);
        a.add_connection(conn).unwrap();
        // A whole 2-byte-header datagram and half of the next, read by reader a.
        peer.write_all(&[1, 0, b'Z', 4, 0, b'A', b'A']).unwrap();
        assert_eq!(take(&a, 1, LONG)[0].data, b"Z");
        a.remove_connection(conn).unwrap();
        b.add_connection(conn).unwrap();
        peer.write_all(&[b'A', b'A', 3, 0, 0, 0, b'B', b'B', b'B'])
            .unwrap();
        let got = take(&b, 2, LONG);
        assert_eq!(got[0].data, b"AAAA", "{threads} threads");
        assert_eq!(got[1].data, b"BBB", "{threads} threads");
    }
}
