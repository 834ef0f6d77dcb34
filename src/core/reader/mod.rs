//! Panda3D's `QueuedConnectionReader` and `RecentConnectionReader`, rebuilt so that no peer
//! can stall, starve or crash the engine.
//!
//! - Sockets are watched with epoll (mio, edge-triggered). A connection added is watched at
//!   once. With N threads, connections are spread over N loops; with 0 threads the loop
//!   runs inside `data_available` / `poll` on the caller's thread, and its cost follows
//!   the ready connections, not all of them.
//! - A connection is read by one reader at a time (its read claim): a second reader, or a
//!   listener's auto-add beside a reader, is refused. Moving a connection (remove, then
//!   add elsewhere) loses nothing: the decoder and the datagrams waiting for room belong to
//!   the connection and travel with it.
//! - Streams are decoded incrementally (`framing::Decoder`): a partial frame never blocks
//!   anyone, and each ready connection gets one read per turn of the loop before the loop
//!   turns to the next ready one.
//! - The queue is bounded. For TCP nothing is lost: when the queue is full, the datagrams
//!   already decoded wait with their connection, which is not read again until the engine
//!   makes room (the kernel's buffers then push back on the peer). For UDP, full means
//!   dropped, counted, and the overflow flag is raised.
//! - A peer that closes, resets, or breaks the framing is closed and reported once on the
//!   manager's reset queue, after every complete datagram it sent before has been queued.
//!
//! Files: `inbox.rs` (the queue and its admission), `read_loop.rs` (one loop and its
//! turn), `ingest.rs` (reading one connection, per I/O kind).

mod batch;
mod inbox;
mod ingest;
mod read_loop;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::bufpool::BufPool;
use super::connection::ConnectionKind;
use super::error::{Error, ErrorKind, Result};
use super::event_loop::{LoopSet, inline_body, new_loop, pump_inline};
use super::framing::{Decoder, Framing};
use super::manager::Manager;
pub use super::queue::Owned;
use super::read_side::ReadOwner;
pub use super::settings::DEFAULT_MAX_QUEUE;
use super::settings::{AtomicFraming, Lifecycle, check_queue_size, check_threads};
pub use batch::Batch;
use inbox::Inbox;
pub use inbox::ReaderStats;
use read_loop::{Ctl, ReadLoop, run_loop};

/// The longest busy-poll time (`set_busy_poll`): 10 ms.
pub const MAX_BUSY_POLL: Duration = Duration::from_millis(10);
/// Default share of the queue one TCP connection may hold while others are watched.
pub const DEFAULT_MAX_QUEUE_PER_CONNECTION: usize = 16;
/// Default largest datagram with a 2-byte header (all a 2-byte header can describe).
pub const DEFAULT_MAX_DATAGRAM_H2: usize = 65_535;
/// Default largest datagram with a 4-byte header.
pub const DEFAULT_MAX_DATAGRAM_H4: usize = 1 << 20;

/// One datagram as the engine receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The connection it arrived on.
    pub conn: u64,
    /// The sender (UDP) or the peer (TCP).
    pub from: Option<SocketAddr>,
    /// The payload, without framing.
    pub data: Vec<u8>,
}

struct Inner {
    manager: Manager,
    framing: AtomicFraming,
    /// 0: the default for the header size.
    max_datagram: AtomicUsize,
    inbox: Inbox,
    /// Large datagrams' buffers, back from the engine, for the next large datagram.
    bufs: Arc<BufPool>,
    loops: LoopSet<Ctl>,
    /// Polling mode: the loop that `data_available` and `poll` run.
    inline: Option<Mutex<ReadLoop>>,
    life: Lifecycle,
}

/// A reader: see the module documentation. Clones share the same reader.
#[derive(Clone)]
pub struct Reader {
    inner: Arc<Inner>,
}

impl Inner {
    fn max_datagram(&self) -> usize {
        match self.max_datagram.load(Ordering::Relaxed) {
            0 if self.framing.get().tcp_header_len() == 4 => DEFAULT_MAX_DATAGRAM_H4,
            0 => DEFAULT_MAX_DATAGRAM_H2,
            n => n,
        }
    }
}

impl Reader {
    /// A queued reader with `threads` loop threads (0: polling mode).
    pub fn new(manager: &Manager, threads: usize) -> Result<Reader> {
        Self::build(manager, threads, false)
    }

    /// A RecentConnectionReader: keeps only the latest datagram.
    pub fn new_recent(manager: &Manager, threads: usize) -> Result<Reader> {
        Self::build(manager, threads, true)
    }

