//! Handles and argument checks of the C face.
//!
//! A handle (`gamenet_manager *`, ...) is not a pointer to memory: it is a token, the id of
//! an entry in a per-type [`IdTable`] cast to a pointer. gamenet never dereferences it, so a
//! freed, doubly freed, foreign or garbage handle is looked up, not followed, and the call
//! returns `GAMENET_ERR_INVALID_HANDLE` instead of touching freed memory. Each C handle
//! type implements [`Castable`], which names its Rust object and its table.
//!
//! The helpers below turn raw C arguments into references and strings with clear errors.
//! Their contract, the usual one of C: a non-NULL pointer must be valid for the call (for
//! `len` bytes where a length is given). NULL is always checked.

use std::ffi::{CStr, c_char};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::core::error::{Error, ErrorKind, Result};
use crate::core::idtable::IdTable;

/// A C handle type, bound at compile time to the Rust object its handles stand for and to
/// its table (rustls-ffi's `Castable`). Lookups take the C pointer type, so a writer
/// handle passed where a reader is expected does not compile:
///
/// ```
/// use gamenet::ffi::{handle::get, writer::gamenet_writer};
/// let w: *mut gamenet_writer = std::ptr::null_mut();
/// let writer: gamenet::Result<std::sync::Arc<gamenet::Writer>> = get(w);
/// assert!(writer.is_err());
/// ```
///
/// ```compile_fail
/// use gamenet::ffi::{handle::get, reader::gamenet_reader, writer::gamenet_writer};
/// let r: *mut gamenet_reader = std::ptr::null_mut();
/// let writer: gamenet::Result<std::sync::Arc<gamenet::Writer>> = get::<gamenet_writer>(r);
/// ```
pub trait Castable: Sized + 'static {
    /// The Rust object behind a handle.
    type Rust: Send + Sync + 'static;
    /// The C type's name, for messages.
    const NAME: &'static str;
    /// The table of live handles of this type.
    fn handles() -> &'static Handles<Self>;
}

/// The table of live handles of the C type `C`.
pub struct Handles<C: Castable> {
    table: IdTable<Arc<C::Rust>>,
}

impl<C: Castable> Handles<C> {
    /// An empty table (for a `static`).
    pub(crate) const fn new() -> Self {
        Handles {
            table: IdTable::new(),
        }
    }
}

/// Stores `value` under a new handle of type `C` and returns the handle.
pub(crate) fn new_handle<C: Castable>(value: C::Rust) -> Result<*mut C> {
    let id = C::handles().table.insert(Arc::new(value))?;
    Ok(id as usize as *mut C)
}

/// The object behind handle `h`: NULL and handles that are not live are errors.
pub fn get<C: Castable>(h: *const C) -> Result<Arc<C::Rust>> {
    if h.is_null() {
        return Err(Error::new(
            ErrorKind::NullPointer,
            format!("{} handle is NULL", C::NAME),
        ));
    }
    C::handles().table.get(h as usize as u64).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidHandle,
            format!(
                "{} handle {h:p} is not live (freed already, or not a {})",
                C::NAME,
                C::NAME
            ),
        )
    })
}

/// Removes handle `h`: `Ok(None)` for NULL, an error for a handle that is not live. The
/// object lives on while calls in progress on other threads still hold it.
pub(crate) fn free_handle<C: Castable>(h: *mut C) -> Result<Option<Arc<C::Rust>>> {
    if h.is_null() {
        return Ok(None);
    }
    match C::handles().table.remove(h as usize as u64) {
        Some(v) => Ok(Some(v)),
        None => Err(Error::new(
            ErrorKind::InvalidHandle,
            format!("{} handle {h:p} freed twice, or not a {}", C::NAME, C::NAME),
        )),
    }
}

/// Locks the mutex a handle's object sits behind. A panic while it was held (caught at the
/// boundary) leaves the object as the panicking call left it; later calls go on with it.
pub(crate) fn lock<U>(m: &Mutex<U>) -> MutexGuard<'_, U> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn null(name: &str) -> Error {
    Error::new(ErrorKind::NullPointer, format!("argument '{name}' is NULL"))
}

/// `*p` as a mutable reference (an out-parameter).
pub(crate) fn out_ref<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T> {
    // SAFETY: non-NULL pointers from C are valid for the call (the C contract above).
    unsafe { p.as_mut() }.ok_or_else(|| null(name))
}

/// `*p` as a shared reference (an in-parameter).
pub(crate) fn in_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T> {
    // SAFETY: as for `out_ref`.
    unsafe { p.as_ref() }.ok_or_else(|| null(name))
}

/// `(data, len)` as a slice; NULL is allowed when `len` is 0.
pub(crate) fn in_bytes<'a>(data: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(null(name));
    }
    if len > isize::MAX as usize {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("length of '{name}' is impossibly large ({len})"),
        ));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Checks an array argument `(p, count)`: NULL is allowed when `count` is 0; a count no
