//! Connecting: to the first of several addresses within one timeout (blocking), and the
//! same without blocking the caller (a game loop): `Manager::open_tcp_client_async` returns
//! a ticket at once, a connect thread resolves and tries every address, and the outcome
//! (the new connection, or the error with its reason) waits as a [`ConnectEvent`] for the
//! engine to poll.
//!
//! One short-lived thread per pending connect, not a non-blocking connect on an event
//! loop, because name resolution (getaddrinfo) blocks and has no asynchronous form in the
//! C library; the number pending is bounded ([`MAX_PENDING_CONNECTS`]).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::address;
use super::error::{Error, ErrorKind, Result};

/// The most connects one manager has pending at once (started, and their event not yet
/// taken); one more is `WouldBlock`.
pub const MAX_PENDING_CONNECTS: usize = 256;

/// The outcome of a connect started by `Manager::open_tcp_client_async`.
#[derive(Debug)]
pub struct ConnectEvent {
    /// The ticket the call returned.
    pub ticket: u64,
    /// The new connection's id, or why no address accepted (every address tried is named).
    pub result: Result<u64>,
}

/// The pending connects of one manager and their outcomes.
pub(crate) struct Connector {
    tickets: AtomicU64,
    pending: AtomicUsize,
    events: Mutex<VecDeque<ConnectEvent>>,
}

impl Connector {
    pub(crate) fn new() -> Self {
        Connector {
            tickets: AtomicU64::new(1),
            pending: AtomicUsize::new(0),
            events: Mutex::new(VecDeque::new()),
        }
    }

    /// Claims a pending slot and a ticket, or refuses when too many are pending.
    pub(crate) fn start(&self) -> Result<u64> {
        let claimed = self
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_PENDING_CONNECTS).then_some(n + 1)
            });
        if claimed.is_err() {
            return Err(Error::new(
                ErrorKind::WouldBlock,
                format!("{MAX_PENDING_CONNECTS} connects are pending; take their events first"),
            ));
        }
        Ok(self.tickets.fetch_add(1, Ordering::Relaxed))
    }

    /// Gives back a slot that `start` claimed for a connect that never began.
    pub(crate) fn abandon(&self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }

    /// Queues a connect's outcome; its slot stays taken until the engine takes the event
    /// (so untaken outcomes, and the connections they hold, stay bounded too).
    pub(crate) fn finish(&self, event: ConnectEvent) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(event);
    }

    pub(crate) fn take(&self) -> Option<ConnectEvent> {
        let ev = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        if ev.is_some() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
        ev
    }

    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

/// Resolves `host` (blocking) and connects to the first address that accepts.
pub(crate) fn connect_host(
    host: &str,
    port: u16,
    timeout: Option<Duration>,
) -> Result<(Socket, SocketAddr)> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let addrs = address::resolve(host, port)?;
    connect_any(&addrs, deadline)
}

/// Connects to the first of `addrs` that accepts before `deadline` (`None`: the OS limit
/// per address), giving each address an equal share of the time left. The error names
/// every address tried and why each failed.
pub(crate) fn connect_any(
    addrs: &[SocketAddr],
    deadline: Option<Instant>,
) -> Result<(Socket, SocketAddr)> {
    if addrs.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "no address to connect to",
        ));
    }
    let mut failures: Vec<Error> = Vec::new();
    for (i, addr) in addrs.iter().enumerate() {
        // Each address gets an equal share of what is left (an unreachable first address
        // must not use up the time of a reachable later one); one that fails at once (a
        // refusal) leaves its share to the next.
        let left = (addrs.len() - i) as u32;
        let remaining = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(r) if !r.is_zero() => Some(r / left),
                _ => {
                    failures.push(Error::new(
                        ErrorKind::Timeout,
                        format!("{addr}: not tried, the timeout had passed"),
                    ));
                    break;
                }
            },
            None => None,
        };
        match connect_one(*addr, remaining) {
            Ok(s) => return Ok(s),
            Err(e) => failures.push(e),
        }
    }
    // One kind for the whole failure: refused if every address refused, else timeout if
    // any timed out, else the first error's kind.
    let kind = if failures
        .iter()
        .all(|e| e.kind() == ErrorKind::ConnectionRefused)
    {
        ErrorKind::ConnectionRefused
    } else if failures.iter().any(|e| e.kind() == ErrorKind::Timeout) {
        ErrorKind::Timeout
    } else {
        failures[0].kind()
    };
    let os = failures.iter().find_map(|e| e.os_error());
    let text: Vec<&str> = failures.iter().map(|e| e.message()).collect();
    let mut err = Error::new(kind, format!("could not connect: {}", text.join("; ")));
    if let Some(os) = os {
        err = err.with_os_error(os);
    }
    Err(err)
}

fn connect_one(addr: SocketAddr, timeout: Option<Duration>) -> Result<(Socket, SocketAddr)> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| Error::io(format!("{addr}: create socket"), &e))?;
    let target = SockAddr::from(addr);
    match timeout {
        Some(t) => s.connect_timeout(&target, t),
        None => s.connect(&target),
    }
    .map_err(|e| Error::io(addr, &e))?;
    let peer = super::io::peer_address(&s)
        .map(address::canonical)
        .unwrap_or(addr);
    Ok((s, peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_connects_are_bounded_and_slots_come_back() {
        let c = Connector::new();
        let tickets: Vec<u64> = (0..MAX_PENDING_CONNECTS)
            .map(|_| c.start().unwrap())
            .collect();
        assert_eq!(tickets[0], 1);
        assert_eq!(c.start().unwrap_err().kind(), ErrorKind::WouldBlock);
        c.finish(ConnectEvent {
            ticket: tickets[0],
            result: Ok(7),
        });
        assert_eq!(
            c.pending(),
            MAX_PENDING_CONNECTS,
            "an untaken outcome holds its slot"
        );
        assert!(c.start().is_err());
        let ev = c.take().unwrap();
        assert_eq!((ev.ticket, ev.result.unwrap()), (1, 7));
        assert_eq!(c.pending(), MAX_PENDING_CONNECTS - 1);
        assert!(c.take().is_none());
        c.abandon();
        let next = c.start().unwrap();
        assert_eq!(
            next,
            MAX_PENDING_CONNECTS as u64 + 1,
            "tickets are never reused"
        );
    }
}
