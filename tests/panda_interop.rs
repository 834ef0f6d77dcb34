//! gamenet against the real Panda3D (1.10, from PyPI), in both directions: TCP with header
//! sizes 2 and 4 and raw mode, UDP with the checksum header and raw. The Panda3D side is
//! `tests/panda/peer.py`. The Python that runs it is `$GAMENET_PYTHON` (test.sh sets it to
//! the project's virtual environment); without it the test makes its own environment in
//! `target/panda-venv` with pip.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::take;
use gamenet::{Listener, Manager, Reader, Writer, address};

const LONG: Duration = Duration::from_secs(20);
const GOLDEN: [u8; 6] = [0x34, 0x12, 0x02, 0x00, 0x68, 0x69];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        if let Some(p) = std::env::var_os("GAMENET_PYTHON") {
            return PathBuf::from(p);
        }
        let venv = root().join("target/panda-venv");
        let py = venv.join("bin/python");
        let has_panda = |py: &Path| {
            Command::new(py)
                .args(["-c", "import panda3d.core"])
                .status()
                .is_ok_and(|s| s.success())
        };
        if !has_panda(&py) {
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success())
                && Command::new(&py)
                    .args(["-m", "pip", "install", "-q", "panda3d==1.10.16"])
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(ok, "could not install panda3d into {}", venv.display());
        }
        assert!(
            has_panda(&py),
            "panda3d does not import in {}",
            py.display()
        );
        py
    })
}

struct Peer {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl Peer {
    fn start(args: &[String]) -> Peer {
        let mut child = Command::new(python())
            .arg(root().join("tests/panda/peer.py"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the Panda3D peer");
        let out = BufReader::new(child.stdout.take().unwrap());
        Peer { child, out }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.out.read_line(&mut l).unwrap();
        l.trim().to_string()
    }

    /// The hex lines the peer printed before "done"; fails if it exited with an error.
    fn finish(mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = self.line();
            if l == "done" || l.is_empty() {
                break;
            }
            lines.push(l);
        }
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "Panda3D peer failed ({status}) after {lines:?}"
        );
        lines
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn args(v: &[&dyn ToString]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn panda_payload(i: u32) -> Vec<u8> {
    let mut p = GOLDEN.to_vec();
    p.extend_from_slice(&i.to_le_bytes());
    p
}

#[test]
fn gamenet_client_to_panda_server_over_tcp() {
    for (header, raw) in [(2, false), (4, false), (2, true)] {
        let port = free_port();
        let count = if raw { 1 } else { 5 };
        let mut peer = Peer::start(&args(&[
            &"tcp-server",
            &port,
            &header,
            &(raw as u8),
            &count,
        ]));
        assert_eq!(peer.line(), "listening");
        let m = Manager::new();
        let reader = Reader::new(&m, 1).unwrap();
        let writer = Writer::new(&m, 1).unwrap();
        for x in [&reader as &dyn Framed, &writer] {
            x.framed(header, raw);
        }
        let conn = m
            .open_tcp_client(&[address::localhost(port, false)], Some(LONG))
            .unwrap();
        reader.add_connection(conn).unwrap();
        let sent: Vec<Vec<u8>> = (0..count).map(|i| panda_payload(i as u32)).collect();
        for p in &sent {
            writer.send(conn, p, true).unwrap();
        }
        let echoes = take(&reader, count, LONG);
        let seen = peer.finish();
        assert_eq!(
            seen,
            sent.iter().map(|p| hex(p)).collect::<Vec<_>>(),
            "header {header} raw {raw}"
        );
        let echoed: Vec<Vec<u8>> = echoes.into_iter().map(|d| d.data).collect();
        assert_eq!(echoed, sent, "header {header} raw {raw}");
    }
}

#[test]
fn panda_client_to_gamenet_server_over_tcp() {
    for (header, raw) in [(2, false), (4, false), (4, true)] {
        let m = Manager::new();
        let listener = Listener::new(&m, 1).unwrap();
        let reader = Reader::new(&m, 1).unwrap();
        let writer = Writer::new(&m, 1).unwrap();
        for x in [&reader as &dyn Framed, &writer] {
            x.framed(header, raw);
        }
        listener.set_reader(Some(reader.clone())).unwrap();
        let r = m
            .open_tcp_server_rendezvous(Some("127.0.0.1"), 0, 8)
            .unwrap();
        listener.add_connection(r).unwrap();
        let port = m.connection(r).unwrap().local_address().port();
        let count = if raw { 1 } else { 5 };
        let peer = Peer::start(&args(&[
            &"tcp-client",
            &port,
            &header,
            &(raw as u8),
            &count,
        ]));
        let got = take(&reader, count, LONG);
        let want: Vec<Vec<u8>> = (0..count).map(|i| panda_payload(i as u32)).collect();
        assert_eq!(
            got.iter().map(|d| d.data.clone()).collect::<Vec<_>>(),
            want,
            "header {header} raw {raw}"
        );
        for d in &got {
            writer.send(d.conn, &d.data, true).unwrap();
        }
        let echoed = peer.finish();
        assert_eq!(echoed, want.iter().map(|p| hex(p)).collect::<Vec<_>>());
    }
}

#[test]
fn udp_both_ways_with_the_checksum_header_and_raw() {
    for raw in [false, true] {
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut peer = Peer::start(&args(&[&"udp-recv", &port, &(raw as u8), &1]));
        assert_eq!(peer.line(), "listening");
        let m = Manager::new();
        let reader = Reader::new(&m, 1).unwrap();
        let writer = Writer::new(&m, 0).unwrap();
        reader.set_raw_mode(raw);
        writer.set_raw_mode(raw);
        let u = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
        reader.add_connection(u).unwrap();
        writer
            .send_to(u, address::localhost(port, false), &GOLDEN, false)
            .unwrap();
        // Panda3D accepted it (checksum verified unless raw) and answered.
        let answer = take(&reader, 1, LONG);
        assert_eq!(peer.finish(), vec![hex(&GOLDEN)], "raw {raw}");
        assert_eq!(answer[0].data, GOLDEN);
        let from: SocketAddr = answer[0].from.unwrap();
        assert_eq!(from.port(), port);
        assert_eq!(reader.stats().dropped_checksum, 0);
    }
}

#[test]
fn panda_udp_sender_to_gamenet() {
    let m = Manager::new();
    let reader = Reader::new(&m, 0).unwrap();
    let u = m.open_udp(Some("127.0.0.1"), 0, false).unwrap();
    reader.add_connection(u).unwrap();
    let port = m.connection(u).unwrap().local_address().port();
    Peer::start(&args(&[&"udp-send", &port, &0])).finish();
    let got = take(&reader, 1, LONG);
    assert_eq!(got[0].data, GOLDEN);
}

/// Sets the framing of a reader or writer alike.
trait Framed {
    fn framed(&self, header: i32, raw: bool);
}

impl Framed for Reader {
    fn framed(&self, header: i32, raw: bool) {
        self.set_tcp_header_size(header).unwrap();
        self.set_raw_mode(raw);
    }
}

impl Framed for Writer {
    fn framed(&self, header: i32, raw: bool) {
        self.set_tcp_header_size(header).unwrap();
        self.set_raw_mode(raw);
    }
}
