//! The reader's queue: datagrams stored back to back in blocks, one block per read of one
//! connection, so that queuing and draining cost no allocation per datagram. Emptied blocks
//! are kept for reuse. Lengths are counted in datagrams.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};

pub(crate) use super::block::Block;
use super::bufpool::{BufPool, MIN_POOLED};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The datagrams of one connection that wait in a reader queue (its share), and the mark
/// below which a connection parked over its share may go on.
#[derive(Debug, Default)]
pub(crate) struct Share {
    n: AtomicUsize,
    wake_below: AtomicUsize,
}

/// A connection's [`Share`], shared by its blocks in the queue.
pub(crate) type Tally = Arc<Share>;

impl Share {
    /// Datagrams of the connection in the queue now.
    pub(crate) fn get(&self) -> usize {
        self.n.load(Ordering::Acquire)
    }

    fn add(&self, k: usize) {
        self.n.fetch_add(k, Ordering::AcqRel);
    }

    /// `k` datagrams left the queue; true when a parked connection may go on now.
    pub(super) fn sub(&self, k: usize) -> bool {
        let now = self.n.fetch_sub(k, Ordering::AcqRel) - k;
        let w = self.wake_below.load(Ordering::Acquire);
        w > 0 && now < w && self.wake_below.swap(0, Ordering::AcqRel) > 0
    }

    /// The connection waits until it holds fewer than `below` datagrams; true when it
    /// already does (it goes on at once, nobody will wake it).
    pub(crate) fn park(&self, below: usize) -> bool {
        self.wake_below.store(below.max(1), Ordering::Release);
        if self.get() < below.max(1) {
            return self.wake_below.swap(0, Ordering::AcqRel) > 0;
        }
        false
    }
}

/// Emptied blocks kept for reuse.
const POOL_BLOCKS: usize = 64;
/// A block whose buffer grew beyond this is not kept.
const POOL_MAX_BYTES: usize = 4 << 20;
/// The most bytes of buffers the pool keeps in all.
const POOL_TOTAL_BYTES: usize = 16 << 20;

/// One datagram with the buffer that holds it (`bytes[off..off + len]`). A large one's
/// buffer goes back to its reader for reuse when the value is dropped.
#[derive(Debug)]
pub struct Owned {
    /// The connection it arrived on.
    pub conn: u64,
    /// The sender (UDP) or peer (TCP).
    pub from: Option<SocketAddr>,
    /// The buffer.
    pub bytes: Vec<u8>,
    /// Where the datagram starts in `bytes`.
    pub off: usize,
    /// Its length.
    pub len: usize,
    /// The reader's pool of large buffers.
    pub(crate) home: Weak<BufPool>,
}

impl Drop for Owned {
    fn drop(&mut self) {
        if self.bytes.capacity() > MIN_POOLED
            && let Some(pool) = self.home.upgrade()
        {
            pool.give(std::mem::take(&mut self.bytes));
        }
    }
}

impl Owned {
    /// The datagram's bytes.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.off..self.off + self.len]
    }
}

/// A FIFO of datagrams in blocks.
#[derive(Debug, Default)]
pub(crate) struct BlockQueue {
    blocks: VecDeque<Block>,
    len: usize,
    pool: Vec<Block>,
    pooled_bytes: usize,
    /// A connection parked over its share may go on (see [`Share::park`]).
    wake: bool,
    /// Where the buffers of large datagrams (read in place) go when they are emptied.
    pub(crate) bufs: Arc<BufPool>,
}

impl BlockQueue {
    /// Datagrams queued.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A block to fill, from the pool when there is one.
    pub(crate) fn spare(&mut self) -> Block {
        let b = self.pool.pop().unwrap_or_default();
        self.pooled_bytes -= b.bytes.capacity().min(self.pooled_bytes);
        b
    }

    /// Whether a connection parked over its share may go on now (clears it).
    pub(crate) fn take_wake(&mut self) -> bool {
        std::mem::take(&mut self.wake)
    }

    fn recycle(&mut self, mut b: Block) {
        self.wake |= b.left(b.len());
        b.tally = None;
        if b.spans.len() == 1 && b.bytes.capacity() > MIN_POOLED {
            // A large datagram's own buffer: kept for the next large datagram.
            self.bufs.give(std::mem::take(&mut b.bytes));
        }
        let cap = b.bytes.capacity();
        if self.pool.len() < POOL_BLOCKS
            && cap <= POOL_MAX_BYTES
            && self.pooled_bytes + cap <= POOL_TOTAL_BYTES
        {
            b.forget(0);
            self.pooled_bytes += cap;
            self.pool.push(b);
        }
    }

    /// Queues as many datagrams of `b` as fit under `max` in all; returns the rest (or
    /// `None` when all fit). The order of datagrams is kept.
    pub(crate) fn push(&mut self, b: Block, max: usize) -> Option<Block> {
        let room = max.saturating_sub(self.len);
        self.push_room(b, room, None)
    }

    /// Like `push`, and besides at most `share` datagrams of the block's connection in
    /// the queue at once, counted in `tally`.
    pub(crate) fn push_shared(
        &mut self,
        b: Block,
        max: usize,
        share: usize,
        tally: &Tally,
    ) -> Option<Block> {
        let mine = tally.get();
        let room = max.saturating_sub(self.len).min(share.saturating_sub(mine));
        self.push_room(b, room, Some(tally))
    }

