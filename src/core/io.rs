//! The I/O of one connection, as a closed set of kinds. Every reader, writer and listener
//! path matches on [`Io`] exhaustively, so a new kind (a TLS stream, a TUN/TAP device) can
//! never fall into the TCP path by default. The raw socket is reachable only here and in
//! `connection.rs`.
//!
//! - [`Io::Listen`]: a listening TCP socket (Panda3D's rendezvous).
//! - [`Io::Stream`]: a byte stream ([`Stream`], each kind a [`ByteStream`]): plain TCP
//!   today ([`TcpIo`]); a TLS stream is one more variant. An enum rather than a boxed trait
//!   object, so that an idle TCP connection costs no allocation (measured: the box added
//!   about 5% to the memory of 10,000 idle connections).
//! - [`Io::Datagram`]: addressed datagrams ([`UdpIo`]): `recv_from`, `send_to`, `sendmmsg`.
//!
//! A packet device (TUN/TAP: one packet per read and per write) will be a fourth kind.

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Duration;

use socket2::Socket;

use super::connection::{CloseReason, ConnectionKind};
use super::framing::Framing;

/// A connection's I/O: see the module documentation.
pub(crate) enum Io {
    /// A listening TCP socket.
    Listen(ListenIo),
    /// A byte stream.
    Stream(Stream),
    /// Addressed datagrams.
    Datagram(UdpIo),
}

impl std::fmt::Debug for Io {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Io::Listen(_) => "Listen",
            Io::Stream(_) => "Stream",
            Io::Datagram(_) => "Datagram",
        })
    }
}

/// A byte stream under a connection: reads and writes bytes, never blocking.
pub(crate) trait ByteStream: Send + Sync {
    /// Reads what is there now (`WouldBlock` when nothing is; `Ok(0)` at end of stream).
    fn read(&self, buf: &mut [u8]) -> io::Result<usize>;
    /// Writes as much of `parts` as the stream takes now, in order.
    fn write_vectored(&self, parts: &[io::IoSlice<'_>]) -> io::Result<usize>;
    /// Writes as much of `bytes` as the stream takes now.
    fn write(&self, bytes: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[io::IoSlice::new(bytes)])
    }
    /// Plaintext already buffered inside the stream, which readiness will not announce
    /// again (TLS): a reader must not take a short read for "drained" while this is not 0.
    fn buffered(&self) -> usize {
        0
    }
    /// Protocol bytes the stream wants written on its own (a TLS handshake, key update or
    /// close_notify): the reader flushes them from the read side.
    fn wants_write(&self) -> bool {
        false
    }
    /// Writes the protocol bytes `wants_write` announced, as far as the socket takes them.
    fn flush_protocol(&self) -> io::Result<()> {
        Ok(())
    }
    /// Shuts both directions down (errors are ignored: the peer may be gone already).
    fn shutdown(&self);
    /// The socket under the stream, for options and readiness.
    fn socket(&self) -> &Socket;
}

/// The byte streams a connection can be; every one is a [`ByteStream`].
pub(crate) enum Stream {
    /// Plain TCP.
    Tcp(TcpIo),
}

impl Stream {
    /// The stream behind its trait.
    pub(crate) fn get(&self) -> &dyn ByteStream {
        match self {
            Stream::Tcp(t) => t,
        }
    }
}

/// A plain TCP stream.
pub(crate) struct TcpIo(pub(crate) Socket);

impl ByteStream for TcpIo {
    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.0).read(buf)
    }

    fn write_vectored(&self, parts: &[io::IoSlice<'_>]) -> io::Result<usize> {
        // MSG_NOSIGNAL: a write to a reset peer never raises SIGPIPE in the engine.
        self.0.send_vectored_with_flags(parts, libc::MSG_NOSIGNAL)
    }

    fn write(&self, bytes: &[u8]) -> io::Result<usize> {
        self.0.send_with_flags(bytes, libc::MSG_NOSIGNAL)
    }

    fn shutdown(&self) {
        let _ = self.0.shutdown(Shutdown::Both);
    }

    fn socket(&self) -> &Socket {
        &self.0
    }
}

/// A listening TCP socket.
pub(crate) struct ListenIo(pub(crate) Socket);

impl ListenIo {
    /// Accepts one pending connection: the new socket and its peer.
    pub(crate) fn accept(&self) -> io::Result<(Socket, Option<SocketAddr>)> {
        let (s, peer) = self.0.accept()?;
        Ok((s, peer.as_socket()))
    }
}

/// A UDP socket.
pub(crate) struct UdpIo {
    socket: Socket,
    /// A second descriptor of the socket, for `recv_from` into an initialised buffer.
    reader: Option<std::net::UdpSocket>,
    /// An IPv6 socket that also carries IPv4 (IPV6_V6ONLY off), read once at creation.
    dual_stack: bool,
}

impl UdpIo {
    pub(crate) fn new(socket: Socket, local: SocketAddr) -> Self {
        // A failed dup leaves `reader` empty; reads then fail with a clear error.
        let reader = socket.try_clone().ok().map(std::net::UdpSocket::from);
        let dual_stack = local.is_ipv6() && socket.only_v6().is_ok_and(|v| !v);
        UdpIo {
            socket,
            reader,
            dual_stack,
        }
    }

