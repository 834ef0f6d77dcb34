//! The C face of zero-copy reads: `gamenet_reader_get_data_view` hands a received datagram
//! over as a `gamenet_view`, a handle that owns its bytes (hyper's `hyper_buf`), instead of
//! copying them into the caller's buffer.

use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, get, new_handle, out_ref};
use super::reader::{fill, gamenet_datagram_info, gamenet_reader};
use crate::core::reader::Owned;

/// One received datagram taken from a reader without a copy, with the buffer that holds
/// it. Its bytes (`gamenet_view_bytes`) stay valid and unchanged until
/// `gamenet_view_free`, whatever happens meanwhile: other views, other calls on the reader
/// from any thread, the reader's free. Like every handle it is a token: a freed view
/// returns `GAMENET_ERR_INVALID_HANDLE`.
pub struct gamenet_view {
    _private: [u8; 0],
}

impl Castable for gamenet_view {
    type Rust = Owned;
    const NAME: &'static str = "gamenet_view";
    fn handles() -> &'static Handles<Self> {
        static VIEWS: Handles<gamenet_view> = Handles::new();
        &VIEWS
    }
}

/// Zero-copy: takes the oldest datagram out of the queue into a new view in `*out`, and
/// describes it in `*info` (`len` its length, `offset` 0). Read its bytes with
/// `gamenet_view_bytes`; free it with `gamenet_view_free`. Each view owns its datagram: any
/// number may be held at once, from any thread, and a view outlives its reader.
/// `GAMENET_EMPTY` when none is waiting. `*out` is NULL unless the call returns
/// `GAMENET_OK`; a NULL `info` or `out` takes nothing from the queue.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_data_view(
    r: *mut gamenet_reader,
    info: *mut gamenet_datagram_info,
    out: *mut *mut gamenet_view,
) -> gamenet_result {
    call(|| {
        // `*out` is cleared before anything else can fail (a bad reader handle included).
        let out = out_ref(out, "out")?;
        *out = std::ptr::null_mut();
        let rd = get(r)?;
        let info = out_ref(info, "info")?;
        let Some(d) = rd.take_owned() else {
            return Ok(gamenet_result::GAMENET_EMPTY);
        };
        let (conn, from, len) = (d.conn, d.from, d.len);
        // Past this point only a full handle table (2^24 live views) can fail, and the
        // datagram would then be lost: there is no putting it back at the head.
        *out = new_handle(d)?;
        fill(info, conn, from, 0, len);
        Ok(gamenet_result::GAMENET_OK)
    })
}

/// Points `*out_data` at the view's bytes and writes their number to `*out_len`. The
/// pointer stays valid, and the bytes unchanged, until `gamenet_view_free(view)`; call
/// this as often as you like, from any thread. For an empty datagram `*out_len` is 0 and
/// `*out_data` must not be read. A freed view: `GAMENET_ERR_INVALID_HANDLE`, nothing
/// written.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_view_bytes(
    view: *const gamenet_view,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> gamenet_result {
    with(view, |v| {
        let out_data = out_ref(out_data, "out_data")?;
        let out_len = out_ref(out_len, "out_len")?;
        // The bytes live in the table's `Arc<Owned>` until the view is freed, so the
        // pointer outlives this call's clone of it.
        *out_data = v.data().as_ptr();
        *out_len = v.len;
        Ok(())
    })
}

/// Frees a view and its bytes. NULL is a no-op; a view freed already (or any other value)
/// returns `GAMENET_ERR_INVALID_HANDLE` and does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_view_free(view: *mut gamenet_view) -> gamenet_result {
    call(|| free_handle(view).map(drop))
}
