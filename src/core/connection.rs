//! One connection the manager owns: a TCP rendezvous (listening) socket, a TCP stream, or a
//! UDP socket. The connection owns its I/O (`io.rs`: the raw socket is reachable only
//! there and here), its end of life (`close`: one path for every close, which discards the
//! outbound buffer, returning the writers' credits, shuts the I/O and reports the close
//! once), its read side (`read_side.rs`: at most one consumer at a time, and the decoding
//! state that travels with the connection) and its counters.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Weak};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use super::error::{Error, ErrorKind, Result};
use super::io::{ByteStream, Io, ListenIo};
use super::outbuf::{Credit, Flushed, OutBuf};
use super::read_side::ReadSide;
use super::sockopt::SockOpts;
use super::stats::{ConnStats, ConnStatsSnapshot, DropReason};

/// What kind of socket a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ConnectionKind {
    /// A listening TCP socket (Panda3D's "rendezvous").
    TcpRendezvous = 1,
    /// A connected TCP stream.
    Tcp = 2,
    /// A UDP socket.
    Udp = 3,
}

/// Why a connection closed; every close is reported once on the manager's reset queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum CloseReason {
    /// The application closed it (`close_connection`).
    LocalClose = 1,
    /// The peer closed its end in order (end of stream).
    PeerClosed = 2,
    /// The peer reset the connection.
    Reset = 3,
    /// A socket error other than a reset.
    Error = 4,
    /// The peer broke the framing protocol.
    ProtocolViolation = 5,
    /// The peer announced a datagram larger than the configured maximum.
    TooLarge = 6,
    /// The manager was freed or shut down with the connection open.
    ManagerShutdown = 7,
}

impl CloseReason {
    /// A short lowercase name, as used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::LocalClose => "local close",
            CloseReason::PeerClosed => "peer closed",
            CloseReason::Reset => "reset",
            CloseReason::Error => "error",
            CloseReason::ProtocolViolation => "protocol violation",
            CloseReason::TooLarge => "too large",
            CloseReason::ManagerShutdown => "manager shutdown",
        }
    }
}

/// A closed connection as the reset queue reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetEvent {
    /// The id the connection had (now stale).
    pub conn: u64,
    /// Why it closed.
    pub reason: CloseReason,
    /// The `errno` behind it, or 0.
    pub os_error: i32,
    /// A human-readable account.
    pub message: String,
}

/// Where a connection reports its close (the manager): the reset queue and close sinks.
pub(crate) trait CloseReport: Send + Sync {
    /// Called once per connection, by the call that closed it.
    fn closed(&self, event: ResetEvent);
}

/// A connection owned by a manager, referred to by its id. See the module documentation.
pub struct Connection {
    id: u64,
    io: Io,
    local: SocketAddr,
    peer: Option<SocketAddr>,
    closed: AtomicBool,
    report: Weak<dyn CloseReport>,
    read: Mutex<ReadSide>,
    out: OutBuf,
    /// Set while a flush of this connection is scheduled on a writer thread (the writers'
    /// scheduling state, kept here so that scheduling costs one atomic swap).
    scheduled: AtomicBool,
    stats: ConnStats,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("io", &self.io)
            .field("local", &self.local)
            .field("peer", &self.peer)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Connection {
    pub(crate) fn new(
        id: u64,
        io: Io,
        local: SocketAddr,
        peer: Option<SocketAddr>,
        report: Weak<dyn CloseReport>,
    ) -> Self {
        Connection {
            id,
            io,
            local,
            peer,
            closed: AtomicBool::new(false),
            report,
            read: Mutex::new(ReadSide::default()),
            out: OutBuf::default(),
            scheduled: AtomicBool::new(false),
            stats: ConnStats::default(),
        }
    }

    /// The connection's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The kind of connection.
    pub fn kind(&self) -> ConnectionKind {
        self.io.kind()
    }

    /// The connection's I/O, for the loops that match on its kind.
    pub(crate) fn io(&self) -> &Io {
        &self.io
    }

    /// The address the socket is bound to (IPv4-mapped addresses shown as IPv4).
    pub fn local_address(&self) -> SocketAddr {
        self.local
    }

    /// The peer of a TCP stream; `None` for rendezvous and UDP sockets.
    pub fn peer_address(&self) -> Option<SocketAddr> {
        self.peer
    }

    // ---- end of life -------------------------------------------------------------------

    /// Whether the connection has been closed.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Closes the connection: flips the closed flag (only the first call goes on), drops
    /// what writers queued on it (returning their credits), shuts the I/O down and reports
    /// the close once, with its reason, to the manager (reset queue and close sinks). A
    /// closed connection is never read again: its read claim ends with it. Returns whether
    /// this call was the one that closed it.
    pub fn close(&self, reason: CloseReason, os_error: i32, message: &str) -> bool {
        if self.closed.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.out.discard();
        self.io.shutdown();
        if let Some(r) = self.report.upgrade() {
            r.closed(ResetEvent {
                conn: self.id,
                reason,
                os_error,
                message: message.to_string(),
            });
        }
        true
    }

    /// Closes the connection for an I/O error `what` failed with (one mapping of errors to
    /// reasons for everyone: [`super::io::close_reason`]).
    pub(crate) fn close_for_error(&self, what: &str, err: &io::Error) -> bool {
        let reason = super::io::close_reason(err);
        let msg = format!("{what} failed: {err}");
        self.close(reason, err.raw_os_error().unwrap_or(0), &msg)
    }

    // ---- read side ---------------------------------------------------------------------

    /// The read side: owner, decoder, datagrams waiting for room.
    pub(crate) fn read_side(&self) -> MutexGuard<'_, ReadSide> {
        self.read.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers the connection's descriptor with an event loop.
    pub(crate) fn register(
        &self,
        registry: &Registry,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        registry.register(&mut SourceFd(&self.io.raw_fd()), token, interest)
    }

    /// Removes the connection's descriptor from an event loop.
    pub(crate) fn deregister(&self, registry: &Registry) {
        // Not registered there (any more): nothing to undo.
        let _ = registry.deregister(&mut SourceFd(&self.io.raw_fd()));
    }

    /// Accepts one pending connection on a rendezvous socket.
    pub(crate) fn accept(&self) -> io::Result<(socket2::Socket, Option<SocketAddr>)> {
        match &self.io {
            Io::Listen(l) => ListenIo::accept(l),
            Io::Stream(_) | Io::Datagram(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "accept on a connection that is not a rendezvous socket",
            )),
        }
    }

