//! Panda3D's `ConnectionWriter`, rebuilt so that no peer can stall the engine.
//!
//! - 0 threads (immediate): TCP datagrams are framed into the connection's outbound buffer
//!   and written in the caller's thread at once, non-blocking. What the socket does not take
//!   stays buffered and leaves with the next send on that connection or the next `flush`.
//! - N threads: a send frames the datagram into the connection's buffer and schedules the
//!   connection on one of N shard threads (chosen by connection id, so one connection is
//!   always flushed by the same thread and its datagrams keep their order). A shard writes
//!   everything a connection has accumulated in one system call where it can, and waits
//!   for writability (epoll, via mio) on sockets that are full, without holding up others.
//! - The queue is bounded in datagrams (`max_queue_size`, counted until their bytes reach
//!   the kernel) and each connection's buffer in bytes (`max_buffer_bytes`): when either is
//!   full a non-blocking send fails with `WouldBlock` and queues nothing; a blocking send
//!   waits, up to its timeout.
//! - UDP datagrams are sent in the calling thread, whatever the thread count: a UDP send
//!   never waits for a peer.
//! - A close (by anyone: the application, the reader, a failed write) discards what the
//!   connection had queued and returns its datagrams to the writer's queue count at once
//!   (`Connection::close`), so a closed connection never holds the queue.
//!
//! Files: `tcp.rs` (the TCP send path), `shard.rs` (shard threads, collect-tcp timers),
//! `udp.rs` (UDP sends).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::error::{Error, ErrorKind, Result};
use super::framing::Framing;
use super::log::LogLevel;
use super::manager::Manager;
use super::outbuf::Credit;
pub use super::settings::DEFAULT_MAX_QUEUE;
use super::settings::{AtomicFraming, Lifecycle, check_queue_size, check_threads};
use super::stats;
use shard::{Room, Shard, ShardMsg, spawn_shard};

mod shard;
mod tcp;
mod udp;

/// Default share of the queue one connection may hold, in datagrams.
pub const DEFAULT_MAX_QUEUE_PER_CONNECTION: usize = 16_384;
/// Default bound of one connection's outbound buffer, in bytes.
pub const DEFAULT_MAX_BUFFER_BYTES: usize = 8 << 20;
/// Panda3D's rule for UDP datagrams: at most 1500 payload bytes.
pub const DEFAULT_UDP_MAX: usize = 1500;

/// Counters of one writer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Datagrams accepted by `send`/`send_to`.
    pub datagrams_sent: u64,
    /// Payload bytes accepted.
    pub bytes_sent: u64,
    /// Datagrams queued and not yet handed to the kernel.
    pub queue_size: u64,
    /// Sends refused because the queue or a connection buffer was full.
    pub would_block: u64,
    /// Connections closed because a write failed.
    pub send_errors: u64,
    /// Datagrams still unsent when `shutdown` gave up.
    pub unsent_at_shutdown: u64,
}

struct Inner {
    manager: Manager,
    threads: usize,
    framing: AtomicFraming,
    max_queue: AtomicUsize,
    max_queue_per_conn: AtomicUsize,
    max_buffer: AtomicUsize,
    udp_max: AtomicUsize,
    collect_us: AtomicU64,
    send_timeout_ms: AtomicU64,
    /// Datagrams queued by this writer and not yet handed to the kernel (credits that the
    /// connections' buffers return).
    queued: Credit,
    life: Lifecycle,
    shards: Vec<Shard>,
    room: Arc<Room>,
    /// The timer thread of an immediate writer with collect-tcp on, started on demand.
    timer: OnceLock<Shard>,
    /// Connections an immediate writer left data on (flushed by `flush`).
    leftovers: Mutex<HashSet<u64>>,
    has_leftovers: AtomicBool,
    datagrams_sent: AtomicU64,
    bytes_sent: AtomicU64,
    would_block: AtomicU64,
    send_errors: Arc<AtomicU64>,
    unsent_at_shutdown: AtomicU64,
}

/// A writer: see the module documentation. Clones share the same writer.
#[derive(Clone)]
pub struct Writer {
    inner: Arc<Inner>,
}

