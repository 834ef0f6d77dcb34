//! Panda3D's queue and thread getters on readers, writers, listeners and the manager's
//! reset queue (Panda3D's `QueuedReturn` and `ConnectionReader`/`ConnectionWriter`
//! getters), so that every Panda3D method of these classes has a C counterpart.

use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{get, out_ref};
use super::listener::gamenet_listener;
use super::manager::gamenet_manager;
use super::reader::gamenet_reader;
use super::writer::gamenet_writer;

/// The default bound of a listener's queue of accepted connections and of the manager's
/// reset queue: Panda3D's.
pub const GAMENET_DEFAULT_MAX_QUEUED: usize = 50_000;

/// The reader's threads (0: polling mode; Panda3D's `is_polling` is this being 0).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_num_threads(
    r: *mut gamenet_reader,
    out: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.num_threads();
        Ok(())
    })
}

/// Whether the reader is in raw mode (`gamenet_reader_set_raw_mode`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_raw_mode(
    r: *mut gamenet_reader,
    out: *mut bool,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.framing().raw;
        Ok(())
    })
}

/// The reader's queue bound, in datagrams.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_max_queue_size(
    r: *mut gamenet_reader,
    out: *mut usize,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.max_queue_size();
        Ok(())
    })
}

/// Whether a UDP datagram was dropped for a full queue since the flag was last lowered
/// (it stays up; `gamenet_reader_reset_overflow_flag` lowers it, and
/// `gamenet_reader_take_overflow` reads and lowers it in one step).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_overflow_flag(
    r: *mut gamenet_reader,
    out: *mut bool,
) -> gamenet_result {
    with(r, |rd| {
        *out_ref(out, "out")? = rd.overflow_flag();
        Ok(())
    })
}

/// Lowers the reader's overflow flag.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_reset_overflow_flag(r: *mut gamenet_reader) -> gamenet_result {
    with(r, |rd| {
        rd.take_overflow();
        Ok(())
    })
}

/// The writer's threads (0: immediate mode; Panda3D's `is_immediate` is this being 0).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_writer_get_num_threads(
    w: *mut gamenet_writer,
    out: *mut usize,
) -> gamenet_result {
    with(w, |wr| {
        *out_ref(out, "out")? = wr.num_threads();
        Ok(())
    })
}

/// The listener's accept threads (0: polling mode).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_get_num_threads(
    l: *mut gamenet_listener,
    out: *mut usize,
) -> gamenet_result {
    with(l, |li| {
        *out_ref(out, "out")? = li.num_threads();
        Ok(())
    })
}

/// Bounds the queue of accepted connections (at least 1; default
/// `GAMENET_DEFAULT_MAX_QUEUED`). A connection accepted while it is full is closed (reason
/// `GAMENET_CLOSE_LOCAL`, reported on the reset queue; the peer sees its end close) and
/// the overflow flag goes up (Panda3D's listener drops it from its queue and leaves it
/// open, unreported).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_set_max_queue_size(
    l: *mut gamenet_listener,
    n: usize,
) -> gamenet_result {
    with(l, |li| li.set_max_queue_size(n))
}

/// The bound of the listener's queue.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_get_max_queue_size(
    l: *mut gamenet_listener,
    out: *mut usize,
) -> gamenet_result {
    with(l, |li| {
        *out_ref(out, "out")? = li.max_queue_size();
        Ok(())
    })
}

/// Accepted connections waiting to be taken.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_get_current_queue_size(
    l: *mut gamenet_listener,
    out: *mut usize,
) -> gamenet_result {
    with(l, |li| {
        *out_ref(out, "out")? = li.current_queue_size();
        Ok(())
    })
}

/// Whether an accepted connection was closed for a full queue since the flag was last
/// lowered.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_get_overflow_flag(
    l: *mut gamenet_listener,
    out: *mut bool,
) -> gamenet_result {
    with(l, |li| {
        *out_ref(out, "out")? = li.overflow_flag();
        Ok(())
    })
}

/// Lowers the listener's overflow flag.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_listener_reset_overflow_flag(l: *mut gamenet_listener) -> gamenet_result {
    with(l, |li| {
        li.reset_overflow_flag();
        Ok(())
    })
}

/// Bounds the manager's reset queue (at least 1; default `GAMENET_DEFAULT_MAX_QUEUED`). A
/// close that finds it full is not queued, as in Panda3D: the overflow flag goes up and the
/// log callback names the connection. Close it less often or take resets sooner.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_set_max_queue_size(
    m: *mut gamenet_manager,
    n: usize,
) -> gamenet_result {
    call(|| get(m)?.set_max_reset_queue_size(n))
}

/// The reset queue's bound.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_max_queue_size(
    m: *mut gamenet_manager,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        *out_ref(out, "out")? = mgr.max_reset_queue_size();
        Ok(())
    })
}

/// Closed connections waiting on the reset queue.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_current_queue_size(
    m: *mut gamenet_manager,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        *out_ref(out, "out")? = mgr.reset_queue_size();
        Ok(())
    })
}

/// Whether a close did not fit the reset queue since the flag was last lowered.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_overflow_flag(
    m: *mut gamenet_manager,
    out: *mut bool,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        *out_ref(out, "out")? = mgr.reset_overflow();
        Ok(())
    })
}

/// Lowers the reset queue's overflow flag.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_reset_overflow_flag(m: *mut gamenet_manager) -> gamenet_result {
    call(|| {
        get(m)?.clear_reset_overflow();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_c_default_is_the_cores() {
        assert_eq!(
            super::GAMENET_DEFAULT_MAX_QUEUED,
            crate::core::queued::DEFAULT_MAX_QUEUED
        );
    }
}
