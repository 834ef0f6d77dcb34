//! A block of the reader's queue: the datagrams of one read of one connection, back to
//! back in one buffer (often the very buffer the read went into), with where each one is
//! and where it came from (once for the block while they share an origin).

use std::net::SocketAddr;

use super::queue::Tally;

/// Where one datagram is in its block's buffer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) off: usize,
    pub(super) len: usize,
}

/// Datagrams of one connection, back to back.
#[derive(Debug, Default)]
pub(crate) struct Block {
    pub(crate) conn: u64,
    pub(super) bytes: Vec<u8>,
    pub(super) spans: Vec<Span>,
    /// The origin of every datagram, while they all share one (a stream; UDP from one
    /// peer)...
    from: Option<SocketAddr>,
    /// ...else each one's (empty until two differ).
    froms: Vec<Option<SocketAddr>>,
    pub(super) next: usize,
    /// The connection's tally, counted down as the block's datagrams leave the queue.
    pub(super) tally: Option<Tally>,
}

impl Block {
    /// A block holding one datagram that is already in `bytes`, at `off..` (no copy).
    pub(crate) fn owning(conn: u64, bytes: Vec<u8>, off: usize, from: Option<SocketAddr>) -> Block {
        let len = bytes.len() - off;
        Block {
            conn,
            bytes,
            spans: vec![Span { off, len }],
            from,
            froms: Vec::new(),
            next: 0,
            tally: None,
        }
    }

    /// Starts a new batch for `conn`, keeping the buffers.
    pub(crate) fn reset(&mut self, conn: u64) {
        self.forget(conn);
        self.bytes.clear();
    }

    /// Drops the datagrams, keeping the buffer and its bytes (room for `adopt`).
    pub(super) fn forget(&mut self, conn: u64) {
        self.conn = conn;
        self.spans.clear();
        self.froms.clear();
        self.from = None;
        self.next = 0;
        self.tally = None;
    }

    /// Starts a new batch for `conn` in the buffer `buf` (a read buffer, `n` bytes of it
    /// read into), handing the block's own buffer back in `buf`, at least `len` bytes long
    /// (cleared only where never written before), for the next read. Record the
    /// datagrams with `frames_in_place`.
    pub(crate) fn adopt(&mut self, conn: u64, buf: &mut Vec<u8>, len: usize) {
        self.forget(conn);
        std::mem::swap(&mut self.bytes, buf);
        if buf.len() < len {
            buf.resize(len, 0);
        }
    }

    /// After `adopt`: shows the first `n` bytes to `split`, which records each datagram
    /// found whole in them by its offset and length (no copy).
    pub(crate) fn frames_in_place<R>(
        &mut self,
        n: usize,
        from: Option<SocketAddr>,
        split: impl FnOnce(&[u8], &mut dyn FnMut(usize, usize)) -> R,
    ) -> R {
        debug_assert!(self.spans.is_empty());
        self.from = from;
        let Block { bytes, spans, .. } = self;
        split(&bytes[..n], &mut |off, len| {
            spans.push(Span { off, len });
        })
    }

    /// `n` of the block's datagrams left the queue; true when that lets a parked
    /// connection go on.
    pub(super) fn left(&self, n: usize) -> bool {
        match &self.tally {
            Some(t) if n > 0 => t.sub(n),
            _ => false,
        }
    }

    /// Appends one datagram.
    pub(crate) fn push(&mut self, data: &[u8], from: Option<SocketAddr>) {
        let i = self.spans.len();
        if i == 0 {
            self.from = from;
        } else if !self.froms.is_empty() {
            self.froms.push(from);
        } else if from != self.from {
            self.froms = vec![self.from; i];
            self.froms.push(from);
        }
        self.spans.push(Span {
            off: self.bytes.len(),
            len: data.len(),
        });
        self.bytes.extend_from_slice(data);
    }

    /// The origin of datagram `i`.
    pub(super) fn origin(&self, i: usize) -> Option<SocketAddr> {
        match self.froms.get(i) {
            Some(f) => *f,
            None => self.from,
        }
    }

    /// Datagrams not yet taken.
    pub(crate) fn len(&self) -> usize {
        self.spans.len() - self.next
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Payload bytes not yet taken.
    pub(crate) fn bytes_left(&self) -> usize {
        self.spans[self.next..].iter().map(|s| s.len).sum()
    }

    pub(super) fn front(&self) -> Option<(Option<SocketAddr>, &[u8])> {
        let s = self.spans.get(self.next)?;
        Some((self.origin(self.next), &self.bytes[s.off..s.off + s.len]))
    }

    pub(super) fn last(&self) -> Option<(Option<SocketAddr>, &[u8])> {
        if self.is_empty() {
            return None;
        }
        let i = self.spans.len() - 1;
        let s = self.spans[i];
        Some((self.origin(i), &self.bytes[s.off..s.off + s.len]))
    }

    /// The datagrams not yet taken: origin and bytes.
    pub(crate) fn items(&self) -> impl Iterator<Item = (Option<SocketAddr>, &[u8])> {
        (self.next..self.spans.len()).map(|i| {
            let s = self.spans[i];
            (self.origin(i), &self.bytes[s.off..s.off + s.len])
        })
    }

    /// Copies the first `n` datagrams not yet taken into `into` and skips them here.
    pub(super) fn split_front(&mut self, n: usize, into: &mut Block) {
        into.reset(self.conn);
        for i in self.next..self.next + n {
            let s = self.spans[i];
            into.push(&self.bytes[s.off..s.off + s.len], self.origin(i));
        }
        self.next += n;
    }
}
