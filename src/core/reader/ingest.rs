//! What a reader loop does with one ready connection, per I/O kind: a byte stream goes
//! through the connection's decoder, addressed datagrams are checked one by one. The match
//! on the kind is exhaustive: a new kind must say here how it is read.
//!
//! Everything that survives a move to another reader (decoder, datagrams waiting for room,
//! a close waiting for them) is in the connection's read side, taken under its lock.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;

use super::super::address;
use super::super::connection::{CloseReason, Connection};
use super::super::decoder::Frame;
use super::super::error::ErrorKind;
use super::super::framing::Decoder;
use super::super::io::{ByteStream, Io, UdpIo, close_reason};
use super::super::queue::Block;
use super::super::read_side::{PendingClose, ReadOwner, ReadSide};
use super::super::stats::DropReason;
use super::Inner;

/// Bytes one read takes into the scratch buffer.
pub(super) const READ_CHUNK: usize = 64 * 1024;
/// From this many bytes a read's datagrams stay in the buffer they were read into; below
/// it they are copied into a block of their size (a queued block then holds at least a
/// quarter of its buffer in datagrams).
const IN_PLACE_MIN: usize = READ_CHUNK / 4;

/// What the loop does with a connection after reading it.
pub(super) enum Outcome {
    /// Nothing (more) to read now: readiness will tell.
    Drained,
    /// There may be more: read again next turn, behind the others.
    MoreToRead,
    /// Decoded datagrams wait for room in the queue: read again when the engine makes room.
    Blocked,
    /// Close the connection (after dropping the read lock), then forget it.
    Close(PendingClose),
    /// The connection closed: forget it.
    Gone,
    /// Another consumer reads it now (it moved): forget it here without touching it.
    NotMine,
}

/// The buffers a loop reads with, and what the last turn read.
pub(super) struct LoopIo {
    pub(super) scratch: Vec<u8>,
    pub(super) spares: Vec<Block>,
    /// UDP datagrams read since the thread last looked (a UDP stream makes the thread nap
    /// between turns; TCP arrives in large reads and does not need it).
    pub(super) read_count: usize,
    /// Stream datagrams the last `read_conn` queued (0 with `Blocked`: it waits for room
    /// without having had any, so it goes first when room comes).
    pub(super) pushed: usize,
}

impl LoopIo {
    pub(super) fn new() -> Self {
        LoopIo {
            scratch: vec![0; READ_CHUNK],
            spares: Vec::new(),
            read_count: 0,
            pushed: 0,
        }
    }
}

/// Reads connection `conn` once for `owner`.
pub(super) fn read_conn(
    inner: &Inner,
    owner: ReadOwner,
    conn: &Arc<Connection>,
    io: &mut LoopIo,
) -> Outcome {
    if conn.is_closed() {
        return Outcome::Gone;
    }
    io.pushed = 0;
    let mut rs = conn.read_side();
    if !rs.is_owned_by(owner) {
        return Outcome::NotMine;
    }
    // Parked datagrams go first; nothing more is read until they are queued.
    if !rs.pending.is_empty() {
        io.pushed += push(inner, &mut rs, &mut io.spares);
        if !rs.pending.is_empty() {
            return Outcome::Blocked;
        }
    }
    if let Some(pc) = rs.closing.take() {
        return Outcome::Close(*pc);
    }
    match conn.io() {
        Io::Stream(s) => ingest_stream(inner, conn, s.get(), &mut rs, io),
        Io::Datagram(u) => ingest_datagrams(inner, conn, u, &mut rs, io),
        // Refused by `add_connection`; a listening socket has nothing to read.
        Io::Listen(_) => Outcome::NotMine,
    }
}

/// Closes once the datagrams already decoded have been queued.
fn close_after_pending(
    pending: &VecDeque<Block>,
    closing: &mut Option<Box<PendingClose>>,
    pc: PendingClose,
) -> Outcome {
    if pending.is_empty() {
        Outcome::Close(pc)
    } else {
        *closing = Some(Box::new(pc));
        Outcome::Blocked
    }
}

/// The bytes a stream read returned, or what the loop does next: an end of stream or an
/// error closes the connection, WouldBlock means drained, an interrupt means try again.
fn classify_read(
    inner: &Inner,
    conn: &Connection,
    rs: &mut ReadSide,
    decoder: &Decoder,
    read: io::Result<usize>,
) -> Result<usize, Outcome> {
    let pc = match read {
        Ok(0) => end_of_stream(inner, conn, decoder),
        Ok(n) => return Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Outcome::Drained),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(Outcome::MoreToRead),
        Err(e) => lost_partial(
            inner,
            conn,
            decoder,
            PendingClose {
                reason: close_reason(&e),
                os_error: e.raw_os_error().unwrap_or(0),
                message: format!("receive failed: {e}"),
            },
        ),
    };
    Err(close_after_pending(&rs.pending, &mut rs.closing, pc))
}

