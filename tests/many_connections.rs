//! 10,000 connections on one reader thread. The 10,000 peers live in a child process (this
//! test binary run again as a helper), so that neither process needs more than the 20,000
//! descriptors an unprivileged process may have here.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{rendezvous, take};
use gamenet::{Framing, Listener, Manager, Reader};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

const N: usize = 10_000;

fn raise_nofile() {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(
        hard >= N as u64 + 500,
        "RLIMIT_NOFILE hard limit {hard} is too low for the test"
    );
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
}

/// The child: connects N sockets to the address in GAMENET_PEERS_TO, sends one framed
/// datagram on each (its index), says "sent", and holds the sockets until stdin closes.
#[test]
#[ignore = "helper process of ten_thousand_connections_on_one_reader_thread"]
fn peers_helper() {
    let to: SocketAddr = std::env::var("GAMENET_PEERS_TO").unwrap().parse().unwrap();
    raise_nofile();
    let mut peers = Vec::with_capacity(N);
    for i in 0..N {
        let mut p = TcpStream::connect(to).unwrap();
        let mut wire = Vec::new();
        Framing::default()
            .encode_tcp(&(i as u32).to_le_bytes(), &mut wire)
            .unwrap();
        p.write_all(&wire).unwrap();
        peers.push(p);
    }
    println!("sent");
    std::io::stdout().flush().unwrap();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

#[test]
fn ten_thousand_connections_on_one_reader_thread() {
    raise_nofile();
    let m = Manager::new();
    let listener = Listener::new(&m, 1).unwrap();
    let reader = Reader::new(&m, 1).unwrap();
    listener.set_reader(Some(reader.clone())).unwrap();
    let (r, at) = rendezvous(&m);
    listener.add_connection(r).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "peers_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("GAMENET_PEERS_TO", at.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let got = take(&reader, N, Duration::from_secs(60));
    let mut seen: Vec<u32> = got
        .iter()
        .map(|d| u32::from_le_bytes(d.data[..4].try_into().unwrap()))
        .collect();
    seen.sort();
    assert_eq!(seen, (0..N as u32).collect::<Vec<_>>());
    assert_eq!(listener.stats().accepted, N as u64);
    assert_eq!(reader.stats().connections, N as u64);
    assert_eq!(reader.num_threads(), 1);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 && !line.contains("sent") {
        line.clear();
    }
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    reader.shutdown();
    listener.shutdown();
}
