//! The C face of the listener (Panda3D's `QueuedConnectionListener`).

use std::time::Duration;

use super::address::gamenet_address;
use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, get, new_handle, out_ref};
use super::manager::{gamenet_conn, gamenet_manager};
use super::reader::gamenet_reader;
use crate::core::listener::Listener;
use crate::core::reader::Reader;

/// Accepts TCP connections on rendezvous sockets (Panda3D's `QueuedConnectionListener`).
/// Every function may be called from any thread.
pub struct gamenet_listener {
    _private: [u8; 0],
}

/// A connection the listener accepted.
#[repr(C)]
#[derive(Default)]
pub struct gamenet_new_connection {
    /// The rendezvous socket it arrived on.
    pub rendezvous: gamenet_conn,
    /// The new TCP connection.
    pub conn: gamenet_conn,
    /// The peer's address.
    pub peer: gamenet_address,
}

/// Counters of a listener.
#[repr(C)]
#[derive(Default)]
pub struct gamenet_listener_stats {
    /// Connections accepted.
    pub accepted: u64,
    /// Accepts that failed for lack of descriptors or memory (each followed by a 100 ms
    /// pause of that socket; accepting then resumes).
    pub exhausted: u64,
    /// Other accept failures.
    pub accept_errors: u64,
    /// Accepted connections waiting to be taken.
    pub queue_size: u64,
}

impl Castable for gamenet_listener {
    type Rust = Listener;
    const NAME: &'static str = "gamenet_listener";
    fn handles() -> &'static Handles<Self> {
        static LISTENERS: Handles<gamenet_listener> = Handles::new();
        &LISTENERS
    }
}

/// Creates a listener for `m` with `num_threads` accept threads (0: polling mode).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_new(
    m: *mut gamenet_manager,
    num_threads: u32,
    out: *mut *mut gamenet_listener,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out = out_ref(out, "out")?;
        *out = new_handle(Listener::new(&mgr, num_threads as usize)?)?;
        Ok(())
    })
}

/// Stops the listener and frees it; connections stay open. NULL is a no-op; a handle
/// freed already returns `GAMENET_ERR_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_free(l: *mut gamenet_listener) -> gamenet_result {
    call(|| {
        if let Some(li) = free_handle(l)? {
            li.shutdown();
        }
        Ok(())
    })
}

/// Stops the accept threads within a bounded time; connections stay open.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_shutdown(l: *mut gamenet_listener) -> gamenet_result {
    with(l, |li| {
        li.shutdown();
        Ok(())
    })
}

/// Starts accepting on rendezvous connection `rendezvous`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_add_connection(
    l: *mut gamenet_listener,
    rendezvous: gamenet_conn,
) -> gamenet_result {
    with(l, |li| li.add_connection(rendezvous))
}

/// Stops accepting on `rendezvous` (it stays open).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_remove_connection(
    l: *mut gamenet_listener,
    rendezvous: gamenet_conn,
) -> gamenet_result {
    with(l, |li| li.remove_connection(rendezvous))
}

/// Adds every connection accepted from now on to reader `r` at once (NULL: stop doing
/// so). The reader must stay alive while it is set; freeing it unsets nothing, but a
/// freed reader's handle is simply no longer used. A reader of another manager is refused
/// with `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_set_reader(
    l: *mut gamenet_listener,
    r: *mut gamenet_reader,
) -> gamenet_result {
    with(l, |li| {
        let reader = if r.is_null() {
            None
        } else {
            Some(Reader::clone(&*get(r)?))
        };
        li.set_reader(reader)
    })
}

/// Writes to `*out` whether an accepted connection is waiting (in polling mode, accepts
/// first). A freed or foreign listener is `GAMENET_ERR_INVALID_HANDLE`, never a false
/// answer; `*out` is written only on `GAMENET_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_new_connection_available(
    l: *mut gamenet_listener,
    out: *mut bool,
) -> gamenet_result {
    with(l, |li| {
        let out = out_ref(out, "out")?;
        *out = li.new_connection_available();
        Ok(())
    })
}

/// Waits up to `timeout_ms` (negative: no limit) for an accepted connection:
/// `GAMENET_OK` when one is waiting, `GAMENET_EMPTY` when the time ran out.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_poll(
    l: *mut gamenet_listener,
    timeout_ms: i32,
) -> gamenet_result {
    with(l, |li| {
        let t = (timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64));
        Ok(if li.poll(t) {
            gamenet_result::GAMENET_OK
        } else {
            gamenet_result::GAMENET_EMPTY
        })
    })
}

/// Takes the oldest accepted connection into `*out`: `GAMENET_OK`, or `GAMENET_EMPTY`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_get_new_connection(
    l: *mut gamenet_listener,
    out: *mut gamenet_new_connection,
) -> gamenet_result {
    with(l, |li| {
        let out = out_ref(out, "out")?;
        Ok(match li.get_new_connection() {
            None => gamenet_result::GAMENET_EMPTY,
            Some(n) => {
                *out = gamenet_new_connection {
                    rendezvous: n.rendezvous,
                    conn: n.conn,
                    peer: n.peer.into(),
                };
                gamenet_result::GAMENET_OK
            }
        })
    })
}

/// The listener's counters.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_get_stats(
    l: *mut gamenet_listener,
    out: *mut gamenet_listener_stats,
) -> gamenet_result {
    with(l, |li| {
        let out = out_ref(out, "out")?;
        let s = li.stats();
        *out = gamenet_listener_stats {
            accepted: s.accepted,
            exhausted: s.exhausted,
            accept_errors: s.accept_errors,
            queue_size: s.queue_size,
        };
        Ok(())
    })
}
