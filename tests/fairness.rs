//! No peer can starve the others and no shutdown can hang: a stalled peer cannot fill a
//! writer's queue for the others, a flooding peer holds at most its share of a reader's
//! queue, a blocking send ends when its writer shuts down, a handle can be shut down from
//! its own thread's callback, and the answers to odd input are exact.

mod common;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{
    connected_pair, next_close, raw_peer, rendezvous, stalled_peer, take, wait_until, within,
};
use gamenet::{ErrorKind, Framing, Listener, LogLevel, Manager, Reader, Writer};

const LONG: Duration = Duration::from_secs(20);

#[test]
fn stalled_peers_cannot_fill_the_writer_queue_for_the_others() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    // Four clients that never read, sent 64-byte datagrams until the writer refuses.
    let small = [5u8; 64];
    let mut stalled = Vec::new();
    let mut conns = Vec::new();
    for _ in 0..4 {
        let (peer, conn) = stalled_peer(&m, &listener, at);
        stalled.push(peer);
        conns.push(conn);
    }
    // The kernel's buffers may still take a little after a refusal: refill until each
    // holds its share and together they (nearly) fill the writer-wide queue.
    wait_until(LONG, "the stalled peers to fill the writer's queue", || {
        for &c in &conns {
            let e = loop {
                if let Err(e) = writer.send(c, &small, false) {
                    break e;
                }
            };
            assert_eq!(e.kind(), ErrorKind::WouldBlock);
            assert!(e.message().contains("share"), "{e}");
        }
        std::thread::sleep(Duration::from_millis(10));
        writer.current_queue_size() + 256 > writer.max_queue_size()
    });
    // An honest client still gets every datagram, without a timeout.
    let (client, to_client) = connected_pair(&m, &listener, at);
    reader.add_connection(client).unwrap();
    for i in 0..2000u32 {
        writer.send(to_client, &i.to_le_bytes(), true).unwrap();
    }
    let got = take(&reader, 2000, LONG);
    assert_eq!(got[1999].data, 1999u32.to_le_bytes());
    drop(stalled);
}

#[test]
fn a_flooding_peer_holds_at_most_its_share_of_the_reader_queue() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 0).unwrap();
    let share = reader.max_queue_per_connection();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (mut flood, flood_conn) = raw_peer(&listener, at);
    let (mut honest, honest_conn) = raw_peer(&listener, at);
    reader.add_connection(flood_conn).unwrap();
    reader.add_connection(honest_conn).unwrap();
    let mut wire = Vec::new();
    for i in 0..10_000u32 {
        Framing::default()
            .encode_tcp(&i.to_le_bytes(), &mut wire)
            .unwrap();
    }
    let writer = std::thread::spawn(move || {
        flood.write_all(&wire).unwrap();
        flood
    });
    wait_until(LONG, "the flood to reach the queue", || {
        reader.data_available();
        reader.current_queue_size() >= share
    });
    honest.write_all(&[2, 0, b'h', b'i']).unwrap();
    let mut before = 0;
    loop {
        wait_until(LONG, "a datagram", || reader.data_available());
        let d = reader.get_data().unwrap();
        if d.conn == honest_conn {
            assert_eq!(d.data, b"hi");
            break;
        }
        before += 1;
    }
    assert!(
        before <= share,
        "the honest datagram waited behind {before} flooded ones (share {share})"
    );
    // The flood itself loses nothing.
    let mut flooded = before;
    while flooded < 10_000 {
        wait_until(LONG, "the rest of the flood", || reader.data_available());
        flooded += reader.get_batch(usize::MAX).len();
    }
    assert_eq!(flooded, 10_000);
    drop(writer.join().unwrap());
}

