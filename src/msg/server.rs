//! The message-layer server (peng3dnet's `Server`): it listens on an address (IPv4 or IPv6),
//! numbers its clients with connection ids that are never reused, and drives one
//! [`Session`] per client over its own core manager, listener, reader (peng3dnet framing)
//! and writer. Its accept hook and close sink keep its connections to itself. With 0
//! threads everything runs inside [`Server::process`]; with threads, accepting and reading
//! run on the core's threads and `process` turns what they queued into events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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
use crate::core::listener::Listener;
use crate::core::manager::Manager;
use crate::core::reader::Reader;
use crate::core::writer::Writer;

/// How a server is made.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address to listen on (`None`: every address, IPv4 and IPv6).
    pub host: Option<String>,
    /// The port (0: any free one; read it back with [`Server::port`]).
    pub port: u16,
    /// The largest packet accepted (a larger claim closes the connection, `toolarge`).
    pub max_frame: usize,
    /// The protocol settings (compression, limits, ping answer, connection types).
    pub settings: Settings,
    /// The time a client has to complete its handshake.
    pub handshake_timeout: Duration,
    /// Threads for accepting, reading and writing each (0: all inside `process`).
    pub threads: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: None,
            port: 0,
            max_frame: DEFAULT_MAX_FRAME,
            settings: Settings::default(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            threads: 0,
        }
    }
}

