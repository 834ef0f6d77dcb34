//! The UDP side of a writer: datagrams are sent in the calling thread, whatever the thread
//! count (a UDP send never waits for a peer), one `sendto` each or many with one
//! `sendmmsg`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::super::connection::Connection;
use super::super::error::{Error, ErrorKind, Result};
use super::super::framing::Framing;
use super::super::io::{Io, UdpIo};
use super::super::stats;
use super::Writer;

/// The largest UDP packet (payload and gamenet's header) that can go to `to`.
pub(super) fn udp_room(to: SocketAddr) -> usize {
    match to {
        SocketAddr::V6(v6) if v6.ip().to_ipv4_mapped().is_none() => 65_527,
        _ => 65_507,
    }
}

/// The datagram I/O of `c`, or `WrongKind`.
fn udp_io(c: &Connection) -> Result<&UdpIo> {
    match c.io() {
        Io::Datagram(u) => Ok(u),
        Io::Stream(_) | Io::Listen(_) => Err(Error::new(
            ErrorKind::WrongKind,
            format!("connection {} is not UDP: use send for TCP", c.id()),
        )),
    }
}

impl Writer {
    fn udp_conn(&self, conn: u64) -> Result<Arc<Connection>> {
        self.inner.life.check_open()?;
        let c = self.inner.manager.connection(conn)?;
        udp_io(&c)?;
        Ok(c)
    }

    /// Refuses a payload above the writer's UDP limit, or one that with the checksum
    /// header (unless raw) does not fit a UDP packet to `to` (65507 bytes over IPv4, 65527
    /// over IPv6).
    fn check_udp_size(&self, len: usize, framing: &Framing, to: SocketAddr) -> Result<()> {
        let max = self.inner.udp_max.load(Ordering::Relaxed);
        if len > max {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("UDP datagram of {len} bytes is above the limit of {max}"),
            ));
        }
        let head = framing.udp_header(&[]).map_or(0, |h| h.len());
        let room = udp_room(to);
        if len + head > room {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "UDP datagram of {len} bytes with its {head}-byte header does not fit a \
                     UDP packet to {to} (at most {room} bytes)"
                ),
            ));
        }
        Ok(())
    }

    /// Waits for a UDP socket that would block; false when the caller must give up.
    fn udp_wait(&self, c: &Connection, block: bool, deadline: Option<Instant>) -> bool {
        let now = Instant::now();
        if !block || deadline.is_some_and(|d| now >= d) || self.inner.life.is_closed() {
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
        c.count_out(datagrams as u64, wire);
    }

    /// Sends one datagram on UDP connection `conn` to `to`, in the calling thread, with
    /// Panda3D's checksum header unless raw. A payload above the UDP limit is refused.
    /// A socket that cannot take it: `WouldBlock` (or, when `block`, a wait up to the
    /// send timeout).
    pub fn send_to(&self, conn: u64, to: SocketAddr, payload: &[u8], block: bool) -> Result<()> {
        let c = self.udp_conn(conn)?;
        let u = udp_io(&c)?;
        self.check_udp_size(payload.len(), &self.framing(), to)?;
        let to = u.target(to);
        let header = self.framing().udp_header(payload);
        let head: &[u8] = header.as_ref().map_or(&[], |h| &h[..]);
        let deadline = if block { self.deadline() } else { None };
        loop {
            match u.send_to(head, payload, to) {
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
        let u = udp_io(&c)?;
        let framing = self.framing();
        let mut valid = items.len();
        let mut size_error = None;
        for (i, (to, p)) in items.iter().enumerate() {
            if let Err(e) = self.check_udp_size(p.len(), &framing, *to) {
                valid = i;
                size_error = Some(e);
                break;
            }
        }
        let deadline = if block { self.deadline() } else { None };
        let mut sent = 0;
        while sent < valid {
            let chunk = &items[sent..valid.min(sent + 256)];
            match u.send_many(chunk, &framing) {
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
}