#[test]
fn a_blocking_send_ends_when_its_writer_shuts_down() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let writer = Writer::new(&m, threads).unwrap();
        writer.set_max_buffer_bytes(64 * 1024).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (_slow, conn) = stalled_peer(&m, &listener, at);
        let chunk = vec![1u8; 1024];
        while writer.send(conn, &chunk, false).is_ok() {}
        // The kernel's buffers settle; then nothing moves any more.
        std::thread::sleep(Duration::from_millis(100));
        while writer.send(conn, &chunk, false).is_ok() {}
        let w = writer.clone();
        // Blocking sends until one waits: the peer never reads, so the kernel's buffers
        // (which may still grow for a while) fill up and a send waits for room. However
        // far it got, the send under way when the writer shuts down ends with Closed.
        let sender = std::thread::spawn(move || {
            loop {
                w.send(conn, &vec![2u8; 60_000], true)?;
            }
        });
        // Give the sends a moment to start waiting (either way one must end with Closed).
        std::thread::sleep(Duration::from_millis(50));
        let w = writer.clone();
        within(LONG, move || w.shutdown(Duration::from_millis(50)));
        let r: gamenet::Result<()> = within(LONG, move || sender.join().unwrap());
        assert_eq!(
            r.unwrap_err().kind(),
            ErrorKind::Closed,
            "{threads} threads"
        );
    }
}

/// A log sink that shuts a handle down when a message arrives on one of its threads.
fn shut_down_from_callback(
    m: &Manager,
    thread_prefix: &'static str,
    shut: impl Fn() + Send + Sync + 'static,
) -> Arc<AtomicBool> {
    let done = Arc::new(AtomicBool::new(false));
    let d2 = done.clone();
    let once = Mutex::new(Some(shut));
    m.set_logger(Some((
        Arc::new(move |_level, _msg: &str| {
            let on_own_thread = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with(thread_prefix));
            if on_own_thread && let Some(f) = once.lock().unwrap().take() {
                f();
                d2.store(true, Ordering::SeqCst);
            }
        }),
        LogLevel::Debug,
    )));
    done
}

#[test]
fn a_reader_can_be_shut_down_from_its_own_thread() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    let r2 = reader.clone();
    let done = shut_down_from_callback(&m, "gamenet-reader", move || r2.shutdown());
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let peer = TcpStream::connect(at).unwrap();
    assert!(listener.poll(Some(LONG)));
    reader
        .add_connection(listener.get_new_connection().unwrap().conn)
        .unwrap();
    // The peer closes: the reader thread closes the connection and logs it.
    drop(peer);
    wait_until(LONG, "the callback's shutdown to return", || {
        done.load(Ordering::SeqCst)
    });
    assert_eq!(
        reader.add_connection(r).unwrap_err().kind(),
        ErrorKind::Closed
    );
    m.set_logger(None);
}

#[test]
fn a_listener_can_be_shut_down_from_its_own_thread() {
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    // Its auto-add reader is shut down, so each accept logs a warning on the accept thread.
    let reader = Reader::new(&m, 0).unwrap();
    reader.shutdown();
    listener.set_reader(Some(reader)).unwrap();
    let l2 = listener.clone();
    let done = shut_down_from_callback(&m, "gamenet-listener", move || l2.shutdown());
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let _peer = TcpStream::connect(at).unwrap();
    wait_until(LONG, "the callback's shutdown to return", || {
        done.load(Ordering::SeqCst)
    });
    m.set_logger(None);
}

#[test]
fn closed_connections_are_unknown_to_remove() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, threads).unwrap();
        let reader = Reader::new(&m, threads).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (_client, server) = connected_pair(&m, &listener, at);
        reader.add_connection(server).unwrap();
        m.close_connection(server).unwrap();
        m.close_connection(r).unwrap();
        let e = reader.remove_connection(server).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownConnection, "{threads} threads");
        let e = listener.remove_connection(r).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownConnection, "{threads} threads");
        assert_eq!(reader.stats().connections, 0);
    }
}

