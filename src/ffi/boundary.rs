//! The panic boundary and the per-thread last error. Every exported function runs its body
//! through [`call`] (or [`with`], which looks a handle up first): an error becomes the
//! thread's last error and the value its C return type gives for an error, a panic becomes
//! `GAMENET_ERR_PANIC` (or that type's default), and unwinding never crosses into C.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use super::error::gamenet_result::{self, *};
use super::handle::{Castable, get, lock, out_ref, write_text};
use crate::core::error::{Error, Result};

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_last_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panic inside gamenet: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panic inside gamenet: {s}")
    } else {
        "panic inside gamenet".to_string()
    }
}

/// A C return type, and what a function returning it answers when its body failed or
/// panicked (rustls-ffi's `PanicOrDefault`): the fallback follows the return type, so no
/// call site chooses it by hand.
pub(crate) trait CReturn: Sized {
    /// The value for a body that failed with `e` (already the thread's last error).
    fn failed(e: &Error) -> Self;
    /// The value for a body that panicked.
    fn panicked() -> Self;
}

impl CReturn for gamenet_result {
    fn failed(e: &Error) -> Self {
        e.kind().into()
    }
    fn panicked() -> Self {
        GAMENET_ERR_PANIC
    }
}

impl<T> CReturn for *const T {
    fn failed(_: &Error) -> Self {
        std::ptr::null()
    }
    fn panicked() -> Self {
        std::ptr::null()
    }
}

impl<T> CReturn for *mut T {
    fn failed(_: &Error) -> Self {
        std::ptr::null_mut()
    }
    fn panicked() -> Self {
        std::ptr::null_mut()
    }
}

/// Plain values whose fallback is their default (false, 0). Not `Default` itself, so that
/// the pointer impls above cannot overlap with it.
pub(crate) trait Defaultable: Default {}
impl Defaultable for bool {}
impl Defaultable for i32 {}
impl Defaultable for u32 {}
impl Defaultable for u64 {}
impl Defaultable for usize {}

impl<T: Defaultable> CReturn for T {
    fn failed(_: &Error) -> Self {
        T::default()
    }
    fn panicked() -> Self {
        T::default()
    }
}

/// What a body returns on success, and the C value that becomes: `()` is `GAMENET_OK`;
/// a `gamenet_result` (`GAMENET_OK` or `GAMENET_EMPTY`), a pointer or a plain value is
/// returned as it is.
pub(crate) trait IntoC {
    /// The function's C return type.
    type C: CReturn;
    /// The success value in C.
    fn into_c(self) -> Self::C;
}

impl IntoC for () {
    type C = gamenet_result;
    fn into_c(self) -> gamenet_result {
        GAMENET_OK
    }
}

impl<T: CReturn> IntoC for T {
    type C = T;
    fn into_c(self) -> T {
        self
    }
}

/// Runs the body `f` of an exported function inside the panic boundary. `Ok(v)` returns
/// `v` in C; `Err(e)` stores `e`'s message as the thread's last error and returns what the
/// C return type gives for `e`; a panic stores its message and returns the type's panic
/// value.
pub(crate) fn call<T: IntoC>(f: impl FnOnce() -> Result<T>) -> T::C {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v.into_c(),
        Ok(Err(e)) => {
            set_last_error(e.message().to_string());
            T::C::failed(&e)
        }
        Err(payload) => {
            set_last_error(panic_text(&*payload));
            T::C::panicked()
        }
    }
}

/// [`call`] with the object behind handle `h` looked up first: the shape of most exported
/// functions. `h`'s C type decides, at compile time, which table and Rust type it is.
pub(crate) fn with<H: Castable, T: IntoC>(
    h: *const H,
    f: impl FnOnce(&H::Rust) -> Result<T>,
) -> T::C {
    call(|| f(&*get(h)?))
}

/// [`with`] for handle types whose object sits behind a `Mutex` (datagrams, iterators):
/// `f` gets it locked.
pub(crate) fn with_mut<H, U, T>(h: *const H, f: impl FnOnce(&mut U) -> Result<T>) -> T::C
where
    H: Castable<Rust = Mutex<U>>,
    T: IntoC,
{
    with(h, |m| f(&mut lock(m)))
}

/// Copies the message of the last failing gamenet call on this thread into `buf`, with a
/// terminating NUL, and its length (without the NUL) into `*out_len`. The message stays
/// until another call on this thread fails; it is empty when none has. When `cap` is less
/// than the length plus one, returns `GAMENET_ERR_BUFFER_TOO_SMALL`, sets `*out_len` and
/// writes nothing (`buf` may then be NULL with `cap` 0, to ask for the length). This call
/// itself never replaces the stored message.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_last_error(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    // Its own boundary: `call` would store this call's own error as the last error.
    let msg = LAST_ERROR.with(|e| e.borrow().clone());
    match catch_unwind(AssertUnwindSafe(|| {
        let out_len = out_ref(out_len, "out_len")?;
        write_text(msg.as_bytes(), buf.cast(), cap, out_len, true)
    })) {
        Ok(Ok(())) => GAMENET_OK,
        Ok(Err(e)) => e.kind().into(),
        Err(_) => GAMENET_ERR_PANIC,
    }
}

/// Panics inside gamenet on purpose, with `msg` (may be NULL) as the panic message, and
/// returns `GAMENET_ERR_PANIC` from the boundary. For testing bindings' error paths: it
/// proves that a panic never unwinds into the caller.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_debug_panic(msg: *const c_char) -> gamenet_result {
    call(|| -> Result<()> {
        let text = super::handle::opt_str(msg, "msg")?.unwrap_or("gamenet_debug_panic");
        panic!("{text}");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    fn boom<T>() -> Result<T> {
        panic!("on purpose")
    }

    fn err<T>() -> Result<T> {
        Err(Error::new(ErrorKind::Closed, "closed"))
    }

    #[test]
    fn the_fallback_follows_the_return_type() {
        assert_eq!(call(|| Ok(())), GAMENET_OK);
        assert_eq!(call(|| Ok(GAMENET_EMPTY)), GAMENET_EMPTY);
        assert_eq!(call::<()>(err), GAMENET_ERR_CLOSED);
        assert_eq!(call::<()>(boom), GAMENET_ERR_PANIC);
        assert!(call::<*const c_char>(err).is_null());
        assert!(call::<*mut u8>(boom).is_null());
        assert!(!call::<bool>(boom));
        assert_eq!(call::<usize>(err), 0);
        assert_eq!(call(|| Ok(7usize)), 7);
        let last = LAST_ERROR.with(|e| e.borrow().clone());
        assert_eq!(last, "closed");
    }
}
