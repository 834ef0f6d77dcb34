//! The one event loop under every loop of the core: a mio `Poll` with a waker, a control
//! channel and a timer heap ([`EventLoop`], run by its own thread or inline by the caller),
//! and the handle other threads use to reach it ([`LoopHandle`]). Reader loops, accept
//! loops and writer shards are its users; the pike-style poller will be the next.
//!
//! [`LoopSet`] is a set of loops that watch connections for one consumer (a reader or a
//! listener): it takes the connection's read claim, so a connection is read by at most one
//! consumer, and records which loop watches it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use mio::event::Event;
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use super::connection::Connection;
use super::error::{Error, ErrorKind, Result};
use super::framing::Decoder;
use super::read_side::ReadOwner;

/// The token of every loop's waker; connection ids are never 0.
pub(crate) const WAKE: Token = Token(0);

/// One loop as other threads see it: its control channel, waker and registry.
pub(crate) struct LoopHandle<C> {
    ctl: Sender<C>,
    waker: Arc<Waker>,
    registry: Registry,
    /// Set while the loop blocks in `poll`: only then does a message need the waker.
    sleeping: Arc<AtomicBool>,
    join: Mutex<Option<JoinHandle<()>>>,
    watched: AtomicUsize,
}

/// The loop itself: see the module documentation. `K` names what a timer is for.
pub(crate) struct EventLoop<C, K: Ord + Copy = u64> {
    poll: Poll,
    pub(crate) events: Events,
    pub(crate) rx: Receiver<C>,
    sleeping: Arc<AtomicBool>,
    timers: BinaryHeap<Reverse<(Instant, K)>>,
}

/// A new loop for `what` ("reader", ...) with room for `capacity` events a turn, and its
/// handle.
pub(crate) fn new_loop<C, K: Ord + Copy>(
    what: &str,
    capacity: usize,
) -> Result<(LoopHandle<C>, EventLoop<C, K>)> {
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
    let sleeping = Arc::new(AtomicBool::new(false));
    let handle = LoopHandle {
        ctl: tx,
        waker,
        registry,
        sleeping: sleeping.clone(),
        join: Mutex::new(None),
        watched: AtomicUsize::new(0),
    };
    let lp = EventLoop {
        poll,
        events: Events::with_capacity(capacity),
        rx,
        sleeping,
        timers: BinaryHeap::new(),
    };
    Ok((handle, lp))
}

impl<C> LoopHandle<C> {
    /// Sends a control message, waking the loop when it sleeps.
    pub(crate) fn send(&self, msg: C) {
        // The receiver lives as long as the loop; a message after it stopped changes nothing.
        let _ = self.ctl.send(msg);
        if self.sleeping.swap(false, Ordering::SeqCst) {
            let _ = self.waker.wake();
        }
    }

    /// Runs `body` on a new thread named `name`, joined by [`LoopHandle::join`].
    pub(crate) fn spawn(&self, name: String, body: impl FnOnce() + Send + 'static) -> Result<()> {
        let h = std::thread::Builder::new()
            .name(name)
            .spawn(body)
            .map_err(|e| Error::io("spawn a gamenet thread", &e))?;
        *self.join.lock().unwrap_or_else(|p| p.into_inner()) = Some(h);
        Ok(())
    }

    /// Waits for the loop's thread, if it has one. Called on that thread itself (a log
    /// callback or a sink that shuts its reader, listener or writer down), it does not wait:
    /// the loop ends by itself when the callback returns, at its next control message.
    pub(crate) fn join(&self) {
        let mut slot = self.join.lock().unwrap_or_else(|p| p.into_inner());
        if slot
            .as_ref()
            .is_some_and(|j| j.thread().id() == std::thread::current().id())
        {
            return;
        }
        if let Some(j) = slot.take() {
            drop(slot);
            let _ = j.join();
        }
    }
}

impl<C, K: Ord + Copy> EventLoop<C, K> {
    pub(crate) fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// Waits for readiness up to `timeout` (`None`: until something happens), or less when
    /// a timer is due sooner; a control message ends the wait. The events are in
    /// `self.events` (see [`EventLoop::ready`]). A failed poll is returned after a short
    /// pause, so that a broken poll never spins.
    pub(crate) fn wait(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let mut timeout = timeout;
        if let Some(Reverse((at, _))) = self.timers.peek() {
            let d = at.saturating_duration_since(Instant::now());
            timeout = Some(timeout.map_or(d, |t| t.min(d)));
        }
        let sleeps = timeout != Some(Duration::ZERO);
        if sleeps {
            self.sleeping.store(true, Ordering::SeqCst);
            if !self.rx.is_empty() {
                self.sleeping.store(false, Ordering::SeqCst);
                timeout = Some(Duration::ZERO);
            }
        }
        let r = self.poll.poll(&mut self.events, timeout);
        if sleeps {
            self.sleeping.store(false, Ordering::SeqCst);
        }
        match r {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                std::thread::sleep(Duration::from_millis(10));
                Err(e)
            }
            _ => Ok(()),
        }
    }

    /// The events of the last wait, without the waker's.
    pub(crate) fn ready(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| e.token() != WAKE)
    }

    /// Arms a timer for `key` at `at`.
    pub(crate) fn add_timer(&mut self, at: Instant, key: K) {
        self.timers.push(Reverse((at, key)));
    }

    /// The next timer that is due now, if any.
    pub(crate) fn due_timer(&mut self, now: Instant) -> Option<K> {
        match self.timers.peek() {
            Some(Reverse((at, _))) if *at <= now => self.timers.pop().map(|Reverse((_, k))| k),
            _ => None,
        }
    }

    /// Drops every timer.
    pub(crate) fn clear_timers(&mut self) {
        self.timers.clear();
    }
}

