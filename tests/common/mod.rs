//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gamenet::{Listener, Manager, Reader, Received, address};

/// A rendezvous on 127.0.0.1 with a free port; returns its id and address.
pub fn rendezvous(m: &Manager) -> (u64, SocketAddr) {
    let r = m
        .open_tcp_server_rendezvous(Some("127.0.0.1"), 0, 1024)
        .unwrap();
    let port = m.connection(r).unwrap().local_address().port();
    (r, address::localhost(port, false))
}

/// A client connection and the server side of it, accepted through `listener`.
pub fn connected_pair(m: &Manager, listener: &Listener, at: SocketAddr) -> (u64, u64) {
    let client = m
        .open_tcp_client(&[at], Some(Duration::from_secs(5)))
        .unwrap();
    assert!(
        listener.poll(Some(Duration::from_secs(10))),
        "no connection accepted"
    );
    let server = listener.get_new_connection().unwrap().conn;
    (client, server)
}

/// Takes `n` datagrams from `reader`, failing after `limit` without progress.
pub fn take(reader: &Reader, n: usize, limit: Duration) -> Vec<Received> {
    let mut out = Vec::with_capacity(n);
    let mut last = Instant::now();
    while out.len() < n {
        if reader.poll(Some(Duration::from_millis(50))) {
            while let Some(d) = reader.get_data() {
                out.push(d);
                last = Instant::now();
            }
        }
        assert!(
            last.elapsed() < limit,
            "stalled after {} of {n} datagrams",
            out.len()
        );
    }
    out
}

/// Runs `f` on a thread and fails if it has not finished within `limit` (a hang detector,
/// not a timing assertion: the limit is far above the expected time).
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).expect("operation hung")
}

/// Waits until `cond` holds, failing after `limit` (for state another thread changes: never
/// assert right after another thread acted).
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A peer socket that never reads, with small kernel buffers, connected to `at`, and the
/// connection the listener accepted for it (also with a small send buffer): writes to it
/// fill up for good.
pub fn stalled_peer(m: &Manager, listener: &Listener, at: SocketAddr) -> (socket2::Socket, u64) {
    let slow = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    slow.set_recv_buffer_size(32 * 1024).unwrap();
    slow.connect(&at.into()).unwrap();
    assert!(listener.poll(Some(Duration::from_secs(10))));
    let conn = listener.get_new_connection().unwrap().conn;
    m.connection(conn)
        .unwrap()
        .set_send_buffer_size(32 * 1024)
        .unwrap();
    (slow, conn)
}

/// A plain socket connected to `at`, and the connection the listener accepted for it.
pub fn raw_peer(listener: &Listener, at: SocketAddr) -> (std::net::TcpStream, u64) {
    let peer = std::net::TcpStream::connect(at).unwrap();
    assert!(
        listener.poll(Some(Duration::from_secs(10))),
        "no connection accepted"
    );
    (peer, listener.get_new_connection().unwrap().conn)
}

/// Waits for the next close event (calling `pump` meanwhile, for polling readers), checks
/// that it is `conn`'s, and returns it.
pub fn next_close(m: &Manager, conn: u64, mut pump: impl FnMut()) -> gamenet::ResetEvent {
    wait_until(Duration::from_secs(20), "a close event", || {
        pump();
        m.reset_connection_available()
    });
    let ev = m.get_reset_connection().unwrap();
    assert_eq!(ev.conn, conn, "{ev:?}");
    ev
}
