//! What the message-layer server and client share: the events the engine polls, the state
//! kept per connection, and carrying out a session's [`Out`]s over the core's writer and
//! manager. Outs are gathered under the layer's lock and carried out after it is released:
//! closing a connection runs the layer's close sink on this thread, which takes that lock.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::registry::Registry;
use super::session::{Figures, Out, Session};
use crate::core::connection::CloseReason;

/// The default largest packet (header and body) either side accepts.
pub const DEFAULT_MAX_FRAME: usize = 16 << 20;
pub use super::events::{EventQueue, MAX_EVENTS, MAX_PER_PROCESS};
/// The most that messages waiting for a connection's handshake may cost, counted as
/// [`waiting_cost`] (then sends are refused with `WouldBlock` until it completes or
/// closes): a peer that stalls its handshake cannot make the engine's broadcasts pile up,
/// and what waits always fits the writer's 8 MiB buffer when the handshake completes.
pub const MAX_WAITING_BYTES: usize = 4 << 20;

/// What one waiting message of `body_len` bytes counts against [`MAX_WAITING_BYTES`]: its
/// body and 64 bytes (more than its frame header on the wire, about what its queue entry
/// costs in memory).
pub fn waiting_cost(body_len: usize) -> usize {
    body_len + 64
}

/// The refusal of a message that would pass [`MAX_WAITING_BYTES`].
pub fn waiting_full(cid: u64) -> crate::core::error::Error {
    crate::core::error::Error::new(
        crate::core::error::ErrorKind::WouldBlock,
        format!(
            "connection {cid}: its handshake has not completed and {} MiB of messages wait \
             for it; not sent (send again later)",
            MAX_WAITING_BYTES >> 20
        ),
    )
}

/// The default time a connection has to complete its handshake.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What happened, for the engine to poll. `cid` is the connection's id (never reused).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A client connected (server) or the connection to the server opened (client).
    Connected { cid: u64, peer: SocketAddr },
    /// The handshake completed: messages flow both ways.
    HandshakeComplete { cid: u64, conn_type: String },
    /// A message: its packet id and name, and its msgpack body (validated).
    Message {
        cid: u64,
        pid: u32,
        name: String,
        body: Vec<u8>,
    },
    /// The answer to a ping query (its msgpack body) and the round trip.
    PingAnswer {
        cid: u64,
        body: Vec<u8>,
        rtt: Duration,
    },
    /// A ping query for the engine to answer with `answer_ping` (a server that defers its
    /// ping answers): the query's msgpack map.
    PingQuery { cid: u64, body: Vec<u8> },
    /// The connection closed, once, with its reason: the closeconn reason, or for a close
    /// below the protocol `socketclose`, `reset`, `error`, `toolarge`, `badframe`,
    /// `sendfailed`, `shutdown`; `handshaketimeout` when the handshake took too long.
    Closed {
        cid: u64,
        reason: Option<String>,
        by_peer: bool,
    },
}

/// The core pieces a server or client runs on: its own manager, and a reader and a writer
/// with peng3dnet's framing, `threads` each. The writer is bounded by bytes (8 MiB a
/// connection), not by datagram counts: a burst of small messages to a peer that reads
/// must not be refused while little memory waits.
pub fn transport(
    threads: usize,
    max_frame: usize,
) -> crate::core::error::Result<(
    crate::core::manager::Manager,
    crate::core::reader::Reader,
    crate::core::writer::Writer,
)> {
    use crate::core::framing::Framing;
    let manager = crate::core::manager::Manager::new();
    let reader = crate::core::reader::Reader::new(&manager, threads)?;
    reader.set_framing(Framing::peng3dnet())?;
    reader.set_max_datagram_size(max_frame);
    let writer = crate::core::writer::Writer::new(&manager, threads)?;
    writer.set_framing(Framing::peng3dnet())?;
    writer.set_max_queue_size(usize::MAX / 2)?;
    writer.set_max_queue_per_connection(usize::MAX / 2)?;
    Ok((manager, reader, writer))
}