/// The loop that polling mode (0 threads) runs on the caller's thread: the one body made
/// for it, taken out of `bodies`; `None` when the bodies get threads.
pub(crate) fn inline_body<L>(bodies: &mut Vec<L>, threads: usize) -> Option<Mutex<L>> {
    if threads == 0 {
        bodies.pop().map(Mutex::new)
    } else {
        None
    }
}

/// Polling mode: runs one turn of the caller-driven loop on this thread. A zero timeout
/// skips the turn when another thread is running it.
pub(crate) fn pump_inline<L>(
    inline: &Option<Mutex<L>>,
    timeout: Option<Duration>,
    turn: impl FnOnce(&mut L, Option<Duration>) -> bool,
) {
    if let Some(l) = inline {
        let guard = if timeout == Some(Duration::ZERO) {
            l.try_lock().ok()
        } else {
            Some(l.lock().unwrap_or_else(|p| p.into_inner()))
        };
        if let Some(mut g) = guard {
            turn(&mut g, timeout);
        }
    }
}

/// Loops that watch connections for one consumer, and which loop watches which.
pub(crate) struct LoopSet<C> {
    pub(crate) loops: Vec<LoopHandle<C>>,
    assigned: Mutex<HashMap<u64, usize>>,
    /// `assigned.len()`, readable without the lock.
    count: AtomicUsize,
    owner: ReadOwner,
}

impl<C> LoopSet<C> {
    pub(crate) fn new(loops: Vec<LoopHandle<C>>, owner: ReadOwner) -> Self {
        LoopSet {
            loops,
            assigned: Mutex::new(HashMap::new()),
            count: AtomicUsize::new(0),
            owner,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, usize>> {
        self.assigned.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes `id` from the record; the loop it was on, if any.
    fn take(&self, id: u64) -> Option<usize> {
        let mut assigned = self.lock();
        let idx = assigned.remove(&id);
        self.count.store(assigned.len(), Ordering::Relaxed);
        idx
    }

    /// How many connections are watched here, without taking the lock.
    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Claims `conn`'s read side (refused when another consumer reads it; `decoder` makes
    /// a decoder with this consumer's framing) and gives it to the least busy loop: the
    /// loop receives `add(conn)` before epoll can report the socket, so no readiness is
    /// lost.
    pub(crate) fn watch(
        &self,
        conn: Arc<Connection>,
        decoder: impl FnOnce() -> Option<Decoder>,
        add: impl FnOnce(Arc<Connection>) -> C,
    ) -> Result<()> {
        let id = conn.id();
        let mut assigned = self.lock();
        conn.read_side().claim(id, self.owner, decoder)?;
        let (idx, lp) = self
            .loops
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| l.watched.load(Ordering::Relaxed))
            .expect("a loop set has at least one loop");
        lp.send(add(conn.clone()));
        if let Err(e) = conn.register(&lp.registry, Token(id as usize), Interest::READABLE) {
            conn.read_side().release(self.owner);
            return Err(Error::io(format!("watch connection {id}"), &e));
        }
        lp.watched.fetch_add(1, Ordering::Relaxed);
        assigned.insert(id, idx);
        self.count.store(assigned.len(), Ordering::Relaxed);
        Ok(())
    }

    /// Stops watching connection `id` (`conn` when it is still open) and releases its read
    /// claim; its loop receives `remove(id)`. A closed or unknown connection is an error
    /// (`UnknownConnection`), and forgotten here.
    pub(crate) fn unwatch(
        &self,
        id: u64,
        conn: Option<Arc<Connection>>,
        remove: impl FnOnce(u64) -> C,
    ) -> Result<()> {
        let idx = self.take(id);
        let what = self.owner.what();
        let (Some(idx), Some(c)) = (idx, conn.as_ref()) else {
            if let Some(idx) = idx {
                self.loops[idx].watched.fetch_sub(1, Ordering::Relaxed);
                self.loops[idx].send(remove(id));
            }
            let why = if conn.is_some() {
                format!("connection {id} is not on this {what}")
            } else {
                format!(
                    "connection {id} is closed (or was never opened); it is not on this {what} any more"
                )
            };
            return Err(Error::new(ErrorKind::UnknownConnection, why));
        };
        let lp = &self.loops[idx];
        c.deregister(&lp.registry);
        c.read_side().release(self.owner);
        lp.watched.fetch_sub(1, Ordering::Relaxed);
        lp.send(remove(id));
        Ok(())
    }

    /// Forgets `id` after its loop dropped it (the connection closed).
    pub(crate) fn forget(&self, id: u64) {
        if let Some(idx) = self.take(id) {
            self.loops[idx].watched.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Whether connection `id` is watched here.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.lock().contains_key(&id)
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
            l.join();
        }
        self.lock().clear();
        self.count.store(0, Ordering::Relaxed);
    }
}