    /// Waits up to `timeout` for the I/O to become writable (readable when `write` is
    /// false). True when it is.
    pub(crate) fn wait_ready(&self, write: bool, timeout: Duration) -> bool {
        self.io.wait_ready(write, timeout)
    }

    // ---- write side --------------------------------------------------------------------

    fn stream(&self) -> io::Result<&dyn ByteStream> {
        match &self.io {
            Io::Stream(s) => Ok(s.get()),
            Io::Listen(_) | Io::Datagram(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a byte-stream write on a connection that is not a stream",
            )),
        }
    }

    /// Appends framed datagrams to the outbound buffer (see [`OutBuf::append`]); refused
    /// (`Closed`) once the connection is closed, so no credit is ever stranded.
    pub(crate) fn append_out(
        &self,
        limit: usize,
        extra: usize,
        frames: usize,
        credit: Option<&Credit>,
        write: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<bool> {
        self.out.append(limit, extra, frames, credit, write)
    }

    /// Writes what writers have queued on this connection, counting what leaves.
    pub(crate) fn flush_out(&self) -> io::Result<Flushed> {
        let s = self.stream()?;
        self.out.flush(
            |b| s.write(b),
            |frames, bytes| self.count_out(frames, bytes),
        )
    }

    /// Writes one large datagram straight from the caller's memory when nothing is queued
    /// (see [`OutBuf::write_through`]); `None` when the buffer is busy.
    pub(crate) fn write_through(
        &self,
        header: &[u8],
        payload: &[u8],
        credit: &Credit,
    ) -> Option<io::Result<Flushed>> {
        let s = match self.stream() {
            Ok(s) => s,
            Err(e) => return Some(Err(e)),
        };
        let r = self
            .out
            .write_through(header, payload, credit, |parts| s.write_vectored(parts))?;
        Some(r.map(|(flushed, took)| {
            // The datagram counts once it has left whole; a queued rest counts its bytes
            // (and the datagram) when it is written.
            let whole = u64::from(flushed == Flushed::Done);
            self.count_out(whole, took);
            flushed
        }))
    }

    /// Bytes queued by writers and not yet handed to the kernel.
    pub fn pending_out_bytes(&self) -> usize {
        self.out.pending_bytes()
    }

    /// Datagrams queued by writers and not yet handed to the kernel.
    pub fn pending_out_datagrams(&self) -> usize {
        self.out.pending_frames()
    }

    /// Marks a flush of this connection as scheduled; false when one already is.
    pub(crate) fn try_schedule(&self) -> bool {
        !self.scheduled.swap(true, Ordering::SeqCst)
    }

    /// The scheduled flush is starting: sends from now on schedule a new one.
    pub(crate) fn unschedule(&self) {
        self.scheduled.store(false, Ordering::SeqCst);
    }

    // ---- counters ----------------------------------------------------------------------

    /// The connection's traffic and drop counters.
    pub fn stats(&self) -> ConnStatsSnapshot {
        self.stats.snapshot()
    }

    /// Counts datagrams received and queued for the engine (payload bytes).
    pub(crate) fn count_in(&self, datagrams: usize, bytes: usize) {
        self.stats.count_in(datagrams, bytes);
    }

    /// Counts datagrams handed to the kernel (bytes with framing).
    pub(crate) fn count_out(&self, datagrams: u64, bytes: usize) {
        self.stats.count_out(datagrams, bytes);
    }

    /// Counts datagrams dropped for `why`.
    pub(crate) fn count_drop(&self, why: DropReason, n: usize) {
        self.stats.count_drop(why, n);
    }

    // ---- options -----------------------------------------------------------------------

    /// The socket options, checked to apply to this kind (`tcp_only` names a stream
    /// option for the error message).
    fn opts(&self, tcp_only: Option<&str>) -> Result<SockOpts<'_>> {
        let tcp = match &self.io {
            Io::Stream(_) | Io::Listen(_) => true,
            Io::Datagram(_) => false,
        };
        if let Some(what) = tcp_only
            && !tcp
        {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!(
                    "{what} applies to TCP connections, and connection {} is UDP",
                    self.id
                ),
            ));
        }
        Ok(SockOpts {
            s: self.io.socket(),
            v6: self.local.is_ipv6(),
        })
    }

    /// TCP_NODELAY: send small segments at once (on by default for gamenet's TCP streams).
    pub fn set_no_delay(&self, on: bool) -> Result<()> {
        self.opts(Some("no-delay"))?.set_no_delay(on)
    }

    /// Whether TCP_NODELAY is on.
    pub fn no_delay(&self) -> Result<bool> {
        self.opts(Some("no-delay"))?.no_delay()
    }

    /// SO_LINGER: `None` turns it off; `Some(d)` makes close wait up to `d` for unsent data.
    pub fn set_linger(&self, linger: Option<Duration>) -> Result<()> {
        self.opts(None)?.set_linger(linger)
    }

    /// The SO_LINGER setting.
    pub fn linger(&self) -> Result<Option<Duration>> {
        self.opts(None)?.linger()
    }

    /// SO_KEEPALIVE, with the idle time before the first probe and the interval between
    /// probes when given (each at least one second; the OS counts whole seconds).
    pub fn set_keep_alive(
        &self,
        on: bool,
        idle: Option<Duration>,
        interval: Option<Duration>,
    ) -> Result<()> {
        self.opts(Some("keep-alive"))?
            .set_keep_alive(on, idle, interval)
    }

    /// Whether SO_KEEPALIVE is on, the idle time and the probe interval.
    pub fn keep_alive(&self) -> Result<(bool, Duration, Duration)> {
        self.opts(Some("keep-alive"))?.keep_alive()
    }

    /// SO_SNDBUF in bytes (Linux doubles the value for its own bookkeeping).
    pub fn set_send_buffer_size(&self, bytes: usize) -> Result<()> {
        self.opts(None)?.set_send_buffer_size(bytes)
    }

    /// SO_SNDBUF as the OS reports it.
    pub fn send_buffer_size(&self) -> Result<usize> {
        self.opts(None)?.send_buffer_size()
    }

    /// SO_RCVBUF in bytes (Linux doubles the value for its own bookkeeping).
    pub fn set_recv_buffer_size(&self, bytes: usize) -> Result<()> {
        self.opts(None)?.set_recv_buffer_size(bytes)
    }

    /// SO_RCVBUF as the OS reports it.
    pub fn recv_buffer_size(&self) -> Result<usize> {
        self.opts(None)?.recv_buffer_size()
    }

    /// SO_REUSEADDR.
    pub fn set_reuse_addr(&self, on: bool) -> Result<()> {
        self.opts(None)?.set_reuse_addr(on)
    }

    /// Whether SO_REUSEADDR is on.
    pub fn reuse_addr(&self) -> Result<bool> {
        self.opts(None)?.reuse_addr()
    }

    /// The time-to-live (IPv4) or unicast hop limit (IPv6) of outgoing packets, 1 to 255.
    /// On a dual-stack IPv6 socket the IPv4 TTL is set too, for IPv4-mapped peers.
    pub fn set_ttl(&self, ttl: u32) -> Result<()> {
        self.opts(None)?.set_ttl(ttl)
    }

    /// The TTL or hop limit.
    pub fn ttl(&self) -> Result<u32> {
        self.opts(None)?.ttl()
    }

    /// The type-of-service byte (IPv4 IP_TOS, IPv6 traffic class), 0 to 255.
    pub fn set_tos(&self, tos: u32) -> Result<()> {
        self.opts(None)?.set_tos(tos)
    }

    /// The type-of-service byte.
    pub fn tos(&self) -> Result<u32> {
        self.opts(None)?.tos()
    }
}
