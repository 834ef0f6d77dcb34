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

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use std::{cmp::Reverse, io};

use crossbeam_channel::{Receiver, Sender, unbounded};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token, Waker};
use std::os::fd::AsRawFd;

use super::connection::{CloseReason, Connection, ConnectionKind};
use super::error::{Error, ErrorKind, Result};
use super::framing::{Framing, check_header_size};
use super::log::LogLevel;
use super::manager::Manager;
use super::outbuf::{Credit, Flushed};
use super::stats;

/// Default bound of the queue, in datagrams.
pub const DEFAULT_MAX_QUEUE: usize = 65_536;
/// Default bound of one connection's outbound buffer, in bytes.
pub const DEFAULT_MAX_BUFFER_BYTES: usize = 8 << 20;
/// Datagrams from this size are written straight from the caller's memory when the
/// connection has nothing queued (no copy into the outbound buffer).
const DIRECT_MIN: usize = 64 * 1024;
/// Panda3D's rule for UDP datagrams: at most 1500 payload bytes.
pub const DEFAULT_UDP_MAX: usize = 1500;

const WAKE: Token = Token(0);
/// How long a shard keeps looking for work after its last before it sleeps.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);

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

enum ShardMsg {
    Flush(Arc<Connection>),
    Hold(Arc<Connection>, Instant),
    FlushHeld,
    Stop,
}

/// Wakes senders that wait for room when a shard has written something.
#[derive(Default)]
struct Room {
    lock: Mutex<()>,
    freed: std::sync::Condvar,
    waiters: AtomicUsize,
}