struct State {
    registry: Registry,
    peers: HashMap<u64, Peer>,
    /// Connections the layer closed itself: their core close is not reported again.
    closing: HashMap<u64, ()>,
    /// The earliest handshake deadline of a connection still in its handshake (it may be
    /// earlier than needed: `process` then looks once more and puts it right).
    next_expiry: Option<Instant>,
    /// Closes the core reported, applied by `process` after the datagrams the peer sent
    /// before them (a closeconn among them gives the close its reason).
    lost: Vec<(u64, (&'static str, bool))>,
    events: EventQueue,
}

struct Shared {
    cfg: ServerConfig,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A message-layer server. Every method may be called from any thread.
pub struct Server {
    shared: Arc<Shared>,
    manager: Manager,
    listener: Listener,
    reader: Reader,
    writer: Writer,
    writes: Writes,
    rendezvous: u64,
    port: u16,
}

impl Server {
    /// Listens with `cfg`, serving the packets of `registry`.
    pub fn new(cfg: ServerConfig, registry: Registry) -> Result<Server> {
        let (manager, reader, writer) = transport(cfg.threads, cfg.max_frame)?;
        let listener = Listener::new(&manager, cfg.threads)?;
        listener.set_reader(Some(reader.clone()))?;
        let shared = Arc::new(Shared {
            cfg: cfg.clone(),
            state: Mutex::new(State {
                registry,
                peers: HashMap::new(),
                closing: HashMap::new(),
                next_expiry: None,
                lost: Vec::new(),
                events: EventQueue::default(),
            }),
        });
        let sink_shared = Arc::downgrade(&shared);
        manager.add_close_sink(Arc::new(move |ev| {
            let Some(shared) = sink_shared.upgrade() else {
                return true;
            };
            let mut st = shared.lock();
            if st.closing.remove(&ev.conn).is_some() {
                return true;
            }

            if st.peers.contains_key(&ev.conn) {
                st.lost.push((ev.conn, reason_of(ev.reason)));
            }
            true // the layer's connections stay off the manager's reset queue
        }));
        let hook_shared = Arc::downgrade(&shared);
        let hook_writer = writer.clone();
        listener.set_on_accept(Some(Arc::new(move |nc| {
            let Some(shared) = hook_shared.upgrade() else {
                return false;
            };
            let (session, outs) = Session::server(&shared.cfg.settings);
            let mut peer = Peer::new(session, nc.peer);
            let pending = {
                let mut st = shared.lock();
                let expiry = Instant::now() + shared.cfg.handshake_timeout;
                st.next_expiry = Some(st.next_expiry.map_or(expiry, |t| t.min(expiry)));
                st.events.push_back(Event::Connected {
                    cid: nc.conn,
                    peer: nc.peer,
                });
                let State {
                    registry,
                    events,
                    peers,
                    ..
                } = &mut *st;
                let p = sort_outs(nc.conn, &mut peer, registry, outs, events);
                peers.insert(nc.conn, peer);
                p
            };
            for d in &pending.sends {
                let _ = hook_writer.send(pending.cid, d, false);
            }
            false // taken: not queued on the listener
        })));
        let rendezvous = manager.open_tcp_server_rendezvous(cfg.host.as_deref(), cfg.port, 0)?; // 0: the system's most
        listener.add_connection(rendezvous)?;
        let port = manager.connection(rendezvous)?.local_address().port();
        Ok(Server {
            shared,
            manager,
            listener,
            reader,
            writer,
            writes: Writes::default(),
            rendezvous,
            port,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Handles what arrived: accepts (polling mode), reads datagrams (waiting up to
    /// `timeout` for work when no event waits: a datagram, a connection, a close), runs
    /// them through the sessions, writes what a writer without threads left, closes
    /// handshakes that took too long. Returns how many events wait.
    pub fn process(&self, timeout: Duration) -> usize {
        let polling = self.listener.num_threads() == 0;
        wait_for_work(&self.reader, timeout, || {
            if polling {
                self.listener.new_connection_available();
            }
            let st = self.shared.lock();
            !st.events.is_empty()
                || !st.lost.is_empty()
                || st.next_expiry.is_some_and(|t| Instant::now() >= t)
        });
        if self.writer.num_threads() == 0 {
            self.writer.flush(); // what the sockets did not take before
        }
        // One sender at a time decides and writes: what is decided first goes out first.
        let _order = self.writes.sending();
        let mut work: Vec<Pending> = Vec::new();
        let (mut handled, mut bytes) = (0, 0);
        // Bounded work: at most MAX_PER_PROCESS datagrams and MAX_BYTES_PER_PROCESS bytes
        // of bodies a call, none while the events queue is full (the core then stops
        // reading, and the peers' kernel buffers push back on them). Read under the lock
        // each datagram takes anyway.
        let mut full = self.shared.lock().events.full();
        while handled < MAX_PER_PROCESS
            && bytes < MAX_BYTES_PER_PROCESS
            && !full
            && let Some(got) = self.reader.get_data()
        {
            handled += 1;
            let mut st = self.shared.lock();
            let before = st.events.bytes();
            let State {
                registry,
                peers,
                events,
                closing,
                ..
            } = &mut *st;
            if let Some(peer) = peers.get_mut(&got.conn) {
                peer.packets_in += 1;
                peer.bytes_in += got.data.len() as u64 + 4;
                let outs =
                    peer.session
                        .receive_owned(&self.shared.cfg.settings, registry, got.data);
                let p = sort_outs(got.conn, peer, registry, outs, events);
                if p.close {
                    peers.remove(&got.conn);
                    closing.insert(got.conn, ());
                }
                work.push(p);
            }
            bytes += st.events.bytes().saturating_sub(before);
            full = st.events.full();
        }
        {
            let mut st = self.shared.lock();
            let lost = std::mem::take(&mut st.lost);
            let State {
                registry,
                peers,
                events,
                ..
            } = &mut *st;
            for (cid, reason) in lost {
                if let Some(mut peer) = peers.remove(&cid) {
                    let outs = peer.session.lost(reason.0, reason.1);
                    sort_outs(cid, &mut peer, registry, outs, events);
                }
            }
        }
        work.extend(self.expire_handshakes());
        for p in work {
            self.writes.carry(&self.manager, &self.writer, p);
        }
        self.writes.close_lingering(&self.manager, false);
        self.shared.lock().events.len()
    }

    fn expire_handshakes(&self) -> Vec<Pending> {
        let limit = self.shared.cfg.handshake_timeout;
        let mut st = self.shared.lock();
        let late: Vec<u64> = st
            .peers
            .iter()
            .filter(|(_, p)| !p.session.is_active() && p.opened.elapsed() > limit)
            .map(|(id, _)| *id)
            .collect();
        let mut work = Vec::new();
        for cid in late {
            work.push(self.close_locked(&mut st, cid, Some("handshaketimeout")));
        }
        st.next_expiry = st
            .peers
            .values()
            .filter(|p| !p.session.is_active())
            .map(|p| p.opened + limit)
            .min();
        work.into_iter().flatten().collect()
    }

    fn close_locked(&self, st: &mut State, cid: u64, reason: Option<&str>) -> Option<Pending> {
        let mut peer = st.peers.remove(&cid)?;
        let outs = peer.session.close(reason);
        st.closing.insert(cid, ());
        let State {
            registry, events, ..
        } = st;
        Some(sort_outs(cid, &mut peer, registry, outs, events))
    }

    /// The oldest event, if any.
    pub fn next_event(&self) -> Option<Event> {
        self.shared.lock().events.pop_front()
    }

    /// Sends message `name` with the msgpack `body` to client `cid` (queued until its
    /// handshake completes). The body must be one msgpack value (with str or bytes map keys
    /// unless the settings allow others: the Python peer dies on them).
    pub fn send_message(&self, cid: u64, name: &str, body: Vec<u8>) -> Result<()> {
        match self.send_many([(cid, name, body)]) {
            (_, Some(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Sends several messages (client id, packet name, msgpack body) under one lock and in
    /// their order. Every one is attempted: returns how many went out (or were queued for a
    /// handshake) and the first failure, which names the message by its index.
    pub fn send_many<'a>(
        &self,
        items: impl IntoIterator<Item = (u64, &'a str, Vec<u8>)>,
    ) -> (usize, Option<Error>) {
        let s = &self.shared.cfg.settings;
        let mut failed = FirstFailure::default();
        let _order = self.writes.sending();
        let mut work = Vec::new();
        let mut index = Vec::new();
        // Connections that refused a message: their later messages in the batch are held
        // back too, so that none arrives out of order.
        let mut blocked = std::collections::HashSet::new();
        {
            let mut st = self.shared.lock();
            for (i, (cid, name, body)) in items.into_iter().enumerate() {
                if blocked.contains(&cid) {
                    failed.note(i, waiting_full(cid));
                    continue;
                }
                let State {
                    registry,
                    peers,
                    events,
                    ..
                } = &mut *st;
                match send_one(s, registry, peers, events, cid, name, body) {
                    Ok(p) => {
                        work.push(p);
                        index.push(i);
                    }
                    Err(e) => {
                        if e.kind() == ErrorKind::WouldBlock {
                            blocked.insert(cid);
                        }
                        failed.note(i, e);
                    }
                }
            }
        }
        let sent = self.writes.carry_messages(
            &self.manager,
            &self.writer,
            index.into_iter().zip(work).collect(),
            |i, e| failed.note(i, e),
        );
        (sent, failed.into_error())
    }

    /// Closes client `cid`: sends closeconn with `reason`, writes what is queued, closes.
    pub fn close_connection(&self, cid: u64, reason: Option<&str>) -> Result<()> {
        let _order = self.writes.sending();
        let pending = {
            let mut st = self.shared.lock();
            self.close_locked(&mut st, cid, reason)
        }
        .ok_or_else(|| Error::new(ErrorKind::UnknownConnection, format!("no client {cid}")))?;
        if !self.writes.carry(&self.manager, &self.writer, pending) {
            return Err(send_failed(cid));
        }
        Ok(())
    }

    /// Tells every client (closeconn with `reason`, `servershutdown` by default), writes
    /// what is queued within `timeout`, and stops listening. Returns within the timeout.
    pub fn shutdown(&self, reason: Option<&str>, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let _order = self.writes.sending();
        let _ = self.manager.close_connection(self.rendezvous);
        let work: Vec<Pending> = {
            let mut st = self.shared.lock();
            let ids: Vec<u64> = st.peers.keys().copied().collect();
            ids.into_iter()
                .filter_map(|cid| {
                    self.close_locked(&mut st, cid, Some(reason.unwrap_or("servershutdown")))
                })
                .collect()
        };
        for p in &work {
            for d in &p.sends {
                let _ = self.writer.send(p.cid, d, false);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = self.writer.flush_wait(left);
        // Let the clients read the closeconn and close first (see LINGER), within the time.
        while Instant::now() < deadline
            && work.iter().any(|p| self.manager.connection(p.cid).is_ok())
        {
            self.reader.poll(Some(Duration::from_millis(5)));
            while self.reader.get_data().is_some() {}
        }
        for p in work {
            let _ = self.manager.close_connection(p.cid);
        }
        self.writes.close_lingering(&self.manager, true);
        self.listener.shutdown();
        self.reader.shutdown();
    }

    /// Answers connection `cid`'s ping query ([`Event::PingQuery`]) with the settings' ping
    /// data and `extra`.
    pub fn answer_ping(&self, cid: u64, extra: &[(String, Value)]) -> Result<()> {
        let _order = self.writes.sending();
        let pending = {
            let mut st = self.shared.lock();
            let State {
                registry,
                peers,
                events,
                ..
            } = &mut *st;
            let peer = peers.get_mut(&cid).ok_or_else(|| {
                Error::new(ErrorKind::UnknownConnection, format!("no client {cid}"))
            })?;
            let outs = peer
                .session
                .answer_ping(&self.shared.cfg.settings, extra)
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, e))?;
            sort_outs(cid, peer, registry, outs, events)
        };
        if !self.writes.carry(&self.manager, &self.writer, pending) {
            return Err(send_failed(cid));
        }
        Ok(())
    }

    /// Client `cid`'s figures.
    pub fn stats(&self, cid: u64) -> Result<Stats> {
        self.shared
            .lock()
            .peers
            .get(&cid)
            .map(Peer::stats)
            .ok_or_else(|| Error::new(ErrorKind::UnknownConnection, format!("no client {cid}")))
    }

    /// Stops accepting and reading: a `process` waiting on another thread returns at once
    /// (the server is being freed; dropping it releases the rest).
    pub fn interrupt(&self) {
        self.listener.shutdown();
        self.reader.shutdown();
    }

    /// The ids of the clients connected now.
    pub fn clients(&self) -> Vec<u64> {
        self.shared.lock().peers.keys().copied().collect()
    }
}

/// One message of [`Server::send_many`], decided under the lock.
fn send_one(
    s: &Settings,
    registry: &Registry,
    peers: &mut HashMap<u64, Peer>,
    events: &mut EventQueue,
    cid: u64,
    name: &str,
    body: Vec<u8>,
) -> Result<Pending> {
    msgpack::validate(&body, s.str_keys)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.0))?;
    let pid = registry.id(name).filter(|id| *id >= 64).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("no packet '{name}' is registered"),
        )
    })?;
    let peer = peers
        .get_mut(&cid)
        .ok_or_else(|| Error::new(ErrorKind::UnknownConnection, format!("no client {cid}")))?;
    if !peer.session.is_active()
        && peer.session.waiting_bytes() + waiting_cost(body.len()) > MAX_WAITING_BYTES
    {
        return Err(waiting_full(cid));
    }
    let outs = peer
        .session
        .send(s, pid, body)
        .map_err(|e| Error::new(ErrorKind::Closed, e))?;
    Ok(sort_outs(cid, peer, registry, outs, events))
}

impl Drop for Server {
    fn drop(&mut self) {
        // `retire` closes every connection, the lingering ones included.
        self.listener.shutdown();
        self.reader.shutdown();
        self.writer.shutdown(Duration::from_millis(100));
        self.manager.retire();
    }
}