/// A connection's protocol state and figures.
#[derive(Debug)]
pub struct Peer {
    pub session: Session,
    pub opened: Instant,
    pub peer: SocketAddr,
    pub ping_sent: Option<Instant>,
    pub packets_in: u64,
    pub bytes_in: u64,
    pub packets_out: u64,
    pub bytes_out: u64,
}

impl Peer {
    pub fn new(session: Session, peer: SocketAddr) -> Self {
        Peer {
            session,
            opened: Instant::now(),
            peer,
            ping_sent: None,
            packets_in: 0,
            bytes_in: 0,
            packets_out: 0,
            bytes_out: 0,
        }
    }
}

/// A connection's figures: every packet in and out (with its 4-byte length), the
/// application messages among them, and the round trip.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub packets_in: u64,
    pub bytes_in: u64,
    pub packets_out: u64,
    pub bytes_out: u64,
    /// Application packets that arrived before the handshake completed (dropped).
    pub dropped_early: u64,
    pub figures: Figures,
}

impl Peer {
    /// The connection's figures now.
    pub fn stats(&self) -> Stats {
        Stats {
            packets_in: self.packets_in,
            bytes_in: self.bytes_in,
            packets_out: self.packets_out,
            bytes_out: self.bytes_out,
            dropped_early: self.session.dropped_early,
            figures: self.session.figures,
        }
    }
}

/// The close reason the engine sees for a close below the protocol, and whether the peer
/// caused it (a size limit or a failed send is this side's decision).
pub fn reason_of(reason: CloseReason) -> (&'static str, bool) {
    match reason {
        // The layer closes a live connection itself only when a send to it failed (a peer
        // that does not read: what waits for it is full).
        CloseReason::LocalClose => ("sendfailed", false),
        CloseReason::PeerClosed => ("socketclose", true),
        CloseReason::Reset => ("reset", true),
        CloseReason::Error => ("error", true),
        CloseReason::ProtocolViolation => ("badframe", false),
        CloseReason::TooLarge => ("toolarge", false),
        CloseReason::ManagerShutdown => ("shutdown", false),
    }
}

/// Outs gathered under the lock, for one connection.
pub struct Pending {
    pub cid: u64,
    pub sends: Vec<Vec<u8>>,
    pub close: bool,
    /// This side closed (sent closeconn): wait for the peer to close first (see
    /// [`LINGER`]), so that it reads the closeconn before the end of the stream.
    pub linger: bool,
}

/// How long a side that sent closeconn waits for the peer to close before closing itself.
/// peng3dnet reads the end of the stream on one thread and packets on another: a close
/// right behind the closeconn can reach it first and lose the reason.
pub const LINGER: Duration = Duration::from_secs(1);

/// Turns a session's outs into events (queued now) and I/O (returned, for after the lock).
pub fn sort_outs(
    cid: u64,
    peer: &mut Peer,
    reg: &Registry,
    outs: Vec<Out>,
    events: &mut EventQueue,
) -> Pending {
    let mut pending = Pending {
        cid,
        sends: Vec::new(),
        close: false,
        linger: false,
    };
    for out in outs {
        match out {
            Out::Send(d) => {
                peer.packets_out += 1;
                peer.bytes_out += d.len() as u64 + 4;
                pending.sends.push(d);
            }
            Out::HandshakeComplete => events.push_back(Event::HandshakeComplete {
                cid,
                conn_type: peer.session.conn_type().to_string(),
            }),
            Out::Message { pid, body } => events.push_back(Event::Message {
                cid,
                pid,
                name: reg.name(pid).unwrap_or_default().to_string(),
                body,
            }),
            Out::PingAnswer(v) => {
                let rtt = peer.ping_sent.map_or(Duration::ZERO, |t| t.elapsed());
                peer.session.set_rtt(rtt);
                events.push_back(Event::PingAnswer {
                    cid,
                    body: v.to_bytes(),
                    rtt,
                })
            }
            Out::PingQuery(body) => events.push_back(Event::PingQuery { cid, body }),
            Out::Closed { reason, by_peer } => {
                events.push_back(Event::Closed {
                    cid,
                    reason,
                    by_peer,
                });
                pending.close = true;
                pending.linger = !by_peer;
            }
        }
    }
    pending
}