/// memory could hold is an error. `Ok(false)` when it is empty.
fn check_array<T>(p: *const T, count: usize, name: &str) -> Result<bool> {
    if count == 0 {
        return Ok(false);
    }
    if p.is_null() {
        return Err(null(name));
    }
    if count
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("count of '{name}' is impossibly large ({count})"),
        ));
    }
    Ok(true)
}

/// `(p, count)` as a slice of `T` (an input array); NULL is allowed when `count` is 0.
pub(crate) fn in_slice<'a, T>(p: *const T, count: usize, name: &str) -> Result<&'a [T]> {
    if !check_array(p, count, name)? {
        return Ok(&[]);
    }
    // SAFETY: non-NULL, and the caller guarantees `count` readable elements.
    Ok(unsafe { std::slice::from_raw_parts(p, count) })
}

/// `(p, count)` as a mutable slice of `T`: an output array or buffer the caller provides,
/// such as `(uint8_t *buf, size_t cap)`. NULL is allowed when `count` is 0.
pub(crate) fn out_slice<'a, T>(p: *mut T, count: usize, name: &str) -> Result<&'a mut [T]> {
    if !check_array(p, count, name)? {
        return Ok(&mut []);
    }
    // SAFETY: non-NULL, and the caller guarantees `count` writable elements that nothing
    // else uses during the call.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, count) })
}

/// A NUL-terminated UTF-8 string argument.
pub(crate) fn in_str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    opt_str(p, name)?.ok_or_else(|| null(name))
}

/// The bytes of a NUL-terminated string argument (any encoding).
pub(crate) fn in_cstr_bytes<'a>(p: *const c_char, name: &str) -> Result<&'a [u8]> {
    if p.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL strings from C are NUL-terminated (the C contract).
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A NUL-terminated UTF-8 string argument that may be NULL.
pub(crate) fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL strings from C are NUL-terminated (the C contract).
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map(Some).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("argument '{name}' is not valid UTF-8"),
        )
    })
}

/// An output buffer may be NULL only when its capacity is 0.
pub(crate) fn check_buf(buf: *mut u8, cap: usize) -> Result<()> {
    if buf.is_null() && cap > 0 {
        return Err(null("buf"));
    }
    Ok(())
}

/// Copies `src` into `(buf, cap)`, plus a NUL when `nul`, and sets `*out_len` to
/// `src.len()`. When the buffer is too small: `BufferTooSmall`, `*out_len` still set, and
/// nothing written. `buf` may be NULL only when `cap` is 0.
pub(crate) fn write_text(
    src: &[u8],
    buf: *mut u8,
    cap: usize,
    out_len: &mut usize,
    nul: bool,
) -> Result<()> {
    check_buf(buf, cap)?;
    *out_len = src.len();
    let need = src.len() + nul as usize;
    if cap < need {
        return Err(Error::new(
            ErrorKind::BufferTooSmall,
            format!("buffer of {cap} bytes is too small: {need} needed"),
        ));
    }
    let dst = out_slice(buf, need, "buf")?;
    dst[..src.len()].copy_from_slice(src);
    if nul {
        dst[src.len()] = 0;
    }
    Ok(())
}

/// Copies `src` into a fixed C char array, cut to fit at a character boundary, always
/// NUL-terminated.
pub(crate) fn copy_to_array(src: &str, dst: &mut [c_char]) {
    let mut n = src.len().min(dst.len().saturating_sub(1));
    while !src.is_char_boundary(n) {
        n -= 1;
    }
    for (d, s) in dst.iter_mut().zip(&src.as_bytes()[..n]) {
        *d = *s as c_char;
    }
    for d in &mut dst[n..] {
        *d = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_slice_checks_null_and_size_before_making_a_slice() {
        let empty: Result<&mut [u64]> = out_slice(std::ptr::null_mut(), 0, "out");
        assert!(empty.unwrap().is_empty());
        let e = out_slice::<u64>(std::ptr::null_mut(), 1, "out").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NullPointer);
        assert_eq!(e.message(), "argument 'out' is NULL");
        let mut one = [0u64; 1];
        let e = out_slice(one.as_mut_ptr(), usize::MAX / 4, "out").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let dst = out_slice(one.as_mut_ptr(), 1, "out").unwrap();
        dst[0] = 7;
        assert_eq!(one, [7]);
    }

    #[test]
    fn write_text_writes_nothing_when_the_buffer_is_too_small() {
        let mut buf = [9u8; 4];
        let mut len = 0;
        let e = write_text(b"abcd", buf.as_mut_ptr(), 4, &mut len, true).unwrap_err();
        assert_eq!((e.kind(), len, buf), (ErrorKind::BufferTooSmall, 4, [9; 4]));
        write_text(b"abc", buf.as_mut_ptr(), 4, &mut len, true).unwrap();
        assert_eq!((len, &buf), (3, b"abc\0"));
        write_text(b"", std::ptr::null_mut(), 0, &mut len, false).unwrap();
        assert_eq!(len, 0);
    }
}
