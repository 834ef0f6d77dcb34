//! The message-layer client (peng3dnet's `Client`): one connection to a server, driven by
//! a [`Session`] over its own core manager, reader (peng3dnet framing) and writer. Messages
//! sent before the handshake completes wait by name and go out with the server's ids once
//! the registry is adopted.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::events::{MAX_BYTES_PER_PROCESS, wait_for_work};
use super::msgpack::{self, Value};
use super::peer::{
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME, Event, EventQueue, MAX_PER_PROCESS,
    MAX_WAITING_BYTES, Peer, Pending, Stats, reason_of, sort_outs, transport, waiting_cost,
    waiting_full,
};
use super::registry::Registry;
use super::sending::{FirstFailure, Writes, send_failed};
use super::session::{Session, Settings};
use crate::core::error::{Error, ErrorKind, Result};
use crate::core::manager::Manager;
use crate::core::reader::Reader;
use crate::core::writer::Writer;

/// How a client is made.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The server's host (a name or a numeric address) and port.
    pub host: String,
    pub port: u16,
    /// The connection type: "classic", "ping", or one the server registered.
    pub conn_type: String,
    /// The time the connect may take.
    pub connect_timeout: Duration,
    /// The largest packet accepted.
    pub max_frame: usize,
    pub settings: Settings,
    /// The time the handshake may take.
    pub handshake_timeout: Duration,
    /// Threads for reading and writing each (0: all inside `process`).
    pub threads: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            host: "localhost".into(),
            port: 8080,
            conn_type: "classic".into(),
            connect_timeout: Duration::from_secs(5),
            max_frame: DEFAULT_MAX_FRAME,
            settings: Settings::default(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            threads: 0,
        }
    }
}

