//! One socket the manager owns: a TCP rendezvous (listening) socket, a TCP stream, or a UDP
//! socket, with the options Panda3D's `Connection` exposes. Every option really reaches the
//! socket (Panda3D's keep-alive, TTL and TOS setters do nothing) and can be read back.

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use socket2::{Socket, TcpKeepalive};

use super::error::{Error, ErrorKind, Result};
use super::outbuf::{Flushed, OutBuf};
use super::stats::{ConnStats, ConnStatsSnapshot};

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

/// A socket owned by a manager, referred to by its id.
#[derive(Debug)]
pub struct Connection {
    id: u64,
    kind: ConnectionKind,
    socket: Socket,
    /// A second descriptor of a UDP socket, for `recv_from` into an initialised buffer.
    udp: Option<std::net::UdpSocket>,
    /// An IPv6 socket that also carries IPv4 (IPV6_V6ONLY off), read once at creation.
    dual_stack: bool,
    local: SocketAddr,
    peer: Option<SocketAddr>,
    closed: AtomicBool,
    pub(crate) out: OutBuf,
    pub(crate) stats: ConnStats,
}

fn opt_err(what: &str, err: std::io::Error) -> Error {
    Error::io(format!("set {what}"), &err)
}

impl Connection {
    pub(crate) fn new(
        id: u64,
        kind: ConnectionKind,
        socket: Socket,
        local: SocketAddr,
        peer: Option<SocketAddr>,
    ) -> Self {
        // A failed dup leaves `udp` empty; UDP reads then fail with a clear error.
        let udp = (kind == ConnectionKind::Udp)
            .then(|| socket.try_clone().ok().map(std::net::UdpSocket::from))
            .flatten();
        let dual_stack = local.is_ipv6() && socket.only_v6().is_ok_and(|v| !v);
        Connection {
            id,
            kind,
            socket,
            udp,
            dual_stack,
            local,
            peer,
            closed: AtomicBool::new(false),
            out: OutBuf::default(),
            stats: ConnStats::default(),
        }
    }

    /// The connection's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The kind of socket.
    pub fn kind(&self) -> ConnectionKind {
        self.kind
    }

    /// The underlying socket.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// The address the socket is bound to (IPv4-mapped addresses shown as IPv4).
    pub fn local_address(&self) -> SocketAddr {
        self.local
    }

    /// The peer of a TCP stream; `None` for rendezvous and UDP sockets.
    pub fn peer_address(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// Writes what writers have queued on this connection, counting what leaves.
    pub(crate) fn flush_out(&self) -> io::Result<Flushed> {
        self.out.flush(
            |b| self.send_bytes(b),
            |frames, bytes| {
                super::stats::add(&self.stats.datagrams_out, frames);
                super::stats::add(&self.stats.bytes_out, bytes as u64);
            },
        )
    }

    /// Sends several buffers on a stream in one call, without ever raising SIGPIPE.
    pub(crate) fn send_parts(&self, parts: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.socket
            .send_vectored_with_flags(parts, libc::MSG_NOSIGNAL)
    }

    /// Sends on a stream without ever raising SIGPIPE.
    pub(crate) fn send_bytes(&self, bytes: &[u8]) -> io::Result<usize> {
        self.socket.send_with_flags(bytes, libc::MSG_NOSIGNAL)
    }

    /// Reads from a stream.
    pub(crate) fn recv_bytes(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.socket).read(buf)
    }