impl Writer {
    /// A writer for `manager` with `threads` shard threads (0: immediate mode).
    pub fn new(manager: &Manager, threads: usize) -> Result<Writer> {
        check_threads(threads, 256, "writer")?;
        let errors = Arc::new(AtomicU64::new(0));
        let room = Arc::new(Room::default());
        let shards = (0..threads)
            .map(|i| {
                let name = format!("gamenet-writer-{i}");
                spawn_shard(manager.clone(), errors.clone(), room.clone(), name)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Writer {
            inner: Arc::new(Inner {
                manager: manager.clone(),
                threads,
                framing: AtomicFraming::new(Framing::default()),
                max_queue: AtomicUsize::new(DEFAULT_MAX_QUEUE),
                max_queue_per_conn: AtomicUsize::new(DEFAULT_MAX_QUEUE_PER_CONNECTION),
                max_buffer: AtomicUsize::new(DEFAULT_MAX_BUFFER_BYTES),
                udp_max: AtomicUsize::new(DEFAULT_UDP_MAX),
                collect_us: AtomicU64::new(0),
                send_timeout_ms: AtomicU64::new(0),
                queued: Arc::default(),
                life: Lifecycle::new("writer"),
                shards,
                room,
                timer: OnceLock::new(),
                leftovers: Mutex::new(HashSet::new()),
                has_leftovers: AtomicBool::new(false),
                datagrams_sent: AtomicU64::new(0),
                bytes_sent: AtomicU64::new(0),
                would_block: AtomicU64::new(0),
                send_errors: errors,
                unsent_at_shutdown: AtomicU64::new(0),
            }),
        })
    }

    /// The number of shard threads (0: immediate).
    pub fn num_threads(&self) -> usize {
        self.inner.threads
    }

    /// The framing in force.
    pub fn framing(&self) -> Framing {
        self.inner.framing.get()
    }

    /// The whole framing (for example [`Framing::peng3dnet`]).
    pub fn set_framing(&self, framing: Framing) -> Result<()> {
        self.inner.framing.set(framing)
    }

    /// Raw mode: no TCP length header and no UDP checksum header.
    pub fn set_raw_mode(&self, raw: bool) {
        self.inner.framing.update(|f| f.raw = raw);
    }

    /// The TCP header size, 0, 2 (default) or 4.
    pub fn set_tcp_header_size(&self, size: i32) -> Result<()> {
        self.inner.framing.set_header_size(size)
    }

    /// Bounds the queue, in datagrams (at least 1).
    pub fn set_max_queue_size(&self, n: usize) -> Result<()> {
        check_queue_size(n)?;
        self.inner.max_queue.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// The queue bound.
    pub fn max_queue_size(&self) -> usize {
        self.inner.max_queue.load(Ordering::Relaxed)
    }

    /// Bounds the datagrams one connection may hold in a threaded writer's queue (at least
    /// 1; default 16384), so that peers that stop reading cannot fill the queue for the
    /// others. Besides, every connection may queue up to 256 datagrams (or its share, if
    /// smaller) even when the writer-wide queue is full.
    pub fn set_max_queue_per_connection(&self, n: usize) -> Result<()> {
        check_queue_size(n)?;
        self.inner.max_queue_per_conn.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// The share of the queue one connection may hold.
    pub fn max_queue_per_connection(&self) -> usize {
        self.inner.max_queue_per_conn.load(Ordering::Relaxed)
    }

    /// Datagrams queued by this writer and not yet handed to the kernel.
    pub fn current_queue_size(&self) -> usize {
        self.inner.queued.load(Ordering::Acquire)
    }

    /// Bounds one connection's outbound buffer, in bytes (at least 1).
    pub fn set_max_buffer_bytes(&self, n: usize) -> Result<()> {
        if n == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "buffer bound must be at least 1",
            ));
        }
        self.inner.max_buffer.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// The per-connection buffer bound.
    pub fn max_buffer_bytes(&self) -> usize {
        self.inner.max_buffer.load(Ordering::Relaxed)
    }

    /// The largest UDP payload `send_to` accepts (Panda3D's `is_valid_for_udp`: 1500).
    pub fn set_udp_max_size(&self, n: usize) -> Result<()> {
        if n > 65_507 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("UDP limit {n} is above the 65507 bytes a UDP packet can carry"),
            ));
        }
        self.inner.udp_max.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// Whether a payload of `len` bytes may be sent over UDP.
    /// With the checksum header (unless raw) it must also fit an IPv4 UDP packet (65507
    /// bytes): 65505 bytes of payload at most.
    pub fn is_valid_for_udp(&self, len: usize) -> bool {
        let head = self.framing().udp_header(&[]).map_or(0, |h| h.len());
        len <= self.inner.udp_max.load(Ordering::Relaxed) && len + head <= 65_507
    }

    /// Collect-tcp: hold TCP datagrams for up to `interval` and send them together, on a
    /// real timer. `None` turns it off (every datagram is written at once).
    pub fn set_collect_tcp(&self, interval: Option<Duration>) -> Result<()> {
        let us = interval.map_or(0, |d| d.as_micros().clamp(1, u64::MAX as u128) as u64);
        if us > 0 && self.inner.threads == 0 {
            self.timer()?;
        }
        self.inner.collect_us.store(us, Ordering::Relaxed);
        Ok(())
    }

    /// The collect-tcp interval, if on.
    pub fn collect_tcp(&self) -> Option<Duration> {
        match self.inner.collect_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// How long a blocking send waits for room (`None`: as long as it takes).
    pub fn set_send_timeout(&self, timeout: Option<Duration>) {
        let ms = timeout.map_or(0, |d| d.as_millis().clamp(1, u64::MAX as u128) as u64);
        self.inner.send_timeout_ms.store(ms, Ordering::Relaxed);
    }

    /// The counters.
    pub fn stats(&self) -> WriterStats {
        let i = &self.inner;
        WriterStats {
            datagrams_sent: stats::get(&i.datagrams_sent),
            bytes_sent: stats::get(&i.bytes_sent),
            queue_size: self.current_queue_size() as u64,
            would_block: stats::get(&i.would_block),
            send_errors: stats::get(&i.send_errors),
            unsent_at_shutdown: stats::get(&i.unsent_at_shutdown),
        }
    }

    fn timer(&self) -> Result<&Shard> {
        if let Some(t) = self.inner.timer.get() {
            return Ok(t);
        }
        let shard = spawn_shard(
            self.inner.manager.clone(),
            self.inner.send_errors.clone(),
            self.inner.room.clone(),
            "gamenet-writer-timer".into(),
        )?;
        // Another thread may have won the race; its shard is used and ours stops.
        if let Err(extra) = self.inner.timer.set(shard) {
            extra.send(ShardMsg::Stop);
            extra.join();
        }
        Ok(self.inner.timer.get().expect("timer shard set above"))
    }

    /// `Closed` once the writer was shut down, for a send that was waiting for room.
    fn check_still_open(&self) -> Result<()> {
        if self.inner.life.is_closed() {
            return Err(Error::new(
                ErrorKind::Closed,
                "the writer was shut down while this send waited for room; it was not queued",
            ));
        }
        Ok(())
    }

    fn deadline(&self) -> Option<Instant> {
        match self.inner.send_timeout_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Instant::now() + Duration::from_millis(ms)),
        }
    }

    /// Writes whatever is pending now: collect-tcp data, and what sockets did not take
    /// before. Never blocks.
    pub fn flush(&self) {
        if self.inner.threads == 0 {
            if let Some(t) = self.inner.timer.get() {
                t.send(ShardMsg::FlushHeld);
            }
            let ids: Vec<u64> = self
                .inner
                .leftovers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .copied()
                .collect();
            for id in ids {
                match self.inner.manager.connection(id) {
                    Ok(c) => self.kick(&c, false),
                    Err(_) => {
                        self.inner
                            .leftovers
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&id);
                    }
                }
            }
        } else {
            for s in &self.inner.shards {
                s.send(ShardMsg::FlushHeld);
            }
        }
    }

    /// Writes what is queued, waiting up to `timeout` until nothing queued so far is left:
    /// handed to the kernel, or dropped with a connection that closed meanwhile (each close
    /// is reported on the reset queue). An immediate writer writes in this thread
    /// meanwhile. `Timeout` when some are still queued then (a peer that does not read);
    /// `Closed` when the writer is (or gets) shut down.
    pub fn flush_wait(&self, timeout: Duration) -> Result<()> {
        self.inner.life.check_open()?;
        if self.drain(timeout, true) {
            return Ok(());
        }
        self.inner.life.check_open()?;
        Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "{} datagrams still queued after {timeout:?}: a peer is not reading fast enough",
                self.current_queue_size()
            ),
        ))
    }

    /// Flushes until the queue is empty or `timeout` passed (or, with `until_shut`, the
    /// writer is shut down); true when it is empty.
    fn drain(&self, timeout: Duration, until_shut: bool) -> bool {
        let start = Instant::now();
        let deadline = start + timeout;
        self.flush();
        // Short waits are common (the writer threads are at it): look often at first,
        // then back off to a nap of 1 ms.
        let mut nap = Duration::from_micros(20);
        while self.current_queue_size() > 0 && Instant::now() < deadline {
            if until_shut && self.inner.life.is_closed() {
                return false;
            }
            if self.inner.threads == 0 {
                self.flush();
            }
            if start.elapsed() < Duration::from_micros(50) {
                std::thread::yield_now();
            } else {
                std::thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(1));
            }
        }
        self.current_queue_size() == 0
    }

    /// Stops accepting sends, sends what is queued within `flush_timeout`, then stops the
    /// threads. Returns the number of datagrams that could not be sent (also counted in
    /// `stats().unsent_at_shutdown`). Never hangs; calling it again returns 0.
    pub fn shutdown(&self, flush_timeout: Duration) -> u64 {
        if !self.inner.life.close() {
            return 0;
        }
        self.drain(flush_timeout, false);
        let unsent = self.current_queue_size() as u64;
        if unsent > 0 {
            stats::add(&self.inner.unsent_at_shutdown, unsent);
            self.inner.manager.log(LogLevel::Warn, || {
                format!("writer shut down with {unsent} datagrams unsent after {flush_timeout:?}")
            });
        }
        let shards = self.inner.shards.iter().chain(self.inner.timer.get());
        for s in shards.clone() {
            s.send(ShardMsg::Stop);
        }
        for s in shards {
            s.join();
        }
        unsent
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for s in self.shards.iter().chain(self.timer.get()) {
            s.send(ShardMsg::Stop);
        }
    }
}
