//! The manager through the Rust API: every close reported exactly once, stale and foreign
//! ids, dual-stack listening, connect errors that name each address tried.

use std::sync::Arc;
use std::time::Duration;

use gamenet::{CloseReason, ConnectionKind, ErrorKind, Manager, address};

#[test]
fn concurrent_closes_report_once() {
    let m = Manager::new();
    let ids: Vec<u64> = (0..50)
        .map(|_| m.open_udp(Some("127.0.0.1"), 0, false).unwrap())
        .collect();
    let ids = Arc::new(ids);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            let ids = ids.clone();
            std::thread::spawn(move || {
                ids.iter()
                    .filter(|&&id| m.close_connection(id).is_ok())
                    .count()
            })
        })
        .collect();
    let closed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(closed, 50);
    let mut seen = Vec::new();
    while let Some(ev) = m.get_reset_connection() {
        assert_eq!(ev.reason, CloseReason::LocalClose);
        seen.push(ev.conn);
    }
    seen.sort();
    let mut want = ids.to_vec();
    want.sort();
    assert_eq!(seen, want);
}

#[test]
fn shutdown_reports_every_open_connection() {
    let m = Manager::new();
    let r = m
        .open_tcp_server_rendezvous(Some("127.0.0.1"), 0, 8)
        .unwrap();
    let port = m.connection(r).unwrap().local_address().port();
    let c = m
        .open_tcp_client(
            &[address::localhost(port, false)],
            Some(Duration::from_secs(2)),
        )
        .unwrap();
    m.close_connection(c).unwrap();
    m.shutdown();
    assert_eq!(m.connection_count(), 0);
    let a = m.get_reset_connection().unwrap();
    assert_eq!((a.conn, a.reason), (c, CloseReason::LocalClose));
    let b = m.get_reset_connection().unwrap();
    assert_eq!((b.conn, b.reason), (r, CloseReason::ManagerShutdown));
    assert!(m.get_reset_connection().is_none());
    // A second shutdown has nothing left to report.
    m.shutdown();
    assert!(!m.reset_connection_available());
}

#[test]
fn stale_and_foreign_ids() {
    let a = Manager::new();
    let b = Manager::new();
    let ua = a.open_udp(None, 0, false).unwrap();
    let ub = b.open_udp(None, 0, false).unwrap();
    assert_eq!(
        a.connection(ub).unwrap_err().kind(),
        ErrorKind::UnknownConnection
    );
    assert_eq!(
        a.connection(0).unwrap_err().kind(),
        ErrorKind::UnknownConnection
    );
    a.close_connection(ua).unwrap();
    assert_eq!(
        a.close_connection(ua).unwrap_err().kind(),
        ErrorKind::UnknownConnection
    );
    assert!(b.connection(ub).is_ok());
}

#[test]
fn wildcard_listener_is_dual_stack() {
    let m = Manager::new();
    let r = m.open_tcp_server_rendezvous(None, 0, 8).unwrap();
    let conn = m.connection(r).unwrap();
    assert_eq!(conn.kind(), ConnectionKind::TcpRendezvous);
    let port = conn.local_address().port();
    assert!(conn.local_address().ip().is_unspecified());
    for v6 in [false, true] {
        let c = m
            .open_tcp_client(
                &[address::localhost(port, v6)],
                Some(Duration::from_secs(2)),
            )
            .unwrap();
        let cc = m.connection(c).unwrap();
        assert_eq!(cc.peer_address().unwrap(), address::localhost(port, v6));
        assert!(cc.no_delay().unwrap());
    }
}

#[test]
fn connect_tries_every_address_and_names_each() {
    let m = Manager::new();
    // Two closed ports: both refuse, and the error lists both.
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            let r = m
                .open_tcp_server_rendezvous(Some("127.0.0.1"), 0, 1)
                .unwrap();
            let p = m.connection(r).unwrap().local_address().port();
            m.close_connection(r).unwrap();
            p
        })
        .collect();
    let addrs: Vec<_> = ports
        .iter()
        .map(|&p| address::localhost(p, false))
        .collect();
    let e = m
        .open_tcp_client(&addrs, Some(Duration::from_secs(2)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused);
    for a in &addrs {
        assert!(e.message().contains(&a.to_string()), "{}", e.message());
    }
    assert_eq!(e.os_error(), Some(libc::ECONNREFUSED));
    // A live third address after them is reached.
    let live = m
        .open_tcp_server_rendezvous(Some("127.0.0.1"), 0, 4)
        .unwrap();
    let port = m.connection(live).unwrap().local_address().port();
    let mut with_live = addrs.clone();
    with_live.push(address::localhost(port, false));
    let c = m
        .open_tcp_client(&with_live, Some(Duration::from_secs(2)))
        .unwrap();
    assert_eq!(
        m.connection(c).unwrap().peer_address().unwrap().port(),
        port
    );
    assert_eq!(
        m.open_tcp_client(&[], None).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn log_sink_sees_opens_and_closes() {
    let m = Manager::new();
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    m.set_logger(Some((
        Arc::new(move |_, msg: &str| s.lock().unwrap().push(msg.to_string())),
        gamenet::LogLevel::Info,
    )));
    let u = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    m.close_connection(u).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].contains("opened") && seen[1].contains("closed (local close)"));
}
