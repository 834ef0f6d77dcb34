//! Panda3D's `QueuedConnectionReader` and `RecentConnectionReader`, rebuilt so that no peer
//! can stall, starve or crash the engine.
//!
//! - Sockets are watched with epoll (mio, edge-triggered). A connection added is watched at
//!   once. With N threads, connections are spread over N loops; with 0 threads the loop
//!   runs inside `data_available` / `poll` on the caller's thread, and its cost follows
//!   the ready connections, not all of them.
//! - TCP is decoded incrementally (`framing::Decoder`): a partial frame never blocks
//!   anyone, and 64 KiB is the most one read takes from one connection before the loop
//!   turns to the next ready one.
//! - The queue is bounded. For TCP nothing is lost: when the queue is full, the datagrams
//!   already decoded wait with their connection, which is not read again until the engine
//!   makes room (the kernel's buffers then push back on the peer). For UDP, full means
//!   dropped, counted, and the overflow flag is raised.
//! - A peer that closes, resets, or breaks the framing is closed and reported once on the
//!   manager's reset queue, after every complete datagram it sent before has been queued.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use mio::unix::SourceFd;
use mio::{Events, Poll};

use super::address;
use super::connection::{CloseReason, Connection, ConnectionKind};
use super::error::{Error, ErrorKind, Result};
use super::framing::{Decoder, Framing, check_header_size};
use super::log::LogLevel;
use super::loops::{LoopHandle, LoopSet, WAKE, pump_inline};
use super::manager::Manager;
pub use super::queue::Owned;
use super::queue::{Block, BlockQueue};
use super::stats;

/// Default bound of the reader queue, in datagrams.
pub const DEFAULT_MAX_QUEUE: usize = 65_536;
/// Default largest datagram with a 2-byte header (all a 2-byte header can describe).
pub const DEFAULT_MAX_DATAGRAM_H2: usize = 65_535;
/// Default largest datagram with a 4-byte header.
pub const DEFAULT_MAX_DATAGRAM_H4: usize = 1 << 20;

/// Datagrams per burst (the turns until the sockets are drained) from which a loop thread
/// treats the traffic as a stream.
const STREAM_TURN: usize = 8;
/// How long a loop thread naps between turns under a stream.
const STREAM_NAP: Duration = Duration::from_micros(50);
/// How long `poll` watches for a datagram before it sleeps, by default.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);
/// Bytes one read takes; also the most one connection gets per turn of the loop.
const READ_CHUNK: usize = 64 * 1024;

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
    /// Datagrams a RecentConnectionReader replaced with a newer one.
    pub replaced: u64,
    /// Times TCP reading paused because the queue was full.
    pub backpressure_pauses: u64,
    /// Connections currently watched.
    pub connections: u64,
}

enum Ctl {
    Add(Arc<Connection>),
    Remove(u64),
    Space,
    Stop,
}

struct Inner {
    manager: Manager,
    recent: bool,
    header_size: AtomicU8,
    raw: AtomicBool,
    /// 0: the default for the header size.
    max_datagram: AtomicUsize,
    max_queue: AtomicUsize,
    queue: Mutex<BlockQueue>,
    available: Condvar,
    waiters: AtomicUsize,
    /// Counts pushes, so that a waiting engine can spin briefly without the lock.
    pushes: AtomicUsize,
    busy_poll_us: AtomicU64,
    /// Set by a loop that parked TCP data for lack of room; cleared by the engine's wake-up.
    starved: AtomicBool,
    overflowed: AtomicBool,
    loops: LoopSet<Ctl>,
    /// Polling mode: the loop that `data_available` and `poll` run.
    inline: Option<Mutex<ReadLoop>>,
    closed: AtomicBool,
    datagrams: AtomicU64,
    bytes: AtomicU64,
    dropped_overflow: AtomicU64,
    dropped_checksum: AtomicU64,
    dropped_too_large: AtomicU64,
    replaced: AtomicU64,
    pauses: AtomicU64,
}

