//! One peng3dnet connection's protocol, as a state machine that does no I/O: it takes the
//! core datagrams that arrive ([`Session::receive`]) and the engine's sends
//! ([`Session::send`]) and answers with what to do ([`Out`]): datagrams to write, events
//! for the engine, and when to close. The server speaks first (hello); the client names
//! its connection type (settype); a `classic` connection then syncs the registry
//! (handshake, accept) and becomes active; a `ping` connection answers one status query.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::frame::{self, Compress};
use super::msgpack::{self, Value};
use super::registry::{ACCEPT, CLOSECONN, HANDSHAKE, HELLO, Registry, SETTYPE};

/// peng3dnet's protocol version.
pub const PROTOVERSION: i64 = 2;
/// The ping connection's query and answer ids.
pub const PING: u32 = 64;
pub const PONG: u32 = 65;

/// Which end of the connection this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Server,
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Client: waiting for hello.
    HelloWait,
    /// Server: waiting for settype.
    WaitType,
    /// Waiting for the other half of the handshake.
    Handshake,
    /// Server: a ping connection, waiting for the query. Client: waiting for the answer.
    Ping,
    Active,
    Closed,
}

/// What the session wants done.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// Write this core datagram.
    Send(Vec<u8>),
    /// The handshake completed: messages flow both ways.
    HandshakeComplete,
    /// An application message (msgpack body, validated).
    Message { pid: u32, body: Vec<u8> },
    /// The answer to this client's ping query (the server's status map).
    PingAnswer(Value),
    /// A ping query for the engine to answer (server, `defer_ping`): its msgpack map.
    PingQuery(Vec<u8>),
    /// The connection is over, with its reason (`None`: the peer gave none); close it
    /// once what was sent before has been written. Reported once.
    Closed {
        reason: Option<String>,
        by_peer: bool,
    },
}

/// What both sides need to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The version string in hello and handshake (informational: nobody checks it).
    pub version: String,
    /// The release string in a ping answer.
    pub release: String,
    /// Compression of what is sent (`None`: never).
    pub compress: Option<Compress>,
    /// The most a compressed body may inflate to.
    pub max_decompressed: usize,
    /// Map keys must be str or bytes, in what is received and in what is sent.
    pub str_keys: bool,
    /// Server: whether the `ping` connection type is answered.
    pub answer_ping: bool,
    /// Server: extra entries of a ping answer, after `oldmsg`.
    pub ping_data: Vec<(String, Value)>,
    /// Server: each ping query goes to the engine ([`Out::PingQuery`]), which answers it
    /// with [`Session::answer_ping`], instead of being answered at once.
    pub defer_ping: bool,
    /// Connection types besides `classic` and `ping` (they behave as `classic`).
    pub conn_types: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            version: concat!("gamenet-", env!("CARGO_PKG_VERSION")).to_string(),
            release: env!("CARGO_PKG_VERSION").to_string(),
            compress: Some(Compress::default()),
            max_decompressed: 16 << 20,
            str_keys: true,
            answer_ping: true,
            ping_data: Vec::new(),
            defer_ping: false,
            conn_types: Vec::new(),
        }
    }
}

/// A connection's application-message figures, and its round trip.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// Application messages received and sent (packets 64 and up).
    pub messages_in: u64,
    pub messages_out: u64,
    /// Their msgpack bodies' bytes, uncompressed.
    pub payload_in: u64,
    pub payload_out: u64,
    /// The bytes those bodies took on the wire (compressed or not, headers excluded).
    pub wire_payload_in: u64,
    pub wire_payload_out: u64,
    /// The round trip measured in the handshake (server: hello to settype; client: settype
    /// to handshake), then by each ping answer.
    pub rtt: Option<Duration>,
}

/// One connection's protocol state.
#[derive(Debug)]
pub struct Session {
    side: Side,
    state: State,
    conn_type: String,
    /// Sends made before the handshake completed, written after it.
    queued: VecDeque<(u32, Vec<u8>)>,
    /// Their bodies' bytes.
    queued_bytes: usize,
    /// Application packets that arrived before the handshake and were dropped.
    pub dropped_early: u64,
    /// Messages in and out, and the round trip.
    pub figures: Figures,
    /// When the packet whose answer gives the round trip went out.
    sent_at: Option<Instant>,
    /// Server: the ping query the engine has still to answer.
    ping_query: Option<Value>,
}

