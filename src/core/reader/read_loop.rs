//! One reader loop: the connections it watches, which of them are ready, which wait for
//! room, and the turn that reads each ready connection once (`ingest.rs` does the reading).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::super::connection::Connection;
use super::super::event_loop::EventLoop;
use super::super::log::LogLevel;
use super::super::read_side::ReadOwner;
use super::Inner;
use super::ingest::{LoopIo, Outcome, read_conn};

/// Messages to a reader loop.
pub(super) enum Ctl {
    Add(Arc<Connection>),
    Remove(u64),
    /// The engine made room in the queue: parked connections may go on.
    Room,
    Stop,
}

pub(super) struct ReadLoop {
    pub(super) inner: Weak<Inner>,
    lp: EventLoop<Ctl>,
    owner: ReadOwner,
    conns: HashMap<u64, Arc<Connection>>,
    ready: VecDeque<u64>,
    in_ready: HashSet<u64>,
    /// Connections whose decoded datagrams wait for room, in the order they go on: one
    /// that got no room at all goes first next time, so a flood that fills the queue at
    /// every turn cannot keep a quiet peer out.
    parked: VecDeque<u64>,
    /// The engine made room: the parked connections go on this turn.
    room: bool,
    /// The last turn had events (a loop thread then watches without sleeping for a
    /// moment: the next datagram of an exchange often follows within microseconds).
    pub(super) active: bool,
    /// The last turn's events, kept to reuse the allocation.
    events: Vec<(u64, bool)>,
    /// Polling mode: the caller's thread runs this loop (see `turn`'s direct read).
    pub(super) inline: bool,
    pub(super) io: LoopIo,
}

impl ReadLoop {
    pub(super) fn new(lp: EventLoop<Ctl>, owner: ReadOwner) -> Self {
        ReadLoop {
            inner: Weak::new(),
            lp,
            owner,
            conns: HashMap::new(),
            ready: VecDeque::new(),
            in_ready: HashSet::new(),
            parked: VecDeque::new(),
            room: false,
            active: false,
            events: Vec::new(),
            inline: false,
            io: LoopIo::new(),
        }
    }

    /// Whether a connection is known to be ready (the next turn must not wait).
    pub(super) fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    fn mark_ready(&mut self, id: u64) {
        if self.in_ready.insert(id) {
            self.ready.push_back(id);
        }
    }

    /// Forgets a closed connection.
    fn drop_closed(&mut self, id: u64) {
        if let Some(c) = self.conns.remove(&id) {
            c.deregister(self.lp.registry());
        }
        if let Some(inner) = self.inner.upgrade() {
            inner.loops.forget(id);
        }
    }

    /// Stops watching everything and releases the read claims (shutdown).
    pub(super) fn release_all(&mut self) {
        for (_, c) in self.conns.drain() {
            c.deregister(self.lp.registry());
            c.read_side().release(self.owner);
        }
    }

    /// Handles control messages; false on Stop.
    fn control(&mut self) -> bool {
        while let Ok(msg) = self.lp.rx.try_recv() {
            match msg {
                Ctl::Add(conn) => {
                    let id = conn.id();
                    self.conns.insert(id, conn);
                    // Data that arrived before registration is read without waiting.
                    self.mark_ready(id);
                }
                Ctl::Remove(id) => {
                    self.conns.remove(&id);
                }
                // Parked connections go on after the fresh ones of this turn (see `turn`).
                Ctl::Room => self.room = true,
                Ctl::Stop => {
                    self.release_all();
                    return false;
                }
            }
        }
        true
    }

