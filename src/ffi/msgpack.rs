//! A small msgpack writer and reader for C, so that a C engine needs no other library to
//! build and read message-layer bodies. The writer (`gamenet_msgpack_writer`) appends values
//! with `rmp::encode` in the Python peer's dialect (str as str, bytes as bin, floats as
//! float64, integers in their smallest form). The reader walks a caller's buffer one item at
//! a time (`gamenet_msgpack_read`), never past its end; str and bin values point into the
//! buffer; `gamenet_msgpack_skip` passes over a whole value, nested ones included.

use std::ffi::c_char;
use std::sync::Mutex;

use super::boundary::{call, with_mut};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, in_bytes, new_handle, out_ref, write_text};
use crate::core::error::{Error, ErrorKind, Result};
use crate::msg::msgpack;

/// A growable msgpack buffer. Every function may be called from any thread.
pub struct gamenet_msgpack_writer {
    _private: [u8; 0],
}

impl Castable for gamenet_msgpack_writer {
    type Rust = Mutex<Vec<u8>>;
    const NAME: &'static str = "gamenet_msgpack_writer";
    fn handles() -> &'static Handles<Self> {
        static WRITERS: Handles<gamenet_msgpack_writer> = Handles::new();
        &WRITERS
    }
}

/// What a `gamenet_msgpack_item` holds.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gamenet_msgpack_type {
    GAMENET_MSGPACK_NIL = 1,
    /// `b`.
    GAMENET_MSGPACK_BOOL = 2,
    /// `i`: an integer that fits int64_t.
    GAMENET_MSGPACK_INT = 3,
    /// `u`: an integer above INT64_MAX.
    GAMENET_MSGPACK_UINT = 4,
    /// `f` (a float32 is widened).
    GAMENET_MSGPACK_FLOAT = 5,
    /// `data`, `len`: UTF-8, not NUL-terminated, pointing into the reader's buffer.
    GAMENET_MSGPACK_STR = 6,
    /// `data`, `len`, pointing into the reader's buffer.
    GAMENET_MSGPACK_BIN = 7,
    /// `count` items follow.
    GAMENET_MSGPACK_ARRAY = 8,
    /// `count` key/value pairs follow (2 * count items).
    GAMENET_MSGPACK_MAP = 9,
    /// `ext_type`, `data`, `len`.
    GAMENET_MSGPACK_EXT = 10,
}

/// A reader over a caller's buffer (which must outlive it). Set it up with
/// `gamenet_msgpack_reader_init`; `pos` is how far it has read.
#[repr(C)]
pub struct gamenet_msgpack_reader {
    pub data: *const u8,
    pub len: usize,
    pub pos: usize,
}

/// One item read by `gamenet_msgpack_read`.
#[repr(C)]
pub struct gamenet_msgpack_item {
    pub kind: gamenet_msgpack_type,
    pub b: bool,
    pub ext_type: i8,
    pub i: i64,
    pub u: u64,
    pub f: f64,
    pub data: *const u8,
    pub len: usize,
    pub count: u32,
}

/// Creates an empty writer.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_writer_new(
    out: *mut *mut gamenet_msgpack_writer,
) -> gamenet_result {
    call(|| {
        let out = out_ref(out, "out")?;
        *out = new_handle(Mutex::new(Vec::new()))?;
        Ok(())
    })
}

/// Frees a writer. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_writer_free(w: *mut gamenet_msgpack_writer) -> gamenet_result {
    call(|| {
        free_handle(w)?;
        Ok(())
    })
}

/// Empties the writer.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_writer_clear(w: *mut gamenet_msgpack_writer) -> gamenet_result {
    with_mut(w, |v| {
        v.clear();
        Ok(())
    })
}

/// Copies what was written into `buf` and its length into `*out_len`
/// (`GAMENET_ERR_BUFFER_TOO_SMALL` with the length needed when `cap` is short).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_writer_get_data(
    w: *mut gamenet_msgpack_writer,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    with_mut(w, |v| {
        let out_len = out_ref(out_len, "out_len")?;
        write_text(v, buf.cast(), cap, out_len, false)
    })
}

fn write(w: *mut gamenet_msgpack_writer, f: impl FnOnce(&mut Vec<u8>)) -> gamenet_result {
    with_mut(w, |v| {
        f(v);
        Ok(())
    })
}