fn map_of(entries: Vec<(&str, Value)>) -> Vec<u8> {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Str(k.to_string()), v))
            .collect(),
    )
    .to_bytes()
}

impl Session {
    /// A server's side of a new connection, and the hello to send.
    pub fn server(s: &Settings) -> (Session, Vec<Out>) {
        let hello = map_of(vec![
            ("version", Value::Str(s.version.clone())),
            ("protoversion", Value::Int(PROTOVERSION)),
        ]);
        let session = Session {
            side: Side::Server,
            state: State::WaitType,
            conn_type: String::new(),
            queued: VecDeque::new(),
            queued_bytes: 0,
            dropped_early: 0,
            figures: Figures::default(),
            sent_at: Some(Instant::now()),
            ping_query: None,
        };
        (session, vec![Out::Send(frame::encode(HELLO, &hello, None))])
    }

    /// A client's side of a new connection of type `conn_type` ("classic", "ping" or one
    /// the server registered); it waits for the server's hello.
    pub fn client(conn_type: &str) -> Session {
        Session {
            side: Side::Client,
            state: State::HelloWait,
            conn_type: conn_type.to_string(),
            queued: VecDeque::new(),
            queued_bytes: 0,
            dropped_early: 0,
            figures: Figures::default(),
            sent_at: None,
            ping_query: None,
        }
    }

    /// The connection type (the server learns it from settype).
    pub fn conn_type(&self) -> &str {
        &self.conn_type
    }

    pub fn is_active(&self) -> bool {
        self.state == State::Active
    }

    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The bytes of the messages waiting for the handshake.
    pub fn waiting_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Sends an application message: written now when the handshake is complete, queued
    /// until it is otherwise. `Err` once the connection is closed.
    pub fn send(&mut self, s: &Settings, pid: u32, body: Vec<u8>) -> Result<Vec<Out>, String> {
        match self.state {
            State::Closed => Err("the connection is closed".into()),
            State::Active => Ok(vec![self.message(s, pid, &body)]),
            _ => {
                self.queued_bytes += super::peer::waiting_cost(body.len());
                self.queued.push_back((pid, body));
                Ok(Vec::new())
            }
        }
    }

    /// Closes with `reason`: sends closeconn, then reports the close (not by the peer).
    pub fn close(&mut self, reason: Option<&str>) -> Vec<Out> {
        if self.state == State::Closed {
            return Vec::new();
        }
        self.state = State::Closed;
        let body = map_of(vec![(
            "reason",
            reason.map_or(Value::Nil, |r| Value::Str(r.to_string())),
        )]);
        vec![
            Out::Send(frame::encode(CLOSECONN, &body, None)),
            Out::Closed {
                reason: reason.map(str::to_string),
                by_peer: false,
            },
        ]
    }

    /// The connection ended below the protocol (end of stream, error, a send that failed):
    /// reports it with `reason` (and whether the peer ended it) unless it was closed
    /// already.
    pub fn lost(&mut self, reason: &str, by_peer: bool) -> Vec<Out> {
        if self.state == State::Closed {
            return Vec::new();
        }
        self.state = State::Closed;
        vec![Out::Closed {
            reason: Some(reason.to_string()),
            by_peer,
        }]
    }

    /// A core datagram from the peer.
    pub fn receive(&mut self, s: &Settings, reg: &mut Registry, datagram: &[u8]) -> Vec<Out> {
        self.receive_owned(s, reg, datagram.to_vec())
    }