    /// Receives one UDP packet and its sender.
    pub(crate) fn udp_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        match &self.udp {
            Some(u) => u.recv_from(buf),
            None => Err(io::Error::other(
                "UDP socket could not be duplicated for reading",
            )),
        }
    }

    /// Sends one UDP packet made of `header` then `payload`, without SIGPIPE. Small
    /// packets are assembled on the stack and sent with one plain `sendto`, which is
    /// cheaper in the kernel than a two-part message.
    pub(crate) fn udp_send_to(
        &self,
        header: &[u8],
        payload: &[u8],
        to: SocketAddr,
    ) -> io::Result<usize> {
        let to = to.into();
        let total = header.len() + payload.len();
        if total <= 2048 {
            let mut buf = [0u8; 2048];
            buf[..header.len()].copy_from_slice(header);
            buf[header.len()..total].copy_from_slice(payload);
            return self
                .socket
                .send_to_with_flags(&buf[..total], &to, libc::MSG_NOSIGNAL);
        }
        let bufs = [io::IoSlice::new(header), io::IoSlice::new(payload)];
        self.socket
            .send_to_vectored_with_flags(&bufs, &to, libc::MSG_NOSIGNAL)
    }

    /// The address to hand the kernel for `to`: a dual-stack (IPv6) socket reaches IPv4
    /// peers through IPv4-mapped addresses.
    pub(crate) fn udp_target(&self, to: SocketAddr) -> SocketAddr {
        match to {
            SocketAddr::V4(v4) if self.dual_stack => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            _ => to,
        }
    }

    /// Sends UDP datagrams (each to its own address, with Panda3D's checksum header unless
    /// raw) with one `sendmmsg`; returns how many the kernel took.
    pub(crate) fn udp_send_many(
        &self,
        items: &[(SocketAddr, &[u8])],
        framing: &super::framing::Framing,
    ) -> io::Result<usize> {
        use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, sendmmsg};
        use std::os::fd::AsRawFd;
        let heads: Vec<[u8; 2]> = items
            .iter()
            .map(|(_, p)| framing.udp_header(p).unwrap_or([0, 0]))
            .collect();
        let hl = if framing.raw { 0 } else { 2 };
        let slices: Vec<[io::IoSlice<'_>; 2]> = items
            .iter()
            .zip(&heads)
            .map(|((_, p), h)| [io::IoSlice::new(&h[..hl]), io::IoSlice::new(p)])
            .collect();
        let addrs: Vec<Option<SockaddrStorage>> = items
            .iter()
            .map(|(a, _)| Some(SockaddrStorage::from(self.udp_target(*a))))
            .collect();
        let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(items.len(), None);
        let flags = MsgFlags::MSG_NOSIGNAL;
        match sendmmsg(
            self.socket.as_raw_fd(),
            &mut headers,
            &slices,
            addrs,
            [],
            flags,
        ) {
            Ok(results) => Ok(results.count()),
            Err(e) => Err(io::Error::from_raw_os_error(e as i32)),
        }
    }

    /// Waits up to `timeout` for the socket to become writable (or readable when `write` is
    /// false). True when it is.
    pub(crate) fn wait_ready(&self, write: bool, timeout: Duration) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        let flags = if write {
            PollFlags::POLLOUT
        } else {
            PollFlags::POLLIN
        };
        let mut fds = [PollFd::new(self.socket.as_fd(), flags)];
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        let t = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
        matches!(poll(&mut fds, t), Ok(n) if n > 0)
    }

    /// The connection's traffic and drop counters.
    pub fn stats(&self) -> ConnStatsSnapshot {
        self.stats.snapshot()
    }

    /// Bytes queued by writers and not yet handed to the kernel.
    pub fn pending_out_bytes(&self) -> usize {
        self.out.pending_bytes()
    }

    /// Whether the connection has been closed.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Marks the connection closed and shuts the socket down; true only the first time.
    pub(crate) fn mark_closed(&self) -> bool {
        if self.closed.swap(true, Ordering::AcqRel) {
            return false;
        }
        // Errors here (ENOTCONN on a socket the peer already reset) change nothing: the
        // descriptor itself is closed when the last reference drops.
        let _ = self.socket.shutdown(Shutdown::Both);
        true
    }

    fn require_tcp(&self, what: &str) -> Result<()> {
        if self.kind == ConnectionKind::Udp {
            return Err(Error::new(
                ErrorKind::WrongKind,
                format!(
                    "{what} applies to TCP connections, and connection {} is UDP",
                    self.id
                ),
            ));
        }
        Ok(())
    }

    fn is_v6(&self) -> bool {
        self.local.is_ipv6()
    }

    /// TCP_NODELAY: send small segments at once (on by default for gamenet's TCP streams).
    pub fn set_no_delay(&self, on: bool) -> Result<()> {
        self.require_tcp("no-delay")?;
        self.socket
            .set_tcp_nodelay(on)
            .map_err(|e| opt_err("TCP_NODELAY", e))
    }

    /// Whether TCP_NODELAY is on.
    pub fn no_delay(&self) -> Result<bool> {
        self.require_tcp("no-delay")?;
        self.socket
            .tcp_nodelay()
            .map_err(|e| Error::io("get TCP_NODELAY", &e))
    }

    /// SO_LINGER: `None` turns it off; `Some(d)` makes close wait up to `d` for unsent data.
    pub fn set_linger(&self, linger: Option<Duration>) -> Result<()> {
        self.socket
            .set_linger(linger)
            .map_err(|e| opt_err("SO_LINGER", e))
    }

    /// The SO_LINGER setting.
    pub fn linger(&self) -> Result<Option<Duration>> {
        self.socket
            .linger()
            .map_err(|e| Error::io("get SO_LINGER", &e))
    }

    /// SO_KEEPALIVE, with the idle time before the first probe and the interval between
    /// probes when given (each at least one second; the OS counts whole seconds).
    pub fn set_keep_alive(
        &self,
        on: bool,
        idle: Option<Duration>,
        interval: Option<Duration>,
    ) -> Result<()> {
        self.require_tcp("keep-alive")?;
        if !on {
            return self
                .socket
                .set_keepalive(false)
                .map_err(|e| opt_err("SO_KEEPALIVE", e));
        }
        let mut ka = TcpKeepalive::new();
        for d in [idle, interval].into_iter().flatten() {
            if d < Duration::from_secs(1) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "keep-alive idle time and interval must be at least 1000 ms",
                ));
            }
        }
        if let Some(idle) = idle {
            ka = ka.with_time(idle);
        }
        if let Some(interval) = interval {
            ka = ka.with_interval(interval);
        }
        self.socket
            .set_tcp_keepalive(&ka)
            .map_err(|e| opt_err("keep-alive", e))
    }

    /// Whether SO_KEEPALIVE is on, the idle time and the probe interval.
    pub fn keep_alive(&self) -> Result<(bool, Duration, Duration)> {
        self.require_tcp("keep-alive")?;
        let get = |e: std::io::Error| Error::io("get keep-alive", &e);
        Ok((
            self.socket.keepalive().map_err(get)?,
            self.socket.tcp_keepalive_time().map_err(get)?,
            self.socket.tcp_keepalive_interval().map_err(get)?,
        ))
    }

    /// SO_SNDBUF in bytes (Linux doubles the value for its own bookkeeping).
    pub fn set_send_buffer_size(&self, bytes: usize) -> Result<()> {
        self.socket
            .set_send_buffer_size(bytes)
            .map_err(|e| opt_err("SO_SNDBUF", e))
    }

    /// SO_SNDBUF as the OS reports it.
    pub fn send_buffer_size(&self) -> Result<usize> {
        self.socket
            .send_buffer_size()
            .map_err(|e| Error::io("get SO_SNDBUF", &e))
    }

    /// SO_RCVBUF in bytes (Linux doubles the value for its own bookkeeping).
    pub fn set_recv_buffer_size(&self, bytes: usize) -> Result<()> {
        self.socket
            .set_recv_buffer_size(bytes)
            .map_err(|e| opt_err("SO_RCVBUF", e))
    }

    /// SO_RCVBUF as the OS reports it.
    pub fn recv_buffer_size(&self) -> Result<usize> {
        self.socket
            .recv_buffer_size()
            .map_err(|e| Error::io("get SO_RCVBUF", &e))
    }

    /// SO_REUSEADDR.
    pub fn set_reuse_addr(&self, on: bool) -> Result<()> {
        self.socket
            .set_reuse_address(on)
            .map_err(|e| opt_err("SO_REUSEADDR", e))
    }

    /// Whether SO_REUSEADDR is on.
    pub fn reuse_addr(&self) -> Result<bool> {
        self.socket
            .reuse_address()
            .map_err(|e| Error::io("get SO_REUSEADDR", &e))
    }

    /// The time-to-live (IPv4) or unicast hop limit (IPv6) of outgoing packets, 1 to 255.
    /// On a dual-stack IPv6 socket the IPv4 TTL is set too, for IPv4-mapped peers.
    pub fn set_ttl(&self, ttl: u32) -> Result<()> {
        if !(1..=255).contains(&ttl) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("TTL {ttl} is out of range (1 to 255)"),
            ));
        }
        if self.is_v6() {
            self.socket
                .set_unicast_hops_v6(ttl)
                .map_err(|e| opt_err("IPV6_UNICAST_HOPS", e))?;
            // Best effort: only meaningful for IPv4-mapped traffic on a dual-stack socket.
            let _ = self.socket.set_ttl_v4(ttl);
            Ok(())
        } else {
            self.socket
                .set_ttl_v4(ttl)
                .map_err(|e| opt_err("IP_TTL", e))
        }
    }

    /// The TTL or hop limit.
    pub fn ttl(&self) -> Result<u32> {
        let r = if self.is_v6() {
            self.socket.unicast_hops_v6()
        } else {
            self.socket.ttl_v4()
        };
        r.map_err(|e| Error::io("get TTL", &e))
    }

    /// The type-of-service byte (IPv4 IP_TOS, IPv6 traffic class), 0 to 255.
    pub fn set_tos(&self, tos: u32) -> Result<()> {
        if tos > 255 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("TOS {tos} is out of range (0 to 255)"),
            ));
        }
        if self.is_v6() {
            self.socket
                .set_tclass_v6(tos)
                .map_err(|e| opt_err("IPV6_TCLASS", e))?;
            let _ = self.socket.set_tos_v4(tos);
            Ok(())
        } else {
            self.socket
                .set_tos_v4(tos)
                .map_err(|e| opt_err("IP_TOS", e))
        }
    }

    /// The type-of-service byte.
    pub fn tos(&self) -> Result<u32> {
        let r = if self.is_v6() {
            self.socket.tclass_v6()
        } else {
            self.socket.tos_v4()
        };
        r.map_err(|e| Error::io("get TOS", &e))
    }
}
