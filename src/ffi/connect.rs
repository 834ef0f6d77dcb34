//! The C face of connecting without blocking: `gamenet_manager_open_tcp_client_async`
//! returns a ticket at once; `gamenet_manager_get_connect_event` reports each outcome.

use std::ffi::c_char;

use super::boundary::call;
use super::error::gamenet_result;
use super::handle::{copy_to_array, get, in_str, out_ref};
use super::manager::{GAMENET_MESSAGE_MAX, gamenet_conn, gamenet_manager, timeout_of};

/// The most connects one manager may have pending (started, event not yet taken); one more
/// is `GAMENET_ERR_WOULD_BLOCK`.
pub const GAMENET_MAX_PENDING_CONNECTS: usize = 256;

/// The outcome of a connect started by `gamenet_manager_open_tcp_client_async`.
#[repr(C)]
pub struct gamenet_connect_event {
    /// The ticket the call returned.
    pub ticket: u64,
    /// `GAMENET_OK` when connected, else why not (`GAMENET_ERR_CONNECTION_REFUSED`,
    /// `GAMENET_ERR_TIMEOUT`, `GAMENET_ERR_RESOLVE`, ...).
    pub result: gamenet_result,
    /// The `errno` behind a failure, or 0.
    pub os_error: i32,
    /// The new connection (0 when the connect failed).
    pub conn: gamenet_conn,
    /// A failure's account, naming every address tried and why it failed; "" on success.
    /// NUL-terminated, cut to fit (at most `GAMENET_MESSAGE_MAX` - 1 bytes).
    pub message: [c_char; GAMENET_MESSAGE_MAX],
}

/// Starts connecting to `host:port` and returns at once with a ticket in `*out_ticket`:
/// the game loop does not wait. A connect thread resolves `host` (a name or a numeric
/// address) and tries every address it resolves to in turn, all within `timeout_ms` (0:
/// the OS limit per address; each address gets an equal share of the time left). The
/// outcome, connected or failed with its reason, is taken with
/// `gamenet_manager_get_connect_event`. At most `GAMENET_MAX_PENDING_CONNECTS` may be
/// pending, counting those whose event is not taken yet: one more is
/// `GAMENET_ERR_WOULD_BLOCK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_open_tcp_client_async(
    m: *mut gamenet_manager,
    host: *const c_char,
    port: u16,
    timeout_ms: u32,
    out_ticket: *mut u64,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let host = in_str(host, "host")?;
        let out = out_ref(out_ticket, "out_ticket")?;
        *out = mgr.open_tcp_client_async(host, port, timeout_of(timeout_ms))?;
        Ok(())
    })
}

/// Takes the oldest finished connect into `*out`: `GAMENET_OK`, or `GAMENET_EMPTY` (not an
/// error) when none has finished. Poll it from the game loop; each ticket is reported once.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_connect_event(
    m: *mut gamenet_manager,
    out: *mut gamenet_connect_event,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out = out_ref(out, "out")?;
        let Some(ev) = mgr.get_connect_event() else {
            return Ok(gamenet_result::GAMENET_EMPTY);
        };
        out.ticket = ev.ticket;
        match ev.result {
            Ok(conn) => {
                out.result = gamenet_result::GAMENET_OK;
                out.os_error = 0;
                out.conn = conn;
                copy_to_array("", &mut out.message);
            }
            Err(e) => {
                out.result = e.kind().into();
                out.os_error = e.os_error().unwrap_or(0);
                out.conn = 0;
                copy_to_array(e.message(), &mut out.message);
            }
        }
        Ok(gamenet_result::GAMENET_OK)
    })
}

/// Writes to `*out` how many connects are pending (started, event not yet taken).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_pending_connects(
    m: *mut gamenet_manager,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        *out_ref(out, "out")? = mgr.pending_connects();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_c_bound_is_the_cores() {
        assert_eq!(
            super::GAMENET_MAX_PENDING_CONNECTS,
            crate::core::connect::MAX_PENDING_CONNECTS
        );
    }
}
