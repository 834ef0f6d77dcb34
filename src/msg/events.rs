//! The events a server or client keeps for the engine, counted in events and in body bytes,
//! and the bounds on both: a peer cannot make the engine's queue, or one `process` call,
//! hold more than these, however small its packets are on the wire (a compressed body
//! inflates up to the config's max_decompressed).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::peer::Event;
use crate::core::reader::Reader;

/// No datagram is taken while this many events wait for the engine: a peer that floods
/// faster than the engine takes events is held back by the core (its share of the reader's
/// queue, then the kernel's buffers), not by memory.
pub const MAX_EVENTS: usize = 4096;
/// No datagram is taken while the waiting events' bodies hold this many bytes.
pub const MAX_EVENT_BYTES: usize = 64 << 20;
/// The most datagrams one `process` call handles.
pub const MAX_PER_PROCESS: usize = 1024;
/// One `process` call stops taking datagrams once their bodies (inflated) reach this.
pub const MAX_BYTES_PER_PROCESS: usize = 16 << 20;
/// The longest `process` waits without looking at what the reader does not announce (an
/// accepted connection, a peer's close, a shutdown).
pub const WAKE_SLICE: Duration = Duration::from_millis(5);

/// The queue of events, with the bytes of their bodies.
#[derive(Debug, Default)]
pub struct EventQueue {
    queue: VecDeque<Event>,
    bytes: usize,
}

fn weight(ev: &Event) -> usize {
    match ev {
        Event::Message { body, .. }
        | Event::PingAnswer { body, .. }
        | Event::PingQuery { body, .. } => body.len(),
        _ => 0,
    }
}

impl EventQueue {
    pub fn push_back(&mut self, ev: Event) {
        self.bytes += weight(&ev);
        self.queue.push_back(ev);
    }

    pub fn pop_front(&mut self) -> Option<Event> {
        let ev = self.queue.pop_front()?;
        self.bytes -= weight(&ev);
        Some(ev)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The bytes of the waiting events' bodies.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether no more datagrams may be taken until the engine takes events.
    pub fn full(&self) -> bool {
        self.queue.len() >= MAX_EVENTS || self.bytes >= MAX_EVENT_BYTES
    }
}

/// Waits up to `timeout` until `ready` says there is work (it is asked first, then after
/// every slice) or a datagram arrives, looking at least every [`WAKE_SLICE`]; returns at
/// once when the reader is shut down (the server or client is being freed).
pub fn wait_for_work(reader: &Reader, timeout: Duration, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    loop {
        if ready() || reader.is_shut_down() {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || reader.poll(Some(left.min(WAKE_SLICE))) {
            return;
        }
    }
}