/// Why a stream ended: an orderly close, or a reset whose error a writer took from the
/// socket first (the socket then reads as ended; it says which it was). A datagram the end
/// cut short is said and counted lost.
///
/// Both a reset and our own write after the peer's orderly close leave the socket hung
/// up; the socket's pending error tells them apart: EPIPE when the peer had closed in
/// order (a reset after its FIN answered our late write), ECONNRESET or none (taken by a
/// writer) after a reset.
fn end_of_stream(inner: &Inner, conn: &Connection, decoder: &Decoder) -> PendingClose {
    let reset = conn.io().hung_up()
        && !matches!(conn.io().take_error(), Ok(Some(e)) if e.raw_os_error() == Some(libc::EPIPE));
    let pc = if reset {
        PendingClose {
            reason: CloseReason::Reset,
            os_error: libc::ECONNRESET,
            message: "the peer reset the connection".into(),
        }
    } else {
        PendingClose {
            reason: CloseReason::PeerClosed,
            os_error: 0,
            message: "the peer closed the connection".into(),
        }
    };
    lost_partial(inner, conn, decoder, pc)
}

/// A close that cuts a datagram short says so, and the datagram is counted lost.
fn lost_partial(
    inner: &Inner,
    conn: &Connection,
    decoder: &Decoder,
    mut pc: PendingClose,
) -> PendingClose {
    if decoder.buffered() > 0 {
        inner.inbox.count_drop(conn, DropReason::Truncated, 1);
        let got = match decoder.progress() {
            Some((have, len)) => format!("{have} bytes of {len} received"),
            None => format!("{} bytes of its length header received", decoder.buffered()),
        };
        pc.message +=
            &format!(" in the middle of a datagram ({got}; the partial datagram is lost)");
    }
    pc
}

/// Queues what the connection has decoded, within the queue and its share.
fn push(inner: &Inner, rs: &mut ReadSide, spares: &mut Vec<Block>) -> usize {
    let others = inner.loops.count() > 1;
    let (pending, tally) = rs.pending_and_tally();
    inner.inbox.push_stream(pending, spares, tally, others)
}

fn ingest_stream(
    inner: &Inner,
    conn: &Connection,
    s: &dyn ByteStream,
    rs: &mut ReadSide,
    io: &mut LoopIo,
) -> Outcome {
    let Some(mut decoder) = rs.decoder.take() else {
        // A stream is always claimed with a decoder; without one it cannot be read.
        return Outcome::NotMine;
    };
    let outcome = stream_once(inner, conn, s, rs, &mut decoder, io);
    rs.decoder = Some(decoder);
    if s.wants_write() {
        // Protocol bytes (a TLS handshake or key update) leave from the read side.
        if let Err(e) = s.flush_protocol() {
            return Outcome::Close(PendingClose {
                reason: close_reason(&e),
                os_error: e.raw_os_error().unwrap_or(0),
                message: format!("protocol write failed: {e}"),
            });
        }
    }
    outcome
}

