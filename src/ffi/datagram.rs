//! The C face of `Datagram`: a handle over a growable buffer of Panda3D-encoded values.
//! Reading one back is `datagram_iterator.rs`.

use std::ffi::c_char;
use std::sync::Mutex;

use super::boundary::{call, with_mut};
use super::error::gamenet_result;
use super::handle::{
    Castable, Handles, free_handle, in_bytes, in_cstr_bytes, in_str, new_handle, out_ref,
    write_text,
};
use crate::core::datagram::Datagram;
use crate::core::error::Result;

/// A growable buffer of Panda3D-encoded values (Panda3D's `Datagram`).
pub struct gamenet_datagram {
    _private: [u8; 0],
}

impl Castable for gamenet_datagram {
    type Rust = Mutex<Datagram>;
    const NAME: &'static str = "gamenet_datagram";
    fn handles() -> &'static Handles<Self> {
        static DATAGRAMS: Handles<gamenet_datagram> = Handles::new();
        &DATAGRAMS
    }
}

/// Creates an empty datagram in `*out`. Free it with `gamenet_datagram_free`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_new(out: *mut *mut gamenet_datagram) -> gamenet_result {
    call(|| {
        let out = out_ref(out, "out")?;
        *out = new_handle(Mutex::new(Datagram::new()))?;
        Ok(())
    })
}

/// Frees a datagram. NULL is a no-op; a handle freed already returns
/// `GAMENET_ERR_INVALID_HANDLE` and does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_free(d: *mut gamenet_datagram) -> gamenet_result {
    call(|| free_handle(d).map(drop))
}

/// Empties the datagram.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_clear(d: *mut gamenet_datagram) -> gamenet_result {
    with_mut(d, |dg| {
        dg.clear();
        Ok(())
    })
}

/// The datagram's length in bytes into `*out_len`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_get_length(
    d: *const gamenet_datagram,
    out_len: *mut usize,
) -> gamenet_result {
    with_mut(d, |dg| {
        *out_len_ref(out_len)? = dg.len();
        Ok(())
    })
}

fn out_len_ref<'a>(p: *mut usize) -> Result<&'a mut usize> {
    out_ref(p, "out_len")
}

/// Copies the datagram's bytes into `buf` and the length into `*out_len`. Too small a
/// buffer: `GAMENET_ERR_BUFFER_TOO_SMALL` with the needed length, nothing written.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_get_data(
    d: *const gamenet_datagram,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    with_mut(d, |dg| {
        write_text(dg.as_bytes(), buf, cap, out_len_ref(out_len)?, false)
    })
}

/// Appends `len` bytes as they are, with no prefix (Panda3D's `append_data`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_append_data(
    d: *mut gamenet_datagram,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.append_data(in_bytes(data, len, "data")?);
        Ok(())
    })
}

/// Appends `n` zero bytes. More than memory can hold: `GAMENET_ERR_TOO_LARGE`, nothing
/// appended.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_pad_bytes(d: *mut gamenet_datagram, n: usize) -> gamenet_result {
    with_mut(d, |dg| dg.pad_bytes(n))
}

/// Appends a uint16 length and `len` bytes (Panda3D's `add_string`; text should be UTF-8).
/// More than 65535 bytes: `GAMENET_ERR_TOO_LARGE`, nothing appended.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_string(
    d: *mut gamenet_datagram,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    with_mut(d, |dg| dg.add_string(in_bytes(data, len, "data")?))
}

/// Appends a uint32 length and `len` bytes.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_string32(
    d: *mut gamenet_datagram,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    with_mut(d, |dg| dg.add_string32(in_bytes(data, len, "data")?))
}

/// Appends the bytes of the NUL-terminated `text` and its NUL (Panda3D's `add_z_string`;
/// any encoding).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_z_string(
    d: *mut gamenet_datagram,
    text: *const c_char,
) -> gamenet_result {
    with_mut(d, |dg| dg.add_z_string(in_cstr_bytes(text, "text")?))
}

