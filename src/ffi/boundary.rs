//! The panic boundary and the per-thread last error. Every exported function runs its body
//! through one of the `call*` functions here: a panic becomes `GAMENET_ERR_PANIC` (or the
//! documented default value for getters), and unwinding never crosses into C.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::error::gamenet_result::{self, *};
use super::handle::{out_ref, write_text};
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

fn fail(e: &Error) -> gamenet_result {
    set_last_error(e.message().to_string());
    e.kind().into()
}

/// Runs `f` for a function whose status is `GAMENET_OK` or an error.
pub(crate) fn call(f: impl FnOnce() -> Result<()>) -> gamenet_result {
    call_status(|| f().map(|()| GAMENET_OK))
}

/// Runs `f` for a function that may also answer a non-error status (`GAMENET_EMPTY`).
pub(crate) fn call_status(f: impl FnOnce() -> Result<gamenet_result>) -> gamenet_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => fail(&e),
        Err(payload) => {
            set_last_error(panic_text(&*payload));
            GAMENET_ERR_PANIC
        }
    }
}

/// Runs `f` for a getter that returns a plain value; on error or panic it returns
/// `default` and sets the last error.
pub(crate) fn call_value<T>(default: T, f: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            fail(&e);
            default
        }
        Err(payload) => {
            set_last_error(panic_text(&*payload));
            default
        }
    }
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
    call(|| {
        let text = super::handle::opt_str(msg, "msg")?.unwrap_or("gamenet_debug_panic");
        panic!("{text}");
    })
}
