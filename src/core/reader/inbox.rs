//! The reader's inbox: the bounded queue the engine drains, its admission rules (TCP waits
//! with its connection when the queue is full; UDP is dropped and counted; a
//! RecentConnectionReader keeps only the latest), the condition variable a threaded
//! reader's engine waits on, and the reader's counters.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::super::connection::Connection;
use super::super::queue::{Block, BlockQueue, Tally};
use super::super::settings::DEFAULT_MAX_QUEUE;
use super::super::stats::{self, DropReason};
use super::DEFAULT_MAX_QUEUE_PER_CONNECTION;

/// How long `poll` watches for a datagram before it sleeps, by default.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);

/// Counters of one reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// Datagrams queued for the engine.
    pub datagrams: u64,
    /// Payload bytes queued.
    pub bytes: u64,
    /// Datagrams waiting in the queue now.
    pub queue_size: u64,
    /// UDP datagrams dropped because the queue was full.
    pub dropped_overflow: u64,
    /// UDP datagrams dropped for a bad checksum header.
    pub dropped_checksum: u64,
    /// UDP datagrams dropped for exceeding the maximum size.
    pub dropped_too_large: u64,
    /// Partial TCP datagrams lost because the peer closed in their middle.
    pub dropped_truncated: u64,
    /// Datagrams a RecentConnectionReader replaced with a newer one.
    pub replaced: u64,
    /// Times TCP reading paused because the queue was full.
    pub backpressure_pauses: u64,
    /// Connections currently watched.
    pub connections: u64,
}

pub(super) struct Inbox {
    pub(super) recent: bool,
    pub(super) max_queue: AtomicUsize,
    pub(super) max_per_conn: AtomicUsize,
    queue: Mutex<BlockQueue>,
    available: Condvar,
    waiters: AtomicUsize,
    /// Counts pushes, so that a waiting engine can spin briefly without the lock.
    pushes: AtomicUsize,
    pub(super) busy_poll_us: AtomicU64,
    /// Set by a loop that parked TCP data for lack of room; cleared by the engine's wake-up.
    starved: AtomicBool,
    overflowed: AtomicBool,
    datagrams: AtomicU64,
    bytes: AtomicU64,
    dropped_overflow: AtomicU64,
    dropped_checksum: AtomicU64,
    dropped_too_large: AtomicU64,
    dropped_truncated: AtomicU64,
    replaced: AtomicU64,
    pauses: AtomicU64,
}

