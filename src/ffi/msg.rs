//! The C face of the message layer's server and client (`gamenet_server`,
//! `gamenet_client`) and of their events. Bodies are msgpack bytes: what the engine sends
//! is checked to be one msgpack value (map keys str or bytes: the Python peer dies on
//! others) and what it receives has been checked the same way.

use std::ffi::c_char;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::address::gamenet_address;
use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{
    Castable, Handles, copy_to_array, free_handle, get, in_bytes, in_str, lock, new_handle,
    opt_str, out_ref, out_slice,
};
use super::manager::{GAMENET_MESSAGE_MAX, gamenet_conn};
use super::msg_callback::{EventSink, deliver};
use super::msg_config::gamenet_msg_config;
use crate::core::error::{Error, ErrorKind, Result};
use crate::msg::client::Client;
use crate::msg::msgpack::Value;
use crate::msg::peer::Event;
use crate::msg::server::Server;

/// A message-layer server (peng3dnet's `Server`). Every function may be called from any
/// thread.
pub struct gamenet_server {
    _private: [u8; 0],
}

/// A message-layer client (peng3dnet's `Client`). Every function may be called from any
/// thread.
pub struct gamenet_client {
    _private: [u8; 0],
}

/// What the C functions need of a server or client.
pub trait Events {
    fn process(&self, timeout: Duration) -> usize;
    fn next_event(&self) -> Option<Event>;
}

impl Events for Server {
    fn process(&self, timeout: Duration) -> usize {
        Server::process(self, timeout)
    }
    fn next_event(&self) -> Option<Event> {
        Server::next_event(self)
    }
}

impl Events for Client {
    fn process(&self, timeout: Duration) -> usize {
        Client::process(self, timeout)
    }
    fn next_event(&self) -> Option<Event> {
        Client::next_event(self)
    }
}

/// A server's or client's rust object, with the event a too-small buffer left waiting and
/// the engine's event callback.
pub struct Held<T> {
    pub(crate) inner: T,
    /// The event a too-small buffer left at the head of the queue.
    pub(crate) held: Mutex<Option<Event>>,
    pub(crate) callback: Mutex<Option<Arc<EventSink>>>,
}

impl<T: Events> Held<T> {
    fn new(inner: T) -> Self {
        Held {
            inner,
            held: Mutex::new(None),
            callback: Mutex::new(None),
        }
    }

    /// Writes how many events wait (`waiting` queued, and the one a too-small buffer left)
    /// to `*out` unless it is NULL.
    fn count(&self, waiting: usize, out: *mut usize) -> Result<()> {
        if !out.is_null() {
            *out_ref(out, "out_events")? = waiting + lock(&self.held).is_some() as usize;
        }
        Ok(())
    }
}

/// `process` for a server or client: runs the protocol, then hands every waiting event to
/// the callback if one is set (writing how many to `*out`), or writes how many wait.
fn process<C: Castable<Rust = Held<T>>, T: Events>(
    handle: *const C,
    timeout_ms: u32,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let h = get(handle)?;
        let waiting = h.inner.process(timeout_of(timeout_ms));
        match lock(&h.callback).clone() {
            None => h.count(waiting, out),
            Some(sink) => {
                let n = deliver(handle, &h, &sink);
                if !out.is_null() {
                    *out_ref(out, "out_events")? = n;
                }
                Ok(())
            }
        }
    })
}

impl Castable for gamenet_server {
    type Rust = Held<Server>;
    const NAME: &'static str = "gamenet_server";
    fn handles() -> &'static Handles<Self> {
        static SERVERS: Handles<gamenet_server> = Handles::new();
        &SERVERS
    }
}

impl Castable for gamenet_client {
    type Rust = Held<Client>;
    const NAME: &'static str = "gamenet_client";
    fn handles() -> &'static Handles<Self> {
        static CLIENTS: Handles<gamenet_client> = Handles::new();
        &CLIENTS
    }
}

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
    /// The connection closed (reported once): `reason` (`has_reason` false when the peer
    /// gave none) and whether the peer closed it (`by_peer`).
    GAMENET_MSG_CLOSED = 5,
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
        Event::Message { body, .. } | Event::PingAnswer { body, .. } => body,
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
fn next_event(
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

fn timeout_of(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// Creates a server from `cfg` (copied) and starts listening. Read the port with
/// `gamenet_server_get_port`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_new(
    cfg: *mut gamenet_msg_config,
    out: *mut *mut gamenet_server,
) -> gamenet_result {
    call(|| {
        let cfg = lock(&*get(cfg)?).clone();
        let out = out_ref(out, "out")?;
        let server = Server::new(cfg.server(), cfg.registry)?;
        *out = new_handle(Held::new(server))?;
        Ok(())
    })
}

/// Stops the server and frees it: clients see their connections close (for a closing with
/// a reason, call `gamenet_server_shutdown` first). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_free(s: *mut gamenet_server) -> gamenet_result {
    call(|| {
        free_handle(s)?;
        Ok(())
    })
}

/// The port the server listens on.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_get_port(s: *mut gamenet_server, out: *mut u16) -> gamenet_result {
    with(s, |h| {
        *out_ref(out, "out")? = h.inner.port();
        Ok(())
    })
}