/// Appends exactly `size` bytes: `len` bytes of `data` cut to `size`, or padded with zeros.
/// A `size` memory cannot hold: `GAMENET_ERR_TOO_LARGE`, nothing appended.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_fixed_string(
    d: *mut gamenet_datagram,
    data: *const u8,
    len: usize,
    size: usize,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_fixed_string(in_bytes(data, len, "data")?, size)
    })
}

/// Appends the NUL-terminated UTF-8 `text` as a wstring: a uint32 count of UTF-16 units,
/// then each unit little-endian. Text that is not UTF-8: `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_wstring(
    d: *mut gamenet_datagram,
    text: *const c_char,
) -> gamenet_result {
    with_mut(d, |dg| dg.add_wstring(in_str(text, "text")?))
}

/// Appends a uint16 length and `len` bytes (Panda3D's `add_blob`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_blob(
    d: *mut gamenet_datagram,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    with_mut(d, |dg| dg.add_blob(in_bytes(data, len, "data")?))
}

/// Appends a uint32 length and `len` bytes (Panda3D's `add_blob32`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_blob32(
    d: *mut gamenet_datagram,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    with_mut(d, |dg| dg.add_blob32(in_bytes(data, len, "data")?))
}

/// Appends a bool (one byte, 0 or 1).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_bool(
    d: *mut gamenet_datagram,
    value: bool,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_bool(value);
        Ok(())
    })
}

/// Appends an int8.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_int8(d: *mut gamenet_datagram, value: i8) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_int8(value);
        Ok(())
    })
}

/// Appends a uint8.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_uint8(
    d: *mut gamenet_datagram,
    value: u8,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_uint8(value);
        Ok(())
    })
}

/// Appends a little-endian int16.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_int16(
    d: *mut gamenet_datagram,
    value: i16,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_int16(value);
        Ok(())
    })
}

/// Appends a big-endian int16.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_int16(
    d: *mut gamenet_datagram,
    value: i16,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_int16(value);
        Ok(())
    })
}

/// Appends a little-endian int32.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_int32(
    d: *mut gamenet_datagram,
    value: i32,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_int32(value);
        Ok(())
    })
}

/// Appends a big-endian int32.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_int32(
    d: *mut gamenet_datagram,
    value: i32,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_int32(value);
        Ok(())
    })
}

/// Appends a little-endian int64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_int64(
    d: *mut gamenet_datagram,
    value: i64,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_int64(value);
        Ok(())
    })
}

/// Appends a big-endian int64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_int64(
    d: *mut gamenet_datagram,
    value: i64,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_int64(value);
        Ok(())
    })
}

/// Appends a little-endian uint16.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_uint16(
    d: *mut gamenet_datagram,
    value: u16,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_uint16(value);
        Ok(())
    })
}

/// Appends a big-endian uint16.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_uint16(
    d: *mut gamenet_datagram,
    value: u16,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_uint16(value);
        Ok(())
    })
}

/// Appends a little-endian uint32.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_uint32(
    d: *mut gamenet_datagram,
    value: u32,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_uint32(value);
        Ok(())
    })
}

/// Appends a big-endian uint32.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_uint32(
    d: *mut gamenet_datagram,
    value: u32,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_uint32(value);
        Ok(())
    })
}

/// Appends a little-endian uint64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_uint64(
    d: *mut gamenet_datagram,
    value: u64,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_uint64(value);
        Ok(())
    })
}

/// Appends a big-endian uint64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_uint64(
    d: *mut gamenet_datagram,
    value: u64,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_uint64(value);
        Ok(())
    })
}

/// Appends a little-endian float32.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_float32(
    d: *mut gamenet_datagram,
    value: f32,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_float32(value);
        Ok(())
    })
}

/// Appends a big-endian float32.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_float32(
    d: *mut gamenet_datagram,
    value: f32,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_float32(value);
        Ok(())
    })
}

/// Appends a little-endian float64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_float64(
    d: *mut gamenet_datagram,
    value: f64,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_float64(value);
        Ok(())
    })
}

/// Appends a big-endian float64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_datagram_add_be_float64(
    d: *mut gamenet_datagram,
    value: f64,
) -> gamenet_result {
    with_mut(d, |dg| {
        dg.add_be_float64(value);
        Ok(())
    })
}
