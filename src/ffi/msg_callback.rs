//! The message layer's event callback: an engine that prefers to be called sets one, and
//! `gamenet_server_process` / `gamenet_client_process` hand it every event on the thread
//! that called them, instead of leaving them for `*_next_event`.

use std::ffi::c_void;
use std::sync::Arc;

use super::boundary::with;
use super::error::gamenet_result;
use super::handle::{Castable, get, lock};
use super::manager::gamenet_userdata_free_fn;
use super::msg::{
    Events, Held, body_of, describe, gamenet_client, gamenet_msg_event, gamenet_msg_event_kind,
    gamenet_server,
};
use crate::msg::peer::{MAX_EVENTS, MAX_PER_PROCESS};

/// An event callback: `ev` describes the event (`ev->body_len` bytes of msgpack at `body`
/// for a message or a ping answer); both are valid only during the call. It runs inside
/// `gamenet_server_process` / `gamenet_client_process`, on the thread that called it, with
/// no lock of gamenet's held: it may call any function of the same server or client
/// (send, close, set another callback: it gets the next event; even free: delivery then
/// stops). A `process` called from the callback runs the protocol but delivers no events:
/// the outer call goes on delivering them (so nesting stays one level deep).
pub type gamenet_msg_event_fn = Option<
    extern "C" fn(userdata: *mut c_void, ev: *const gamenet_msg_event, body: *const u8, len: usize),
>;

/// A callback with its userdata; `userdata_free` runs once it is no longer needed.
pub struct EventSink {
    callback: extern "C" fn(*mut c_void, *const gamenet_msg_event, *const u8, usize),
    userdata: *mut c_void,
    userdata_free: gamenet_userdata_free_fn,
}

// SAFETY: the callback only ever runs on the thread that calls process (documented), and
// gamenet never touches userdata; the sink moves between threads only as a whole.
unsafe impl Send for EventSink {}
unsafe impl Sync for EventSink {}

impl Drop for EventSink {
    fn drop(&mut self) {
        if let Some(free) = self.userdata_free {
            free(self.userdata);
        }
    }
}

impl<T: Events> Held<T> {
    /// The next event: the one a too-small buffer left, or the oldest queued.
    pub(crate) fn take(&self) -> Option<crate::msg::peer::Event> {
        let mut slot = lock(&self.held);
        slot.take().or_else(|| self.inner.next_event())
    }
}

thread_local! {
    /// Set while this thread delivers events to a callback.
    static DELIVERING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a callback's delivery: a `process` called from the
/// callback then runs the protocol but delivers nothing (the outer call goes on with the
/// events), so that nesting stays one level deep whatever a peer queues.
pub(crate) fn delivering() -> bool {
    DELIVERING.with(|d| d.get())
}

/// Hands the waiting events to the callback, one at a time with no lock held; returns how
/// many. The callback is read again before each event: one that replaces or removes
/// itself takes effect at the next event (with none, the rest stay queued). Bounded:
/// events the callback causes (a failed send's close) are delivered too, up to what one
/// process call can produce.
pub(crate) fn deliver<C: Castable<Rust = Held<T>>, T: Events>(
    handle: *const C,
    h: &Held<T>,
) -> usize {
    let mut out = gamenet_msg_event {
        kind: gamenet_msg_event_kind::GAMENET_MSG_CONNECTED,
        cid: 0,
        pid: 0,
        by_peer: false,
        has_reason: false,
        rtt_us: 0,
        peer: Default::default(),
        name: [0; 128],
        reason: [0; super::manager::GAMENET_MESSAGE_MAX],
        body_len: 0,
    };
    let mut n = 0;
    DELIVERING.with(|d| d.set(true));
    while n < MAX_EVENTS + MAX_PER_PROCESS {
        let Some(sink) = lock(&h.callback).clone() else {
            break;
        };
        let Some(ev) = h.take() else { break };
        describe(&ev, &mut out);
        let body = body_of(&ev);
        (sink.callback)(sink.userdata, &out, body.as_ptr(), body.len());
        n += 1;
        if get(handle).is_err() {
            break; // freed inside the callback
        }
    }
    DELIVERING.with(|d| d.set(false));
    n
}

fn set<C: Castable<Rust = Held<T>>, T: Events>(
    handle: *const C,
    callback: gamenet_msg_event_fn,
    userdata: *mut c_void,
    userdata_free: gamenet_userdata_free_fn,
) -> gamenet_result {
    with(handle, |h| {
        if callback.is_none()
            && let Some(free) = userdata_free
        {
            // No callback keeps the userdata: it is freed at once (not when the call
            // fails: the caller keeps it then).
            free(userdata);
        }
        let sink = callback.map(|callback| {
            Arc::new(EventSink {
                callback,
                userdata,
                userdata_free,
            })
        });
        // The old sink's userdata_free runs when the last call using it returns.
        let _old = std::mem::replace(&mut *lock(&h.callback), sink);
        Ok(())
    })
}

/// Sets the server's event callback (NULL: none; events then wait for
/// `gamenet_server_next_event`). With one set, `gamenet_server_process` calls it for every
/// event, on the calling thread, and writes how many it handled to `*out_events`.
/// `userdata` is passed to every call; `userdata_free` (may be NULL) runs once when the
/// callback is replaced or the server freed, after any call using it has returned (with
/// a NULL callback, at once).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_server_set_event_callback(
    s: *mut gamenet_server,
    callback: gamenet_msg_event_fn,
    userdata: *mut c_void,
    userdata_free: gamenet_userdata_free_fn,
) -> gamenet_result {
    set(s, callback, userdata, userdata_free)
}

/// As `gamenet_server_set_event_callback`, for the client.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_client_set_event_callback(
    c: *mut gamenet_client,
    callback: gamenet_msg_event_fn,
    userdata: *mut c_void,
    userdata_free: gamenet_userdata_free_fn,
) -> gamenet_result {
    set(c, callback, userdata, userdata_free)
}
