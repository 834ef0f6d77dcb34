//! Counters kept per connection and per reader/writer/listener, readable at any time.

use std::sync::atomic::{AtomicU64, Ordering};

/// Traffic and drop counters of one connection.
#[derive(Debug, Default)]
pub struct ConnStats {
    datagrams_in: AtomicU64,
    bytes_in: AtomicU64,
    datagrams_out: AtomicU64,
    bytes_out: AtomicU64,
    dropped_checksum: AtomicU64,
    dropped_overflow: AtomicU64,
    dropped_too_large: AtomicU64,
    dropped_truncated: AtomicU64,
}

/// Why a received datagram was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// A bad Panda checksum header.
    Checksum,
    /// The reader queue was full.
    Overflow,
    /// Above the maximum datagram size.
    TooLarge,
    /// Cut short by the end of the stream.
    Truncated,
}

/// A copy of a connection's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnStatsSnapshot {
    /// Datagrams received (queued for the engine).
    pub datagrams_in: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// Datagrams handed to the operating system.
    pub datagrams_out: u64,
    /// Bytes handed to the operating system, framing included.
    pub bytes_out: u64,
    /// UDP datagrams dropped for a bad Panda checksum header.
    pub dropped_checksum: u64,
    /// UDP datagrams dropped because the reader queue was full.
    pub dropped_overflow: u64,
    /// UDP datagrams dropped for exceeding the maximum datagram size.
    pub dropped_too_large: u64,
    /// Partial datagrams lost because the peer closed the stream in their middle.
    pub dropped_truncated: u64,
}

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

pub(crate) fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

impl ConnStats {
    /// Datagrams received and queued (payload bytes), one atomic add per counter.
    pub(crate) fn count_in(&self, datagrams: usize, bytes: usize) {
        if datagrams > 0 {
            add(&self.datagrams_in, datagrams as u64);
            add(&self.bytes_in, bytes as u64);
        }
    }

    /// Datagrams handed to the kernel (bytes with framing).
    pub(crate) fn count_out(&self, datagrams: u64, bytes: usize) {
        add(&self.datagrams_out, datagrams);
        add(&self.bytes_out, bytes as u64);
    }

    /// Datagrams dropped for `why`.
    pub(crate) fn count_drop(&self, why: DropReason, n: usize) {
        let c = match why {
            DropReason::Checksum => &self.dropped_checksum,
            DropReason::Overflow => &self.dropped_overflow,
            DropReason::TooLarge => &self.dropped_too_large,
            DropReason::Truncated => &self.dropped_truncated,
        };
        add(c, n as u64);
    }

    /// A snapshot of every counter.
    pub fn snapshot(&self) -> ConnStatsSnapshot {
        ConnStatsSnapshot {
            datagrams_in: get(&self.datagrams_in),
            bytes_in: get(&self.bytes_in),
            datagrams_out: get(&self.datagrams_out),
            bytes_out: get(&self.bytes_out),
            dropped_checksum: get(&self.dropped_checksum),
            dropped_overflow: get(&self.dropped_overflow),
            dropped_too_large: get(&self.dropped_too_large),
            dropped_truncated: get(&self.dropped_truncated),
        }
    }
}