/// Appends nil.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_nil(w: *mut gamenet_msgpack_writer) -> gamenet_result {
    write(w, |v| rmp::encode::write_nil(v).unwrap())
}

/// Appends a bool.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_bool(
    w: *mut gamenet_msgpack_writer,
    value: bool,
) -> gamenet_result {
    write(w, |v| rmp::encode::write_bool(v, value).unwrap())
}

/// Appends an integer (in its smallest form).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_int(
    w: *mut gamenet_msgpack_writer,
    value: i64,
) -> gamenet_result {
    write(w, |v| {
        rmp::encode::write_sint(v, value).unwrap();
    })
}

/// Appends an unsigned integer (in its smallest form).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_uint(
    w: *mut gamenet_msgpack_writer,
    value: u64,
) -> gamenet_result {
    write(w, |v| {
        rmp::encode::write_uint(v, value).unwrap();
    })
}

/// Appends a float64 (Python's float).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_float(
    w: *mut gamenet_msgpack_writer,
    value: f64,
) -> gamenet_result {
    write(w, |v| rmp::encode::write_f64(v, value).unwrap())
}

/// Appends a str: `len` bytes of UTF-8 at `data` (not UTF-8: `GAMENET_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_str(
    w: *mut gamenet_msgpack_writer,
    data: *const c_char,
    len: usize,
) -> gamenet_result {
    let text = in_bytes(data.cast(), len, "data").and_then(|b| {
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("not UTF-8: {e}")))
    });
    with_mut(w, |v| {
        rmp::encode::write_str(v, &text?).unwrap();
        Ok(())
    })
}

/// Appends a bin (Python's bytes): `len` bytes at `data`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_bin(
    w: *mut gamenet_msgpack_writer,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    let bytes = in_bytes(data, len, "data").map(<[u8]>::to_vec);
    with_mut(w, |v| {
        rmp::encode::write_bin(v, &bytes?).unwrap();
        Ok(())
    })
}

/// Starts an array of `count` items (write them next).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_array(
    w: *mut gamenet_msgpack_writer,
    count: u32,
) -> gamenet_result {
    write(w, |v| {
        rmp::encode::write_array_len(v, count).unwrap();
    })
}

/// Starts a map of `count` entries (write key, value, key, value, ... next).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_map(
    w: *mut gamenet_msgpack_writer,
    count: u32,
) -> gamenet_result {
    write(w, |v| {
        rmp::encode::write_map_len(v, count).unwrap();
    })
}

/// Appends one value already encoded as msgpack (`len` bytes at `data`: a message body
/// received, to put in a `gamenet_server_send_messages` batch). Bytes that are not exactly
/// one msgpack value are `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_write_raw(
    w: *mut gamenet_msgpack_writer,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    let bytes = in_bytes(data, len, "data").and_then(|b| {
        crate::msg::msgpack::validate(b, false)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.0))?;
        Ok(b.to_vec())
    });
    with_mut(w, |v| {
        v.extend_from_slice(&bytes?);
        Ok(())
    })
}

/// Sets up `r` to read the `len` bytes at `data` (which must outlive the reader).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_reader_init(
    r: *mut gamenet_msgpack_reader,
    data: *const u8,
    len: usize,
) -> gamenet_result {
    call(|| {
        in_bytes(data, len, "data")?;
        let r = out_ref(r, "r")?;
        *r = gamenet_msgpack_reader { data, len, pos: 0 };
        Ok(())
    })
}

fn rest<'a>(r: &gamenet_msgpack_reader) -> Result<&'a [u8]> {
    let all = in_bytes(r.data, r.len, "r->data")?;
    all.get(r.pos..).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            "the reader's pos is past its len",
        )
    })
}

fn overread(e: msgpack::MsgpackError) -> Error {
    Error::new(ErrorKind::Overread, e.0)
}

/// Reads the next item into `*out` and moves past it (past an array's or map's header only:
/// read its items next). At the end, or on bytes that are not msgpack, it returns
/// `GAMENET_ERR_OVERREAD` with what is wrong, and moves nothing.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_read(
    r: *mut gamenet_msgpack_reader,
    out: *mut gamenet_msgpack_item,
) -> gamenet_result {
    call(|| {
        let r = out_ref(r, "r")?;
        let out = out_ref(out, "out")?;
        let bytes = rest(r)?;
        let (item, used) = read_item(bytes)?;
        *out = item;
        r.pos += used;
        Ok(())
    })
}

