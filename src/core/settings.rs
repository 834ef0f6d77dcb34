//! What readers, writers and listeners share in their setup: the default queue bound, the
//! thread-count check, the framing setting (readable without a lock) and the open/shut
//! state behind every "has been shut down" error.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::error::{Error, ErrorKind, Result};
use super::framing::{Framing, check_header_size};

/// Default bound of a reader's or writer's queue, in datagrams.
pub const DEFAULT_MAX_QUEUE: usize = 65_536;

/// Refuses more than `max` threads for a `what` ("reader", ...).
pub(crate) fn check_threads(threads: usize, max: usize, what: &str) -> Result<()> {
    if threads > max {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{threads} {what} threads is more than the {max} allowed"),
        ));
    }
    Ok(())
}

/// Refuses a queue bound of 0.
pub(crate) fn check_queue_size(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "queue size must be at least 1",
        ));
    }
    Ok(())
}

/// A [`Framing`] that any thread may read or change without a lock.
pub(crate) struct AtomicFraming(AtomicU32);

impl AtomicFraming {
    fn pack(f: Framing) -> u32 {
        f.header_size as u32 | (f.raw as u32) << 8 | (f.big_endian as u32) << 9
    }

    pub(crate) fn new(f: Framing) -> Self {
        AtomicFraming(AtomicU32::new(Self::pack(f)))
    }

    pub(crate) fn get(&self) -> Framing {
        let v = self.0.load(Ordering::Relaxed);
        Framing {
            header_size: (v & 0xff) as u8,
            raw: v & 1 << 8 != 0,
            big_endian: v & 1 << 9 != 0,
        }
    }

    /// Replaces the whole framing (its header size checked).
    pub(crate) fn set(&self, f: Framing) -> Result<()> {
        check_header_size(f.header_size as i32)?;
        self.0.store(Self::pack(f), Ordering::Relaxed);
        Ok(())
    }

    /// Changes one part of the framing.
    pub(crate) fn update(&self, change: impl Fn(&mut Framing)) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                let mut f = Self::unpack(v);
                change(&mut f);
                Some(Self::pack(f))
            });
    }

    fn unpack(v: u32) -> Framing {
        AtomicFraming(AtomicU32::new(v)).get()
    }

    /// Sets the header size, 0, 2 or 4.
    pub(crate) fn set_header_size(&self, size: i32) -> Result<()> {
        let s = check_header_size(size)?;
        self.update(|f| f.header_size = s);
        Ok(())
    }
}

/// Open until shut down, once: the state behind every "has been shut down" error.
pub(crate) struct Lifecycle {
    closed: AtomicBool,
    what: &'static str,
}

impl Lifecycle {
    pub(crate) fn new(what: &'static str) -> Self {
        Lifecycle {
            closed: AtomicBool::new(false),
            what,
        }
    }

    /// `Closed` once shut down.
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            return Err(Error::new(
                ErrorKind::Closed,
                format!("the {} has been shut down", self.what),
            ));
        }
        Ok(())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Shuts down; true only the first time.
    pub(crate) fn close(&self) -> bool {
        !self.closed.swap(true, Ordering::AcqRel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trips_through_the_atomic() {
        for f in [
            Framing::default(),
            Framing::peng3dnet(),
            Framing::panda(0),
            Framing {
                raw: true,
                ..Framing::panda(4)
            },
        ] {
            let a = AtomicFraming::new(Framing::default());
            a.set(f).unwrap();
            assert_eq!(a.get(), f);
        }
        let a = AtomicFraming::new(Framing::peng3dnet());
        a.update(|f| f.raw = true);
        assert!(a.get().raw && a.get().big_endian);
        assert!(a.set_header_size(3).is_err());
        assert_eq!(a.get().header_size, 4);
    }
}
