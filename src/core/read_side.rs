//! The read side of one connection: who reads it (at most one consumer: a reader, a
//! listener, later a transport or a message-layer server), and the state of reading that
//! belongs to the connection, not to whoever reads it now: the stream decoder (a partial
//! datagram), the datagrams decoded but not yet queued for lack of room, and a close that
//! waits for them. Moving a connection from one reader to another moves all of it, so
//! nothing is lost and no payload byte is ever taken for a length header.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use super::connection::CloseReason;
use super::error::{Error, ErrorKind, Result};
use super::framing::Decoder;
use super::queue::{Block, Tally};

/// One consumer that may claim connections: a kind and a process-wide serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadOwner {
    serial: NonZeroU64,
    what: &'static str,
}

impl ReadOwner {
    /// A new consumer of kind `what` ("reader", "listener", ...).
    pub(crate) fn new(what: &'static str) -> Self {
        static SERIAL: AtomicU64 = AtomicU64::new(1);
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        ReadOwner {
            serial: NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN),
            what,
        }
    }

    /// What kind of consumer this is ("reader", "listener").
    pub(crate) fn what(&self) -> &'static str {
        self.what
    }
}

impl fmt::Display for ReadOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{}", self.what, self.serial)
    }
}

/// A close decided while decoded datagrams still wait for room: it happens once they are
/// queued.
#[derive(Debug, Clone)]
pub(crate) struct PendingClose {
    pub(crate) reason: CloseReason,
    pub(crate) os_error: i32,
    pub(crate) message: String,
}

/// See the module documentation. Guarded by the connection's read lock, which only the
/// owner's loop takes on the hot path.
#[derive(Debug, Default)]
pub(crate) struct ReadSide {
    owner: Option<ReadOwner>,
    /// The stream decoder; made by the first owner with its framing.
    pub(crate) decoder: Option<Decoder>,
    /// Datagrams decoded and not yet queued (the queue was full).
    pub(crate) pending: VecDeque<Block>,
    /// Boxed: rare, and an idle connection should stay small.
    pub(crate) closing: Option<Box<PendingClose>>,
    /// This connection's datagrams waiting in a reader queue now (its share); made with
    /// its first datagram, so an idle connection allocates nothing.
    queued: Option<Tally>,
    /// Readiness reported the peer's end closed (or an error): read until the end, even
    /// after a short read.
    pub(crate) peer_gone: bool,
}

impl ReadSide {
    /// The tally of this connection's datagrams in a reader queue.
    pub(crate) fn tally(&mut self) -> &Tally {
        self.queued.get_or_insert_with(Tally::default)
    }

    /// The datagrams waiting for room, with the tally they are counted in once queued.
    pub(crate) fn pending_and_tally(&mut self) -> (&mut VecDeque<Block>, &Tally) {
        let tally = self.queued.get_or_insert_with(Tally::default);
        (&mut self.pending, tally)
    }

    /// This connection's datagrams in a reader queue now.
    pub(crate) fn queued(&self) -> usize {
        self.queued.as_ref().map_or(0, |t| t.get())
    }

    /// Whether `owner` reads this connection now.
    pub(crate) fn is_owned_by(&self, owner: ReadOwner) -> bool {
        self.owner == Some(owner)
    }

    /// Claims the read side for `owner`; `decoder` makes a decoder with the owner's
    /// framing, whose settings apply from the next datagram (one in progress finishes with
    /// the framing it started with). A second claim is refused with a message that names
    /// the connection and who reads it.
    pub(crate) fn claim(
        &mut self,
        id: u64,
        owner: ReadOwner,
        decoder: impl FnOnce() -> Option<Decoder>,
    ) -> Result<()> {
        match self.owner {
            Some(o) if o == owner => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("connection {id} is already on this {}", o.what),
            )),
            Some(o) => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "connection {id} is already read by another {} ({o}); remove it there \
                     before adding it to this {}",
                    o.what, owner.what
                ),
            )),
            None => {
                match (self.decoder.as_mut(), decoder()) {
                    // A datagram in progress finishes with the framing it started with; the
                    // new owner's settings apply from the next one.
                    (Some(d), Some(new)) => d.switch_to(&new),
                    (_, new) => self.decoder = new,
                }
                self.owner = Some(owner);
                Ok(())
            }
        }
    }

    /// Releases the claim when `owner` holds it; true when it did.
    pub(crate) fn release(&mut self, owner: ReadOwner) -> bool {
        if self.owner == Some(owner) {
            self.owner = None;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::framing::Framing;

    #[test]
    fn one_owner_at_a_time_and_the_decoder_travels() {
        let (a, b) = (ReadOwner::new("reader"), ReadOwner::new("reader"));
        let mut rs = ReadSide::default();
        let dec = || Some(Decoder::new(Framing::default(), 100));
        rs.claim(7, a, dec).unwrap();
        let e = rs.claim(7, b, dec).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("connection 7"), "{}", e.message());
        assert!(e.message().contains(&a.to_string()), "{}", e.message());
        let e = rs.claim(7, a, dec).unwrap_err();
        assert!(e.message().contains("already on this reader"));
        // Half a datagram arrives, then the connection moves: the decoder goes along.
        rs.decoder
            .as_mut()
            .unwrap()
            .feed(&[5, 0, 1, 2], |_| unreachable!())
            .unwrap();
        assert!(!rs.release(b));
        assert!(rs.release(a));
        rs.claim(7, b, || Some(Decoder::new(Framing::default(), 1)))
            .unwrap();
        let mut got = Vec::new();
        rs.decoder
            .as_mut()
            .unwrap()
            .feed(&[3, 4, 5], |d| got.push(d.to_vec()))
            .unwrap();
        assert_eq!(got, vec![vec![1, 2, 3, 4, 5]]);
    }
}