#[test]
fn udp_limits_count_the_header_and_raw_empty_packets_arrive() {
    let m = Manager::new();
    let writer = Writer::new(&m, 0).unwrap();
    let a = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = sink.local_addr().unwrap();
    writer.set_udp_max_size(65_507).unwrap();
    assert!(!writer.is_valid_for_udp(65_507));
    assert!(writer.is_valid_for_udp(65_505));
    let e = writer.send_to(a, to, &vec![0; 65_506], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
    writer.send_to(a, to, &vec![0; 65_505], false).unwrap();
    writer.set_raw_mode(true);
    assert!(writer.is_valid_for_udp(65_507));
    writer.send_to(a, to, &vec![0; 65_507], false).unwrap();
    // A raw reader delivers an empty packet as an empty datagram.
    let reader = Reader::new(&m, 0).unwrap();
    reader.set_raw_mode(true);
    let b = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    reader.add_connection(b).unwrap();
    let b_addr = m.connection(b).unwrap().local_address();
    sink.send_to(&[], b_addr).unwrap();
    let got = take(&reader, 1, LONG);
    assert!(got[0].data.is_empty());
}

#[test]
fn closing_a_stalled_peer_always_returns_the_queue() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    writer.set_max_buffer_bytes(128 * 1024).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    for round in 0..20 {
        let (_slow, conn) = stalled_peer(&m, &listener, at);
        while writer.send(conn, &[3u8; 100], false).is_ok() {}
        m.close_connection(conn).unwrap();
        wait_until(LONG, "the queue to return to 0", || {
            writer.current_queue_size() == 0
        });
        let (_c, s) = connected_pair(&m, &listener, at);
        writer
            .send(s, b"after", false)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
}

#[test]
fn a_peer_that_closes_mid_datagram_is_reported_with_the_loss() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    reader.set_tcp_header_size(4).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (mut peer, conn) = raw_peer(&listener, at);
    let c = m.connection(conn).unwrap();
    reader.add_connection(conn).unwrap();
    let mut wire = 1000u32.to_le_bytes().to_vec();
    wire.extend_from_slice(&[9u8; 500]);
    peer.write_all(&wire).unwrap();
    drop(peer);
    let ev = next_close(&m, conn, || {});
    assert!(
        ev.message.contains("middle of a datagram") && ev.message.contains("500 bytes of 1000"),
        "{}",
        ev.message
    );
    assert_eq!(c.stats().dropped_truncated, 1);
    assert_eq!(reader.stats().dropped_truncated, 1);
    assert_eq!(reader.current_queue_size(), 0);
}

#[test]
fn a_listener_refuses_a_reader_of_another_manager() {
    let (m1, m2) = (Manager::new(), Manager::new());
    let listener = Listener::new(&m1, 0).unwrap();
    let foreign = Reader::new(&m2, 0).unwrap();
    let e = listener.set_reader(Some(foreign)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("another manager"), "{e}");
    listener
        .set_reader(Some(Reader::new(&m1.clone(), 0).unwrap()))
        .unwrap();
    listener.set_reader(None).unwrap();
}

#[test]
fn a_writer_can_be_shut_down_from_its_own_thread() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    writer.set_max_buffer_bytes(256 * 1024).unwrap();
    let w2 = writer.clone();
    let done = shut_down_from_callback(&m, "gamenet-writer", move || {
        w2.shutdown(Duration::from_millis(50));
    });
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (slow, conn) = stalled_peer(&m, &listener, at);
    while writer.send(conn, &[4u8; 1024], false).is_ok() {}
    // The peer resets: the shard's next write fails, it closes the connection and logs.
    slow.set_linger(Some(Duration::ZERO)).unwrap();
    drop(slow);
    wait_until(LONG, "the callback's shutdown to return", || {
        done.load(Ordering::SeqCst)
    });
    assert_eq!(
        writer.send(conn, b"x", false).unwrap_err().kind(),
        ErrorKind::Closed
    );
    m.set_logger(None);
}

#[test]
fn connections_over_their_share_always_go_on() {
    // Two peers send bursts far larger than a tiny share to a threaded reader while the
    // engine drains: every datagram arrives (a lost wake-up would strand a parked peer).
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    reader.set_max_queue_per_connection(4).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut peers = Vec::new();
    for _ in 0..2 {
        let p = TcpStream::connect(at).unwrap();
        assert!(listener.poll(Some(LONG)));
        listener.get_new_connection().unwrap();
        peers.push(p);
    }
    let mut burst = Vec::new();
    for i in 0..32u8 {
        Framing::default().encode_tcp(&[i; 8], &mut burst).unwrap();
    }
    let senders: Vec<_> = peers
        .into_iter()
        .map(|mut p| {
            let burst = burst.clone();
            std::thread::spawn(move || {
                for _ in 0..300 {
                    p.write_all(&burst).unwrap();
                }
                p
            })
        })
        .collect();
    let got = take(&reader, 2 * 300 * 32, LONG);
    assert_eq!(got.len(), 2 * 300 * 32);
    for s in senders {
        drop(s.join().unwrap());
    }
}