/// A reader: see the module documentation. Clones share the same reader.
#[derive(Clone)]
pub struct Reader {
    inner: Arc<Inner>,
}

struct ConnState {
    conn: Arc<Connection>,
    decoder: Decoder,
    pending: VecDeque<Block>,
    closing: Option<(CloseReason, i32, String)>,
    /// epoll reported the peer's end closed (or an error): read until the end, even after
    /// a short read.
    peer_gone: bool,
}

enum Outcome {
    /// Nothing (more) to read.
    Drained,
    /// Data was read and the socket is empty.
    ReadAll,
    MoreToRead,
    Blocked,
    Gone,
}

struct ReadLoop {
    inner: std::sync::Weak<Inner>,
    poll: Poll,
    events: Events,
    rx: Receiver<Ctl>,
    conns: HashMap<u64, ConnState>,
    ready: VecDeque<u64>,
    in_ready: HashSet<u64>,
    blocked: Vec<u64>,
    io: LoopIo,
}

/// The buffers a loop reads with, and what the last turn read.
struct LoopIo {
    scratch: Vec<u8>,
    spares: Vec<Block>,
    /// UDP datagrams read since the thread last looked (a UDP stream makes the thread nap
    /// between turns; TCP arrives in large reads and does not need it).
    read_count: usize,
}

impl Inner {
    fn framing(&self) -> Framing {
        Framing {
            header_size: self.header_size.load(Ordering::Relaxed),
            raw: self.raw.load(Ordering::Relaxed),
        }
    }

    fn max_datagram(&self) -> usize {
        match self.max_datagram.load(Ordering::Relaxed) {
            0 if self.framing().tcp_header_len() == 4 => DEFAULT_MAX_DATAGRAM_H4,
            0 => DEFAULT_MAX_DATAGRAM_H2,
            n => n,
        }
    }

    fn lock_queue(&self) -> MutexGuard<'_, BlockQueue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves as many datagrams of `pending` into the queue as fit; the rest stay, in order.
    /// Refills `spares` with emptied blocks while the lock is held.
    fn push_tcp(&self, pending: &mut VecDeque<Block>, spares: &mut Vec<Block>) {
        if pending.is_empty() {
            return;
        }
        let mut q = self.lock_queue();
        let max = self.max_queue.load(Ordering::Relaxed);
        while let Some(b) = pending.pop_front() {
            if self.recent {
                let replaced = q.push_keep_latest(b);
                stats::add(&self.replaced, replaced as u64);
                continue;
            }
            if let Some(rest) = q.push(b, max) {
                pending.push_front(rest);
                break;
            }
        }
        q.lend_spares(spares, 4);
        drop(q);
        self.notify();
    }

    /// Queues the UDP datagrams of `b`; those that do not fit are dropped and counted.
    fn push_udp(&self, b: Block, conn: &Connection, spares: &mut Vec<Block>) {
        let mut q = self.lock_queue();
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
            stats::add(&self.dropped_overflow, dropped as u64);
            stats::add(&conn.stats.dropped_overflow, dropped as u64);
            self.overflowed.store(true, Ordering::Release);
        }
        self.notify();
    }

    fn notify(&self) {
        self.pushes.fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            // Taking the lock orders this notify after a waiter's check of the queue.
            drop(self.lock_queue());
            self.available.notify_all();
        }
    }

    /// Counts received datagrams with one atomic add per counter, not one per datagram.
    fn count_in(&self, conn: &Connection, datagrams: usize, bytes: usize) {
        if datagrams == 0 {
            return;
        }
        stats::add(&self.datagrams, datagrams as u64);
        stats::add(&self.bytes, bytes as u64);
        stats::add(&conn.stats.datagrams_in, datagrams as u64);
        stats::add(&conn.stats.bytes_in, bytes as u64);
    }
}

fn close_reason(err: &io::Error) -> CloseReason {
    match err.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => CloseReason::Reset,
        _ => CloseReason::Error,
    }
}

