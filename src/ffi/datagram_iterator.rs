//! The C face of `DatagramIterator`. An iterator is a handle that holds its own copy of
//! the bytes, so it stays valid whatever happens to the datagram or buffer it came from. A
//! failing read returns an error and consumes nothing.

use std::borrow::Cow;
use std::ffi::c_char;
use std::sync::{Arc, Mutex};

use super::boundary::call;
use super::datagram::gamenet_datagram;
use super::error::gamenet_result;
use super::handle::{
    Castable, Handles, check_buf, free_handle, get, in_bytes, lock, new_handle, out_ref, write_text,
};
use crate::core::datagram::DatagramIterator;
use crate::core::error::Result;

/// A read position over a copy of some bytes (Panda3D's `DatagramIterator`).
pub struct gamenet_datagram_iterator {
    _private: [u8; 0],
}

/// What an iterator handle holds: its own copy of the bytes and the read position.
#[doc(hidden)]
pub struct OwnedIter {
    data: Arc<[u8]>,
    pos: usize,
}

impl Castable for gamenet_datagram_iterator {
    type Rust = Mutex<OwnedIter>;
    const NAME: &'static str = "gamenet_datagram_iterator";
    fn handles() -> &'static Handles<Self> {
        static ITERATORS: Handles<gamenet_datagram_iterator> = Handles::new();
        &ITERATORS
    }
}

/// Runs `f` on the iterator; its position moves only when `f` succeeds.
fn with_iter<T>(
    it: *const gamenet_datagram_iterator,
    f: impl FnOnce(&mut DatagramIterator<'_>) -> Result<T>,
) -> Result<T> {
    let owned = get(it)?;
    let mut guard = lock(&owned);
    let data = guard.data.clone();
    let mut di = DatagramIterator::at(&data, guard.pos);
    let v = f(&mut di)?;
    guard.pos = di.current_index();
    Ok(v)
}

fn read_value<T>(
    it: *const gamenet_datagram_iterator,
    out: *mut T,
    f: impl FnOnce(&mut DatagramIterator<'_>) -> Result<T>,
) -> gamenet_result {
    call(|| {
        let out = out_ref(out, "out")?;
        *out = with_iter(it, f)?;
        Ok(())
    })
}

/// Reads a run of bytes with `f` and copies it out; when `(buf, cap)` is too small the
/// iterator does not move, `*out_len` holds the needed size, and nothing is lost.
fn read_bytes(
    it: *const gamenet_datagram_iterator,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
    nul: bool,
    f: impl for<'a> FnOnce(&mut DatagramIterator<'a>) -> Result<Cow<'a, [u8]>>,
) -> gamenet_result {
    call(|| {
        get(it)?;
        check_buf(buf, cap)?;
        let out_len = out_ref(out_len, "out_len")?;
        with_iter(it, |i| {
            let bytes = f(i)?;
            write_text(&bytes, buf, cap, out_len, nul)
        })
    })
}

fn new_iterator(data: Arc<[u8]>, out: *mut *mut gamenet_datagram_iterator) -> Result<()> {
    let out = out_ref(out, "out")?;
    *out = new_handle(Mutex::new(OwnedIter { data, pos: 0 }))?;
    Ok(())
}

/// Creates an iterator over a copy of `len` bytes at `data`. Free it with
/// `gamenet_datagram_iterator_free`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_new(
    data: *const u8,
    len: usize,
    out: *mut *mut gamenet_datagram_iterator,
) -> gamenet_result {
    call(|| new_iterator(in_bytes(data, len, "data")?.into(), out))
}

/// Creates an iterator over a copy of the datagram's current bytes.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_new_from_datagram(
    d: *const gamenet_datagram,
    out: *mut *mut gamenet_datagram_iterator,
) -> gamenet_result {
    call(|| {
        let bytes: Arc<[u8]> = lock(&*get(d)?).as_bytes().into();
        new_iterator(bytes, out)
    })
}

/// Frees an iterator. NULL is a no-op; a handle freed already returns
/// `GAMENET_ERR_INVALID_HANDLE` and does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_free(
    it: *mut gamenet_datagram_iterator,
) -> gamenet_result {
    call(|| free_handle(it).map(drop))
}

/// The offset of the next byte to read into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_current_index(
    it: *const gamenet_datagram_iterator,
    out: *mut usize,
) -> gamenet_result {
    read_value(it, out, |i| Ok(i.current_index()))
}

/// The number of bytes left into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_remaining_size(
    it: *const gamenet_datagram_iterator,
    out: *mut usize,
) -> gamenet_result {
    read_value(it, out, |i| Ok(i.remaining_size()))
}

/// Skips `n` bytes; fewer left: `GAMENET_ERR_OVERREAD`, nothing consumed.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_skip_bytes(
    it: *mut gamenet_datagram_iterator,
    n: usize,
) -> gamenet_result {
    call(|| with_iter(it, |i| i.skip_bytes(n)))
}

/// Copies the bytes left into `buf` and consumes them (Panda3D's `get_remaining_bytes`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_remaining_bytes(
    it: *mut gamenet_datagram_iterator,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| {
        let n = i.remaining_size();
        Ok(i.extract_bytes(n)?.into())
    })
}

/// Reads `n` raw bytes into `buf` (Panda3D's `extract_bytes`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_extract_bytes(
    it: *mut gamenet_datagram_iterator,
    n: usize,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| {
        Ok(i.extract_bytes(n)?.into())
    })
}