    fn push_room(&mut self, mut b: Block, room: usize, tally: Option<&Tally>) -> Option<Block> {
        let n = b.len();
        if n == 0 {
            self.recycle(b);
            return None;
        }
        let taken = n.min(room);
        if let Some(t) = tally {
            t.add(taken);
        }
        if n <= room {
            b.tally = tally.cloned();
            self.len += n;
            self.blocks.push_back(b);
            return None;
        }
        if room > 0 {
            let mut head = self.spare();
            b.split_front(room, &mut head);
            head.tally = tally.cloned();
            self.len += room;
            self.blocks.push_back(head);
        }
        Some(b)
    }

    /// Keeps only the newest datagram of the queue and of `b`; returns how many were
    /// replaced.
    pub(crate) fn push_keep_latest(&mut self, b: Block) -> usize {
        let newest = b.len();
        if newest == 0 {
            self.recycle(b);
            return 0;
        }
        let replaced = self.len + newest - 1;
        let mut only = self.spare();
        only.reset(b.conn);
        if let Some((from, data)) = b.last() {
            only.push(data, from);
        }
        self.recycle(b);
        self.clear();
        self.len = 1;
        self.blocks.push_back(only);
        replaced
    }

    /// Empties the queue.
    pub(crate) fn clear(&mut self) {
        while let Some(b) = self.blocks.pop_front() {
            self.recycle(b);
        }
        self.len = 0;
    }

    /// The oldest datagram: its connection, origin and bytes.
    pub(crate) fn front(&self) -> Option<(u64, Option<SocketAddr>, &[u8])> {
        let b = self.blocks.front()?;
        let (from, data) = b.front()?;
        Some((b.conn, from, data))
    }

    /// Removes the oldest datagram and returns it with its buffer: moved out of its block
    /// when it is the block's last (a large datagram read in place), else copied.
    pub(crate) fn pop_owned(&mut self) -> Option<Owned> {
        let b = self.blocks.front_mut()?;
        let s = *b.spans.get(b.next)?;
        let from = b.origin(b.next);
        let conn = b.conn;
        if b.next + 1 == b.spans.len() && b.spans.len() == 1 {
            let b = self.blocks.pop_front().expect("front exists");
            self.wake |= b.left(1);
            self.len -= 1;
            return Some(Owned {
                conn,
                from,
                bytes: b.bytes,
                off: s.off,
                len: s.len,
                home: Weak::new(),
            });
        }
        let bytes = b.bytes[s.off..s.off + s.len].to_vec();
        self.pop_front();
        Some(Owned {
            conn,
            from,
            bytes,
            off: 0,
            len: s.len,
            home: Weak::new(),
        })
    }

    /// Drops the oldest datagram.
    pub(crate) fn pop_front(&mut self) {
        let Some(b) = self.blocks.front_mut() else {
            return;
        };
        b.next += 1;
        let wake = b.left(1);
        self.wake |= wake;
        self.len -= 1;
        if b.is_empty() {
            let b = self.blocks.pop_front().expect("front exists");
            self.recycle(b);
        }
    }

    /// Shows datagrams to `take`, oldest first, removing each it accepts, until it refuses
    /// one or `max` were taken. Returns how many were taken. Walks each block's spans
    /// directly (the batch path).
    pub(crate) fn drain(
        &mut self,
        max: usize,
        mut take: impl FnMut(u64, Option<SocketAddr>, &[u8]) -> bool,
    ) -> usize {
        let mut n = 0;
        let mut stopped = false;
        while n < max && !stopped {
            let Some(b) = self.blocks.front_mut() else {
                break;
            };
            let conn = b.conn;
            let before = n;
            while n < max && b.next < b.spans.len() {
                let s = b.spans[b.next];
                if !take(conn, b.origin(b.next), &b.bytes[s.off..s.off + s.len]) {
                    stopped = true;
                    break;
                }
                b.next += 1;
                n += 1;
            }
            let wake = b.left(n - before);
            self.wake |= wake;
            if b.is_empty() {
                let b = self.blocks.pop_front().expect("front exists");
                self.recycle(b);
            }
        }
        self.len -= n;
        n
    }

    /// Moves the oldest datagrams, at most `max`, into `into` as whole blocks (no copy;
    /// only a block that holds more than the room left is split, its head copied).
    /// Returns how many datagrams moved. They have left the queue: their shares are
    /// counted down now.
    pub(crate) fn take_blocks(&mut self, max: usize, into: &mut Vec<Block>) -> usize {
        let mut n = 0;
        while n < max {
            let Some(b) = self.blocks.front_mut() else {
                break;
            };
            let left = b.len();
            if left <= max - n {
                let mut b = self.blocks.pop_front().expect("front exists");
                self.wake |= b.left(left);
                b.tally = None;
                n += left;
                if left > 0 {
                    into.push(b);
                } else {
                    self.recycle(b);
                }
            } else {
                let k = max - n;
                let mut head = self.spare();
                let b = self.blocks.front_mut().expect("front exists");
                b.split_front(k, &mut head);
                self.wake |= b.left(k);
                n += k;
                into.push(head);
            }
        }
        self.len -= n;
        n
    }

    /// Takes back blocks handed out by `take_blocks`, for reuse.
    pub(crate) fn give_back(&mut self, blocks: impl IntoIterator<Item = Block>) {
        // Their tallies were counted down when they were taken (`take_blocks`).
        for b in blocks {
            self.recycle(b);
        }
    }

    /// Moves up to `n` spare blocks into `into` (for a reader loop to fill next).
    pub(crate) fn lend_spares(&mut self, into: &mut Vec<Block>, n: usize) {
        while into.len() < n && !self.pool.is_empty() {
            into.push(self.spare());
        }
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