    /// [`Session::receive`] of a datagram the caller gives up (the reader's): an
    /// uncompressed body is not copied.
    pub fn receive_owned(
        &mut self,
        s: &Settings,
        reg: &mut Registry,
        datagram: Vec<u8>,
    ) -> Vec<Out> {
        if self.state == State::Closed {
            return Vec::new();
        }
        let wire = datagram.len().saturating_sub(frame::HEADER) as u64;
        let packet = match frame::decode_owned(datagram, s.max_decompressed, s.str_keys) {
            Ok(p) => p,
            Err(e) => return self.close(Some(e.reason())),
        };
        let body = || msgpack::decode(&packet.body, false).unwrap_or(Value::Nil);
        match (self.side, self.state, packet.pid) {
            (_, _, CLOSECONN) => {
                self.state = State::Closed;
                let reason = body()
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(String::from);
                vec![Out::Closed {
                    reason,
                    by_peer: true,
                }]
            }
            (Side::Server, State::WaitType, SETTYPE) => self.server_settype(s, reg, &body()),
            (Side::Server, State::Handshake, ACCEPT) => {
                if body().get("success") != Some(&Value::Bool(true)) {
                    return self.close(Some("handshakefailed"));
                }
                self.activate(s)
            }
            // The query comes back inside the answer: one level must remain for that.
            (Side::Server, State::Ping, PING)
                if msgpack::validate_nested(&packet.body, false, msgpack::MAX_DEPTH - 1)
                    .is_err() =>
            {
                self.close(Some("invalidpingpacket"))
            }
            (Side::Server, State::Ping, PING) if s.defer_ping => {
                let query = body();
                let bytes = query.to_bytes();
                self.ping_query = Some(query);
                vec![Out::PingQuery(bytes)]
            }
            (Side::Server, State::Ping, PING) => vec![self.pong(s, body(), &[])],
            (Side::Client, State::HelloWait, HELLO) => self.client_hello(&body()),
            (Side::Client, State::Handshake, HANDSHAKE) => {
                self.round_trip_ends();
                let b = body();
                if b.get("protoversion").and_then(Value::as_i64) != Some(PROTOVERSION) {
                    return self.close(Some("protoversionmismatch"));
                }
                let server = b.get("registry").cloned().unwrap_or(Value::Nil);
                if reg.adopt(&server).is_err() {
                    return self.close(Some("packetregmismatch"));
                }
                let accept = map_of(vec![("success", Value::Bool(true))]);
                let mut out = vec![Out::Send(frame::encode(ACCEPT, &accept, None))];
                out.extend(self.activate(s));
                out
            }
            (Side::Client, State::Ping, PONG) => {
                let mut out = vec![Out::PingAnswer(body())];
                out.extend(self.close(Some("pingcomplete")));
                out
            }
            // A ping connection carries the query and its answer only (peng3dnet's reasons).
            (Side::Server, State::Ping, PONG) | (Side::Client, State::Ping, PING) => {
                self.close(Some("pinginvalidside"))
            }
            (_, State::Ping, pid) if pid >= 64 => self.close(Some("invalidpingpacket")),
            // A registered application packet (an unknown id is dropped, as peng3dnet does).
            (_, State::Active, pid) if pid >= 64 && reg.name(pid).is_some() => {
                let f = &mut self.figures;
                f.messages_in += 1;
                f.payload_in += packet.body.len() as u64;
                f.wire_payload_in += wire;
                vec![Out::Message {
                    pid,
                    body: packet.body,
                }]
            }
            // An internal packet in the wrong state, or repeated.
            (_, _, HELLO | SETTYPE | HANDSHAKE | ACCEPT) => self.close(Some("smartpacketinvalid")),
            // An application packet before the handshake: dropped, as the Python peer does.
            _ => {
                self.dropped_early += 1;
                Vec::new()
            }
        }
    }

    fn server_settype(&mut self, s: &Settings, reg: &Registry, body: &Value) -> Vec<Out> {
        let conn_type = match body.get("conntype") {
            None => "classic".to_string(),
            Some(Value::Str(t)) => t.clone(),
            Some(_) => return self.close(Some("unknownconntype")),
        };
        self.conn_type = conn_type.clone();
        self.round_trip_ends();
        if conn_type == "ping" && s.answer_ping {
            self.state = State::Ping;
            return Vec::new();
        }
        if conn_type != "classic" && !s.conn_types.contains(&conn_type) {
            return self.close(Some("unknownconntype"));
        }
        self.state = State::Handshake;
        let handshake = map_of(vec![
            ("version", Value::Str(s.version.clone())),
            ("protoversion", Value::Int(PROTOVERSION)),
            ("registry", reg.to_value()),
        ]);
        vec![Out::Send(frame::encode(HANDSHAKE, &handshake, s.compress))]
    }