#[test]
fn a_flood_that_fills_a_small_queue_every_turn_cannot_keep_a_peer_out() {
    // Polling reader, a queue smaller than the flooder's share: at every pump the flood
    // fills the whole queue. The quiet peer's datagram must still come through each round.
    use std::io::ErrorKind as IoKind;
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 0).unwrap();
    reader.set_max_queue_size(8).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut conns = Vec::new();
    let mut socks = Vec::new();
    for _ in 0..2 {
        socks.push(TcpStream::connect(at).unwrap());
        assert!(listener.poll(Some(LONG)));
        conns.push(listener.get_new_connection().unwrap().conn);
    }
    for c in &conns {
        reader.add_connection(*c).unwrap();
    }
    let (mut flood, mut quiet) = (socks.remove(0), socks.remove(0));
    flood.set_nonblocking(true).unwrap();
    let mut block = Vec::new();
    for _ in 0..512 {
        Framing::default()
            .encode_tcp(&[7u8; 4], &mut block)
            .unwrap();
    }
    // Keeps the flooder's kernel buffers full, whole datagrams only.
    let mut off = 0;
    let mut top_up = |s: &mut TcpStream| loop {
        match s.write(&block[off..]) {
            Ok(n) => off = (off + n) % block.len(),
            Err(e) if e.kind() == IoKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    };
    for round in 0..20u8 {
        top_up(&mut flood);
        quiet.write_all(&[1, 0, round]).unwrap();
        let mut taken = 0u64;
        let found = loop {
            top_up(&mut flood);
            if !reader.poll(Some(Duration::from_millis(100))) {
                continue;
            }
            let d = reader.get_data().unwrap();
            if d.conn == conns[1] {
                break d;
            }
            taken += 1;
            assert!(
                taken < 100_000,
                "round {round}: the quiet peer's datagram never came"
            );
        };
        assert_eq!(found.data, [round]);
        assert!(taken <= 32, "round {round}: waited behind {taken}");
    }
}

#[test]
fn a_reset_is_a_reset_whoever_sees_it_first() {
    // The peer resets while the writer is writing to it and the reader watches it: either
    // may see the reset first (and take the error from the socket); the reason is the same.
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    let writer = Writer::new(&m, 1).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    for round in 0..40 {
        let (slow, conn) = stalled_peer(&m, &listener, at);
        reader.add_connection(conn).unwrap();
        let w = writer.clone();
        let pump = std::thread::spawn(move || {
            while w.send(conn, &[1u8; 512], false).is_ok() || w.send(conn, &[1u8; 1], false).is_ok()
            {
            }
        });
        std::thread::sleep(Duration::from_millis(2));
        slow.set_linger(Some(Duration::ZERO)).unwrap();
        drop(slow);
        wait_until(LONG, "the close", || m.reset_connection_available());
        pump.join().unwrap();
        let ev = m.get_reset_connection().unwrap();
        assert_eq!(ev.conn, conn);
        assert_eq!(
            ev.reason,
            gamenet::CloseReason::Reset,
            "round {round}: {}",
            ev.message
        );
    }
}

#[test]
fn a_write_after_the_peers_orderly_close_does_not_make_it_a_reset() {
    // The client closes in order; the server writes once more before its polling reader
    // runs (the client's kernel answers that write with a reset). Whatever the order in
    // which these reach the server, the peer closed in order.
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 0).unwrap();
    let writer = Writer::new(&m, 0).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    for round in 0..10 {
        let (client, conn) = raw_peer(&listener, at);
        reader.add_connection(conn).unwrap();
        drop(client);
        std::thread::sleep(Duration::from_millis(5));
        let _ = writer.send(conn, &[9u8; 20], false);
        std::thread::sleep(Duration::from_millis(5));
        let ev = next_close(&m, conn, || {
            reader.data_available();
        });
        assert_eq!(
            ev.reason,
            gamenet::CloseReason::PeerClosed,
            "round {round}: {}",
            ev.message
        );
    }
}

