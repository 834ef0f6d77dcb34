//! Counters kept per connection and per reader/writer/listener, readable at any time.

use std::sync::atomic::{AtomicU64, Ordering};

/// Traffic and drop counters of one connection.
#[derive(Debug, Default)]
pub struct ConnStats {
    pub(crate) datagrams_in: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) datagrams_out: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) dropped_checksum: AtomicU64,
    pub(crate) dropped_overflow: AtomicU64,
    pub(crate) dropped_too_large: AtomicU64,
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
}

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

pub(crate) fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

impl ConnStats {
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
        }
    }
}
