//! The message layer in batches, for engines and scripting layers that cross the C boundary
//! at a cost (Python's ctypes, Lua, C#): many sends in one call, many events in one call,
//! both as one msgpack array, and a connection's figures.

use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{Castable, get, in_bytes, lock, out_ref, out_slice};
use super::manager::gamenet_conn;
use super::msg::{Events, Held, body_of, gamenet_client, gamenet_server};
use crate::core::error::{Error, ErrorKind, Result};
use crate::msg::msgpack;
use crate::msg::peer::{Event, Stats};

/// A connection's figures (`gamenet_server_get_stats`, `gamenet_client_get_stats`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct gamenet_msg_stats {
    /// Every packet received and sent, internal ones included.
    pub packets_in: u64,
    pub packets_out: u64,
    /// Their bytes on the wire, each 4-byte length prefix included.
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Application messages received and sent.
    pub messages_in: u64,
    pub messages_out: u64,
    /// Their msgpack bodies, uncompressed.
    pub payload_in: u64,
    pub payload_out: u64,
    /// What those bodies took on the wire (compressed or not): the compression ratio is
    /// `payload_out / wire_payload_out`.
    pub wire_payload_in: u64,
    pub wire_payload_out: u64,
    /// Application packets that arrived before the handshake completed (dropped, as
    /// peng3dnet drops them).
    pub dropped_early: u64,
    /// The round trip in microseconds (`has_rtt`): measured in the handshake, then by each
    /// ping answer.
    pub rtt_us: u64,
    pub has_rtt: bool,
}

impl From<Stats> for gamenet_msg_stats {
    fn from(s: Stats) -> Self {
        let f = s.figures;
        gamenet_msg_stats {
            packets_in: s.packets_in,
            packets_out: s.packets_out,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            messages_in: f.messages_in,
            messages_out: f.messages_out,
            payload_in: f.payload_in,
            payload_out: f.payload_out,
            wire_payload_in: f.wire_payload_in,
            wire_payload_out: f.wire_payload_out,
            dropped_early: s.dropped_early,
            rtt_us: f.rtt.map_or(0, |d| d.as_micros() as u64),
            has_rtt: f.rtt.is_some(),
        }
    }
}

/// Client `cid`'s figures. `GAMENET_ERR_UNKNOWN_CONNECTION` once it has closed.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_get_stats(
    s: *mut gamenet_server,
    cid: gamenet_conn,
    out: *mut gamenet_msg_stats,
) -> gamenet_result {
    with(s, |h| {
        let out = out_ref(out, "out")?;
        *out = h.inner.stats(cid)?.into();
        Ok(())
    })
}

/// The client's figures (kept after the connection closes).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_get_stats(
    c: *mut gamenet_client,
    out: *mut gamenet_msg_stats,
) -> gamenet_result {
    with(c, |h| {
        *out_ref(out, "out")? = h.inner.stats().into();
        Ok(())
    })
}

/// One message of a batch: the client id (server batches), the packet name, the body.
type Item<'a> = (Option<u64>, &'a str, &'a [u8]);

/// Reads a batch: one msgpack array whose items are arrays of `fields` values, the last
/// a message body (kept as its msgpack bytes). Refuses the whole batch on any flaw.
fn parse_batch(bytes: &[u8], fields: u32) -> Result<Vec<Item<'_>>> {
    let bad = |i: Option<usize>, what: String| {
        let at = i.map_or(String::new(), |i| format!(" (message {i})"));
        Error::new(ErrorKind::InvalidArgument, format!("batch{at}: {what}"))
    };
    let mut rd = bytes;
    let n = rmp::decode::read_array_len(&mut rd)
        .map_err(|e| bad(None, format!("not a msgpack array: {e}")))?;
    // Each item takes at least a byte: a count above what is left is a lie.
    if n as usize > rd.len() {
        return Err(bad(
            None,
            format!("{n} items claimed in {} bytes", rd.len()),
        ));
    }
    let mut items = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        let len = rmp::decode::read_array_len(&mut rd)
            .map_err(|e| bad(Some(i), format!("not an array: {e}")))?;
        if len != fields {
            return Err(bad(Some(i), format!("{len} fields, not {fields}")));
        }
        let cid = if fields == 3 {
            Some(
                rmp::decode::read_int::<u64, _>(&mut rd)
                    .map_err(|e| bad(Some(i), format!("the client id: {e}")))?,
            )
        } else {
            None
        };
        let (name, rest) = rmp::decode::read_str_from_slice(rd)
            .map_err(|e| bad(Some(i), format!("the packet name: {e}")))?;
        let body_len =
            msgpack::first_len(rest).map_err(|e| bad(Some(i), format!("the body: {}", e.0)))?;
        items.push((cid, name, &rest[..body_len]));
        rd = &rest[body_len..];
    }
    if !rd.is_empty() {
        return Err(bad(None, format!("{} bytes after the array", rd.len())));
    }
    Ok(items)
}

