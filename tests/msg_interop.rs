//! The message layer against the real peng3dnet (tests/peng/peer.py), both directions:
//! a peng3dnet client echoing maps, bytes, floats, nested lists, a bare string and a
//! compressed 10,000-byte body through a gamenet server, and a gamenet client doing the
//! same through a peng3dnet server; the ping type both ways; close reasons both ways. The
//! Python is `$GAMENET_PYTHON` (test.sh's virtual environment); without it the test makes
//! its own in `target/peng-venv`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use gamenet::msg::client::{Client, ClientConfig};
use gamenet::msg::msgpack::{self, Value};
use gamenet::msg::peer::Event;
use gamenet::msg::registry::Registry;
use gamenet::msg::server::{Server, ServerConfig};

const LONG: Duration = Duration::from_secs(30);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let has = |py: &Path| {
            Command::new(py)
                .env("PYGLET_SHADOW_WINDOW", "0")
                .args(["-c", "import peng3dnet.net, msgpack"])
                .status()
                .is_ok_and(|s| s.success())
        };
        if let Some(p) = std::env::var_os("GAMENET_PYTHON") {
            let p = PathBuf::from(p);
            assert!(has(&p), "peng3dnet does not import in {}", p.display());
            return p;
        }
        let venv = root().join("target/peng-venv");
        let py = venv.join("bin/python");
        if !has(&py) {
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success())
                && Command::new(&py)
                    .args(["-m", "pip", "install", "-q", "peng3dnet==0.1.3a0"])
                    .args(["msgpack~=1.0", "bidict", "peng3d"])
                    .status()
                    .is_ok_and(|s| s.success());
            assert!(ok, "could not install peng3dnet into {}", venv.display());
        }
        py
    })
}

struct Peer {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl Peer {
    fn start(mode: &str, port: u16) -> Peer {
        let mut child = Command::new(python())
            .env("PYGLET_SHADOW_WINDOW", "0")
            .arg(root().join("tests/peng/peer.py"))
            .args([mode, &port.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Peer { child, out }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.out.read_line(&mut l).unwrap();
        l.trim_end().to_string()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register("anchor:echo", None).unwrap();
    r
}

fn gamenet_server() -> Server {
    let cfg = ServerConfig {
        host: Some("127.0.0.1".into()),
        threads: 1,
        ..ServerConfig::default()
    };
    Server::new(cfg, registry()).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn messages() -> Vec<Value> {
    vec![
        Value::map([
            ("hello", Value::Str("peng3dnet".into())),
            ("n", Value::Int(1)),
            (
                "list",
                Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            ),
            ("f", Value::F64(1.5)),
            ("b", Value::Bin(vec![0, 1])),
            ("t", Value::Bool(true)),
            ("none", Value::Nil),
        ]),
        Value::map([("blob", Value::Str("A".repeat(10_000)))]),
        Value::Str("a bare string".into()),
    ]
}

#[test]
fn a_peng3dnet_client_echoes_through_a_gamenet_server() {
    let s = gamenet_server();
    let mut peer = Peer::start("client", s.port());
    let deadline = Instant::now() + LONG;
    let mut closed = None;
    while closed.is_none() {
        s.process(Duration::from_millis(5));
        while let Some(e) = s.next_event() {
            match e {
                Event::Message {
                    cid, name, body, ..
                } => s.send_message(cid, &name, body).unwrap(),
                Event::Closed { reason, .. } => closed = Some(reason),
                _ => {}
            }
        }
        assert!(
            Instant::now() < deadline,
            "no close from the peng3dnet client"
        );
    }
    assert_eq!(closed, Some(Some("done".to_string())));
    let lines: Vec<String> = (0..5).map(|_| peer.line()).collect();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("echo OK")).count(),
        4,
        "{lines:?}"
    );
    assert_eq!(lines[4], "closed");
}

#[test]
fn a_gamenet_client_echoes_through_a_peng3dnet_server_and_pings_it() {
    let port = free_port();
    let mut peer = Peer::start("server", port);
    assert_eq!(peer.line(), "listening");
    let c = Client::connect(
        ClientConfig {
            host: "127.0.0.1".into(),
            port,
            threads: 1,
            ..ClientConfig::default()
        },
        registry(),
    )
    .unwrap();
    let deadline = Instant::now() + LONG;
    for m in messages() {
        c.send_message("anchor:echo", m.to_bytes()).unwrap();
        let echo = loop {
            c.process(Duration::from_millis(5));
            if let Some(Event::Message { body, .. }) =
                std::iter::from_fn(|| c.next_event()).find(|e| matches!(e, Event::Message { .. }))
            {
                break body;
            }
            assert!(
                Instant::now() < deadline,
                "no echo from the peng3dnet server"
            );
        };
        assert_eq!(msgpack::decode(&echo, true).unwrap(), m);
    }
    c.close(Some("done"));
    let line = peer.line();
    assert!(
        line.starts_with("closed ") && line.ends_with(" done"),
        "{line}"
    );

    let p = Client::connect(
        ClientConfig {
            host: "127.0.0.1".into(),
            port,
            conn_type: "ping".into(),
            ..ClientConfig::default()
        },
        Registry::new(),
    )
    .unwrap();
    p.ping(vec![("who".into(), Value::Str("gamenet".into()))])
        .unwrap();
    let answer = loop {
        p.process(Duration::from_millis(5));
        if let Some(Event::PingAnswer { body, .. }) =
            std::iter::from_fn(|| p.next_event()).find(|e| matches!(e, Event::PingAnswer { .. }))
        {
            break msgpack::decode(&body, true).unwrap();
        }
        assert!(Instant::now() < deadline, "no ping answer");
    };
    assert_eq!(
        answer.get("motd").and_then(Value::as_str),
        Some("peng3dnet peer")
    );
    assert_eq!(
        answer
            .get("oldmsg")
            .and_then(|m| m.get("who"))
            .and_then(Value::as_str),
        Some("gamenet")
    );
}

#[test]
fn peng3dnets_ping_gets_a_gamenet_servers_answer() {
    let s = gamenet_server();
    let mut peer = Peer::start("ping", s.port());
    let deadline = Instant::now() + LONG;
    let line = loop {
        s.process(Duration::from_millis(5));
        while s.next_event().is_some() {}
        if let Ok(Some(_)) = peer.child.try_wait() {
            break peer.line();
        }
        assert!(Instant::now() < deadline, "the ping did not end");
    };
    assert!(
        line.contains("'peng3dnet'") && line.contains("'oldmsg'"),
        "{line}"
    );
}
