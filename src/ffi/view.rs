//! The C face of zero-copy reads: `gamenet_reader_get_data_view` hands a received datagram
//! over as a `gamenet_view`, a handle that owns its bytes (hyper's `hyper_buf`), instead of
//! copying them into the caller's buffer; `gamenet_reader_get_batch` hands over many at
//! once as a `gamenet_batch`.

use super::address::gamenet_address;
use super::boundary::{call, with};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, get, new_handle, out_ref, out_slice};
use super::manager::gamenet_conn;
use super::reader::{Origins, fill, gamenet_datagram_info, gamenet_reader};
use crate::core::error::{Error, ErrorKind};
use crate::core::reader::{Batch, Owned};

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

/// Several received datagrams taken from a reader without a copy
/// (`gamenet_reader_get_batch`), in the buffers they were read into. Their bytes stay
/// valid and unchanged until `gamenet_batch_free`, whatever happens meanwhile: other
/// calls on the reader from any thread, the reader's free. A freed batch returns
/// `GAMENET_ERR_INVALID_HANDLE`.
pub struct gamenet_batch {
    _private: [u8; 0],
}

impl Castable for gamenet_batch {
    type Rust = Batch;
    const NAME: &'static str = "gamenet_batch";
    fn handles() -> &'static Handles<Self> {
        static BATCHES: Handles<gamenet_batch> = Handles::new();
        &BATCHES
    }
}

/// One datagram of a `gamenet_batch`: where it came from and where its bytes are.
#[repr(C)]
pub struct gamenet_datagram_ref {
    /// The connection it arrived on.
    pub conn: gamenet_conn,
    /// The sender (UDP) or the peer (TCP).
    pub from: gamenet_address,
    /// Its bytes, valid until the batch is freed (not to be read when `len` is 0).
    pub data: *const u8,
    /// Its length in bytes.
    pub len: usize,
}

/// Zero-copy batch receive: takes the oldest queued datagrams, at most `max_refs`, into a
/// new batch in `*out_batch`, and describes them, oldest first, in `refs[0..*out_count]`.
/// No datagram is copied: each `refs[i].data` points into the buffers the reader read
/// into, which the batch owns until `gamenet_batch_free(*out_batch)` gives them back to
/// the reader for reuse. Free each batch soon (a held batch keeps its buffers); any number
/// may be held at once, from any thread, and a batch outlives its reader. A polling reader
/// reads the sockets first when its queue is empty. `GAMENET_EMPTY` when none is waiting;
/// `*out_batch` is NULL and `*out_count` 0 unless the call returns `GAMENET_OK`.
/// `max_refs` 0 is `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_reader_get_batch(
    r: *mut gamenet_reader,
    refs: *mut gamenet_datagram_ref,
    max_refs: usize,
    out_count: *mut usize,
    out_batch: *mut *mut gamenet_batch,
) -> gamenet_result {
    call(|| {
        let out_batch = out_ref(out_batch, "out_batch")?;
        *out_batch = std::ptr::null_mut();
        let out_count = out_ref(out_count, "out_count")?;
        *out_count = 0;
        let rd = get(r)?;
        let refs = out_slice(refs, max_refs, "refs")?;
        if refs.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_refs is 0: there is no room for a datagram's reference",
            ));
        }
        let Some(batch) = rd.take_batch(refs.len()) else {
            return Ok(gamenet_result::GAMENET_EMPTY);
        };
        let mut origins = Origins::default();
        let mut k = 0;
        for ((conn, from, data), slot) in batch.iter().zip(refs.iter_mut()) {
            *slot = gamenet_datagram_ref {
                conn,
                from: origins.of(from),
                data: data.as_ptr(),
                len: data.len(),
            };
            k += 1;
        }
        // The buffers live in the table's `Arc<Batch>` until the batch is freed, and the
        // handle keeps them from moving: the pointers above stay valid. Past this point
        // only a full handle table (2^24 live handles) can fail, and the datagrams would
        // then be lost: there is no putting them back at the head.
        *out_batch = new_handle(batch)?;
        *out_count = k;
        Ok(gamenet_result::GAMENET_OK)
    })
}

/// Frees a batch and gives its buffers back to the reader. NULL is a no-op; a batch
/// freed already (or any other value) returns `GAMENET_ERR_INVALID_HANDLE` and does
/// nothing.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_batch_free(batch: *mut gamenet_batch) -> gamenet_result {
    call(|| free_handle(batch).map(drop))
}