    /// Receives one packet and its sender.
    pub(crate) fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        match &self.reader {
            Some(u) => u.recv_from(buf),
            None => Err(io::Error::other(
                "UDP socket could not be duplicated for reading",
            )),
        }
    }

    /// The address to hand the kernel for `to`: a dual-stack (IPv6) socket reaches IPv4
    /// peers through IPv4-mapped addresses.
    pub(crate) fn target(&self, to: SocketAddr) -> SocketAddr {
        match to {
            SocketAddr::V4(v4) if self.dual_stack => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            _ => to,
        }
    }

    /// Sends one packet made of `header` then `payload`, without SIGPIPE. Small packets are
    /// assembled on the stack and sent with one plain `sendto`, which is cheaper in the
    /// kernel than a two-part message.
    pub(crate) fn send_to(
        &self,
        header: &[u8],
        payload: &[u8],
        to: SocketAddr,
    ) -> io::Result<usize> {
        let to = to.into();
        if header.is_empty() {
            return self
                .socket
                .send_to_with_flags(payload, &to, libc::MSG_NOSIGNAL);
        }
        if header.len() + payload.len() <= 2048 {
            // A buffer of the thread's, reused: neither cleared nor allocated per packet.
            thread_local! {
                static PACKET: std::cell::RefCell<Vec<u8>> =
                    std::cell::RefCell::new(Vec::with_capacity(2048));
            }
            return PACKET.with_borrow_mut(|buf| {
                buf.clear();
                buf.extend_from_slice(header);
                buf.extend_from_slice(payload);
                self.socket.send_to_with_flags(buf, &to, libc::MSG_NOSIGNAL)
            });
        }
        let bufs = [io::IoSlice::new(header), io::IoSlice::new(payload)];
        self.socket
            .send_to_vectored_with_flags(&bufs, &to, libc::MSG_NOSIGNAL)
    }

    /// Sends datagrams (each to its own address, with Panda3D's checksum header unless
    /// raw) with one `sendmmsg`; returns how many the kernel took.
    pub(crate) fn send_many(
        &self,
        items: &[(SocketAddr, &[u8])],
        framing: &Framing,
    ) -> io::Result<usize> {
        use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, sendmmsg};
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
            .map(|(a, _)| Some(SockaddrStorage::from(self.target(*a))))
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
}

impl Io {
    /// The public kind of this I/O.
    pub(crate) fn kind(&self) -> ConnectionKind {
        match self {
            Io::Listen(_) => ConnectionKind::TcpRendezvous,
            Io::Stream(_) => ConnectionKind::Tcp,
            Io::Datagram(_) => ConnectionKind::Udp,
        }
    }

    /// The socket under the I/O (options, readiness, registration).
    pub(crate) fn socket(&self) -> &Socket {
        match self {
            Io::Listen(l) => &l.0,
            Io::Stream(s) => s.get().socket(),
            Io::Datagram(u) => &u.socket,
        }
    }

    /// The descriptor epoll watches.
    pub(crate) fn raw_fd(&self) -> RawFd {
        self.socket().as_raw_fd()
    }

    /// Shuts the I/O down; what is left is released when the last reference drops.
    pub(crate) fn shutdown(&self) {
        match self {
            Io::Stream(s) => s.get().shutdown(),
            // Errors here (ENOTCONN) change nothing: the descriptor closes on drop.
            Io::Listen(l) => {
                let _ = l.0.shutdown(Shutdown::Both);
            }
            Io::Datagram(u) => {
                let _ = u.socket.shutdown(Shutdown::Both);
            }
        }
    }

    /// Whether the socket is shut down in both directions by the network (POLLHUP): after
    /// a reset, not after an orderly close by the peer (which shuts only our read side).
    /// An end of stream with this set was a reset whose error another thread's write
    /// already took from the socket.
    pub(crate) fn hung_up(&self) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let mut fds = [PollFd::new(self.socket().as_fd(), PollFlags::POLLOUT)];
        matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
            && fds[0]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLHUP))
    }

    /// Takes the socket's pending error (SO_ERROR), if any.
    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.socket().take_error()
    }

    /// Waits up to `timeout` for the I/O to become writable (readable when `write` is
    /// false). True when it is.
    pub(crate) fn wait_ready(&self, write: bool, timeout: Duration) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let flags = if write {
            PollFlags::POLLOUT
        } else {
            PollFlags::POLLIN
        };
        let mut fds = [PollFd::new(self.socket().as_fd(), flags)];
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        let t = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
        matches!(poll(&mut fds, t), Ok(n) if n > 0)
    }
}

/// The IP address a socket is bound to (`None`: not an IP socket).
pub(crate) fn local_address(s: &Socket) -> io::Result<Option<SocketAddr>> {
    Ok(s.local_addr()?.as_socket())
}

/// The IP address of a connected socket's peer, when it has one.
pub(crate) fn peer_address(s: &Socket) -> Option<SocketAddr> {
    s.peer_addr().ok()?.as_socket()
}

/// The one mapping from an I/O error to a close reason, used by every path that closes a
/// connection for an error (reader, writer, listener, manager).
pub fn close_reason(err: &io::Error) -> CloseReason {
    match err.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => CloseReason::Reset,
        _ => CloseReason::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mapping_for_every_close() {
        for (kind, want) in [
            (io::ErrorKind::ConnectionReset, CloseReason::Reset),
            (io::ErrorKind::ConnectionAborted, CloseReason::Reset),
            (io::ErrorKind::BrokenPipe, CloseReason::Reset),
            (io::ErrorKind::TimedOut, CloseReason::Error),
            (io::ErrorKind::Other, CloseReason::Error),
        ] {
            assert_eq!(close_reason(&io::Error::from(kind)), want, "{kind:?}");
        }
        // errno values as the kernel reports them map the same way.
        let aborted = io::Error::from_raw_os_error(libc::ECONNABORTED);
        assert_eq!(close_reason(&aborted), CloseReason::Reset);
        let pipe = io::Error::from_raw_os_error(libc::EPIPE);
        assert_eq!(close_reason(&pipe), CloseReason::Reset);
    }
}