fn stream_once(
    inner: &Inner,
    conn: &Connection,
    s: &dyn ByteStream,
    rs: &mut ReadSide,
    decoder: &mut Decoder,
    io: &mut LoopIo,
) -> Outcome {
    let LoopIo {
        scratch,
        spares,
        pushed,
        ..
    } = io;
    // The rest of a large frame goes straight into its own buffer, which then becomes the
    // queued datagram: no copy through the scratch buffer and none into a block.
    if decoder.missing().is_some_and(|m| m >= READ_CHUNK) {
        let read = decoder.read_into(&inner.bufs, |buf| s.read(buf));
        if let Err(outcome) = classify_read(inner, conn, rs, decoder, read) {
            return outcome;
        }
        if let Some((bytes, off)) = decoder.take_frame() {
            let block = Block::owning(conn.id(), bytes, off, conn.peer_address());
            inner.inbox.count_in(conn, 1, block.bytes_left());
            rs.pending.push_back(block);
            *pushed += push(inner, rs, spares);
            if !rs.pending.is_empty() {
                return Outcome::Blocked;
            }
        }
        return Outcome::MoreToRead;
    }
    // The buffer's size now: a large read hands this buffer to its block and takes
    // another, of any size, for the next read.
    let asked = scratch.len();
    let read = s.read(scratch);
    let n = match classify_read(inner, conn, rs, decoder, read) {
        Ok(n) => n,
        Err(outcome) => return outcome,
    };
    if conn.is_closed() {
        return Outcome::Gone;
    }
    let from = conn.peer_address();
    let mut block = spares.pop().unwrap_or_default();
    let fed = if n >= IN_PLACE_MIN {
        // A large read stays where it is: the block takes the read buffer (its datagrams
        // are recorded by place, not copied) and gives its own for the next read. Only a
        // datagram completed from bytes held from earlier reads is copied, into a block
        // of its own that goes first.
        block.adopt(conn.id(), scratch, READ_CHUNK);
        let mut first: Option<Block> = None;
        let fed = block.frames_in_place(n, from, |input, at| {
            decoder.feed_frames(input, |f| match f {
                Frame::At(off, len) => at(off, len),
                Frame::Held(d) => {
                    let b = first.get_or_insert_with(|| {
                        let mut b = spares.pop().unwrap_or_default();
                        b.reset(conn.id());
                        b
                    });
                    b.push(d, from);
                }
            })
        });
        if let Some(b) = first {
            inner.inbox.count_in(conn, b.len(), b.bytes_left());
            rs.pending.push_back(b);
        }
        fed
    } else {
        // A small read is copied: a block keeps only what it holds.
        block.reset(conn.id());
        decoder.feed(&scratch[..n], |frame| block.push(frame, from))
    };
    inner.inbox.count_in(conn, block.len(), block.bytes_left());
    rs.pending.push_back(block);
    *pushed += push(inner, rs, spares);
    if let Err(e) = fed {
        let reason = if e.kind() == ErrorKind::TooLarge {
            CloseReason::TooLarge
        } else {
            CloseReason::ProtocolViolation
        };
        let pc = PendingClose {
            reason,
            os_error: 0,
            message: e.message().to_string(),
        };
        return close_after_pending(&rs.pending, &mut rs.closing, pc);
    }
    if !rs.pending.is_empty() {
        Outcome::Blocked
    } else if n < asked && !rs.peer_gone && s.buffered() == 0 {
        // A short read took all the socket had. Edge-triggered epoll reports every later
        // arrival, and an end of stream that came with this data carries the read-closed
        // flag (`peer_gone`), so no extra read is needed to find out. A stream that holds
        // plaintext of its own (TLS) is read again: epoll will not announce it.
        Outcome::Drained
    } else {
        Outcome::MoreToRead
    }
}

fn ingest_datagrams(
    inner: &Inner,
    conn: &Connection,
    u: &UdpIo,
    rs: &mut ReadSide,
    io: &mut LoopIo,
) -> Outcome {
    let LoopIo {
        scratch,
        spares,
        read_count,
        ..
    } = io;
    let framing = inner.framing.get();
    let max = inner.max_datagram();
    let mut block = spares.pop().unwrap_or_default();
    block.reset(conn.id());
    let mut outcome = Outcome::MoreToRead;
    // Up to 256 packets per turn, so one flooded socket does not starve the others.
    for _ in 0..256 {
        let (n, from) = match u.recv_from(scratch) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                outcome = Outcome::Drained;
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // ICMP errors surface on UDP sockets as ECONNREFUSED: about one earlier packet,
            // not this socket. Keep reading.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
            Err(e) => {
                let pc = PendingClose {
                    reason: CloseReason::Error,
                    os_error: e.raw_os_error().unwrap_or(0),
                    message: format!("UDP receive failed: {e}"),
                };
                outcome = close_after_pending(&rs.pending, &mut rs.closing, pc);
                break;
            }
        };
        if conn.is_closed() {
            return Outcome::Gone;
        }
        // Every packet is delivered or counted as dropped with its reason. An empty packet
        // is a valid raw datagram; with the checksum header it lacks the header, like a
        // 1-byte packet, and counts as a bad checksum (Panda3D drops both unseen).
        let Some(payload) = framing.decode_udp(&scratch[..n]) else {
            inner.inbox.count_drop(conn, DropReason::Checksum, 1);
            continue;
        };
        if payload.len() > max {
            inner.inbox.count_drop(conn, DropReason::TooLarge, 1);
            continue;
        }
        block.push(payload, Some(address::canonical(from)));
    }
    inner.inbox.count_in(conn, block.len(), block.bytes_left());
    *read_count += block.len();
    inner.inbox.push_datagrams(block, conn, spares);
    outcome
}
