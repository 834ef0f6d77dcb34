//! Carrying out what a session decided, over the core's writer and manager: the writes of
//! one side in one order ([`Writes`]), a batch's sends to one connection joined into one
//! write ([`merge`]), and what happens when the connection does not take them: a send the
//! engine made is refused (`WouldBlock`, the connection stays), a protocol send closes the
//! connection (`sendfailed`).

use std::collections::HashSet;
use std::time::Instant;

use super::peer::{LINGER, Pending};
use crate::core::connection::CloseReason;
use crate::core::error::{Error, ErrorKind};
use crate::core::manager::Manager;
use crate::core::writer::Writer;

/// What became of a [`Pending`].
pub enum Carried {
    /// Written (or queued); with the deadline of a connection this side closed with
    /// closeconn.
    Done(Option<(u64, Instant)>),
    /// The connection's writer buffer is full: the first `sent` datagrams were queued, the
    /// rest refused (the connection stays open).
    Refused { sent: usize, err: Error },
    /// The connection is gone or failed (it is closed, `sendfailed`).
    Failed,
}

/// Writes `p`'s datagrams in one batch, then closes the connection if `p` says so (the
/// manager writes what is queued first, waiting a bounded time for a slow peer), or, when
/// this side sent closeconn, returns the deadline by which to close it unless the peer did
/// (see [`LINGER`]).
fn carry_out(manager: &Manager, writer: &Writer, p: Pending, refuse: bool) -> Carried {
    let n = p.sends.len();
    let sent = match n {
        0 => Ok(0),
        1 => writer.send(p.cid, &p.sends[0], false).map(|_| 1),
        _ => writer.send_batch(p.cid, p.sends.iter().map(Vec::as_slice), false),
    };
    match sent {
        Ok(k) if k == n => {}
        Ok(k) if refuse && !p.close => {
            return Carried::Refused {
                sent: k,
                err: refused(p.cid, "the rest of a batch"),
            };
        }
        Err(e) if refuse && !p.close && e.kind() == ErrorKind::WouldBlock => {
            let err = Error::new(
                ErrorKind::WouldBlock,
                format!(
                    "{}; the connection stays open, send again later",
                    e.message()
                ),
            );
            return Carried::Refused { sent: 0, err };
        }
        _ => {
            // A protocol send the connection does not take, or a connection that is gone:
            // closed at once (nothing queued for it would be taken), never silently.
            if let Ok(conn) = manager.connection(p.cid) {
                conn.close(CloseReason::LocalClose, 0, "a send to the peer failed");
            }
            return Carried::Failed;
        }
    }
    if p.close && p.linger {
        writer.flush();
        return Carried::Done(Some((p.cid, Instant::now() + LINGER)));
    }
    if p.close {
        let _ = manager.close_connection(p.cid);
    }
    Carried::Done(None)
}

/// The error of a message refused because the connection's writer buffer is full.
fn refused(cid: u64, what: &str) -> Error {
    Error::new(
        ErrorKind::WouldBlock,
        format!(
            "connection {cid}: {what} was not sent: the peer is not taking what is sent \
             (its writer buffer is full); the connection stays open, send again later"
        ),
    )
}

/// The error of a send to a connection that failed or is gone (it is closed: its close
/// event says `sendfailed`).
pub fn send_failed(cid: u64) -> Error {
    Error::new(
        ErrorKind::Closed,
        format!("connection {cid}: sendfailed: the send failed and the connection is closed"),
    )
}

/// The first failure of a batch, by the index of its message.
#[derive(Default)]
pub struct FirstFailure(Option<(usize, Error)>);

impl FirstFailure {
    /// Notes that message `i` failed with `e` (kept when it is the earliest so far).
    pub fn note(&mut self, i: usize, e: Error) {
        if self.0.as_ref().is_none_or(|(at, _)| i < *at) {
            self.0 = Some((i, e));
        }
    }

    /// The earliest failure, its message naming the message's index.
    pub fn into_error(self) -> Option<Error> {
        self.0
            .map(|(i, e)| Error::new(e.kind(), format!("message {i}: {}", e.message())))
    }
}

/// Outs of several messages (or datagrams) joined per connection: the index of the first
/// and how many there are, for reporting a failed send against what the caller sent.
pub struct Joined {
    pub first: usize,
    pub count: usize,
    pub pending: Pending,
}

