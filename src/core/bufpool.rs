//! Large frame buffers kept for reuse. A large TCP datagram is read in place into a buffer
//! of its own, which the engine then owns (a zero-copy view); when the engine lets go of
//! it, the buffer comes back here and the next large datagram is read into it. Without
//! this, every large datagram costs a fresh allocation whose pages the kernel must fault
//! in and clear (the profile of the 1 MiB bulk row showed 40% of the time there).
//!
//! Buffers come back with their bytes initialized (their length is what they held), so a
//! reuse writes over them without clearing them first.

use std::sync::Mutex;

/// Buffers this small or smaller are not kept (a read buffer of 64 KiB is not a large
/// frame's buffer).
pub(crate) const MIN_POOLED: usize = 128 * 1024;
/// The most buffers kept.
const MAX_BUFS: usize = 8;
/// The most bytes kept in all.
const MAX_TOTAL: usize = 32 << 20;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct BufPool {
    bufs: Mutex<Vec<Vec<u8>>>,
}

impl BufPool {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
        self.bufs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The smallest kept buffer with room for `at_least` bytes, if any.
    pub(crate) fn take(&self, at_least: usize) -> Option<Vec<u8>> {
        let mut bufs = self.lock();
        let i = bufs
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= at_least)
            .min_by_key(|(_, b)| b.capacity())?
            .0;
        Some(bufs.swap_remove(i))
    }

    /// Keeps `buf` for reuse, within the pool's bounds; else frees it.
    pub(crate) fn give(&self, buf: Vec<u8>) {
        let cap = buf.capacity();
        if cap <= MIN_POOLED {
            return;
        }
        let mut bufs = self.lock();
        let total: usize = bufs.iter().map(Vec::capacity).sum();
        if bufs.len() < MAX_BUFS && total + cap <= MAX_TOTAL {
            bufs.push(buf);
        }
    }

    /// Bytes kept now.
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.lock().iter().map(Vec::capacity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_smallest_that_fits_and_keeps_within_bounds() {
        let p = BufPool::default();
        p.give(vec![1; 100]);
        assert_eq!(p.kept(), 0, "small buffers are not kept");
        p.give(vec![1; 1 << 20]);
        p.give(vec![2; 256 << 10]);
        let b = p.take(200 << 10).unwrap();
        assert_eq!((b.capacity(), b[0]), (256 << 10, 2));
        assert!(p.take(2 << 20).is_none());
        for _ in 0..40 {
            p.give(vec![0; 1 << 20]);
        }
        assert!(p.kept() <= MAX_TOTAL);
    }
}