/// Moves past the next whole value (an array's or map's items included).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msgpack_skip(r: *mut gamenet_msgpack_reader) -> gamenet_result {
    call(|| {
        let r = out_ref(r, "r")?;
        let used = msgpack::first_len(rest(r)?).map_err(overread)?;
        r.pos += used;
        Ok(())
    })
}

/// One item at the start of `b`: its description and how many bytes its header (and, for
/// scalars, str, bin and ext, its data) takes.
fn read_item(b: &[u8]) -> Result<(gamenet_msgpack_item, usize)> {
    use gamenet_msgpack_type as T;
    let mut item = gamenet_msgpack_item {
        kind: T::GAMENET_MSGPACK_NIL,
        b: false,
        ext_type: 0,
        i: 0,
        u: 0,
        f: 0.0,
        data: std::ptr::null(),
        len: 0,
        count: 0,
    };
    let Some(&m) = b.first() else {
        return Err(Error::new(ErrorKind::Overread, "at the end of the msgpack"));
    };
    let be = |at: usize, n: usize| -> Result<u64> {
        let s = b
            .get(at..at + n)
            .ok_or_else(|| Error::new(ErrorKind::Overread, "a msgpack item cut short"))?;
        Ok(s.iter().fold(0, |a, x| (a << 8) | u64::from(*x)))
    };
    // Containers: their header only.
    let container = match m {
        0x90..=0x9f => Some((T::GAMENET_MSGPACK_ARRAY, u64::from(m & 0x0f), 1)),
        0xdc => Some((T::GAMENET_MSGPACK_ARRAY, be(1, 2)?, 3)),
        0xdd => Some((T::GAMENET_MSGPACK_ARRAY, be(1, 4)?, 5)),
        0x80..=0x8f => Some((T::GAMENET_MSGPACK_MAP, u64::from(m & 0x0f), 1)),
        0xde => Some((T::GAMENET_MSGPACK_MAP, be(1, 2)?, 3)),
        0xdf => Some((T::GAMENET_MSGPACK_MAP, be(1, 4)?, 5)),
        _ => None,
    };
    if let Some((kind, count, used)) = container {
        item.kind = kind;
        item.count = count as u32;
        return Ok((item, used));
    }
    // Scalars, str, bin, ext: the whole value, checked by the strict reader.
    let used = msgpack::first_len(b).map_err(overread)?;
    let value = msgpack::decode(&b[..used], false).map_err(overread)?;
    // str, bin and ext point into the caller's buffer: their bytes end the value.
    let tail = |n: usize| b[used - n..used].as_ptr();
    match value {
        msgpack::Value::Nil => item.kind = T::GAMENET_MSGPACK_NIL,
        msgpack::Value::Bool(v) => {
            item.kind = T::GAMENET_MSGPACK_BOOL;
            item.b = v;
        }
        msgpack::Value::Int(v) => {
            item.kind = T::GAMENET_MSGPACK_INT;
            item.i = v;
        }
        msgpack::Value::UInt(v) => {
            item.kind = T::GAMENET_MSGPACK_UINT;
            item.u = v;
        }
        msgpack::Value::F32(v) => {
            item.kind = T::GAMENET_MSGPACK_FLOAT;
            item.f = f64::from(v);
        }
        msgpack::Value::F64(v) => {
            item.kind = T::GAMENET_MSGPACK_FLOAT;
            item.f = v;
        }
        msgpack::Value::Str(s) => {
            item.kind = T::GAMENET_MSGPACK_STR;
            item.len = s.len();
            item.data = tail(s.len());
        }
        msgpack::Value::Bin(d) => {
            item.kind = T::GAMENET_MSGPACK_BIN;
            item.len = d.len();
            item.data = tail(d.len());
        }
        msgpack::Value::Ext(t, d) => {
            item.kind = T::GAMENET_MSGPACK_EXT;
            item.ext_type = t;
            item.len = d.len();
            item.data = tail(d.len());
        }
        msgpack::Value::Array(_) | msgpack::Value::Map(_) => unreachable!("handled above"),
    }
    Ok((item, used))
}