    fn build(manager: &Manager, threads: usize, recent: bool) -> Result<Reader> {
        check_threads(threads, 256, "reader")?;
        let owner = ReadOwner::new("reader");
        let mut handles = Vec::new();
        let mut bodies = Vec::new();
        for _ in 0..threads.max(1) {
            let (handle, lp) = new_loop("reader", 1024)?;
            handles.push(handle);
            bodies.push(ReadLoop::new(lp, owner));
        }
        let inline = inline_body(&mut bodies, threads);
        if let Some(body) = &inline {
            body.lock().unwrap_or_else(|p| p.into_inner()).inline = true;
        }
        let inbox = Inbox::new(recent);
        let bufs = inbox.lock().bufs.clone();
        let inner = Arc::new(Inner {
            manager: manager.clone(),
            bufs,
            framing: AtomicFraming::new(Framing::default()),
            max_datagram: AtomicUsize::new(0),
            inbox,
            loops: LoopSet::new(handles, owner),
            inline,
            life: Lifecycle::new("reader"),
        });
        // The loops hold the reader weakly, so dropping the last handle stops them.
        if let Some(inline) = &inner.inline {
            inline.lock().unwrap_or_else(|p| p.into_inner()).inner = Arc::downgrade(&inner);
        }
        for (i, mut body) in bodies.into_iter().enumerate() {
            body.inner = Arc::downgrade(&inner);
            inner.loops.loops[i].spawn(format!("gamenet-reader-{i}"), move || run_loop(body))?;
        }
        Ok(Reader { inner })
    }

    /// The manager whose connections this reader reads.
    pub fn manager(&self) -> &Manager {
        &self.inner.manager
    }

    /// The number of loop threads (0: polling mode).
    pub fn num_threads(&self) -> usize {
        if self.inner.inline.is_some() {
            0
        } else {
            self.inner.loops.loops.len()
        }
    }

    /// Whether this is a RecentConnectionReader.
    pub fn is_recent(&self) -> bool {
        self.inner.inbox.recent
    }

    /// Raw mode: no TCP framing (each read is a datagram) and no UDP checksum header.
    /// Applies to connections added afterwards.
    pub fn set_raw_mode(&self, raw: bool) {
        self.inner.framing.update(|f| f.raw = raw);
    }

    /// The framing in force for connections added from now on.
    pub fn framing(&self) -> Framing {
        self.inner.framing.get()
    }

    /// The whole framing (for example [`Framing::peng3dnet`]), for connections added
    /// afterwards.
    pub fn set_framing(&self, framing: Framing) -> Result<()> {
        self.inner.framing.set(framing)
    }

    /// The TCP header size, 0, 2 (default) or 4, for connections added afterwards.
    pub fn set_tcp_header_size(&self, size: i32) -> Result<()> {
        self.inner.framing.set_header_size(size)
    }

    /// The largest datagram accepted (0: 65535 with a 2-byte header, 1 MiB with 4), for
    /// connections added afterwards. A TCP peer announcing more is closed with reason
    /// `TooLarge`; a larger UDP datagram is dropped and counted.
    pub fn set_max_datagram_size(&self, n: usize) {
        self.inner.max_datagram.store(n, Ordering::Relaxed);
    }

    /// The largest datagram accepted now.
    pub fn max_datagram_size(&self) -> usize {
        self.inner.max_datagram()
    }

    /// Bounds the queue, in datagrams (at least 1).
    pub fn set_max_queue_size(&self, n: usize) -> Result<()> {
        check_queue_size(n)?;
        self.inner.inbox.max_queue.store(n, Ordering::Relaxed);
        self.wake_starved(true);
        Ok(())
    }

    /// Bounds the datagrams one TCP connection may hold in the queue while the reader
    /// watches other connections too (at least 1; default 16): a connection over its
    /// share is not read until the engine has taken half of it, so a peer that floods
    /// costs the others at most one share of waiting. A reader with a single connection
    /// lets it use the whole queue. UDP sockets are not bounded by it.
    pub fn set_max_queue_per_connection(&self, n: usize) -> Result<()> {
        check_queue_size(n)?;
        self.inner.inbox.max_per_conn.store(n, Ordering::Relaxed);
        self.wake_starved(true);
        Ok(())
    }

    /// The share of the queue one TCP connection may hold.
    pub fn max_queue_per_connection(&self) -> usize {
        self.inner.inbox.max_per_conn.load(Ordering::Relaxed)
    }