/// Reads a uint16-prefixed string into `buf`, its length into `*out_len`; no NUL is added
/// (the bytes may hold zeros). A length beyond the data: `GAMENET_ERR_OVERREAD`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_string(
    it: *mut gamenet_datagram_iterator,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| Ok(i.get_string()?.into()))
}

/// Reads a uint32-prefixed string, as `gamenet_datagram_iterator_get_string`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_string32(
    it: *mut gamenet_datagram_iterator,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| {
        Ok(i.get_string32()?.into())
    })
}

/// Reads a zero-terminated string into `buf` with its NUL, its length without the NUL into
/// `*out_len` (so `cap` must be at least `*out_len + 1`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_z_string(
    it: *mut gamenet_datagram_iterator,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf.cast(), cap, out_len, true, |i| {
        Ok(i.get_z_string()?.into())
    })
}

/// Reads a fixed string of `size` bytes; `buf` receives the bytes up to the first zero.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_fixed_string(
    it: *mut gamenet_datagram_iterator,
    size: usize,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| {
        Ok(i.get_fixed_string(size)?.into())
    })
}

/// Reads a wstring and writes it as UTF-8 with a NUL into `buf`, the UTF-8 length without
/// the NUL into `*out_len`. An unpaired surrogate: `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_wstring(
    it: *mut gamenet_datagram_iterator,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf.cast(), cap, out_len, true, |i| {
        Ok(i.get_wstring()?.into_bytes().into())
    })
}

/// Reads a uint16-prefixed blob.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_blob(
    it: *mut gamenet_datagram_iterator,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| Ok(i.get_blob()?.into()))
}

/// Reads a uint32-prefixed blob.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_blob32(
    it: *mut gamenet_datagram_iterator,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    read_bytes(it, buf, cap, out_len, false, |i| Ok(i.get_blob32()?.into()))
}

/// Reads a bool (any nonzero byte is true) into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_bool(
    it: *mut gamenet_datagram_iterator,
    out: *mut bool,
) -> gamenet_result {
    read_value(it, out, |i| i.get_bool())
}

/// Reads an int8 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_int8(
    it: *mut gamenet_datagram_iterator,
    out: *mut i8,
) -> gamenet_result {
    read_value(it, out, |i| i.get_int8())
}

/// Reads a uint8 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_uint8(
    it: *mut gamenet_datagram_iterator,
    out: *mut u8,
) -> gamenet_result {
    read_value(it, out, |i| i.get_uint8())
}

/// Reads a little-endian int16 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_int16(
    it: *mut gamenet_datagram_iterator,
    out: *mut i16,
) -> gamenet_result {
    read_value(it, out, |i| i.get_int16())
}

/// Reads a big-endian int16 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_int16(
    it: *mut gamenet_datagram_iterator,
    out: *mut i16,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_int16())
}

/// Reads a little-endian int32 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_int32(
    it: *mut gamenet_datagram_iterator,
    out: *mut i32,
) -> gamenet_result {
    read_value(it, out, |i| i.get_int32())
}

/// Reads a big-endian int32 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_int32(
    it: *mut gamenet_datagram_iterator,
    out: *mut i32,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_int32())
}

/// Reads a little-endian int64 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_int64(
    it: *mut gamenet_datagram_iterator,
    out: *mut i64,
) -> gamenet_result {
    read_value(it, out, |i| i.get_int64())
}

/// Reads a big-endian int64 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_int64(
    it: *mut gamenet_datagram_iterator,
    out: *mut i64,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_int64())
}

/// Reads a little-endian uint16 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_uint16(
    it: *mut gamenet_datagram_iterator,
    out: *mut u16,
) -> gamenet_result {
    read_value(it, out, |i| i.get_uint16())
}

/// Reads a big-endian uint16 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_uint16(
    it: *mut gamenet_datagram_iterator,
    out: *mut u16,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_uint16())
}

/// Reads a little-endian uint32 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_uint32(
    it: *mut gamenet_datagram_iterator,
    out: *mut u32,
) -> gamenet_result {
    read_value(it, out, |i| i.get_uint32())
}

/// Reads a big-endian uint32 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_uint32(
    it: *mut gamenet_datagram_iterator,
    out: *mut u32,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_uint32())
}

/// Reads a little-endian uint64 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_uint64(
    it: *mut gamenet_datagram_iterator,
    out: *mut u64,
) -> gamenet_result {
    read_value(it, out, |i| i.get_uint64())
}

/// Reads a big-endian uint64 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_uint64(
    it: *mut gamenet_datagram_iterator,
    out: *mut u64,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_uint64())
}

/// Reads a little-endian float32 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_float32(
    it: *mut gamenet_datagram_iterator,
    out: *mut f32,
) -> gamenet_result {
    read_value(it, out, |i| i.get_float32())
}

/// Reads a big-endian float32 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_float32(
    it: *mut gamenet_datagram_iterator,
    out: *mut f32,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_float32())
}

/// Reads a little-endian float64 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_float64(
    it: *mut gamenet_datagram_iterator,
    out: *mut f64,
) -> gamenet_result {
    read_value(it, out, |i| i.get_float64())
}

/// Reads a big-endian float64 into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_iterator_get_be_float64(
    it: *mut gamenet_datagram_iterator,
    out: *mut f64,
) -> gamenet_result {
    read_value(it, out, |i| i.get_be_float64())
}
