//! Queued: a bounded queue with an overflow flag, Panda3D's `QueuedReturn`. The listener's
//! queue of accepted connections and the manager's reset queue are each one of these: the
//! engine can bound them, read how full they are, and learn (from the flag, which stays up
//! until reset) that something did not fit.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::error::Result;
use super::settings::check_queue_size;

/// The default bound of a listener's and of the reset queue: Panda3D's 50,000.
pub const DEFAULT_MAX_QUEUED: usize = 50_000;

pub(crate) struct Queued<T> {
    items: Mutex<VecDeque<T>>,
    max: AtomicUsize,
    overflow: AtomicBool,
}

impl<T> Queued<T> {
    pub(crate) fn new() -> Self {
        Queued {
            items: Mutex::new(VecDeque::new()),
            max: AtomicUsize::new(DEFAULT_MAX_QUEUED),
            overflow: AtomicBool::new(false),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, VecDeque<T>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends `item`, or hands it back when the queue is full (the flag goes up).
    pub(crate) fn push(&self, item: T) -> std::result::Result<(), T> {
        let mut q = self.lock();
        if q.len() >= self.max.load(Ordering::Relaxed) {
            drop(q);
            self.overflow.store(true, Ordering::Release);
            return Err(item);
        }
        q.push_back(item);
        Ok(())
    }

    pub(crate) fn pop(&self) -> Option<T> {
        self.lock().pop_front()
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Bounds the queue (at least 1). Items already queued beyond a smaller bound stay.
    pub(crate) fn set_max(&self, n: usize) -> Result<()> {
        check_queue_size(n)?;
        self.max.store(n, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn max(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    /// Whether an item was refused since the flag was last reset.
    pub(crate) fn overflow(&self) -> bool {
        self.overflow.load(Ordering::Acquire)
    }

    pub(crate) fn reset_overflow(&self) {
        self.overflow.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_raises_the_flag_and_counts() {
        let q = Queued::new();
        q.set_max(2).unwrap();
        assert!(q.set_max(0).is_err());
        assert_eq!(q.push(1), Ok(()));
        assert_eq!(q.push(2), Ok(()));
        assert!(!q.overflow());
        assert_eq!(q.push(3), Err(3));
        assert!(q.overflow());
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some(1));
        assert_eq!(q.push(4), Ok(()));
        assert!(q.overflow(), "the flag stays up until reset");
        q.reset_overflow();
        assert!(!q.overflow());
        assert_eq!((q.pop(), q.pop(), q.pop()), (Some(2), Some(4), None));
    }
}