/// Handles what arrived: accepts (without threads), reads (waiting up to `timeout_ms` for
/// the first when no event waits; 0: not at all), runs the protocol, closes handshakes that
/// took too long. Bounded work: at most 1024 packets a call, and none while 4096 events wait
/// (a peer that floods is then held back by the core and the kernel, not by memory). Writes
/// how many events wait to `*out_events` (may be NULL).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_process(
    s: *mut gamenet_server,
    timeout_ms: u32,
    out_events: *mut usize,
) -> gamenet_result {
    process(s, timeout_ms, out_events)
}

/// Takes the oldest event into `*out`, its body (if any) into `buf` and the body's length
/// into `*out_len`: `GAMENET_OK`, `GAMENET_EMPTY` (none waits), or
/// `GAMENET_ERR_BUFFER_TOO_SMALL` with the size needed in `*out_len` (the event stays at the
/// head of the queue: grow the buffer, or bound bodies with `gamenet_msg_config_set_limits`
/// to the buffer's size). Call it on the engine's thread after `gamenet_server_process`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_next_event(
    s: *mut gamenet_server,
    out: *mut gamenet_msg_event,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    call(|| {
        let h = get(s)?;
        next_event(&h.held, || h.inner.next_event(), out, buf, cap, out_len)
    })
}

/// Sends message `name` (a registered packet) with the msgpack `body` to client `cid`
/// (queued until its handshake completes). A body that is not one msgpack value, or a map
/// with keys other than str or bytes, is `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_send_message(
    s: *mut gamenet_server,
    cid: gamenet_conn,
    name: *const c_char,
    body: *const u8,
    len: usize,
) -> gamenet_result {
    with(s, |h| {
        let name = in_str(name, "name")?;
        let body = in_bytes(body, len, "body")?.to_vec();
        h.inner.send_message(cid, name, body)
    })
}

/// Closes client `cid`: sends closeconn with `reason` (NULL: none), then closes once the
/// client has (or after 1 s). Its close event follows.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_close_connection(
    s: *mut gamenet_server,
    cid: gamenet_conn,
    reason: *const c_char,
) -> gamenet_result {
    with(s, |h| {
        let reason = opt_str(reason, "reason")?;
        h.inner.close_connection(cid, reason)
    })
}

/// Tells every client (closeconn with `reason`, NULL: "servershutdown"), lets them close,
/// and stops listening, returning within `timeout_ms`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_shutdown(
    s: *mut gamenet_server,
    reason: *const c_char,
    timeout_ms: u32,
) -> gamenet_result {
    with(s, |h| {
        let reason = opt_str(reason, "reason")?;
        h.inner.shutdown(reason, timeout_of(timeout_ms));
        Ok(())
    })
}

/// Connects to the server `cfg` names (blocking, within its connect timeout; every address
/// of the host tried) with `cfg`'s connection type, and starts the protocol; the handshake
/// completes inside `gamenet_client_process`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_connect(
    cfg: *mut gamenet_msg_config,
    out: *mut *mut gamenet_client,
) -> gamenet_result {
    call(|| {
        let cfg = lock(&*get(cfg)?).clone();
        let out = out_ref(out, "out")?;
        let client = Client::connect(cfg.client(), cfg.registry)?;
        *out = new_handle(Held::new(client))?;
        Ok(())
    })
}

/// Frees the client (its connection closes). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_free(c: *mut gamenet_client) -> gamenet_result {
    call(|| {
        free_handle(c)?;
        Ok(())
    })
}

/// As `gamenet_server_process`, for the client.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_process(
    c: *mut gamenet_client,
    timeout_ms: u32,
    out_events: *mut usize,
) -> gamenet_result {
    process(c, timeout_ms, out_events)
}

/// As `gamenet_server_next_event`, for the client.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_next_event(
    c: *mut gamenet_client,
    out: *mut gamenet_msg_event,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    call(|| {
        let h = get(c)?;
        next_event(&h.held, || h.inner.next_event(), out, buf, cap, out_len)
    })
}

/// Sends message `name` with the msgpack `body` (waiting until the handshake completes if
/// it has not yet; then it goes out with the server's id for `name`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_send_message(
    c: *mut gamenet_client,
    name: *const c_char,
    body: *const u8,
    len: usize,
) -> gamenet_result {
    with(c, |h| {
        let name = in_str(name, "name")?;
        let body = in_bytes(body, len, "body")?.to_vec();
        h.inner.send_message(name, body)
    })
}

/// A "ping" client's status query (`"time"` is added); the answer arrives as a
/// `GAMENET_MSG_PING_ANSWER` event, then the connection closes (`pingcomplete`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_ping(c: *mut gamenet_client) -> gamenet_result {
    with(c, |h| h.inner.ping(Vec::<(String, Value)>::new()))
}

/// Closes: sends closeconn with `reason` (NULL: none), then closes once the server has (or
/// after 1 s, inside `gamenet_client_process` or `gamenet_client_free`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_close(
    c: *mut gamenet_client,
    reason: *const c_char,
) -> gamenet_result {
    with(c, |h| {
        let reason = opt_str(reason, "reason")?;
        h.inner.close(reason);
        Ok(())
    })
}

/// The client's connection id.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_get_cid(
    c: *mut gamenet_client,
    out: *mut gamenet_conn,
) -> gamenet_result {
    with(c, |h| {
        *out_ref(out, "out")? = h.inner.cid();
        Ok(())
    })
}
