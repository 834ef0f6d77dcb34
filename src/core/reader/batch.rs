//! Zero-copy batches: the oldest queued datagrams handed to the engine in the blocks the
//! reader filled, without a copy; the blocks go back to the reader's pool when the batch
//! is dropped.

use std::net::SocketAddr;
use std::sync::Weak;

use super::{Inner, Reader};
use crate::core::queue::Block;

/// Datagrams taken from a reader's queue in one call, still in the buffers they were read
/// into. The bytes stay valid and unchanged until the batch is dropped, whatever the
/// reader does meanwhile (a dropped reader included).
#[derive(Debug)]
pub struct Batch {
    blocks: Vec<Block>,
    len: usize,
    home: Weak<Inner>,
}

impl Batch {
    /// Datagrams in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch holds no datagram.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The datagrams, oldest first: connection, origin, bytes.
    pub fn iter(&self) -> impl Iterator<Item = (u64, Option<SocketAddr>, &[u8])> {
        self.blocks
            .iter()
            .flat_map(|b| b.items().map(move |(from, data)| (b.conn, from, data)))
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Some(inner) = self.home.upgrade() {
            inner.inbox.lock().give_back(self.blocks.drain(..));
        }
    }
}

impl Reader {
    /// Takes the oldest queued datagrams, at most `max`, without copying them (polling
    /// mode reads first when the queue is empty). `None` when none is waiting.
    pub fn take_batch(&self, max: usize) -> Option<Batch> {
        if max == 0 {
            return None;
        }
        if self.current_queue_size() == 0 {
            self.pump(Some(std::time::Duration::ZERO));
        }
        let mut blocks = Vec::new();
        let (len, wake) = {
            let mut q = self.inner.inbox.lock();
            let n = q.take_blocks(max, &mut blocks);
            (n, q.take_wake())
        };
        if len == 0 {
            return None;
        }
        self.wake_starved(wake);
        Some(Batch {
            blocks,
            len,
            home: std::sync::Arc::downgrade(&self.inner),
        })
    }
}