/// With `join` (a writer without threads, which writes each send at once), joins
/// consecutive outs of one connection into one (none of them but the last closing), so
/// that each connection's sends of a batch go out in one write, in order. A threaded
/// writer already gathers what is queued while its thread writes.
pub fn merge(work: Vec<Pending>, join: bool) -> Vec<Joined> {
    let mut out: Vec<Joined> = Vec::with_capacity(work.len());
    for (i, p) in work.into_iter().enumerate() {
        match out.last_mut() {
            Some(last) if join && last.pending.cid == p.cid && !last.pending.close => {
                last.pending.sends.extend(p.sends);
                last.pending.close = p.close;
                last.pending.linger = p.linger;
                last.count += 1;
            }
            _ => out.push(Joined {
                first: i,
                count: 1,
                pending: p,
            }),
        }
    }
    out
}

/// Closes the lingering connections whose time is up (or all, with `all`); keeps the rest.
fn close_lingering(manager: &Manager, lingering: &mut Vec<(u64, Instant)>, all: bool) {
    let now = Instant::now();
    lingering.retain(|&(cid, deadline)| {
        if all || now >= deadline || manager.connection(cid).is_err() {
            let _ = manager.close_connection(cid);
            false
        } else {
            true
        }
    });
}

/// The order of a side's writes and its lingering closes, shared by server and client.
#[derive(Default)]
pub struct Writes {
    /// Held from deciding what to send to writing it (see [`Writes::sending`]).
    order: std::sync::Mutex<()>,
    /// Connections this side closed with closeconn, until the peer closes or time is up.
    lingering: std::sync::Mutex<Vec<(u64, Instant)>>,
}

impl Writes {
    /// The order of sends: taken before the state lock by every path that decides what to
    /// write, and held until it is written, so that a send on one thread cannot overtake
    /// what another decided first (an accept and the messages queued before it). The close
    /// sink never takes it.
    pub fn sending(&self) -> std::sync::MutexGuard<'_, ()> {
        self.order.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Carries out protocol work (`process`, close, ping): a send the connection does not
    /// take closes it (`sendfailed`). False when it did not go out.
    pub fn carry(&self, manager: &Manager, writer: &Writer, p: Pending) -> bool {
        match carry_out(manager, writer, p, false) {
            Carried::Done(l) => {
                self.linger(l);
                true
            }
            _ => false,
        }
    }

    /// Carries out the engine's messages (`work`, each with its index in the caller's
    /// batch): refused ones (a full writer buffer) stay unsent and are reported with
    /// `fail`, and so is every later message to the same connection in the batch, so that
    /// none arrives out of order. Returns how many went out.
    pub fn carry_messages(
        &self,
        manager: &Manager,
        writer: &Writer,
        work: Vec<(usize, Pending)>,
        mut fail: impl FnMut(usize, Error),
    ) -> usize {
        let (index, work): (Vec<usize>, Vec<Pending>) = work.into_iter().unzip();
        let mut blocked: HashSet<u64> = HashSet::new();
        let mut sent = 0;
        for j in merge(work, writer.num_threads() == 0) {
            let cid = j.pending.cid;
            if blocked.contains(&cid) {
                fail(
                    index[j.first],
                    refused(cid, "a message after a refused one"),
                );
                continue;
            }
            match carry_out(manager, writer, j.pending, true) {
                Carried::Done(l) => {
                    self.linger(l);
                    sent += j.count;
                }
                Carried::Refused { sent: k, err } => {
                    // One datagram per message in a joined run of the engine's messages.
                    sent += k.min(j.count);
                    fail(index[j.first + k.min(j.count - 1)], err);
                    blocked.insert(cid);
                }
                Carried::Failed => fail(index[j.first], send_failed(cid)),
            }
        }
        sent
    }

    fn linger(&self, l: Option<(u64, Instant)>) {
        if let Some(l) = l {
            self.lingered().push(l);
        }
    }

    /// Closes the lingering connections whose time is up (all, with `all`).
    pub fn close_lingering(&self, manager: &Manager, all: bool) {
        close_lingering(manager, &mut self.lingered(), all);
    }

    fn lingered(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Instant)>> {
        self.lingering.lock().unwrap_or_else(|p| p.into_inner())
    }
}
