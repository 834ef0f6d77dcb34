//! The TCP send path of a writer, in its steps: a large datagram written straight from the
//! caller's memory (`write_through_one`), admission against the queue and the
//! connection's buffer (`admit`), framing into the buffer (`Framing::encode_tcp_into`),
//! the wait of a blocking send (`wait_for_room`), and the start of the write (`kick`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::super::connection::{Connection, ConnectionKind};
use super::super::error::{Error, ErrorKind, Result};
use super::super::framing::Framing;
use super::super::outbuf::Flushed;
use super::super::stats;
use super::Writer;
use super::shard::{ShardMsg, flush_conn};

/// Datagrams from this size are written straight from the caller's memory when the
/// connection has nothing queued (no copy into the outbound buffer).
const DIRECT_MIN: usize = 64 * 1024;

/// Datagrams every connection may queue on a threaded writer even when the writer-wide
/// queue is full (see `queue_room`).
pub(super) const RESERVE: usize = 256;

/// What admission allows of a run of datagrams.
struct Admitted {
    /// How many datagrams fit.
    count: usize,
    /// Their framed size.
    bytes: usize,
    /// The datagram after them cannot be described by the header.
    too_large: bool,
}

impl Writer {
    fn tcp_conn(&self, id: u64) -> Result<Arc<Connection>> {
        let conn = self.inner.manager.connection(id)?;
        match conn.kind() {
            ConnectionKind::Tcp => Ok(conn),
            ConnectionKind::Udp | ConnectionKind::TcpRendezvous => Err(Error::new(
                ErrorKind::WrongKind,
                format!("connection {id} is not a TCP stream: use send_to for UDP"),
            )),
        }
    }

