//! Panda3D's `QueuedConnectionListener`: accepts connections on rendezvous sockets and
//! queues them for the engine, optionally adding each to a reader at once.
//!
//! Accepting is readiness-driven (epoll via mio) on N threads, or on the caller's thread in
//! polling mode (0 threads). A rendezvous socket is watched by one listener at a time (its
//! read claim). A layer above can act on each accepted connection with an accept hook
//! ([`Listener::set_on_accept`]). Thousands of pending connections are accepted in turns of at
//! most 256 per socket. When the process runs out of descriptors (EMFILE, ENFILE) or
//! memory, the error is logged and counted, that socket rests for 100 ms (the pending
//! connection waits in the kernel's backlog), and accepting resumes: no busy loop, no crash.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::address;
use super::connection::{CloseReason, Connection, ConnectionKind};
use super::error::{Error, ErrorKind, Result};
use super::event_loop::{EventLoop, LoopSet, inline_body, new_loop, pump_inline};
use super::log::LogLevel;
use super::manager::Manager;
use super::queued::Queued;
use super::read_side::ReadOwner;
use super::reader::Reader;
use super::settings::{Lifecycle, check_threads};
use super::stats;

/// Runs on the accept thread for each accepted connection (after a reader set with
/// [`Listener::set_reader`] took it); returns whether the connection also goes to the
/// engine's queue (`false`: the hook took it, as a message-layer server does).
pub type AcceptHook = Arc<dyn Fn(&NewConnection) -> bool + Send + Sync>;

const ACCEPTS_PER_TURN: usize = 256;
/// How long a rendezvous socket rests after running out of descriptors.
pub const EXHAUSTED_PAUSE: Duration = Duration::from_millis(100);

/// A connection the listener accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewConnection {
    /// The rendezvous socket it arrived on.
    pub rendezvous: u64,
    /// The new connection's id.
    pub conn: u64,
    /// The peer's address.
    pub peer: SocketAddr,
}

/// Counters of one listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Accept failures for lack of descriptors or memory (each followed by a pause).
    pub exhausted: u64,
    /// Other accept failures (the connection was aborted by the peer, ...).
    pub accept_errors: u64,
    /// Accepted connections waiting to be taken.
    pub queue_size: u64,
}

enum Ctl {
    Add(Arc<Connection>),
    Remove(u64),
    Stop,
}

struct Inner {
    manager: Manager,
    queue: Queued<NewConnection>,
    available: Condvar,
    loops: LoopSet<Ctl>,
    inline: Option<Mutex<AcceptLoop>>,
    reader: Mutex<Option<Reader>>,
    on_accept: Mutex<Option<AcceptHook>>,
    life: Lifecycle,
    threads: usize,
    accepted: AtomicU64,
    exhausted: AtomicU64,
    accept_errors: AtomicU64,
}

/// A listener: see the module documentation. Clones share the same listener.
#[derive(Clone)]
pub struct Listener {
    inner: Arc<Inner>,
}

struct AcceptLoop {
    inner: Weak<Inner>,
    lp: EventLoop<Ctl>,
    owner: ReadOwner,
    sockets: HashMap<u64, Arc<Connection>>,
    ready: VecDeque<u64>,
    /// Sockets resting after descriptor exhaustion, each with a timer on the loop.
    resting: HashSet<u64>,
}