    /// One turn: control messages, readiness (waiting up to `timeout` when nothing is
    /// known to be ready), then the ready connections. False when the loop must stop.
    pub(super) fn turn(&mut self, timeout: Option<Duration>) -> bool {
        if !self.control() {
            return false;
        }
        // A look without waiting, on the caller's thread, at a loop that watches one
        // connection reads it directly: one system call instead of epoll's and then the
        // read's (busy-polling for an answer does this at every look). Edge-triggered
        // readiness stays correct: epoll may later report what was read here, and that
        // read finds nothing. (A loop thread keeps epoll: reading directly there measured
        // slower and erratic, its looks competing with the engine's thread for a core.)
        if self.inline
            && timeout == Some(Duration::ZERO)
            && self.conns.len() == 1
            && self.ready.is_empty()
            && self.parked.is_empty()
            && !self.room
        {
            let id = *self.conns.keys().next().expect("one connection");
            self.mark_ready(id);
            return self.read_ready(true);
        }
        // Known work (ready connections, or room for the parked ones): do not sleep.
        let timeout = if self.ready.is_empty() && !self.room {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        if let Err(e) = self.lp.wait(timeout)
            && let Some(inner) = self.inner.upgrade()
        {
            inner
                .manager
                .log(LogLevel::Error, || format!("reader poll failed: {e}"));
        }
        let mut ids = std::mem::take(&mut self.events);
        ids.clear();
        ids.extend(
            self.lp
                .ready()
                .map(|e| (e.token().0 as u64, e.is_read_closed() || e.is_error())),
        );
        self.active = !ids.is_empty();
        if !self.control() {
            return false;
        }
        for &(id, gone) in &ids {
            self.mark_ready(id);
            if gone && let Some(c) = self.conns.get(&id) {
                c.read_side().peer_gone = true;
            }
        }
        self.events = ids;
        // Connections that waited for room are read after those that just became ready:
        // a datagram of a quiet peer never waits behind a share the flooder refills in the
        // same turn.
        if std::mem::take(&mut self.room) {
            for id in std::mem::take(&mut self.parked) {
                self.mark_ready(id);
            }
        }
        self.read_ready(false)
    }

    /// Reads each connection ready now once (those with more wait for the next turn,
    /// behind the others), then looks again at the parked ones. `direct`: the connections
    /// were read without readiness, and the loop counts as active only if data came.
    fn read_ready(&mut self, direct: bool) -> bool {
        let Some(inner) = self.inner.upgrade() else {
            self.release_all();
            return false;
        };
        let udp_before = self.io.read_count;
        let mut got = false;
        for _ in 0..self.ready.len() {
            let Some(id) = self.ready.pop_front() else {
                break;
            };
            self.in_ready.remove(&id);
            let Some(conn) = self.conns.get(&id).cloned() else {
                continue;
            };
            let outcome = read_conn(&inner, self.owner, &conn, &mut self.io);
            got |= self.io.pushed > 0;
            match outcome {
                Outcome::MoreToRead => self.mark_ready(id),
                Outcome::Blocked => {
                    let full = inner.inbox.is_full();
                    inner.inbox.paused(full);
                    let mark = inner.inbox.resume_mark(inner.loops.count() > 1);
                    if !full && conn.read_side().tally().park(mark) {
                        // Below its mark already: nobody will wake it, go on now.
                        self.mark_ready(id);
                    } else if self.io.pushed == 0 {
                        self.parked.push_front(id);
                    } else {
                        self.parked.push_back(id);
                    }
                }
                Outcome::Close(pc) => {
                    conn.close(pc.reason, pc.os_error, &pc.message);
                    self.drop_closed(id);
                }
                Outcome::Gone => self.drop_closed(id),
                Outcome::NotMine => {
                    self.conns.remove(&id);
                }
                Outcome::Drained => {}
            }
        }
        // A wake-up for room may have come and gone while the connections were reading:
        // look again at each parked connection that could queue something now.
        if !self.parked.is_empty() {
            // A parked connection goes on when the queue has room and it holds less than
            // its mark (a recent-only reader never parks).
            let full = inner.inbox.is_full();
            let mark = inner.inbox.resume_mark(inner.loops.count() > 1);
            let parked = std::mem::take(&mut self.parked);
            for id in parked {
                let room = self
                    .conns
                    .get(&id)
                    .is_none_or(|c| !full && c.read_side().queued() < mark);
                if room {
                    self.mark_ready(id);
                } else {
                    self.parked.push_back(id);
                }
            }
        }
        if direct {
            self.active = got || self.io.read_count != udp_before;
        }
        true
    }
}

/// Datagrams per burst (the turns until the sockets are drained) from which a loop thread
/// treats the traffic as a stream.
const STREAM_TURN: usize = 8;
/// How long a loop thread naps between turns under a stream.
const STREAM_NAP: Duration = Duration::from_micros(50);

/// A loop thread's life: turns until stopped. Under a steady UDP stream (several datagrams
/// a burst), it naps briefly instead of blocking in epoll: the next datagrams then arrive
/// without a wake-up, which the sender's system call would otherwise pay for each packet.
/// TCP comes in large reads and never naps (napping there measured slower). After a turn
/// that saw a datagram, the thread watches without sleeping for the reader's busy-poll
/// time (yielding its core between looks): the answer in a request/response exchange
/// then costs no wake-up, which on these machines is most of a round trip.
pub(super) fn run_loop(mut body: ReadLoop) {
    let mut timeout = None;
    let mut burst = 0;
    let mut spin_until: Option<Instant> = None;
    while body.turn(timeout) {
        burst += std::mem::take(&mut body.io.read_count);
        if body.has_ready() {
            timeout = Some(Duration::ZERO);
            continue;
        }
        if std::mem::take(&mut body.active) {
            spin_until = body
                .inner
                .upgrade()
                .map(|i| Instant::now() + i.inbox.busy_poll());
        }
        timeout = if burst >= STREAM_TURN {
            std::thread::sleep(STREAM_NAP);
            Some(Duration::ZERO)
        } else if spin_until.is_some_and(|t| Instant::now() < t) {
            std::thread::yield_now();
            Some(Duration::ZERO)
        } else {
            spin_until = None;
            None
        };
        burst = 0;
    }
}