    /// Writes one large datagram straight from the caller's memory when the connection has
    /// nothing queued. `None`: the buffer is busy, append as usual.
    fn write_through_one(
        &self,
        c: &Connection,
        framing: &Framing,
        one: &[u8],
    ) -> Option<Result<()>> {
        if one.len() < DIRECT_MIN || one.len() as u64 > framing.max_tcp_payload() {
            return None;
        }
        let mut h = [0u8; 4];
        let n = match framing.tcp_header(one.len(), &mut h) {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        match c.write_through(&h[..n], one, &self.inner.queued)? {
            Ok(_) => {
                self.count_accepted(&[one]);
                Some(Ok(()))
            }
            Err(e) => {
                if c.close_for_error("send", &e) {
                    stats::add(&self.inner.send_errors, 1);
                }
                Some(Err(Error::io(format!("send on connection {}", c.id()), &e)))
            }
        }
    }

    /// How many more datagrams connection `c` may queue on a threaded writer: at most its
    /// share, and within the writer-wide bound, except that a connection holding fewer
    /// than `RESERVE` datagrams may always go up to that (so connections whose peers stall
    /// cannot fill the writer's queue for the others).
    fn queue_room(&self, c: &Connection) -> usize {
        if self.inner.threads == 0 {
            return usize::MAX;
        }
        let mine = c.pending_out_datagrams();
        let share = self.max_queue_per_connection();
        let share_room = share.saturating_sub(mine);
        let global_room = self
            .max_queue_size()
            .saturating_sub(self.current_queue_size());
        let reserve_room = RESERVE.min(share).saturating_sub(mine);
        share_room.min(global_room.max(reserve_room))
    }

    /// As many of `payloads` as the queue and the connection's buffer take, stopping
    /// before a datagram the header cannot describe.
    fn admit(&self, c: &Connection, framing: &Framing, payloads: &[&[u8]]) -> Admitted {
        let q_room = self.queue_room(c);
        let limit = self.max_buffer_bytes();
        let pending = c.pending_out_bytes();
        let hl = framing.tcp_header_len();
        let mut a = Admitted {
            count: 0,
            bytes: 0,
            too_large: false,
        };
        for p in payloads {
            if a.count >= q_room {
                break;
            }
            if p.len() as u64 > framing.max_tcp_payload() {
                a.too_large = true;
                break;
            }
            let fb = hl + p.len();
            // An empty buffer always takes one datagram, however large.
            let first = pending == 0 && a.count == 0;
            if !first && pending + a.bytes + fb > limit {
                break;
            }
            a.bytes += fb;
            a.count += 1;
        }
        a
    }

    fn count_accepted(&self, run: &[&[u8]]) {
        stats::add(&self.inner.datagrams_sent, run.len() as u64);
        stats::add(
            &self.inner.bytes_sent,
            run.iter().map(|p| p.len() as u64).sum(),
        );
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

    /// Sends one datagram on TCP connection `conn`.
    pub fn send(&self, conn: u64, payload: &[u8], block: bool) -> Result<()> {
        self.send_slices(conn, &[payload], block).map(|_| ())
    }

    /// `send_batch` over a slice (no allocation for a single datagram).
    fn send_slices(&self, conn: u64, payloads: &[&[u8]], block: bool) -> Result<usize> {
        self.inner.life.check_open()?;
        let c = self.tcp_conn(conn)?;
        let framing = self.framing();
        let deadline = if block { self.deadline() } else { None };
        let mut sent = 0usize;
        let mut result = Ok(());
        while sent < payloads.len() {
            match self.write_through_one(&c, &framing, payloads[sent]) {
                Some(Ok(())) => {
                    sent += 1;
                    continue;
                }
                Some(Err(e)) => {
                    result = Err(e);
                    break;
                }
                None => {}
            }
            let a = self.admit(&c, &framing, &payloads[sent..]);
            if a.count > 0 {
                let run = &payloads[sent..sent + a.count];
                let limit = self.max_buffer_bytes();
                let appended =
                    c.append_out(limit, a.bytes, a.count, Some(&self.inner.queued), |v| {
                        framing.encode_tcp_into(run, v)
                    });
                match appended {
                    Ok(true) => {
                        sent += a.count;
                        self.count_accepted(run);
                        continue;
                    }
                    Ok(false) => {}
                    Err(e) if e.kind() == ErrorKind::Closed => {
                        result = Err(Error::unknown_connection(conn));
                        break;
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            if a.too_large && a.count == 0 {
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
            if let Err(e) = self.wait_for_room(&c, deadline) {
                result = Err(e);
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
        let mine = c.pending_out_datagrams();
        if self.inner.threads > 0 && mine >= self.max_queue_per_connection() {
            Error::new(
                ErrorKind::WouldBlock,
                format!(
                    "connection {} holds its share of the writer queue ({mine} datagrams): \
                     the peer is not reading fast enough; nothing was queued",
                    c.id()
                ),
            )
        } else if self.inner.threads > 0 && q >= self.max_queue_size() {
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

    /// Waits for room after a full queue or buffer: `Timeout` when the deadline passed,
    /// `UnknownConnection` when the connection closed, `Closed` when the writer was shut
    /// down (or freed) meanwhile.
    fn wait_for_room(&self, conn: &Connection, deadline: Option<Instant>) -> Result<()> {
        let now = Instant::now();
        self.check_still_open()?;
        if conn.is_closed() {
            return Err(Error::unknown_connection(conn.id()));
        }
        if deadline.is_some_and(|d| now >= d) {
            return Err(Error::new(
                ErrorKind::Timeout,
                "blocking send timed out waiting for room in the queue",
            ));
        }
        if self.inner.threads == 0 {
            // Immediate mode: the caller's thread is the one that writes.
            if flush_conn(conn, &self.inner.send_errors) == Flushed::WouldBlock {
                let left = deadline.map_or(Duration::from_millis(100), |d| d - now);
                conn.wait_ready(true, left.min(Duration::from_millis(100)));
            }
        } else {
            // Threaded: a shard wakes us when it has written something (the timeout only
            // guards against a wake-up that came before we slept).
            let left = deadline.map_or(Duration::from_millis(1), |d| d - now);
            self.inner.room.wait(left.min(Duration::from_millis(1)));
        }
        Ok(())
    }

    /// Starts the write of what `c` has pending: now in this thread (immediate), on its
    /// shard (threaded), or at the collect-tcp deadline.
    pub(super) fn kick(&self, c: &Arc<Connection>, allow_hold: bool) {
        let collect = self.collect_tcp().filter(|_| allow_hold);
        if let Some(interval) = collect {
            // The first datagram of a batch starts the timer; the rest ride along.
            if c.try_schedule() {
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
            let r = flush_conn(c, &self.inner.send_errors);
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
        } else if c.try_schedule() {
            self.inner.shards[c.id() as usize % self.inner.threads]
                .send(ShardMsg::Flush(c.clone()));
        }
    }
}