#[test]
fn a_reset_in_the_middle_of_a_datagram_counts_it_lost() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 0).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (mut peer, conn) = raw_peer(&listener, at);
    reader.add_connection(conn).unwrap();
    // A whole datagram and 3 bytes of a 10-byte one, in one write: the read that
    // delivers the first takes the partial one too.
    peer.write_all(&[1, 0, b'x', 10, 0, 1, 2, 3]).unwrap();
    assert_eq!(take(&reader, 1, LONG)[0].data, b"x");
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(peer);
    wait_until(LONG, "the close", || {
        reader.data_available();
        m.reset_connection_available()
    });
    let ev = m.get_reset_connection().unwrap();
    assert_eq!(ev.reason, gamenet::CloseReason::Reset, "{}", ev.message);
    assert!(ev.message.contains("3 bytes of 10"), "{}", ev.message);
    assert_eq!(reader.stats().dropped_truncated, 1);
}

#[test]
fn a_polling_readers_zero_timeout_poll_reads_the_sockets() {
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let reader = Reader::new(&m, 0).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (mut peer, conn) = raw_peer(&listener, at);
    reader.add_connection(conn).unwrap();
    peer.write_all(&[2, 0, b'h', b'i']).unwrap();
    // Only poll(0) is called: it must read the socket itself (as Panda3D's poll does).
    wait_until(LONG, "poll(0) to find the datagram", || {
        reader.poll(Some(Duration::ZERO))
    });
    assert_eq!(reader.get_data().unwrap().data, b"hi");
}

#[test]
fn flush_wait_returns_when_everything_left_or_times_out() {
    use std::io::Read;
    let m = Manager::new();
    let listener = Listener::new(&m, 0).unwrap();
    let writer = Writer::new(&m, 0).unwrap();
    writer.set_tcp_header_size(4).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let (mut peer, conn) = raw_peer(&listener, at);
    let big = vec![3u8; 4 << 20];
    // An immediate writer hands over what the socket takes; the rest waits in the buffer.
    writer.send(conn, &big, false).unwrap();
    let reading = std::thread::spawn(move || {
        let mut got = vec![0u8; 4 + (4 << 20)];
        peer.read_exact(&mut got).unwrap();
        got
    });
    writer.flush_wait(LONG).unwrap();
    assert_eq!(writer.current_queue_size(), 0);
    let got = reading.join().unwrap();
    assert_eq!(&got[..4], &(4u32 << 20).to_le_bytes());
    assert!(got[4..].iter().all(|&b| b == 3));
    // A peer that never reads: the wait ends with Timeout.
    let (_slow, stuck) = stalled_peer(&m, &listener, at);
    while writer.send(stuck, &[1u8; 1024], false).is_ok() {}
    let e = writer.flush_wait(Duration::from_millis(50)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[test]
fn flush_wait_ends_when_the_writer_shuts_down() {
    for threads in [0, 1] {
        let m = Manager::new();
        let listener = Listener::new(&m, 0).unwrap();
        let writer = Writer::new(&m, threads).unwrap();
        let (r, at) = rendezvous(&m);
        listener.add_connection(r).unwrap();
        let (_slow, stuck) = stalled_peer(&m, &listener, at);
        while writer.send(stuck, &[1u8; 1024], false).is_ok() {}
        let w = writer.clone();
        let waiting = std::thread::spawn(move || w.flush_wait(Duration::from_secs(600)));
        std::thread::sleep(Duration::from_millis(20));
        writer.shutdown(Duration::ZERO);
        let r = within(LONG, move || waiting.join().unwrap());
        assert_eq!(
            r.unwrap_err().kind(),
            ErrorKind::Closed,
            "{threads} threads"
        );
        let e = writer.flush_wait(Duration::from_millis(10)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed);
    }
}