/// Reads a batch of items of `fields` values and hands them to `send` (a `send_many`),
/// writing how many went out to `*out_sent` (may be NULL); the first failure is the result.
fn send_batch(
    batch: *const u8,
    len: usize,
    fields: u32,
    out_sent: *mut usize,
    send: impl FnOnce(Vec<Item<'_>>) -> (usize, Option<Error>),
) -> Result<()> {
    if !out_sent.is_null() {
        *out_ref(out_sent, "out_sent")? = 0;
    }
    let items = parse_batch(in_bytes(batch, len, "batch")?, fields)?;
    let (sent, first) = send(items);
    if !out_sent.is_null() {
        *out_ref(out_sent, "out_sent")? = sent;
    }
    first.map_or(Ok(()), Err)
}

/// Sends a batch of messages in one call, in order: `batch` is one msgpack array of
/// `[cid, name, body]` arrays (body: any msgpack value, checked as
/// `gamenet_server_send_message` checks it). A malformed batch (not such an array, a body
/// that is not msgpack or nests deeper than 128) is `GAMENET_ERR_INVALID_ARGUMENT` and
/// sends nothing. Otherwise every message is attempted
/// (one to a client that has gone does not hold back the rest): `*out_sent` (may be NULL)
/// is how many went out, and the result is the first failure's, its message naming the
/// message's index. A message refused for backpressure (`GAMENET_ERR_WOULD_BLOCK`) holds
/// back the later ones to the same client in the batch, so none arrives out of order.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_send_messages(
    s: *mut gamenet_server,
    batch: *const u8,
    len: usize,
    out_sent: *mut usize,
) -> gamenet_result {
    with(s, |h| {
        send_batch(batch, len, 3, out_sent, |items| {
            h.inner.send_many(
                items
                    .into_iter()
                    .map(|(cid, name, body)| (cid.unwrap_or_default(), name, body.to_vec())),
            )
        })
    })
}

/// As `gamenet_server_send_messages`, for the client: `batch` is one msgpack array of
/// `[name, body]` arrays.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_send_messages(
    c: *mut gamenet_client,
    batch: *const u8,
    len: usize,
    out_sent: *mut usize,
) -> gamenet_result {
    with(c, |h| {
        send_batch(batch, len, 2, out_sent, |items| {
            h.inner.send_many(
                items
                    .into_iter()
                    .map(|(_, name, body)| (name, body.to_vec())),
            )
        })
    })
}

/// Appends `ev` as the msgpack array
/// `[kind, cid, pid, name, body, reason, by_peer, peer, rtt_us]`.
fn encode(ev: &Event, out: &mut Vec<u8>) {
    use rmp::encode::{write_array_len, write_bool, write_nil, write_str, write_uint};
    let nil = |out: &mut Vec<u8>| write_nil(out).unwrap();
    let (kind, cid) = match ev {
        Event::Connected { cid, .. } => (1, cid),
        Event::HandshakeComplete { cid, .. } => (2, cid),
        Event::Message { cid, .. } => (3, cid),
        Event::PingAnswer { cid, .. } => (4, cid),
        Event::Closed { cid, .. } => (5, cid),
        Event::PingQuery { cid, .. } => (6, cid),
    };
    // Writing into a Vec cannot fail.
    write_array_len(out, 9).unwrap();
    write_uint(out, kind).unwrap();
    write_uint(out, *cid).unwrap();
    match ev {
        Event::Message { pid, .. } => write_uint(out, u64::from(*pid)).map(drop).unwrap(),
        _ => write_uint(out, 0).map(drop).unwrap(),
    }
    match ev {
        Event::Message { name, .. } => write_str(out, name).unwrap(),
        Event::HandshakeComplete { conn_type, .. } => write_str(out, conn_type).unwrap(),
        _ => write_str(out, "").unwrap(),
    }
    let body = body_of(ev);
    if body.is_empty() {
        nil(out);
    } else {
        out.extend_from_slice(body);
    }
    match ev {
        Event::Closed {
            reason: Some(r), ..
        } => write_str(out, r).unwrap(),
        _ => nil(out),
    }
    write_bool(out, matches!(ev, Event::Closed { by_peer: true, .. })).unwrap();
    match ev {
        Event::Connected { peer, .. } => write_str(out, &peer.to_string()).unwrap(),
        _ => nil(out),
    }
    match ev {
        Event::PingAnswer { rtt, .. } => write_uint(out, rtt.as_micros() as u64).map(drop),
        _ => write_uint(out, 0).map(drop),
    }
    .unwrap();
}