    fn client_hello(&mut self, body: &Value) -> Vec<Out> {
        if body.get("protoversion").and_then(Value::as_i64) != Some(PROTOVERSION) {
            return self.close(Some("protoversionmismatch"));
        }
        let settype = map_of(vec![("conntype", Value::Str(self.conn_type.clone()))]);
        self.sent_at = Some(Instant::now());
        self.state = if self.conn_type == "ping" {
            State::Ping
        } else {
            State::Handshake
        };
        vec![Out::Send(frame::encode(SETTYPE, &settype, None))]
    }

    fn activate(&mut self, s: &Settings) -> Vec<Out> {
        self.state = State::Active;
        let mut out = vec![Out::HandshakeComplete];
        self.queued_bytes = 0;
        for (pid, body) in std::mem::take(&mut self.queued) {
            out.push(self.message(s, pid, &body));
        }
        out
    }

    /// An application message's datagram, counted.
    fn message(&mut self, s: &Settings, pid: u32, body: &[u8]) -> Out {
        let d = frame::encode(pid, body, s.compress);
        let f = &mut self.figures;
        f.messages_out += 1;
        f.payload_out += body.len() as u64;
        f.wire_payload_out += (d.len() - frame::HEADER) as u64;
        Out::Send(d)
    }

    /// Notes a round trip that ends now (the first answer to what `sent_at` marks).
    fn round_trip_ends(&mut self) {
        if let Some(t) = self.sent_at.take() {
            self.figures.rtt = Some(t.elapsed());
        }
    }

    /// Notes a round trip measured outside the session (a ping answer).
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.figures.rtt = Some(rtt);
    }

    /// The answer to a ping query: `oldmsg` (the query), the settings' ping data, `extra`,
    /// and peng3dnet's info map.
    /// An entry of the ping data or of `extra` replaces one of the same name (`oldmsg`
    /// and `peng3dnet` included), as peng3dnet's dict updates do.
    fn pong(&self, s: &Settings, query: Value, extra: &[(String, Value)]) -> Out {
        let info = Value::map([
            ("version", Value::Str(s.version.clone())),
            ("release", Value::Str(s.release.clone())),
            ("protoversion", Value::Int(PROTOVERSION)),
        ]);
        let mut answer = vec![(Value::Str("oldmsg".into()), query)];
        for (k, v) in s.ping_data.iter().chain(extra) {
            msgpack::set_entry(&mut answer, k, v.clone());
        }
        if answer.iter().all(|(k, _)| k.as_str() != Some("peng3dnet")) {
            answer.push((Value::Str("peng3dnet".into()), info));
        }
        Out::Send(frame::encode(
            PONG,
            &Value::Map(answer).to_bytes(),
            s.compress,
        ))
    }

    /// Answers the ping query the engine was given ([`Out::PingQuery`]) with the settings'
    /// ping data and `extra`. `Err` when no query waits for an answer.
    pub fn answer_ping(
        &mut self,
        s: &Settings,
        extra: &[(String, Value)],
    ) -> Result<Vec<Out>, String> {
        if self.state != State::Ping || self.side != Side::Server {
            return Err("not a ping connection waiting for its answer".into());
        }
        let query = self
            .ping_query
            .take()
            .ok_or("no ping query waits for an answer")?;
        Ok(vec![self.pong(s, query, extra)])
    }

    /// A ping client's query (sent right after its settype): `body` holds at least
    /// `"time"`. Queued until the hello has been answered.
    pub fn ping(&mut self, body: Vec<u8>) -> Vec<Out> {
        if self.side == Side::Client && self.state == State::Ping {
            return vec![Out::Send(frame::encode(PING, &body, None))];
        }
        self.queued.push_back((PING, body));
        Vec::new()
    }

    /// Sends what a ping client queued before its settype went out.
    pub fn flush_ping(&mut self) -> Vec<Out> {
        if self.side != Side::Client || self.state != State::Ping {
            return Vec::new();
        }
        self.queued
            .drain(..)
            .map(|(pid, body)| Out::Send(frame::encode(pid, &body, None)))
            .collect()
    }
}