    /// The queue bound.
    pub fn max_queue_size(&self) -> usize {
        self.inner.inbox.max_queue.load(Ordering::Relaxed)
    }

    /// Datagrams waiting in the queue.
    pub fn current_queue_size(&self) -> usize {
        self.inner.inbox.lock().len()
    }

    /// How long `poll` looks for a datagram without sleeping before it waits for the
    /// kernel to wake it (default 50 microseconds; 0 turns it off). Spinning trades a
    /// little CPU, only while `poll` waits, for a round trip without wake-ups.
    pub fn set_busy_poll(&self, d: Duration) -> Result<()> {
        if d > MAX_BUSY_POLL {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "a busy-poll time of {} us is above the limit of {} us (it is spent \
                     spinning after each datagram)",
                    d.as_micros(),
                    MAX_BUSY_POLL.as_micros()
                ),
            ));
        }
        self.inner
            .inbox
            .busy_poll_us
            .store(d.as_micros() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// The busy-poll time of `poll`.
    pub fn busy_poll(&self) -> Duration {
        self.inner.inbox.busy_poll()
    }

    /// Whether UDP datagrams were dropped for a full queue since the last call (clears it).
    pub fn take_overflow(&self) -> bool {
        self.inner.inbox.take_overflow()
    }

    /// Whether a datagram was dropped for a full queue since the flag was last lowered
    /// (Panda3D's `get_overflow_flag`; [`Reader::take_overflow`] reads and lowers it).
    pub fn overflow_flag(&self) -> bool {
        self.inner.inbox.overflow_flag()
    }

    /// The counters.
    pub fn stats(&self) -> ReaderStats {
        ReaderStats {
            connections: self.inner.loops.count() as u64,
            ..self.inner.inbox.stats()
        }
    }

    /// Starts watching connection `id` (TCP stream or UDP) at once. A connection another
    /// reader (or a listener's auto-add) already reads is refused with `InvalidArgument`.
    pub fn add_connection(&self, id: u64) -> Result<()> {
        self.inner.life.check_open()?;
        let conn = self.inner.manager.connection(id)?;
        let stream = match conn.kind() {
            ConnectionKind::Tcp => true,
            ConnectionKind::Udp => false,
            ConnectionKind::TcpRendezvous => {
                return Err(Error::new(
                    ErrorKind::WrongKind,
                    format!("connection {id} is a rendezvous socket: add it to a listener"),
                ));
            }
        };
        let inner = &self.inner;
        let decoder = || stream.then(|| Decoder::new(inner.framing.get(), inner.max_datagram()));
        self.inner.loops.watch(conn, decoder, Ctl::Add)
    }

    /// Stops watching connection `id`; it stays open. Datagrams already queued stay queued;
    /// a partial datagram and datagrams that wait for room stay with the connection, for
    /// the next reader it is added to.
    pub fn remove_connection(&self, id: u64) -> Result<()> {
        let conn = self.inner.manager.connection(id).ok();
        self.inner.loops.unwatch(id, conn, Ctl::Remove)
    }

    /// Whether connection `id` is on this reader and open.
    pub fn is_connection_ok(&self, id: u64) -> bool {
        self.inner.loops.contains(id) && self.inner.manager.connection(id).is_ok()
    }

    /// Polling mode: one non-blocking turn of the loop on this thread (skipped when another
    /// thread is running it).
    fn pump(&self, timeout: Option<Duration>) {
        pump_inline(&self.inner.inline, timeout, ReadLoop::turn);
    }

    /// Whether a datagram is waiting. In polling mode, when the queue is empty, this reads
    /// the ready sockets first.
    pub fn data_available(&self) -> bool {
        if self.current_queue_size() > 0 {
            return true;
        }
        self.pump(Some(Duration::ZERO));
        self.current_queue_size() > 0
    }

    /// Whether the reader was shut down (nothing more will arrive; what is queued stays).
    pub fn is_shut_down(&self) -> bool {
        self.inner.life.is_closed()
    }

    /// Waits up to `timeout` (`None`: forever) for a datagram; true when one is waiting.
    /// In polling mode it reads the ready sockets, also with a zero timeout. Returns false
    /// at once when the reader is shut down and nothing is queued.
    pub fn poll(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut spin_until: Option<Instant> = None;
        if self.inner.inline.is_some() {
            loop {
                // The blocking turn below returns at once when a socket is ready, so there
                // is no need for a zero-timeout turn first.
                if self.current_queue_size() > 0 {
                    return true;
                }
                let now = Instant::now();
                let left = deadline.map(|d| d.saturating_duration_since(now));
                if self.inner.life.is_closed() {
                    return false;
                }
                if left == Some(Duration::ZERO) {
                    // Even a zero timeout reads what the sockets have (as Panda3D's poll
                    // does in polling mode), once.
                    self.pump(Some(Duration::ZERO));
                    return self.current_queue_size() > 0;
                }
                // Look without sleeping for a moment first: an answer often follows within
                // microseconds, and a sleep costs a wake-up on each side.
                let until = *spin_until.get_or_insert_with(|| now + self.busy_poll());
                if now < until {
                    self.pump(Some(Duration::ZERO));
                    std::hint::spin_loop();
                    continue;
                }
                self.pump(left.or(Some(Duration::from_millis(100))));
            }
        }
        let inner = &self.inner;
        inner.inbox.wait(deadline, || inner.life.is_closed())
    }

    /// Wakes the loops after the engine took datagrams, when a loop waits for room in the
    /// queue or `share_wake` (a connection parked over its share fell below its mark).
    fn wake_starved(&self, share_wake: bool) {
        if self.inner.inbox.take_starved() | share_wake {
            self.inner.loops.broadcast(|| Ctl::Room);
        }
    }

    /// Takes the oldest datagram, if any (polling mode reads first when the queue is empty).
    pub fn get_data(&self) -> Option<Received> {
        let mut out = None;
        self.take_one(|conn, from, data| {
            out = Some(Received {
                conn,
                from,
                data: data.to_vec(),
            });
            true
        });
        out
    }

    /// Shows the oldest datagram to `take` (connection, origin, bytes) and removes it when
    /// `take` returns true. Returns whether a datagram was there. No allocation.
    pub fn take_one(&self, take: impl FnOnce(u64, Option<SocketAddr>, &[u8]) -> bool) -> bool {
        if self.current_queue_size() == 0 {
            self.pump(Some(Duration::ZERO));
        }
        let mut q = self.inner.inbox.lock();
        let Some((conn, from, data)) = q.front() else {
            return false;
        };
        if take(conn, from, data) {
            q.pop_front();
            let wake = q.take_wake();
            drop(q);
            self.wake_starved(wake);
        }
        true
    }

    /// Shows queued datagrams to `take`, oldest first, removing each it accepts, until it
    /// refuses one or `max` were taken; returns how many were taken. One lock, no
    /// allocation.
    pub fn drain_with(
        &self,
        max: usize,
        take: impl FnMut(u64, Option<SocketAddr>, &[u8]) -> bool,
    ) -> usize {
        if self.current_queue_size() == 0 {
            self.pump(Some(Duration::ZERO));
        }
        let (n, wake) = {
            let mut q = self.inner.inbox.lock();
            let n = q.drain(max, take);
            (n, q.take_wake())
        };
        if n > 0 {
            self.wake_starved(wake);
        }
        n
    }

    /// Takes the oldest datagram with the buffer that holds it: a large datagram read in
    /// place is handed over without a copy.
    pub fn take_owned(&self) -> Option<Owned> {
        if self.current_queue_size() == 0 {
            self.pump(Some(Duration::ZERO));
        }
        let (mut item, wake) = {
            let mut q = self.inner.inbox.lock();
            let item = q.pop_owned();
            (item, q.take_wake())
        };
        if let Some(o) = item.as_mut() {
            o.home = Arc::downgrade(&self.inner.bufs);
        }
        if item.is_some() {
            self.wake_starved(wake);
        }
        item
    }

    /// Takes up to `max` queued datagrams as owned values.
    pub fn get_batch(&self, max: usize) -> Vec<Received> {
        let mut out = Vec::new();
        self.drain_with(max, |conn, from, data| {
            out.push(Received {
                conn,
                from,
                data: data.to_vec(),
            });
            true
        });
        out
    }

    /// Stops the loop threads within a bounded time (they never wait on a peer) and stops
    /// watching every connection. The connections stay open. Calling it again does nothing.
    pub fn shutdown(&self) {
        if !self.inner.life.close() {
            return;
        }
        self.inner.loops.stop(|| Ctl::Stop);
        if let Some(inline) = &self.inner.inline {
            inline
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .release_all();
        }
        self.inner.inbox.notify_all();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.loops.broadcast(|| Ctl::Stop);
    }
}