impl Room {
    fn notify(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            drop(self.lock.lock().unwrap_or_else(|p| p.into_inner()));
            self.freed.notify_all();
        }
    }

    /// Waits until a shard frees room or `max` passes.
    fn wait(&self, max: Duration) {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.freed.wait_timeout(guard, max);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Shard {
    tx: Sender<ShardMsg>,
    waker: Arc<Waker>,
    sleeping: Arc<AtomicBool>,
    join: Mutex<Option<JoinHandle<()>>>,
}

impl Shard {
    fn send(&self, msg: ShardMsg) {
        // The receiver lives until Stop; a send after it has gone changes nothing.
        let _ = self.tx.send(msg);
        if self.sleeping.swap(false, Ordering::SeqCst) {
            let _ = self.waker.wake();
        }
    }
}

struct Inner {
    manager: Manager,
    threads: usize,
    header_size: AtomicU8,
    raw: AtomicBool,
    max_queue: AtomicUsize,
    max_buffer: AtomicUsize,
    udp_max: AtomicUsize,
    collect_us: AtomicU64,
    send_timeout_ms: AtomicU64,
    queued: Credit,
    closed: AtomicBool,
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

fn close_for_error(manager: &Manager, conn: &Connection, err: &io::Error, errors: &AtomicU64) {
    let reason = match err.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => CloseReason::Reset,
        _ => CloseReason::Error,
    };
    let msg = format!("send failed: {err}");
    if manager.report_close(conn, reason, err.raw_os_error().unwrap_or(0), &msg) {
        stats::add(errors, 1);
    }
    conn.out.discard();
}

/// Writes what `conn` has pending; closes it on a write error.
fn flush_conn(manager: &Manager, conn: &Connection, errors: &AtomicU64) -> Flushed {
    match conn.flush_out() {
        Ok(f) => f,
        Err(e) => {
            close_for_error(manager, conn, &e, errors);
            Flushed::Done
        }
    }
}

fn spawn_shard(
    manager: Manager,
    errors: Arc<AtomicU64>,
    room: Arc<Room>,
    name: String,
) -> Result<Shard> {
    let poll = Poll::new().map_err(|e| Error::io("create writer poll", &e))?;
    let waker = Arc::new(
        Waker::new(poll.registry(), WAKE).map_err(|e| Error::io("create writer waker", &e))?,
    );
    let (tx, rx) = unbounded();
    let sleeping = Arc::new(AtomicBool::new(false));
    let s2 = sleeping.clone();
    let join = std::thread::Builder::new()
        .name(name)
        .spawn(move || shard_loop(poll, rx, s2, manager, errors, room))
        .map_err(|e| Error::io("spawn writer thread", &e))?;
    Ok(Shard {
        tx,
        waker,
        sleeping,
        join: Mutex::new(Some(join)),
    })
}

struct ShardState {
    poll: Poll,
    manager: Manager,
    errors: Arc<AtomicU64>,
    room: Arc<Room>,
    waiting: HashMap<u64, Arc<Connection>>,
    held: HashMap<u64, Arc<Connection>>,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
}

impl ShardState {
    fn flush(&mut self, conn: Arc<Connection>) {
        let id = conn.id();
        // Sends from now on schedule a new flush; what they append before the flush takes
        // the buffer leaves with this one.
        conn.out.scheduled.store(false, Ordering::SeqCst);
        let flushed = flush_conn(&self.manager, &conn, &self.errors);
        self.room.notify();
        match flushed {
            Flushed::WouldBlock if !conn.is_closed() => {
                if !self.waiting.contains_key(&id) {
                    let fd = conn.socket().as_raw_fd();
                    let r = self.poll.registry().register(
                        &mut SourceFd(&fd),
                        Token(id as usize),
                        Interest::WRITABLE,
                    );
                    if let Err(e) = r {
                        close_for_error(&self.manager, &conn, &e, &self.errors);
                        return;
                    }
                    self.waiting.insert(id, conn);
                }
            }
            _ => {
                if let Some(c) = self.waiting.remove(&id) {
                    let fd = c.socket().as_raw_fd();
                    let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
                }
            }
        }
    }

    fn flush_held(&mut self) {
        let held: Vec<_> = self.held.drain().map(|(_, c)| c).collect();
        self.timers.clear();
        for c in held {
            self.flush(c);
        }
    }

    fn handle(&mut self, msg: ShardMsg) -> bool {
        match msg {
            ShardMsg::Flush(c) => {
                self.held.remove(&c.id());
                self.flush(c);
            }
            ShardMsg::Hold(c, at) => {
                self.timers.push(Reverse((at, c.id())));
                self.held.insert(c.id(), c);
            }
            ShardMsg::FlushHeld => self.flush_held(),
            ShardMsg::Stop => return false,
        }
        true
    }
}

fn shard_loop(
    poll: Poll,
    rx: Receiver<ShardMsg>,
    sleeping: Arc<AtomicBool>,
    manager: Manager,
    errors: Arc<AtomicU64>,
    room: Arc<Room>,
) {
    let mut st = ShardState {
        poll,
        manager,
        errors,
        room,
        waiting: HashMap::new(),
        held: HashMap::new(),
        timers: BinaryHeap::new(),
    };
    let mut events = Events::with_capacity(256);
    let mut last_work = Instant::now();
    loop {
        while let Ok(msg) = rx.try_recv() {
            last_work = Instant::now();
            if !st.handle(msg) {
                st.flush_held();
                return;
            }
        }
        let now = Instant::now();
        while let Some(Reverse((at, id))) = st.timers.peek().copied() {
            if at > now {
                break;
            }
            st.timers.pop();
            if let Some(c) = st.held.remove(&id) {
                st.flush(c);
            }
        }
        let timeout = st
            .timers
            .peek()
            .map(|Reverse((at, _))| at.saturating_duration_since(now));
        if now.duration_since(last_work) < SPIN_BEFORE_SLEEP {
            // Traffic just passed: look again soon instead of sleeping, so that senders
            // in a steady stream do not pay for waking this thread.
            std::thread::yield_now();
            if let Err(e) = st.poll.poll(&mut events, Some(Duration::ZERO))
                && e.kind() != io::ErrorKind::Interrupted
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            for ev in events.iter() {
                if let Some(c) = st.waiting.get(&(ev.token().0 as u64)).cloned() {
                    st.flush(c);
                }
            }
            continue;
        }
        sleeping.store(true, Ordering::SeqCst);
        if !rx.is_empty() {
            sleeping.store(false, Ordering::SeqCst);
            continue;
        }
        if let Err(e) = st.poll.poll(&mut events, timeout)
            && e.kind() != io::ErrorKind::Interrupted
        {
            st.manager
                .log(LogLevel::Error, || format!("writer poll failed: {e}"));
            std::thread::sleep(Duration::from_millis(10));
        }
        sleeping.store(false, Ordering::SeqCst);
        for ev in events.iter() {
            if ev.token() == WAKE {
                continue;
            }
            if let Some(c) = st.waiting.get(&(ev.token().0 as u64)).cloned() {
                st.flush(c);
            }
        }
    }
}

impl Writer {
    /// A writer for `manager` with `threads` shard threads (0: immediate mode).
    pub fn new(manager: &Manager, threads: usize) -> Result<Writer> {
        if threads > 256 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{threads} writer threads is more than the 256 allowed"),
            ));
        }
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
                header_size: AtomicU8::new(2),
                raw: AtomicBool::new(false),
                max_queue: AtomicUsize::new(DEFAULT_MAX_QUEUE),
                max_buffer: AtomicUsize::new(DEFAULT_MAX_BUFFER_BYTES),
                udp_max: AtomicUsize::new(DEFAULT_UDP_MAX),
                collect_us: AtomicU64::new(0),
                send_timeout_ms: AtomicU64::new(0),
                queued: Arc::default(),
                closed: AtomicBool::new(false),
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
        Framing {
            header_size: self.inner.header_size.load(Ordering::Relaxed),
            raw: self.inner.raw.load(Ordering::Relaxed),
        }
    }

    /// Raw mode: no TCP length header and no UDP checksum header.
    pub fn set_raw_mode(&self, raw: bool) {
        self.inner.raw.store(raw, Ordering::Relaxed);
    }

    /// The TCP header size, 0, 2 (default) or 4.
    pub fn set_tcp_header_size(&self, size: i32) -> Result<()> {
        let s = check_header_size(size)?;
        self.inner.header_size.store(s, Ordering::Relaxed);
        Ok(())
    }

    /// Bounds the queue, in datagrams (at least 1).
    pub fn set_max_queue_size(&self, n: usize) -> Result<()> {
        if n == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "queue size must be at least 1",
            ));
        }
        self.inner.max_queue.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// The queue bound.
    pub fn max_queue_size(&self) -> usize {
        self.inner.max_queue.load(Ordering::Relaxed)
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
    pub fn is_valid_for_udp(&self, len: usize) -> bool {
        len <= self.inner.udp_max.load(Ordering::Relaxed)
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
        }
        Ok(self.inner.timer.get().expect("timer shard set above"))
    }

    fn check_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::Closed,
                "the writer has been shut down",
            ));
        }
        Ok(())
    }

    fn tcp_conn(&self, id: u64) -> Result<Arc<Connection>> {
        let conn = self.inner.manager.connection(id)?;
        if conn.kind() != ConnectionKind::Tcp {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!("connection {id} is not a TCP stream: use send_to for UDP"),
            ));
        }
        Ok(conn)
    }

    fn deadline(&self) -> Option<Instant> {
        match self.inner.send_timeout_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Instant::now() + Duration::from_millis(ms)),
        }
    }

    /// Waits for room after a full queue or buffer; false when the deadline passed.
    fn wait_for_room(&self, conn: &Connection, deadline: Option<Instant>) -> bool {
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) || conn.is_closed() {
            return false;
        }
        if self.inner.threads == 0 {
            // Immediate mode: the caller's thread is the one that writes.
            if flush_conn(&self.inner.manager, conn, &self.inner.send_errors) == Flushed::WouldBlock
            {
                let left = deadline.map_or(Duration::from_millis(100), |d| d - now);
                conn.wait_ready(true, left.min(Duration::from_millis(100)));
            }
        } else {
            // Threaded: a shard wakes us when it has written something (the timeout only
            // guards against a wake-up that came before we slept).
            let left = deadline.map_or(Duration::from_millis(1), |d| d - now);
            self.inner.room.wait(left.min(Duration::from_millis(1)));
        }
        true
    }

    /// Sends the datagrams of `payloads` on TCP connection `conn`, in order, as one batch:
    /// Twisted's `writeSequence`. Returns how many were queued; the first that fails
    /// stops the batch and its error is returned when none was queued.
    pub fn send_batch<'a>(
        &self,
        conn: u64,
        payloads: impl IntoIterator<Item = &'a [u8]>,
        block: bool,
    ) -> Result<usize> {
        let payloads: Vec<&[u8]> = payloads.into_iter().collect();
        self.send_slices(conn, &payloads, block)
    }

    /// `send_batch` over a slice (no allocation for a single datagram).
    fn send_slices(&self, conn: u64, payloads: &[&[u8]], block: bool) -> Result<usize> {
        self.check_open()?;
        let c = self.tcp_conn(conn)?;
        let framing = self.framing();
        let hl = framing.tcp_header_len();
        let max_payload = framing.max_tcp_payload();
        let deadline = if block { self.deadline() } else { None };
        let mut sent = 0usize;
        let mut result = Ok(());
        while sent < payloads.len() {
            // A large datagram goes straight from the caller's memory when nothing is queued.
            let one = payloads[sent];
            if one.len() >= DIRECT_MIN && one.len() as u64 <= max_payload {
                let mut h = [0u8; 4];
                let n = framing.tcp_header(one.len(), &mut h)?;
                match c
                    .out
                    .write_through(&h[..n], one, &self.inner.queued, |parts| {
                        c.send_parts(parts)
                    }) {
                    None => {}
                    Some(Ok(flushed)) => {
                        stats::add(&self.inner.datagrams_sent, 1);
                        stats::add(&self.inner.bytes_sent, one.len() as u64);
                        if flushed == Flushed::Done {
                            stats::add(&c.stats.datagrams_out, 1);
                            stats::add(&c.stats.bytes_out, (n + one.len()) as u64);
                        }
                        sent += 1;
                        continue;
                    }
                    Some(Err(e)) => {
                        close_for_error(&self.inner.manager, &c, &e, &self.inner.send_errors);
                        result = Err(Error::io(format!("send on connection {conn}"), &e));
                        break;
                    }
                }
            }
            // As many of the rest as the queue and the connection's buffer take, stopping
            // before a datagram the header cannot describe; appended under one lock.
            let q_room = if self.inner.threads == 0 {
                usize::MAX
            } else {
                self.max_queue_size()
                    .saturating_sub(self.current_queue_size())
            };
            let limit = self.max_buffer_bytes();
            let pending = c.out.pending_bytes();
            let (mut k, mut bytes, mut too_large) = (0usize, 0usize, false);
            for p in &payloads[sent..] {
                if k >= q_room {
                    break;
                }
                if p.len() as u64 > max_payload {
                    too_large = true;
                    break;
                }
                let fb = hl + p.len();
                let first = pending == 0 && k == 0;
                if !first && pending + bytes + fb > limit {
                    break;
                }
                bytes += fb;
                k += 1;
            }
            if k > 0 {
                let run = &payloads[sent..sent + k];
                let ok = c
                    .out
                    .append(limit, bytes, k, Some(&self.inner.queued), |v| {
                        v.reserve(bytes);
                        let mut h = [0u8; 4];
                        for p in run {
                            let n = framing.tcp_header(p.len(), &mut h)?;
                            v.extend_from_slice(&h[..n]);
                            v.extend_from_slice(p);
                        }
                        Ok(())
                    })?;
                if ok {
                    sent += k;
                    stats::add(&self.inner.datagrams_sent, k as u64);
                    stats::add(
                        &self.inner.bytes_sent,
                        run.iter().map(|p| p.len() as u64).sum(),
                    );
                    continue;
                }
            }
            if too_large && k == 0 {
                let mut h = [0u8; 4];
                result = framing.tcp_header(payloads[sent].len(), &mut h).map(|_| ());
                break;
            }
            if !block {
                stats::add(&self.inner.would_block, 1);
                result = Err(self.full_error(&c));
                break;
            }
            if sent > 0 {
                // Let what is queued leave before waiting for room.
                self.kick(&c, false);
            }
            if !self.wait_for_room(&c, deadline) {
                result = Err(if c.is_closed() {
                    Error::unknown_connection(conn)
                } else {
                    Error::new(
                        ErrorKind::Timeout,
                        "blocking send timed out waiting for room in the queue",
                    )
                });
                break;
            }
        }
        if sent > 0 {
            self.kick(&c, true);
        }
        match result {
            Err(e) if sent == 0 => Err(e),
            _ => Ok(sent),
        }
    }

    fn full_error(&self, c: &Connection) -> Error {
        let q = self.current_queue_size();
        if self.inner.threads > 0 && q >= self.max_queue_size() {
            Error::new(
                ErrorKind::WouldBlock,
                format!("writer queue is full ({q} datagrams); nothing was queued"),
            )
        } else {
            Error::new(
                ErrorKind::WouldBlock,
                format!(
                    "connection {} has {} bytes waiting (limit {}): the peer is not reading \
                     fast enough; nothing was queued",
                    c.id(),
                    c.pending_out_bytes(),
                    self.max_buffer_bytes()
                ),
            )
        }
    }

    /// Starts the write of what `c` has pending: now in this thread (immediate), on its
    /// shard (threaded), or at the collect-tcp deadline.
    fn kick(&self, c: &Arc<Connection>, allow_hold: bool) {
        let collect = self.collect_tcp().filter(|_| allow_hold);
        if let Some(interval) = collect {
            // The first datagram of a batch starts the timer; the rest ride along.
            if !c.out.scheduled.swap(true, Ordering::SeqCst) {
                let shard = if self.inner.threads == 0 {
                    match self.timer() {
                        Ok(t) => t,
                        Err(_) => return self.kick(c, false),
                    }
                } else {
                    &self.inner.shards[c.id() as usize % self.inner.threads]
                };
                shard.send(ShardMsg::Hold(c.clone(), Instant::now() + interval));
            }
            return;
        }
        if self.inner.threads == 0 {
            let r = flush_conn(&self.inner.manager, c, &self.inner.send_errors);
            // The leftover set is touched only when it has to be: not on the steady path.
            if r != Flushed::Done || self.inner.has_leftovers.load(Ordering::Acquire) {
                let mut left = self
                    .inner
                    .leftovers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if r == Flushed::Done {
                    left.remove(&c.id());
                } else {
                    left.insert(c.id());
                }
                self.inner
                    .has_leftovers
                    .store(!left.is_empty(), Ordering::Release);
            }
        } else if !c.out.scheduled.swap(true, Ordering::SeqCst) {
            self.inner.shards[c.id() as usize % self.inner.threads]
                .send(ShardMsg::Flush(c.clone()));
        }
    }

    /// Sends one datagram on TCP connection `conn`.
    pub fn send(&self, conn: u64, payload: &[u8], block: bool) -> Result<()> {
        self.send_slices(conn, &[payload], block).map(|_| ())
    }

    fn udp_conn(&self, conn: u64) -> Result<Arc<Connection>> {
        self.check_open()?;
        let c = self.inner.manager.connection(conn)?;
        if c.kind() != ConnectionKind::Udp {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!("connection {conn} is not UDP: use send for TCP"),
            ));
        }
        Ok(c)
    }

    fn check_udp_size(&self, len: usize) -> Result<()> {
        let max = self.inner.udp_max.load(Ordering::Relaxed);
        if len > max {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("UDP datagram of {len} bytes is above the limit of {max}"),
            ));
        }
        Ok(())
    }

    /// Waits for a UDP socket that would block; false when the caller must give up.
    fn udp_wait(&self, c: &Connection, block: bool, deadline: Option<Instant>) -> bool {
        let now = Instant::now();
        if !block || deadline.is_some_and(|d| now >= d) {
            stats::add(&self.inner.would_block, 1);
            return false;
        }
        let left = deadline.map_or(Duration::from_millis(100), |d| d - now);
        c.wait_ready(true, left.min(Duration::from_millis(100)));
        true
    }

    fn count_udp(&self, c: &Connection, datagrams: usize, payload: usize, wire: usize) {
        stats::add(&self.inner.datagrams_sent, datagrams as u64);
        stats::add(&self.inner.bytes_sent, payload as u64);
        stats::add(&c.stats.datagrams_out, datagrams as u64);
        stats::add(&c.stats.bytes_out, wire as u64);
    }

    /// Sends one datagram on UDP connection `conn` to `to`, in the calling thread, with
    /// Panda3D's checksum header unless raw. A payload above the UDP limit is refused.
    /// A socket that cannot take it: `WouldBlock` (or, when `block`, a wait up to the
    /// send timeout).
    pub fn send_to(&self, conn: u64, to: SocketAddr, payload: &[u8], block: bool) -> Result<()> {
        let c = self.udp_conn(conn)?;
        self.check_udp_size(payload.len())?;
        let to = c.udp_target(to);
        let header = self.framing().udp_header(payload);
        let head: &[u8] = header.as_ref().map_or(&[], |h| &h[..]);
        let deadline = if block { self.deadline() } else { None };
        loop {
            match c.udp_send_to(head, payload, to) {
                Ok(_) => {
                    self.count_udp(&c, 1, payload.len(), head.len() + payload.len());
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.udp_wait(&c, block, deadline) {
                        return Err(Error::io(format!("send to {to}"), &e));
                    }
                }
                // A UDP send error (no route, message too long, ICMP refusal) concerns this
                // datagram, not the socket: report it, keep the socket open.
                Err(e) => return Err(Error::io(format!("send to {to}"), &e)),
            }
        }
    }

    /// Sends many UDP datagrams on connection `conn`, each to its own address, with as few
    /// system calls as the kernel allows (`sendmmsg`): a server's snapshot to all its
    /// clients in one call. Returns how many were sent; stops at the first datagram above
    /// the UDP limit (its error is returned when none was sent) and, unless `block`, when
    /// the socket is full.
    pub fn send_to_batch(
        &self,
        conn: u64,
        items: &[(SocketAddr, &[u8])],
        block: bool,
    ) -> Result<usize> {
        let c = self.udp_conn(conn)?;
        let framing = self.framing();
        let mut valid = items.len();
        let mut size_error = None;
        for (i, (_, p)) in items.iter().enumerate() {
            if let Err(e) = self.check_udp_size(p.len()) {
                valid = i;
                size_error = Some(e);
                break;
            }
        }
        let deadline = if block { self.deadline() } else { None };
        let mut sent = 0;
        while sent < valid {
            let chunk = &items[sent..valid.min(sent + 256)];
            match c.udp_send_many(chunk, &framing) {
                Ok(k) => {
                    let payload: usize = chunk[..k].iter().map(|(_, p)| p.len()).sum();
                    let head = framing.udp_header(&[]).map_or(0, |h| h.len());
                    self.count_udp(&c, k, payload, payload + k * head);
                    sent += k;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.udp_wait(&c, block, deadline) {
                        return if sent > 0 {
                            Ok(sent)
                        } else {
                            Err(Error::io("send UDP batch", &e))
                        };
                    }
                }
                // An error for one datagram (no route, ICMP refusal): report what was sent
                // before it; the caller retries the rest and sees the error then.
                Err(_) if sent > 0 => return Ok(sent),
                Err(e) => return Err(Error::io("send UDP batch", &e)),
            }
        }
        match size_error {
            Some(e) if sent == 0 => Err(e),
            _ => Ok(sent),
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

    /// Stops accepting sends, sends what is queued within `flush_timeout`, then stops the
    /// threads. Returns the number of datagrams that could not be sent (also counted in
    /// `stats().unsent_at_shutdown`). Never hangs; calling it again returns 0.
    pub fn shutdown(&self, flush_timeout: Duration) -> u64 {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return 0;
        }
        let deadline = Instant::now() + flush_timeout;
        self.flush();
        while self.current_queue_size() > 0 && Instant::now() < deadline {
            if self.inner.threads == 0 {
                self.flush();
            }
            std::thread::sleep(Duration::from_millis(1));
        }
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
            if let Some(j) = s.join.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = j.join();
            }
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