/// Takes up to `max` events (0: as many as fit) into `buf` as one msgpack array (written
/// as an array32) of `[kind, cid, pid, name, body, reason, by_peer, peer, rtt_us]` arrays:
/// `kind` a `GAMENET_MSG_*` value; `pid` and `name` a message's (name: the connection type
/// for a handshake event, else ""); `body` the message's or ping answer's msgpack value (nil
/// for the others); `reason` a close's reason (nil when none); `by_peer` a close's; `peer`
/// a connect's address as text (`"127.0.0.1:5000"`, `"[::1]:5000"`; nil for the others);
/// `rtt_us` a ping answer's round trip. `GAMENET_EMPTY` when none waits;
/// `GAMENET_ERR_BUFFER_TOO_SMALL` when not even the first fits (its size in `*out_len`;
/// it stays queued). Events that do not fit stay queued, in order.
fn take_events<T: Events>(
    h: &Held<T>,
    buf: *mut u8,
    cap: usize,
    max: usize,
    out_count: *mut usize,
    out_len: *mut usize,
) -> Result<gamenet_result> {
    let out_count = out_ref(out_count, "out_count")?;
    let out_len = out_ref(out_len, "out_len")?;
    *out_count = 0;
    *out_len = 0;
    let max = if max == 0 { usize::MAX } else { max };
    // The held slot stays locked throughout: an event that does not fit goes back to it.
    let mut slot = lock(&h.held);
    let mut enc = vec![0xdd, 0, 0, 0, 0];
    let mut n: u32 = 0;
    while (n as usize) < max && n < u32::MAX {
        let Some(ev) = slot.take().or_else(|| h.inner.next_event()) else {
            break;
        };
        let mark = enc.len();
        encode(&ev, &mut enc);
        if enc.len() > cap {
            let need = enc.len() - mark + 5;
            enc.truncate(mark);
            *slot = Some(ev);
            if n == 0 {
                *out_len = need;
                return Err(Error::new(
                    ErrorKind::BufferTooSmall,
                    format!("the next event needs {need} bytes"),
                ));
            }
            break;
        }
        n += 1;
    }
    if n == 0 {
        return Ok(gamenet_result::GAMENET_EMPTY);
    }
    enc[1..5].copy_from_slice(&n.to_be_bytes());
    out_slice(buf, enc.len(), "buf")?.copy_from_slice(&enc);
    *out_count = n as usize;
    *out_len = enc.len();
    Ok(gamenet_result::GAMENET_OK)
}

fn take<C: Castable<Rust = Held<T>>, T: Events>(
    handle: *const C,
    buf: *mut u8,
    cap: usize,
    max: usize,
    out_count: *mut usize,
    out_len: *mut usize,
) -> gamenet_result {
    call(|| take_events(&*get(handle)?, buf, cap, max, out_count, out_len))
}

/// Takes up to `max` waiting events (0: as many as fit in `cap` bytes) into `buf` in one
/// call, as one msgpack array (format in the README's message-layer section): how many in
/// `*out_count`, the bytes written in `*out_len`. `GAMENET_EMPTY` when none waits;
/// `GAMENET_ERR_BUFFER_TOO_SMALL` with the size needed in `*out_len` when not even the
/// first fits (it stays queued). Events that do not fit stay queued, in order.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_take_events(
    s: *mut gamenet_server,
    buf: *mut u8,
    cap: usize,
    max: usize,
    out_count: *mut usize,
    out_len: *mut usize,
) -> gamenet_result {
    take(s, buf, cap, max, out_count, out_len)
}

/// As `gamenet_server_take_events`, for the client.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_take_events(
    c: *mut gamenet_client,
    buf: *mut u8,
    cap: usize,
    max: usize,
    out_count: *mut usize,
    out_len: *mut usize,
) -> gamenet_result {
    take(c, buf, cap, max, out_count, out_len)
}
