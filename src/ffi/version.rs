//! The library version. The macros must agree with Cargo.toml (a test checks it).

use std::ffi::c_char;

use super::boundary::call;

/// Major version of the gamenet this header belongs to.
pub const GAMENET_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const GAMENET_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const GAMENET_VERSION_PATCH: u32 = 0;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the linked library as static NUL-terminated text ("0.1.0"). Compare with
/// the `GAMENET_VERSION_*` macros to detect a header/library mismatch. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_version() -> *const c_char {
    call(|| Ok(VERSION.as_ptr().cast::<c_char>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_agree_with_cargo_toml() {
        assert_eq!(
            env!("CARGO_PKG_VERSION_MAJOR").parse::<u32>().unwrap(),
            GAMENET_VERSION_MAJOR
        );
        assert_eq!(
            env!("CARGO_PKG_VERSION_MINOR").parse::<u32>().unwrap(),
            GAMENET_VERSION_MINOR
        );
        assert_eq!(
            env!("CARGO_PKG_VERSION_PATCH").parse::<u32>().unwrap(),
            GAMENET_VERSION_PATCH
        );
        let v = unsafe { std::ffi::CStr::from_ptr(gamenet_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
