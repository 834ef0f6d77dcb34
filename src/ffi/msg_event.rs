//! The message layer's events as C sees them: `gamenet_msg_event` and its kinds, described
//! from an [`Event`], and taken one at a time into the caller's buffer (a too-small buffer
//! leaves the event at the head of the queue).

use std::ffi::c_char;
use std::sync::Mutex;

use super::address::gamenet_address;
use super::error::gamenet_result;
use super::handle::{copy_to_array, lock, out_ref, out_slice};
use super::manager::{GAMENET_MESSAGE_MAX, gamenet_conn};
use crate::core::error::{Error, ErrorKind, Result};
use crate::msg::peer::Event;

/// What a `gamenet_msg_event` reports.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gamenet_msg_event_kind {
    /// A client connected (server), or the connection to the server opened (client);
    /// `peer` is the other end.
    GAMENET_MSG_CONNECTED = 1,
    /// The handshake completed; `name` is the connection type.
    GAMENET_MSG_HANDSHAKE_COMPLETE = 2,
    /// A message: `pid`, `name`, and the msgpack body in the caller's buffer.
    GAMENET_MSG_MESSAGE = 3,
    /// The answer to `gamenet_client_ping`: the server's status map (msgpack) in the
    /// caller's buffer and the round trip in `rtt_us`.
    GAMENET_MSG_PING_ANSWER = 4,
    /// The connection closed (reported once): `reason` and whether the peer closed it
    /// (`by_peer`). The reason is the closeconn's (`has_reason` false when the peer's
    /// closeconn carried none, or not a str), or gamenet's: `socketclose` (the peer ended
    /// the stream), `reset`, `error`, `sendfailed` (a protocol send the connection did not
    /// take), `shutdown` (the server or client was freed), `handshaketimeout`,
    /// `toolarge` (a length claim over max_frame: closed at once, the peer sees the end of
    /// the stream; or a body inflating over max_decompressed: the peer is told),
    /// `badframe`, `badmsgpack`, `badcompression`, `aesunsupported`, `unknownflags`,
    /// `smartpacketinvalid` (a handshake packet out of place), `handshakefailed` (an accept
    /// without success), `protoversionmismatch`,
    /// `packetregmismatch` (client and server must register the same packet names; the
    /// client adopts the server's ids), `unknownconntype`, `pingcomplete`,
    /// `pinginvalidside`, `invalidpingpacket`, `servershutdown`. A reason longer than 255
    /// bytes is cut at a character boundary (and a NUL in it ends it here):
    /// `*_take_events` gives it whole.
    GAMENET_MSG_CLOSED = 5,
    /// A ping query for the engine to answer with `gamenet_server_answer_ping` (a server
    /// configured with `gamenet_msg_config_set_defer_ping`): the query's msgpack map in the
    /// caller's buffer. Unanswered, the connection closes at the handshake timeout.
    GAMENET_MSG_PING_QUERY = 6,
}

/// One event. `body_len` is the body's length, copied into the caller's buffer.
#[repr(C)]
pub struct gamenet_msg_event {
    pub kind: gamenet_msg_event_kind,
    /// The connection: a server's client id (never reused), or a client's connection.
    pub cid: gamenet_conn,
    /// A message's packet id.
    pub pid: u32,
    pub by_peer: bool,
    pub has_reason: bool,
    /// A ping answer's round trip, in microseconds.
    pub rtt_us: u64,
    /// The peer's address (connected events).
    pub peer: gamenet_address,
    /// A message's packet name, or the connection type (handshake events). NUL-terminated.
    pub name: [c_char; 128],
    /// A close's reason, NUL-terminated (cut to fit).
    pub reason: [c_char; GAMENET_MESSAGE_MAX],
    pub body_len: usize,
}

/// An event's body (a message's or a ping answer's msgpack), empty for the others.
pub(crate) fn body_of(ev: &Event) -> &[u8] {
    match ev {
        Event::Message { body, .. }
        | Event::PingAnswer { body, .. }
        | Event::PingQuery { body, .. } => body,
        _ => &[],
    }
}

/// Describes `ev` in `out` (`body_len` included; the body itself is the caller's).
pub(crate) fn describe(ev: &Event, out: &mut gamenet_msg_event) {
    out.body_len = body_of(ev).len();
    out.pid = 0;
    out.by_peer = false;
    out.has_reason = false;
    out.rtt_us = 0;
    out.peer = gamenet_address::default();
    copy_to_array("", &mut out.name);
    copy_to_array("", &mut out.reason);
    match ev {
        Event::Connected { cid, peer } => {
            out.kind = gamenet_msg_event_kind::GAMENET_MSG_CONNECTED;
            out.cid = *cid;
            out.peer = (*peer).into();
        }
        Event::HandshakeComplete { cid, conn_type } => {
            out.kind = gamenet_msg_event_kind::GAMENET_MSG_HANDSHAKE_COMPLETE;
            out.cid = *cid;
            copy_to_array(conn_type, &mut out.name);
        }
        Event::Message { cid, pid, name, .. } => {
            out.kind = gamenet_msg_event_kind::GAMENET_MSG_MESSAGE;
            out.cid = *cid;
            out.pid = *pid;
            copy_to_array(name, &mut out.name);
        }
        Event::PingAnswer { cid, rtt, .. } => {
            out.kind = gamenet_msg_event_kind::GAMENET_MSG_PING_ANSWER;
            out.cid = *cid;
            out.rtt_us = rtt.as_micros() as u64;
        }
        Event::PingQuery { cid, .. } => {
            out.kind = gamenet_msg_event_kind::GAMENET_MSG_PING_QUERY;
            out.cid = *cid;
        }
        Event::Closed {
            cid,
            reason,
            by_peer,
        } => {
            out.kind = gamenet_msg_event_kind::GAMENET_MSG_CLOSED;
            out.cid = *cid;
            out.by_peer = *by_peer;
            out.has_reason = reason.is_some();
            copy_to_array(reason.as_deref().unwrap_or(""), &mut out.reason);
        }
    }
}

/// Fills `out` and the body buffer from the next event, or leaves it waiting (in `held`)
/// when the buffer is too small, with the size needed in `*out_len`.
pub(crate) fn next_event(
    held: &Mutex<Option<Event>>,
    next: impl FnOnce() -> Option<Event>,
    out: *mut gamenet_msg_event,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<gamenet_result> {
    let out = out_ref(out, "out")?;
    let out_len = out_ref(out_len, "out_len")?;
    let mut slot = lock(held);
    let Some(ev) = slot.take().or_else(next) else {
        return Ok(gamenet_result::GAMENET_EMPTY);
    };
    let body = body_of(&ev);
    if body.len() > cap {
        *out_len = body.len();
        *slot = Some(ev);
        return Err(Error::new(
            ErrorKind::BufferTooSmall,
            format!("the event's body needs {} bytes", *out_len),
        ));
    }
    if !body.is_empty() {
        out_slice(buf, body.len(), "buf")?.copy_from_slice(body);
    }
    *out_len = body.len();
    describe(&ev, out);
    Ok(gamenet_result::GAMENET_OK)
}