fn exhausted(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

impl AcceptLoop {
    fn release_all(&mut self) {
        for (_, c) in self.sockets.drain() {
            c.deregister(self.lp.registry());
            c.read_side().release(self.owner);
        }
    }

    fn turn(&mut self, timeout: Option<Duration>) -> bool {
        if !self.control() {
            return false;
        }
        let timeout = if self.ready.is_empty() {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        let _ = self.lp.wait(timeout);
        let ids: Vec<u64> = self.lp.ready().map(|e| e.token().0 as u64).collect();
        self.ready.extend(ids);
        let now = Instant::now();
        while let Some(id) = self.lp.due_timer(now) {
            self.resting.remove(&id);
            self.ready.push_back(id);
        }
        let Some(inner) = self.inner.upgrade() else {
            self.release_all();
            return false;
        };
        let ready: Vec<u64> = self.ready.drain(..).collect();
        let mut again = Vec::new();
        for id in ready {
            if self.resting.contains(&id) {
                continue;
            }
            let Some(sock) = self.sockets.get(&id).cloned() else {
                continue;
            };
            if sock.is_closed() {
                self.sockets.remove(&id);
                inner.loops.forget(id);
                continue;
            }
            if !sock.read_side().is_owned_by(self.owner) {
                self.sockets.remove(&id);
                continue;
            }
            match accept_some(&inner, &sock) {
                Accepted::Drained => {}
                Accepted::More => again.push(id),
                Accepted::Exhausted => {
                    self.resting.insert(id);
                    self.lp.add_timer(Instant::now() + EXHAUSTED_PAUSE, id);
                }
            }
        }
        self.ready.extend(again);
        true
    }

    /// Handles control messages; false on Stop.
    fn control(&mut self) -> bool {
        while let Ok(msg) = self.lp.rx.try_recv() {
            match msg {
                Ctl::Add(c) => {
                    self.ready.push_back(c.id());
                    self.sockets.insert(c.id(), c);
                }
                Ctl::Remove(id) => {
                    self.sockets.remove(&id);
                }
                Ctl::Stop => {
                    self.release_all();
                    return false;
                }
            }
        }
        true
    }
}

enum Accepted {
    Drained,
    More,
    Exhausted,
}

fn accept_some(inner: &Inner, sock: &Connection) -> Accepted {
    for _ in 0..ACCEPTS_PER_TURN {
        match sock.accept() {
            Ok((s, peer)) => {
                let Some(peer) = peer else {
                    continue;
                };
                match inner.manager.adopt_tcp_stream(s, peer) {
                    Ok(id) => {
                        stats::add(&inner.accepted, 1);
                        accepted(
                            inner,
                            NewConnection {
                                rendezvous: sock.id(),
                                conn: id,
                                peer: address::canonical(peer),
                            },
                        );
                    }
                    Err(e) => {
                        stats::add(&inner.accept_errors, 1);
                        inner.manager.log(LogLevel::Warn, || {
                            format!("accepted socket from {peer} could not be registered: {e}")
                        });
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Accepted::Drained,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if exhausted(&e) => {
                stats::add(&inner.exhausted, 1);
                inner.manager.log(LogLevel::Warn, || {
                    format!(
                        "accept on connection {} failed: {e}; pausing {EXHAUSTED_PAUSE:?}",
                        sock.id()
                    )
                });
                return Accepted::Exhausted;
            }
            Err(e) => {
                // ECONNABORTED and friends concern one connection: skip it.
                stats::add(&inner.accept_errors, 1);
                inner.manager.log(LogLevel::Debug, || {
                    format!("accept on connection {} failed: {e}", sock.id())
                });
            }
        }
    }
    Accepted::More
}

/// Hands an accepted connection on: to the auto-add reader, to the accept hook, and (unless
/// the hook took it) to the engine's queue.
fn accepted(inner: &Inner, new: NewConnection) {
    let id = new.conn;
    let reader = inner
        .reader
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(r) = reader
        && let Err(e) = r.add_connection(id)
    {
        inner.manager.log(LogLevel::Warn, || {
            format!("accepted connection {id} not added to the reader: {e}")
        });
    }
    let hook = inner
        .on_accept
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if hook.is_some_and(|h| !h(&new)) {
        return;
    }
    if inner.queue.push(new).is_err() {
        // Panda3D's QueuedConnectionListener drops it too. The peer learns at once, the
        // engine from the overflow flag and from the close on the reset queue.
        inner.manager.log(LogLevel::Warn, || {
            format!("listener queue full: accepted connection {id} closed")
        });
        if let Ok(conn) = inner.manager.connection(id) {
            conn.close(
                CloseReason::LocalClose,
                0,
                "refused: the listener's queue of accepted connections is full",
            );
        }
        return;
    }
    inner.available.notify_all();
}

impl Listener {
    /// A listener with `threads` accept threads (0: polling mode).
    pub fn new(manager: &Manager, threads: usize) -> Result<Listener> {
        check_threads(threads, 64, "listener")?;
        let owner = ReadOwner::new("listener");
        let mut handles = Vec::new();
        let mut bodies = Vec::new();
        for _ in 0..threads.max(1) {
            let (handle, lp) = new_loop("listener", 64)?;
            handles.push(handle);
            bodies.push(AcceptLoop {
                inner: Weak::new(),
                lp,
                owner,
                sockets: HashMap::new(),
                ready: VecDeque::new(),
                resting: HashSet::new(),
            });
        }
        let inline = inline_body(&mut bodies, threads);
        let inner = Arc::new(Inner {
            manager: manager.clone(),
            queue: Queued::new(),
            available: Condvar::new(),
            loops: LoopSet::new(handles, owner),
            inline,
            reader: Mutex::new(None),
            on_accept: Mutex::new(None),
            life: Lifecycle::new("listener"),
            threads,
            accepted: AtomicU64::new(0),
            exhausted: AtomicU64::new(0),
            accept_errors: AtomicU64::new(0),
        });
        if let Some(l) = &inner.inline {
            l.lock().unwrap_or_else(|p| p.into_inner()).inner = Arc::downgrade(&inner);
        }
        for (i, mut body) in bodies.into_iter().enumerate() {
            body.inner = Arc::downgrade(&inner);
            inner.loops.loops[i].spawn(format!("gamenet-listener-{i}"), move || {
                while body.turn(None) {}
            })?;
        }
        Ok(Listener { inner })
    }

    /// Adds every connection accepted from now on to `reader` (`None`: stop doing so).
    ///
    /// A reader of another manager is refused (`InvalidArgument`): it could not read the
    /// connections this listener's manager accepts.
    pub fn set_reader(&self, reader: Option<Reader>) -> Result<()> {
        if let Some(r) = &reader
            && !r.manager().is_same(&self.inner.manager)
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "the reader belongs to another manager: it could not read the connections \
                 this listener accepts",
            ));
        }
        *self.inner.reader.lock().unwrap_or_else(|p| p.into_inner()) = reader;
        Ok(())
    }

    /// Runs `hook` for each connection accepted from now on (`None`: no hook); see
    /// [`AcceptHook`]. It runs on the accept thread (the caller's thread in polling mode).
    pub fn set_on_accept(&self, hook: Option<AcceptHook>) {
        *self
            .inner
            .on_accept
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = hook;
    }

    /// Starts accepting on rendezvous connection `id`; one listener at a time may watch it.
    pub fn add_connection(&self, id: u64) -> Result<()> {
        self.inner.life.check_open()?;
        let conn = self.inner.manager.connection(id)?;
        if conn.kind() != ConnectionKind::TcpRendezvous {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!("connection {id} is not a rendezvous (listening) socket"),
            ));
        }
        self.inner.loops.watch(conn, || None, Ctl::Add)
    }

    /// Stops accepting on rendezvous connection `id` (it stays open).
    pub fn remove_connection(&self, id: u64) -> Result<()> {
        let conn = self.inner.manager.connection(id).ok();
        self.inner.loops.unwatch(id, conn, Ctl::Remove)
    }

    fn lock_queue(&self) -> MutexGuard<'_, VecDeque<NewConnection>> {
        self.inner.queue.lock()
    }

    /// Bounds the queue of accepted connections (at least 1; default
    /// [`DEFAULT_MAX_QUEUED`](super::queued::DEFAULT_MAX_QUEUED), Panda3D's). A connection
    /// accepted while it is full is closed (reason `LocalClose`, reported on the reset
    /// queue) and the overflow flag goes up.
    pub fn set_max_queue_size(&self, n: usize) -> Result<()> {
        self.inner.queue.set_max(n)
    }

    /// The bound of the queue of accepted connections.
    pub fn max_queue_size(&self) -> usize {
        self.inner.queue.max()
    }

    /// Accepted connections waiting to be taken.
    pub fn current_queue_size(&self) -> usize {
        self.inner.queue.len()
    }

    /// Whether an accepted connection was closed for a full queue since the flag was
    /// last reset.
    pub fn overflow_flag(&self) -> bool {
        self.inner.queue.overflow()
    }

    /// Lowers the overflow flag.
    pub fn reset_overflow_flag(&self) {
        self.inner.queue.reset_overflow()
    }

    /// The accept threads (0: polling mode).
    pub fn num_threads(&self) -> usize {
        self.inner.threads
    }

    fn pump(&self, timeout: Option<Duration>) {
        pump_inline(&self.inner.inline, timeout, AcceptLoop::turn);
    }

    /// Whether an accepted connection is waiting (polling mode accepts first).
    pub fn new_connection_available(&self) -> bool {
        if !self.lock_queue().is_empty() {
            return true;
        }
        self.pump(Some(Duration::ZERO));
        !self.lock_queue().is_empty()
    }

    /// Waits up to `timeout` for an accepted connection.
    pub fn poll(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if self.new_connection_available() {
                return true;
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) || self.inner.life.is_closed() {
                return false;
            }
            let step = left.map_or(Duration::from_millis(100), |l| {
                l.min(Duration::from_millis(100))
            });
            if self.inner.inline.is_some() {
                self.pump(Some(step));
            } else {
                let q = self.lock_queue();
                if q.is_empty() {
                    let _ = self.inner.available.wait_timeout(q, step);
                }
            }
        }
    }

    /// Takes the oldest accepted connection.
    pub fn get_new_connection(&self) -> Option<NewConnection> {
        if let Some(c) = self.lock_queue().pop_front() {
            return Some(c);
        }
        self.pump(Some(Duration::ZERO));
        self.lock_queue().pop_front()
    }

    /// The counters.
    pub fn stats(&self) -> ListenerStats {
        ListenerStats {
            accepted: stats::get(&self.inner.accepted),
            exhausted: stats::get(&self.inner.exhausted),
            accept_errors: stats::get(&self.inner.accept_errors),
            queue_size: self.lock_queue().len() as u64,
        }
    }

    /// Stops the accept threads (bounded: they never wait on a peer). Connections stay open.
    pub fn shutdown(&self) {
        if !self.inner.life.close() {
            return;
        }
        self.inner.loops.stop(|| Ctl::Stop);
        if let Some(l) = &self.inner.inline {
            l.lock().unwrap_or_else(|p| p.into_inner()).release_all();
        }
        self.inner.available.notify_all();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.loops.broadcast(|| Ctl::Stop);
    }
}