struct State {
    registry: Registry,
    peer: Option<Peer>,
    /// Sent before the handshake completed: (name, body).
    waiting: VecDeque<(String, Vec<u8>)>,
    /// Their bodies' bytes.
    waiting_bytes: usize,
    events: EventQueue,
    closing: bool,
    /// A close the core reported, applied by `process` after the datagrams before it.
    lost: Option<(&'static str, bool)>,
}

/// A message-layer client. Every method may be called from any thread.
pub struct Client {
    state: Arc<Mutex<State>>,
    cfg: ClientConfig,
    manager: Manager,
    reader: Reader,
    writer: Writer,
    writes: Writes,
    cid: u64,
}

impl Client {
    /// Connects (blocking, within `cfg.connect_timeout`, every address of the host tried)
    /// and starts the protocol; the handshake completes inside `process`.
    pub fn connect(cfg: ClientConfig, registry: Registry) -> Result<Client> {
        let (manager, reader, writer) = transport(cfg.threads, cfg.max_frame)?;
        let state = Arc::new(Mutex::new(State {
            registry,
            peer: None,
            waiting: VecDeque::new(),
            waiting_bytes: 0,
            events: EventQueue::default(),
            closing: false,
            lost: None,
        }));
        let sink = Arc::downgrade(&state);
        manager.add_close_sink(Arc::new(move |ev| {
            let Some(state) = sink.upgrade() else {
                return true;
            };
            let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
            if !st.closing {
                st.lost = Some(reason_of(ev.reason));
            }
            true
        }));
        let cid = manager.open_tcp_client_host(&cfg.host, cfg.port, Some(cfg.connect_timeout))?;
        let peer_addr: SocketAddr = manager
            .connection(cid)?
            .peer_address()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], cfg.port)));
        {
            let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
            st.peer = Some(Peer::new(Session::client(&cfg.conn_type), peer_addr));
            st.events.push_back(Event::Connected {
                cid,
                peer: peer_addr,
            });
        }
        reader.add_connection(cid)?;
        Ok(Client {
            state,
            cfg,
            manager,
            reader,
            writer,
            writes: Writes::default(),
            cid,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection's id.
    pub fn cid(&self) -> u64 {
        self.cid
    }

    /// Whether the handshake completed and the connection is open.
    pub fn is_active(&self) -> bool {
        self.lock()
            .peer
            .as_ref()
            .is_some_and(|p| p.session.is_active())
    }

    /// Handles what arrived (waiting up to `timeout` for work when no event waits: a
    /// datagram, a close), writes what a writer without threads left, and closes a
    /// handshake that took too long. Returns how many events wait.
    pub fn process(&self, timeout: Duration) -> usize {
        wait_for_work(&self.reader, timeout, || {
            let st = self.lock();
            !st.events.is_empty()
                || st.lost.is_some()
                || st.peer.as_ref().is_some_and(|p| {
                    !p.session.is_active()
                        && !p.session.is_closed()
                        && p.opened.elapsed() > self.cfg.handshake_timeout
                })
        });
        if self.writer.num_threads() == 0 {
            self.writer.flush(); // what the socket did not take before
        }
        // One sender at a time decides and writes: what is decided first goes out first.
        let _order = self.writes.sending();
        let mut work: Vec<Pending> = Vec::new();
        let (mut handled, mut bytes) = (0, 0);
        // Bounded work, as the server's (see Server::process).
        let mut full = self.lock().events.full();
        while handled < MAX_PER_PROCESS
            && bytes < MAX_BYTES_PER_PROCESS
            && !full
            && let Some(got) = self.reader.get_data()
        {
            handled += 1;
            let mut st = self.lock();
            let before = st.events.bytes();
            let s = &self.cfg.settings;
            let State {
                registry,
                peer,
                events,
                waiting,
                waiting_bytes,
                closing,
                ..
            } = &mut *st;
            let Some(p) = peer.as_mut() else { break };
            p.packets_in += 1;
            p.bytes_in += got.data.len() as u64 + 4;
            let was_active = p.session.is_active();
            let mut outs = p.session.receive_owned(s, registry, got.data);
            if self.cfg.conn_type == "ping" {
                outs.extend(p.session.flush_ping());
            }
            if !was_active && p.session.is_active() {
                // The registry is the server's now: what waited goes out with its ids.
                *waiting_bytes = 0;
                for (name, body) in waiting.drain(..) {
                    if let Some(pid) = registry.id(&name)
                        && let Ok(more) = p.session.send(s, pid, body)
                    {
                        outs.extend(more);
                    }
                }
            }
            let pending = sort_outs(self.cid, p, registry, outs, events);
            *closing |= pending.close;
            work.push(pending);
            bytes += st.events.bytes().saturating_sub(before);
            full = st.events.full();
        }
        {
            let mut st = self.lock();
            if let Some(reason) = st.lost.take() {
                let State {
                    registry,
                    peer,
                    events,
                    ..
                } = &mut *st;
                if let Some(p) = peer.as_mut() {
                    let outs = p.session.lost(reason.0, reason.1);
                    sort_outs(self.cid, p, registry, outs, events);
                }
            }
            let late = st.peer.as_ref().is_some_and(|p| {
                !p.session.is_active()
                    && !p.session.is_closed()
                    && p.opened.elapsed() > self.cfg.handshake_timeout
            });
            if late {
                work.extend(self.close_locked(&mut st, Some("handshaketimeout")));
            }
        }
        for p in work {
            self.writes.carry(&self.manager, &self.writer, p);
        }
        self.writes.close_lingering(&self.manager, false);
        self.lock().events.len()
    }

    fn close_locked(&self, st: &mut State, reason: Option<&str>) -> Option<Pending> {
        let State {
            registry,
            peer,
            events,
            closing,
            ..
        } = st;
        let p = peer.as_mut()?;
        let outs = p.session.close(reason);
        let pending = sort_outs(self.cid, p, registry, outs, events);
        *closing |= pending.close;
        Some(pending)
    }

    /// The oldest event, if any.
    pub fn next_event(&self) -> Option<Event> {
        self.lock().events.pop_front()
    }

    /// Sends message `name` with the msgpack `body` (waiting until the handshake completes
    /// if it has not yet).
    pub fn send_message(&self, name: &str, body: Vec<u8>) -> Result<()> {
        match self.send_many([(name, body)]) {
            (_, Some(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Sends several messages (packet name, msgpack body) under one lock and in their
    /// order. Every one is attempted: returns how many went out (or wait for the handshake)
    /// and the first failure, which names the message by its index.
    pub fn send_many<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
    ) -> (usize, Option<Error>) {
        let mut failed = FirstFailure::default();
        let mut sent = 0;
        let _order = self.writes.sending();
        let mut work = Vec::new();
        let mut index = Vec::new();
        {
            let mut st = self.lock();
            let mut blocked = false; // a refused message holds back the later ones
            for (i, (name, body)) in items.into_iter().enumerate() {
                if blocked {
                    failed.note(i, waiting_full(self.cid));
                    continue;
                }
                match self.send_one(&mut st, name, body) {
                    Ok(Some(p)) => {
                        work.push(p);
                        index.push(i);
                    }
                    Ok(None) => sent += 1, // waits for the handshake
                    Err(e) => {
                        blocked = e.kind() == ErrorKind::WouldBlock;
                        failed.note(i, e);
                    }
                }
            }
        }
        sent += self.writes.carry_messages(
            &self.manager,
            &self.writer,
            index.into_iter().zip(work).collect(),
            |i, e| failed.note(i, e),
        );
        (sent, failed.into_error())
    }

    /// One message of [`Client::send_many`], decided under the lock: `None` when it waits
    /// for the handshake.
    fn send_one(&self, st: &mut State, name: &str, body: Vec<u8>) -> Result<Option<Pending>> {
        let s = &self.cfg.settings;
        msgpack::validate(&body, s.str_keys)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.0))?;
        if st.registry.id(name).is_none_or(|id| id < 64) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("no packet '{name}' is registered"),
            ));
        }
        let State {
            registry,
            peer,
            events,
            waiting,
            waiting_bytes,
            ..
        } = st;
        let p = peer
            .as_mut()
            .filter(|p| !p.session.is_closed())
            .ok_or_else(|| Error::new(ErrorKind::Closed, "the connection is closed"))?;
        if !p.session.is_active() {
            if *waiting_bytes + waiting_cost(body.len()) > MAX_WAITING_BYTES {
                return Err(waiting_full(self.cid));
            }
            *waiting_bytes += waiting_cost(body.len());
            waiting.push_back((name.to_string(), body));
            return Ok(None);
        }
        let pid = registry.id(name).unwrap_or_default();
        let outs = p
            .session
            .send(s, pid, body)
            .map_err(|e| Error::new(ErrorKind::Closed, e))?;
        Ok(Some(sort_outs(self.cid, p, registry, outs, events)))
    }

    /// Stops reading: a `process` waiting on another thread returns at once (the client is
    /// being freed; dropping it releases the rest).
    pub fn interrupt(&self) {
        self.reader.shutdown();
    }

    /// The id of packet `name` on this connection (the server's, once adopted).
    pub fn packet_id(&self, name: &str) -> Option<u32> {
        self.lock().registry.id(name).filter(|id| *id >= 64)
    }

    /// The connection's figures (kept after it closes).
    pub fn stats(&self) -> Stats {
        self.lock()
            .peer
            .as_ref()
            .map(Peer::stats)
            .unwrap_or_default()
    }

    /// A ping connection's query: `"time"` (seconds since the epoch, as peng3dnet's client
    /// sends) and the `extra` entries (a `"time"` among them replaces it). The answer
    /// arrives as `Event::PingAnswer`.
    pub fn ping(&self, extra: Vec<(String, Value)>) -> Result<()> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut entries = vec![(Value::Str("time".into()), Value::F64(now))];
        for (k, v) in extra {
            msgpack::set_entry(&mut entries, &k, v);
        }
        if self.cfg.conn_type != "ping" {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!(
                    "a {} connection does not ping (make a \"ping\" client)",
                    self.cfg.conn_type
                ),
            ));
        }
        let query = Value::Map(entries).to_bytes();
        // The query comes back one level deeper, inside the answer.
        msgpack::validate_nested(&query, true, msgpack::MAX_DEPTH - 1).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("the ping query: {}", e.0),
            )
        })?;
        let _order = self.writes.sending();
        let pending = {
            let mut st = self.lock();
            let State {
                registry,
                peer,
                events,
                ..
            } = &mut *st;
            let p = peer
                .as_mut()
                .filter(|p| !p.session.is_closed())
                .ok_or_else(|| Error::new(ErrorKind::Closed, "the connection is closed"))?;
            p.ping_sent = Some(std::time::Instant::now());
            let outs = p.session.ping(query);
            sort_outs(self.cid, p, registry, outs, events)
        };
        if !self.writes.carry(&self.manager, &self.writer, pending) {
            return Err(send_failed(self.cid));
        }
        Ok(())
    }

    /// Closes: sends closeconn with `reason`, writes what is queued, closes.
    pub fn close(&self, reason: Option<&str>) {
        let _order = self.writes.sending();
        let pending = {
            let mut st = self.lock();
            self.close_locked(&mut st, reason)
        };
        if let Some(p) = pending {
            self.writes.carry(&self.manager, &self.writer, p);
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // `retire` closes the connection, lingering or not.
        self.reader.shutdown();
        self.writer.shutdown(Duration::from_millis(100));
        self.manager.retire();
    }
}