impl ReadLoop {
    fn new(inner: std::sync::Weak<Inner>, poll: Poll, rx: Receiver<Ctl>) -> Self {
        ReadLoop {
            inner,
            poll,
            events: Events::with_capacity(1024),
            rx,
            conns: HashMap::new(),
            ready: VecDeque::new(),
            in_ready: HashSet::new(),
            blocked: Vec::new(),
            io: LoopIo {
                scratch: vec![0; READ_CHUNK],
                spares: Vec::new(),
                read_count: 0,
            },
        }
    }

    fn mark_ready(&mut self, id: u64) {
        if self.in_ready.insert(id) {
            self.ready.push_back(id);
        }
    }

    fn drop_conn(&mut self, id: u64) {
        if let Some(st) = self.conns.remove(&id) {
            let fd = st.conn.socket().as_raw_fd();
            let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
        }
        if let Some(inner) = self.inner.upgrade() {
            inner.loops.forget(id);
        }
    }

    /// Handles control messages; false on Stop.
    fn control(&mut self) -> bool {
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Ctl::Add(conn) => {
                    let id = conn.id();
                    let Some(inner) = self.inner.upgrade() else {
                        return false;
                    };
                    let framing = inner.framing();
                    self.conns.insert(
                        id,
                        ConnState {
                            conn,
                            decoder: Decoder::new(framing, inner.max_datagram()),
                            pending: VecDeque::new(),
                            closing: None,
                            peer_gone: false,
                        },
                    );
                    // Data that arrived before registration is read without waiting.
                    self.mark_ready(id);
                }
                Ctl::Remove(id) => {
                    self.conns.remove(&id);
                }
                Ctl::Space => {
                    let blocked = std::mem::take(&mut self.blocked);
                    for id in blocked {
                        self.mark_ready(id);
                    }
                }
                Ctl::Stop => return false,
            }
        }
        true
    }

    /// One turn: control messages, readiness (waiting up to `timeout` when nothing is
    /// known to be ready), then the ready connections. False when the loop must stop.
    fn turn(&mut self, timeout: Option<Duration>) -> bool {
        if !self.control() {
            return false;
        }
        let timeout = if self.ready.is_empty() {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        if let Err(e) = self.poll.poll(&mut self.events, timeout)
            && e.kind() != io::ErrorKind::Interrupted
        {
            if let Some(inner) = self.inner.upgrade() {
                inner
                    .manager
                    .log(LogLevel::Error, || format!("reader poll failed: {e}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let ids: Vec<(u64, bool)> = self
            .events
            .iter()
            .filter(|e| e.token() != WAKE)
            .map(|e| (e.token().0 as u64, e.is_read_closed() || e.is_error()))
            .collect();
        if !self.control() {
            return false;
        }
        for (id, gone) in ids {
            self.mark_ready(id);
            if gone && let Some(st) = self.conns.get_mut(&id) {
                st.peer_gone = true;
            }
        }
        let Some(inner) = self.inner.upgrade() else {
            return false;
        };
        // Each connection ready now gets one read; those with more wait for the next turn,
        // behind the others.
        for _ in 0..self.ready.len() {
            let Some(id) = self.ready.pop_front() else {
                break;
            };
            self.in_ready.remove(&id);
            match self.read_conn(&inner, id) {
                Outcome::MoreToRead => self.mark_ready(id),
                Outcome::Blocked => {
                    self.blocked.push(id);
                    stats::add(&inner.pauses, 1);
                    inner.starved.store(true, Ordering::SeqCst);
                }
                Outcome::Gone => self.drop_conn(id),
                Outcome::Drained => {}
                Outcome::ReadAll => {}
            }
        }
        // A wake-up for room may have come and gone while the connections were reading.
        if !self.blocked.is_empty() && queue_has_room(&inner) {
            for id in std::mem::take(&mut self.blocked) {
                self.mark_ready(id);
            }
        }
        true
    }

    fn read_conn(&mut self, inner: &Inner, id: u64) -> Outcome {
        let Some(st) = self.conns.get_mut(&id) else {
            return Outcome::Drained;
        };
        // Parked datagrams go first; nothing more is read until they are queued.
        if !st.pending.is_empty() {
            inner.push_tcp(&mut st.pending, &mut self.io.spares);
            if !st.pending.is_empty() {
                return Outcome::Blocked;
            }
        }
        if let Some((reason, errno, msg)) = st.closing.take() {
            inner.manager.report_close(&st.conn, reason, errno, &msg);
            return Outcome::Gone;
        }
        match st.conn.kind() {
            ConnectionKind::Udp => read_udp(inner, st, &mut self.io),
            _ => read_tcp(inner, st, &mut self.io),
        }
    }
}

fn queue_has_room(inner: &Inner) -> bool {
    inner.recent || inner.lock_queue().len() < inner.max_queue.load(Ordering::Relaxed)
}

fn read_tcp(inner: &Inner, st: &mut ConnState, io: &mut LoopIo) -> Outcome {
    let LoopIo {
        scratch, spares, ..
    } = io;
    // The rest of a large frame goes straight into its own buffer, which then becomes the
    // queued datagram: no copy through the scratch buffer and none into a block.
    if st.decoder.missing().is_some_and(|m| m >= READ_CHUNK) {
        let conn = st.conn.clone();
        let read = st.decoder.read_into(|buf| conn.recv_bytes(buf));
        if let Err(outcome) = received(inner, st, read) {
            return outcome;
        }
        if let Some((bytes, off)) = st.decoder.take_frame() {
            let block = Block::owning(conn.id(), bytes, off, conn.peer_address());
            inner.count_in(&conn, 1, block.bytes_left());
            st.pending.push_back(block);
            inner.push_tcp(&mut st.pending, spares);
            if !st.pending.is_empty() {
                return Outcome::Blocked;
            }
        }
        return Outcome::MoreToRead;
    }
    let read = st.conn.recv_bytes(scratch);
    let n = match received(inner, st, read) {
        Ok(n) => n,
        Err(outcome) => return outcome,
    };
    if st.conn.is_closed() {
        return Outcome::Gone;
    }
    let from = st.conn.peer_address();
    let mut block = spares.pop().unwrap_or_default();
    block.reset(st.conn.id());
    let fed = st
        .decoder
        .feed(&scratch[..n], |frame| block.push(frame, from));
    inner.count_in(&st.conn, block.len(), block.bytes_left());
    st.pending.push_back(block);
    inner.push_tcp(&mut st.pending, spares);
    if let Err(e) = fed {
        let reason = if e.kind() == ErrorKind::TooLarge {
            CloseReason::TooLarge
        } else {
            CloseReason::ProtocolViolation
        };
        return finish(inner, st, reason, 0, e.message().to_string());
    }
    if !st.pending.is_empty() {
        Outcome::Blocked
    } else if n < scratch.len() && !st.peer_gone {
        // A short read took all the socket had. Edge-triggered epoll reports every later
        // arrival, and an end of stream that came with this data carries the read-closed
        // flag (`peer_gone`), so no extra read is needed to find out.
        Outcome::ReadAll
    } else {
        Outcome::MoreToRead
    }
}

/// The bytes a TCP read returned, or what the loop does next: an end of stream or an error
/// closes the connection, WouldBlock means drained, an interrupt means try again.
fn received(
    inner: &Inner,
    st: &mut ConnState,
    read: io::Result<usize>,
) -> std::result::Result<usize, Outcome> {
    match read {
        Ok(0) => {
            let msg = "the peer closed the connection";
            Err(finish(inner, st, CloseReason::PeerClosed, 0, msg.into()))
        }
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(Outcome::Drained),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(Outcome::MoreToRead),
        Err(e) => {
            let msg = format!("receive failed: {e}");
            let errno = e.raw_os_error().unwrap_or(0);
            Err(finish(inner, st, close_reason(&e), errno, msg))
        }
    }
}

/// Closes after the datagrams already decoded have been queued.
fn finish(
    inner: &Inner,
    st: &mut ConnState,
    reason: CloseReason,
    errno: i32,
    msg: String,
) -> Outcome {
    if st.pending.is_empty() {
        inner.manager.report_close(&st.conn, reason, errno, &msg);
        Outcome::Gone
    } else {
        st.closing = Some((reason, errno, msg));
        Outcome::Blocked
    }
}

fn read_udp(inner: &Inner, st: &mut ConnState, io: &mut LoopIo) -> Outcome {
    let LoopIo {
        scratch,
        spares,
        read_count,
    } = io;
    let framing = inner.framing();
    let max = inner.max_datagram();
    let mut block = spares.pop().unwrap_or_default();
    block.reset(st.conn.id());
    let mut outcome = Outcome::MoreToRead;
    // Up to 256 packets per turn, so one flooded socket does not starve the others.
    for _ in 0..256 {
        let (n, from) = match st.conn.udp_recv_from(scratch) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                outcome = Outcome::Drained;
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // ICMP errors surface on UDP sockets as ECONNREFUSED: about one earlier packet,
            // not this socket. Keep reading.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
            Err(e) => {
                let msg = format!("UDP receive failed: {e}");
                let errno = e.raw_os_error().unwrap_or(0);
                outcome = finish(inner, st, CloseReason::Error, errno, msg);
                break;
            }
        };
        if st.conn.is_closed() {
            return Outcome::Gone;
        }
        if n == 0 {
            continue; // Panda3D ignores empty packets too; they are not a reset.
        }
        let Some(payload) = framing.decode_udp(&scratch[..n]) else {
            stats::add(&inner.dropped_checksum, 1);
            stats::add(&st.conn.stats.dropped_checksum, 1);
            continue;
        };
        if payload.len() > max {
            stats::add(&inner.dropped_too_large, 1);
            stats::add(&st.conn.stats.dropped_too_large, 1);
            continue;
        }
        block.push(payload, Some(address::canonical(from)));
    }
    inner.count_in(&st.conn, block.len(), block.bytes_left());
    *read_count += block.len();
    inner.push_udp(block, &st.conn, spares);
    outcome
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
        if threads > 256 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{threads} reader threads is more than the 256 allowed"),
            ));
        }
        let mut loops = Vec::new();
        let mut bodies = Vec::new();
        for _ in 0..threads.max(1) {
            let (handle, poll, rx) = LoopHandle::new("reader")?;
            loops.push(handle);
            bodies.push(ReadLoop::new(std::sync::Weak::new(), poll, rx));
        }
        let inline = if threads == 0 {
            bodies.pop().map(Mutex::new)
        } else {
            None
        };
        let inner = Arc::new(Inner {
            manager: manager.clone(),
            recent,
            header_size: AtomicU8::new(2),
            raw: AtomicBool::new(false),
            max_datagram: AtomicUsize::new(0),
            max_queue: AtomicUsize::new(DEFAULT_MAX_QUEUE),
            queue: Mutex::new(BlockQueue::default()),
            available: Condvar::new(),
            waiters: AtomicUsize::new(0),
            pushes: AtomicUsize::new(0),
            busy_poll_us: AtomicU64::new(SPIN_BEFORE_SLEEP.as_micros() as u64),
            starved: AtomicBool::new(false),
            overflowed: AtomicBool::new(false),
            loops: LoopSet::new(loops, "reader"),
            inline,
            closed: AtomicBool::new(false),
            datagrams: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            dropped_overflow: AtomicU64::new(0),
            dropped_checksum: AtomicU64::new(0),
            dropped_too_large: AtomicU64::new(0),
            replaced: AtomicU64::new(0),
            pauses: AtomicU64::new(0),
        });
        // The loops hold the reader weakly, so dropping the last handle stops them.
        if let Some(inline) = &inner.inline {
            inline.lock().unwrap_or_else(|p| p.into_inner()).inner = Arc::downgrade(&inner);
        }
        for (i, mut body) in bodies.into_iter().enumerate() {
            body.inner = Arc::downgrade(&inner);
            let handle = std::thread::Builder::new()
                .name(format!("gamenet-reader-{i}"))
                .spawn(move || {
                    // Under a steady UDP stream (several datagrams a burst), nap briefly
                    // instead of blocking in epoll: the next datagrams then arrive without a
                    // wake-up, which the sender's system call would otherwise pay for each
                    // packet. A lone request keeps the immediate wake-up; TCP comes in large
                    // reads and never naps (napping there measured slower).
                    let mut timeout = None;
                    let mut burst = 0;
                    while body.turn(timeout) {
                        burst += std::mem::take(&mut body.io.read_count);
                        if !body.ready.is_empty() {
                            timeout = Some(Duration::ZERO);
                            continue;
                        }
                        timeout = if burst >= STREAM_TURN {
                            std::thread::sleep(STREAM_NAP);
                            Some(Duration::ZERO)
                        } else {
                            None
                        };
                        burst = 0;
                    }
                })
                .map_err(|e| Error::io("spawn reader thread", &e))?;
            *inner.loops.loops[i]
                .join
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(handle);
        }
        Ok(Reader { inner })
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
        self.inner.recent
    }

    /// Raw mode: no TCP framing (each read is a datagram) and no UDP checksum header.
    /// Applies to connections added afterwards.
    pub fn set_raw_mode(&self, raw: bool) {
        self.inner.raw.store(raw, Ordering::Relaxed);
    }

    /// The framing in force for connections added from now on.
    pub fn framing(&self) -> Framing {
        self.inner.framing()
    }

    /// The TCP header size, 0, 2 (default) or 4, for connections added afterwards.
    pub fn set_tcp_header_size(&self, size: i32) -> Result<()> {
        let s = check_header_size(size)?;
        self.inner.header_size.store(s, Ordering::Relaxed);
        Ok(())
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
        if n == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "queue size must be at least 1",
            ));
        }
        self.inner.max_queue.store(n, Ordering::Relaxed);
        self.wake_starved();
        Ok(())
    }

    /// The queue bound.
    pub fn max_queue_size(&self) -> usize {
        self.inner.max_queue.load(Ordering::Relaxed)
    }

    /// Datagrams waiting in the queue.
    pub fn current_queue_size(&self) -> usize {
        self.inner.lock_queue().len()
    }

    /// How long `poll` looks for a datagram without sleeping before it waits for the
    /// kernel to wake it (default 50 microseconds; 0 turns it off). Spinning trades a
    /// little CPU, only while `poll` waits, for a round trip without wake-ups.
    pub fn set_busy_poll(&self, d: Duration) {
        self.inner.busy_poll_us.store(
            d.as_micros().min(u64::MAX as u128) as u64,
            Ordering::Relaxed,
        );
    }

    /// The busy-poll time of `poll`.
    pub fn busy_poll(&self) -> Duration {
        Duration::from_micros(self.inner.busy_poll_us.load(Ordering::Relaxed))
    }

    /// Whether UDP datagrams were dropped for a full queue since the last call (clears it).
    pub fn take_overflow(&self) -> bool {
        self.inner.overflowed.swap(false, Ordering::AcqRel)
    }

    /// The counters.
    pub fn stats(&self) -> ReaderStats {
        let i = &self.inner;
        ReaderStats {
            datagrams: stats::get(&i.datagrams),
            bytes: stats::get(&i.bytes),
            queue_size: self.current_queue_size() as u64,
            dropped_overflow: stats::get(&i.dropped_overflow),
            dropped_checksum: stats::get(&i.dropped_checksum),
            dropped_too_large: stats::get(&i.dropped_too_large),
            replaced: stats::get(&i.replaced),
            backpressure_pauses: stats::get(&i.pauses),
            connections: i.loops.len() as u64,
        }
    }

    fn check_open(&self) -> Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::Closed,
                "the reader has been shut down",
            ));
        }
        Ok(())
    }

    /// Starts watching connection `id` (TCP stream or UDP) at once.
    pub fn add_connection(&self, id: u64) -> Result<()> {
        self.check_open()?;
        let conn = self.inner.manager.connection(id)?;
        if conn.kind() == ConnectionKind::TcpRendezvous {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!("connection {id} is a rendezvous socket: add it to a listener"),
            ));
        }
        self.inner.loops.watch(conn, Ctl::Add)
    }

    /// Stops watching connection `id`; it stays open. Datagrams already queued stay queued.
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

    /// Whether a datagram is waiting. In polling mode this reads the ready sockets first.
    pub fn data_available(&self) -> bool {
        if self.current_queue_size() > 0 {
            return true;
        }
        self.pump(Some(Duration::ZERO));
        self.current_queue_size() > 0
    }

    /// Waits up to `timeout` (`None`: forever) for a datagram; true when one is waiting.
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
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                if left == Some(Duration::ZERO) || self.inner.closed.load(Ordering::Acquire) {
                    return false;
                }
                // Look without sleeping for a moment first: an answer often follows within
                // microseconds, and a sleep costs a wake-up on each side.
                if spin_until.is_none() {
                    spin_until = Some(Instant::now() + self.busy_poll());
                }
                if spin_until.is_some_and(|t| Instant::now() < t) {
                    self.pump(Some(Duration::ZERO));
                    std::hint::spin_loop();
                    continue;
                }
                self.pump(left.or(Some(Duration::from_millis(100))));
            }
        }
        // A datagram usually follows within microseconds in a game's request/response
        // exchange: watch for it briefly before paying for a sleep and a wake-up.
        let seen = self.inner.pushes.load(Ordering::SeqCst);
        if self.current_queue_size() == 0 {
            let spin_until = Instant::now() + self.busy_poll();
            let mut i = 0u32;
            while self.inner.pushes.load(Ordering::SeqCst) == seen
                && deadline.is_none_or(|d| Instant::now() < d)
                && Instant::now() < spin_until
            {
                i += 1;
                if i % 32 == 0 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
        let mut q = self.inner.lock_queue();
        self.inner.waiters.fetch_add(1, Ordering::SeqCst);
        let found = loop {
            if !q.is_empty() {
                break true;
            }
            if self.inner.closed.load(Ordering::Acquire) {
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
                .inner
                .available
                .wait_timeout(q, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        };
        self.inner.waiters.fetch_sub(1, Ordering::SeqCst);
        found
    }

    fn wake_starved(&self) {
        if self.inner.starved.swap(false, Ordering::SeqCst) {
            self.inner.loops.broadcast(|| Ctl::Space);
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
        let mut q = self.inner.lock_queue();
        let Some((conn, from, data)) = q.front() else {
            return false;
        };
        if take(conn, from, data) {
            q.pop_front();
            drop(q);
            self.wake_starved();
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
        let n = self.inner.lock_queue().drain(max, take);
        if n > 0 {
            self.wake_starved();
        }
        n
    }

    /// Takes the oldest datagram with the buffer that holds it: a large datagram read in
    /// place is handed over without a copy.
    pub fn take_owned(&self) -> Option<Owned> {
        if self.current_queue_size() == 0 {
            self.pump(Some(Duration::ZERO));
        }
        let item = self.inner.lock_queue().pop_owned();
        if item.is_some() {
            self.wake_starved();
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
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.inner.loops.stop(|| Ctl::Stop);
        if let Some(inline) = &self.inner.inline {
            let mut l = inline.lock().unwrap_or_else(|p| p.into_inner());
            let ids: Vec<u64> = l.conns.keys().copied().collect();
            for id in ids {
                l.drop_conn(id);
            }
        }
        self.inner.available.notify_all();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.loops.broadcast(|| Ctl::Stop);
    }
}
