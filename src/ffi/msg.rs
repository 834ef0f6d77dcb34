//! The C face of the message layer's server and client (`gamenet_server`,
//! `gamenet_client`) and of their events. Bodies are msgpack bytes: what the engine sends
//! is checked to be one msgpack value (map keys str or bytes: the Python peer dies on
//! others) and what it receives has been checked the same way.

use std::ffi::c_char;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{
    Castable, Handles, free_handle, get, in_bytes, in_str, lock, new_handle, opt_str, out_ref,
};
use super::manager::gamenet_conn;
use super::msg_callback::{EventSink, deliver, delivering};
use super::msg_config::gamenet_msg_config;
use super::msg_event::next_event;
pub(crate) use super::msg_event::{body_of, describe};
pub use super::msg_event::{gamenet_msg_event, gamenet_msg_event_kind};
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
        // Read out of the lock: the callback may set another callback, or process (which
        // then delivers nothing: see `delivering`).
        let has_callback = lock(&h.callback).is_some();
        if !has_callback || delivering() {
            return h.count(waiting, out);
        }
        let n = deliver(handle, &h);
        if !out.is_null() {
            *out_ref(out, "out_events")? = n;
        }
        Ok(())
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
        if let Some(h) = free_handle(s)? {
            // A process() waiting on another thread returns now; the rest is released
            // when the last call using the server returns.
            h.inner.interrupt();
        }
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
/// work when no event waits: a packet, a connection or a close wakes it within 5 ms; 0:
/// not at all), runs the protocol, writes what the sockets did not take before (without
/// writer threads), closes handshakes that took too long. Bounded work: at most 1024
/// packets and 16 MiB of (inflated) bodies a call, and none while 4096 events or 64 MiB of
/// bodies wait (a peer that floods is then held back by the core and the kernel, not by
/// memory). Writes how many events wait to `*out_events` (may be NULL). Freeing the
/// server on another thread makes a waiting call return at once.
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
/// with keys other than str or bytes, is `GAMENET_ERR_INVALID_ARGUMENT`. Backpressure:
/// `GAMENET_ERR_WOULD_BLOCK` when 8 MiB already wait in the client's writer buffer, or 4 MiB
/// for its handshake (counting 64 bytes a message): nothing was sent, the connection
/// stays open, send again later. `GAMENET_ERR_CLOSED` when the connection is closed or
/// failed now (its close event follows, `sendfailed`).
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

/// Answers the ping query of connection `cid` (a `GAMENET_MSG_PING_QUERY` event): the
/// answer holds `oldmsg` (the query), the config's ping data, the entries of `extra` (a
/// msgpack map with str keys, `len` bytes; NULL or 0: none) and peng3dnet's info map
/// (`peng3dnet`: gamenet's versions); a later entry replaces an earlier one of the same
/// name (`oldmsg` and `peng3dnet` included). The client then closes (`pingcomplete`). No query waiting: `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_answer_ping(
    s: *mut gamenet_server,
    cid: gamenet_conn,
    extra: *const u8,
    len: usize,
) -> gamenet_result {
    with(s, |h| {
        let extra = str_map(extra, len, "extra")?;
        h.inner.answer_ping(cid, &extra)
    })
}

/// Reads `len` bytes at `data` as a msgpack map with str keys (NULL or 0: empty).
pub(crate) fn str_map(data: *const u8, len: usize, name: &str) -> Result<Vec<(String, Value)>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let bad = |why: String| Error::new(ErrorKind::InvalidArgument, format!("{name}: {why}"));
    match crate::msg::msgpack::decode(in_bytes(data, len, name)?, true) {
        Ok(Value::Map(entries)) => entries
            .into_iter()
            .map(|(k, v)| match k {
                Value::Str(k) => Ok((k, v)),
                _ => Err(bad("a key that is not a str".into())),
            })
            .collect(),
        Ok(_) => Err(bad("not a msgpack map".into())),
        Err(e) => Err(bad(e.0)),
    }
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
        if let Some(h) = free_handle(c)? {
            h.inner.interrupt(); // as gamenet_server_free
        }
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
/// it has not yet; then it goes out with the server's id for `name`). Backpressure and
/// errors as `gamenet_server_send_message`.
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

/// As `gamenet_client_ping`, with the entries of `extra` (a msgpack map with str keys,
/// `len` bytes) in the query besides `"time"` (an entry `"time"` replaces it).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_ping_with(
    c: *mut gamenet_client,
    extra: *const u8,
    len: usize,
) -> gamenet_result {
    with(c, |h| h.inner.ping(str_map(extra, len, "extra")?))
}

/// The id packet `name` has on this connection: the client's own until the handshake,
/// the server's after it (the client adopts them). Not registered: `GAMENET_EMPTY`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_get_packet_id(
    c: *mut gamenet_client,
    name: *const c_char,
    out: *mut u32,
) -> gamenet_result {
    with(c, |h| {
        let name = in_str(name, "name")?;
        let out = out_ref(out, "out")?;
        Ok(match h.inner.packet_id(name) {
            Some(id) => {
                *out = id;
                gamenet_result::GAMENET_OK
            }
            None => gamenet_result::GAMENET_EMPTY,
        })
    })
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
