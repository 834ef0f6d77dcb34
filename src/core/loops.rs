//! What the reader and the listener share: a set of event loops (each a mio poll with a
//! control channel and a waker, run by a thread or inline by the caller), and the record
//! of which loop watches which connection.

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, unbounded};
use mio::unix::SourceFd;
use mio::{Interest, Poll, Registry, Token, Waker};

use super::connection::Connection;
use super::error::{Error, ErrorKind, Result};

/// The token of every loop's waker; connection ids are never 0.
pub(crate) const WAKE: Token = Token(0);

/// Polling mode: runs one turn of the caller-driven loop on this thread. A zero timeout
/// skips the turn when another thread is running it.
pub(crate) fn pump_inline<L>(
    inline: &Option<Mutex<L>>,
    timeout: Option<std::time::Duration>,
    turn: impl FnOnce(&mut L, Option<std::time::Duration>) -> bool,
) {
    if let Some(l) = inline {
        let guard = if timeout == Some(std::time::Duration::ZERO) {
            l.try_lock().ok()
        } else {
            Some(l.lock().unwrap_or_else(|p| p.into_inner()))
        };
        if let Some(mut g) = guard {
            turn(&mut g, timeout);
        }
    }
}

/// One loop as the other threads see it.
pub(crate) struct LoopHandle<C> {
    ctl: Sender<C>,
    waker: Arc<Waker>,
    registry: Registry,
    pub(crate) join: Mutex<Option<JoinHandle<()>>>,
    watched: AtomicUsize,
}

impl<C> LoopHandle<C> {
    /// A handle for a new poll, and the receiving end of its control channel.
    pub(crate) fn new(what: &str) -> Result<(Self, Poll, Receiver<C>)> {
        let poll = Poll::new().map_err(|e| Error::io(format!("create {what} poll"), &e))?;
        let waker = Arc::new(
            Waker::new(poll.registry(), WAKE)
                .map_err(|e| Error::io(format!("create {what} waker"), &e))?,
        );
        let registry = poll
            .registry()
            .try_clone()
            .map_err(|e| Error::io("clone poll registry", &e))?;
        let (tx, rx) = unbounded();
        let handle = LoopHandle {
            ctl: tx,
            waker,
            registry,
            join: Mutex::new(None),
            watched: AtomicUsize::new(0),
        };
        Ok((handle, poll, rx))
    }

    /// Sends a control message and wakes the loop.
    pub(crate) fn send(&self, msg: C) {
        // The receiver lives as long as the loop; a message after it stopped changes nothing.
        let _ = self.ctl.send(msg);
        let _ = self.waker.wake();
    }

    fn join_thread(&self) {
        if let Some(j) = self.join.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = j.join();
        }
    }
}

/// Loops and the connections assigned to them.
pub(crate) struct LoopSet<C> {
    pub(crate) loops: Vec<LoopHandle<C>>,
    assigned: Mutex<HashMap<u64, usize>>,
    owner: &'static str,
}

impl<C> LoopSet<C> {
    pub(crate) fn new(loops: Vec<LoopHandle<C>>, owner: &'static str) -> Self {
        LoopSet {
            loops,
            assigned: Mutex::new(HashMap::new()),
            owner,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, usize>> {
        self.assigned.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives `conn` to the least busy loop: the loop receives `add(conn)` before epoll can
    /// report the socket, so no readiness is lost.
    pub(crate) fn watch(
        &self,
        conn: Arc<Connection>,
        add: impl FnOnce(Arc<Connection>) -> C,
    ) -> Result<()> {
        let id = conn.id();
        let mut assigned = self.lock();
        if assigned.contains_key(&id) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("connection {id} is already on this {}", self.owner),
            ));
        }
        let (idx, lp) = self
            .loops
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| l.watched.load(Ordering::Relaxed))
            .expect("a loop set has at least one loop");
        let fd = conn.socket().as_raw_fd();
        lp.send(add(conn));
        lp.registry
            .register(&mut SourceFd(&fd), Token(id as usize), Interest::READABLE)
            .map_err(|e| Error::io(format!("watch connection {id}"), &e))?;
        lp.watched.fetch_add(1, Ordering::Relaxed);
        assigned.insert(id, idx);
        Ok(())
    }

    /// Stops watching connection `id` (`conn` when it is still open); its loop receives
    /// `remove(id)`.
    pub(crate) fn unwatch(
        &self,
        id: u64,
        conn: Option<Arc<Connection>>,
        remove: impl FnOnce(u64) -> C,
    ) -> Result<()> {
        let idx = self.lock().remove(&id).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownConnection,
                format!("connection {id} is not on this {}", self.owner),
            )
        })?;
        let lp = &self.loops[idx];
        if let Some(c) = conn {
            let fd = c.socket().as_raw_fd();
            let _ = lp.registry.deregister(&mut SourceFd(&fd));
        }
        lp.watched.fetch_sub(1, Ordering::Relaxed);
        lp.send(remove(id));
        Ok(())
    }

    /// Forgets `id` after its loop dropped it (the connection closed).
    pub(crate) fn forget(&self, id: u64) {
        if let Some(idx) = self.lock().remove(&id) {
            self.loops[idx].watched.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn contains(&self, id: u64) -> bool {
        self.lock().contains_key(&id)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Sends `msg()` to every loop.
    pub(crate) fn broadcast(&self, msg: impl Fn() -> C) {
        for l in &self.loops {
            l.send(msg());
        }
    }

    /// Stops every loop with `stop()`, waits for their threads, forgets every connection.
    pub(crate) fn stop(&self, stop: impl Fn() -> C) {
        self.broadcast(stop);
        for l in &self.loops {
            l.join_thread();
        }
        self.lock().clear();
    }
}
