//! Descriptor exhaustion while accepting (its own process: it lowers RLIMIT_NOFILE).

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::rendezvous;
use gamenet::{Listener, Manager};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

#[test]
fn emfile_is_reported_and_accepting_resumes() {
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    let (r, at) = rendezvous(&m);
    // Connect the peers first, while descriptors are plentiful.
    let peers: Vec<TcpStream> = (0..50).map(|_| TcpStream::connect(at).unwrap()).collect();
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    // Leave room for only a few more descriptors.
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    setrlimit(Resource::RLIMIT_NOFILE, open + 5, hard).unwrap();
    listener.add_connection(r).unwrap();
    let start = Instant::now();
    while listener.stats().exhausted == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            listener.stats()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let accepted_while_short = listener.stats().accepted;
    assert!(accepted_while_short < 50);
    // Over 300 ms the listener rests and retries; it must not spin: a few attempts only.
    std::thread::sleep(Duration::from_millis(300));
    let tries = listener.stats().exhausted;
    assert!(tries <= 10, "{tries} attempts in 300 ms: a busy loop");
    // Descriptors come back: accepting resumes and every peer gets in.
    setrlimit(Resource::RLIMIT_NOFILE, soft, hard).unwrap();
    let start = Instant::now();
    let mut got = 0;
    while got < 50 {
        assert!(start.elapsed() < Duration::from_secs(20), "got {got}");
        if listener.poll(Some(Duration::from_millis(100))) {
            while listener.get_new_connection().is_some() {
                got += 1;
            }
        }
    }
    assert_eq!(listener.stats().accepted, 50);
    drop(peers);
}