impl Inbox {
    pub(super) fn new(recent: bool) -> Self {
        Inbox {
            recent,
            max_queue: AtomicUsize::new(DEFAULT_MAX_QUEUE),
            max_per_conn: AtomicUsize::new(DEFAULT_MAX_QUEUE_PER_CONNECTION),
            queue: Mutex::new(BlockQueue::default()),
            available: Condvar::new(),
            waiters: AtomicUsize::new(0),
            pushes: AtomicUsize::new(0),
            busy_poll_us: AtomicU64::new(SPIN_BEFORE_SLEEP.as_micros() as u64),
            starved: AtomicBool::new(false),
            overflowed: AtomicBool::new(false),
            datagrams: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            dropped_overflow: AtomicU64::new(0),
            dropped_checksum: AtomicU64::new(0),
            dropped_too_large: AtomicU64::new(0),
            dropped_truncated: AtomicU64::new(0),
            replaced: AtomicU64::new(0),
            pauses: AtomicU64::new(0),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, BlockQueue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    /// The share of one stream connection: its bound while `others` (more connections
    /// are watched), else the whole queue.
    pub(super) fn share(&self, others: bool) -> usize {
        if others {
            self.max_per_conn.load(Ordering::Relaxed)
        } else {
            usize::MAX
        }
    }

    /// The count below which a connection parked over its share goes on (half its share,
    /// so that each wake-up moves many datagrams).
    pub(super) fn resume_mark(&self, others: bool) -> usize {
        (self.share(others) / 2).max(1)
    }

    /// Whether the queue as a whole is full.
    pub(super) fn is_full(&self) -> bool {
        !self.recent && self.len() >= self.max_queue.load(Ordering::Relaxed)
    }

    /// Moves as many datagrams of `pending` into the queue as fit (in all, and within the
    /// connection's share, counted in `tally`, while `others` are watched); the rest stay,
    /// in order. Refills `spares` with emptied blocks while the lock is held. Returns how
    /// many datagrams were queued.
    pub(super) fn push_stream(
        &self,
        pending: &mut VecDeque<Block>,
        spares: &mut Vec<Block>,
        tally: &Tally,
        others: bool,
    ) -> usize {
        if pending.is_empty() {
            return 0;
        }
        let before: usize = pending.iter().map(Block::len).sum();
        let mut q = self.lock();
        let max = self.max_queue.load(Ordering::Relaxed);
        let share = self.share(others);
        while let Some(b) = pending.pop_front() {
            if self.recent {
                let replaced = q.push_keep_latest(b);
                stats::add(&self.replaced, replaced as u64);
                continue;
            }
            if let Some(rest) = q.push_shared(b, max, share, tally) {
                pending.push_front(rest);
                break;
            }
        }
        q.lend_spares(spares, 4);
        drop(q);
        self.notify();
        before - pending.iter().map(Block::len).sum::<usize>()
    }

    /// Queues the UDP datagrams of `b`; those that do not fit are dropped and counted.
    pub(super) fn push_datagrams(&self, b: Block, conn: &Connection, spares: &mut Vec<Block>) {
        let mut q = self.lock();
        let dropped = if self.recent {
            let replaced = q.push_keep_latest(b);
            stats::add(&self.replaced, replaced as u64);
            0
        } else {
            let max = self.max_queue.load(Ordering::Relaxed);
            q.push(b, max).map_or(0, |rest| rest.len())
        };
        q.lend_spares(spares, 4);
        drop(q);
        if dropped > 0 {
            self.count_drop(conn, DropReason::Overflow, dropped);
            self.overflowed.store(true, Ordering::Release);
        }
        self.notify();
    }

    fn notify(&self) {
        self.pushes.fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            // Taking the lock orders this notify after a waiter's check of the queue.
            drop(self.lock());
            self.available.notify_all();
        }
    }

    /// Wakes every engine thread waiting in `wait` (the reader shut down).
    pub(super) fn notify_all(&self) {
        self.available.notify_all();
    }

    /// Counts datagrams received on `conn`, here and on the connection.
    pub(super) fn count_in(&self, conn: &Connection, datagrams: usize, bytes: usize) {
        if datagrams == 0 {
            return;
        }
        stats::add(&self.datagrams, datagrams as u64);
        stats::add(&self.bytes, bytes as u64);
        conn.count_in(datagrams, bytes);
    }

    /// Counts dropped datagrams, here and on the connection.
    pub(super) fn count_drop(&self, conn: &Connection, why: DropReason, n: usize) {
        let c = match why {
            DropReason::Checksum => &self.dropped_checksum,
            DropReason::Overflow => &self.dropped_overflow,
            DropReason::TooLarge => &self.dropped_too_large,
            DropReason::Truncated => &self.dropped_truncated,
        };
        stats::add(c, n as u64);
        conn.count_drop(why, n);
    }

    /// A loop paused reading a connection for lack of room; when the whole queue is full,
    /// the engine's next take wakes the loops (a connection over its share is woken by its
    /// own tally instead).
    pub(super) fn paused(&self, queue_full: bool) {
        stats::add(&self.pauses, 1);
        if queue_full {
            self.starved.store(true, Ordering::SeqCst);
        }
    }

    /// Whether a loop waits for room (clears it).
    pub(super) fn take_starved(&self) -> bool {
        self.starved.swap(false, Ordering::SeqCst)
    }

    pub(super) fn take_overflow(&self) -> bool {
        self.overflowed.swap(false, Ordering::AcqRel)
    }

    pub(super) fn overflow_flag(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }

    pub(super) fn busy_poll(&self) -> Duration {
        Duration::from_micros(self.busy_poll_us.load(Ordering::Relaxed))
    }

    /// Threaded mode: waits until a datagram is queued, `deadline` passes or `closed()`
    /// says the reader shut down. Watches without sleeping for the busy-poll time first.
    pub(super) fn wait(&self, deadline: Option<Instant>, closed: impl Fn() -> bool) -> bool {
        // A datagram usually follows within microseconds in a game's request/response
        // exchange: watch for it briefly before paying for a sleep and a wake-up.
        let seen = self.pushes.load(Ordering::SeqCst);
        if self.len() == 0 {
            let spin_until = Instant::now() + self.busy_poll();
            // Each look yields the core: the thread that will push (a reader thread, or
            // the peer's) may be waiting for it on a machine with few cores.
            while self.pushes.load(Ordering::SeqCst) == seen
                && deadline.is_none_or(|d| Instant::now() < d)
                && Instant::now() < spin_until
            {
                std::thread::yield_now();
            }
        }
        let mut q = self.lock();
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let found = loop {
            if !q.is_empty() {
                break true;
            }
            if closed() {
                break false;
            }
            let left = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(l) if !l.is_zero() => l,
                    _ => break false,
                },
                None => Duration::from_millis(100),
            };
            q = self
                .available
                .wait_timeout(q, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        };
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        found
    }

    /// The counters (`connections` filled in by the reader).
    pub(super) fn stats(&self) -> ReaderStats {
        ReaderStats {
            datagrams: stats::get(&self.datagrams),
            bytes: stats::get(&self.bytes),
            queue_size: self.len() as u64,
            dropped_overflow: stats::get(&self.dropped_overflow),
            dropped_checksum: stats::get(&self.dropped_checksum),
            dropped_too_large: stats::get(&self.dropped_too_large),
            dropped_truncated: stats::get(&self.dropped_truncated),
            replaced: stats::get(&self.replaced),
            backpressure_pauses: stats::get(&self.pauses),
            connections: 0,
        }
    }
}
