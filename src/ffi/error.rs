//! Stable result codes. Values are explicit and are never renumbered; new codes are added
//! at the end of their range.

use std::ffi::c_char;

use super::boundary::call;
use crate::core::error::ErrorKind;

/// The result of every fallible gamenet function. `GAMENET_OK` (0) is success and
/// `GAMENET_EMPTY` (1) means "nothing to return" (not an error, no last-error is set);
/// every other value is an error whose detail `gamenet_last_error` returns on the same
/// thread.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum gamenet_result {
    /// Success.
    GAMENET_OK = 0,
    /// Not an error: nothing is available (an empty queue).
    GAMENET_EMPTY = 1,
    /// A required pointer argument was NULL.
    GAMENET_ERR_NULL_POINTER = 2,
    /// An argument is out of range or malformed (including text that is not UTF-8).
    GAMENET_ERR_INVALID_ARGUMENT = 3,
    /// A handle was freed, never created by gamenet, or is of another type.
    GAMENET_ERR_INVALID_HANDLE = 4,
    /// A connection id is closed (stale), belongs to another manager, or is 0.
    GAMENET_ERR_UNKNOWN_CONNECTION = 5,
    /// The output buffer is too small; the needed size was written to the length out-param.
    GAMENET_ERR_BUFFER_TOO_SMALL = 6,
    /// The operation would block and the caller asked it not to.
    GAMENET_ERR_WOULD_BLOCK = 7,
    /// A deadline passed.
    GAMENET_ERR_TIMEOUT = 8,
    /// The peer refused the connection.
    GAMENET_ERR_CONNECTION_REFUSED = 9,
    /// Text is not an address.
    GAMENET_ERR_ADDRESS_PARSE = 10,
    /// A host name did not resolve.
    GAMENET_ERR_RESOLVE = 11,
    /// Another operating-system error (see the message).
    GAMENET_ERR_IO = 12,
    /// A datagram iterator was asked for more bytes than remain; nothing was consumed.
    GAMENET_ERR_OVERREAD = 13,
    /// A value does not fit its length prefix or a configured maximum.
    GAMENET_ERR_TOO_LARGE = 14,
    /// The operation does not apply to this kind of connection.
    GAMENET_ERR_WRONG_KIND = 15,
    /// The object is closed or shut down.
    GAMENET_ERR_CLOSED = 16,
    /// The address is already in use.
    GAMENET_ERR_ADDRESS_IN_USE = 17,
    /// The operating system denied the operation (privilege).
    GAMENET_ERR_PERMISSION_DENIED = 18,
    /// Not supported on this platform or socket.
    GAMENET_ERR_UNSUPPORTED = 19,
    /// A panic inside gamenet was caught at the boundary; the call did nothing reliable.
    GAMENET_ERR_PANIC = 100,
}

use gamenet_result::*;

impl From<ErrorKind> for gamenet_result {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::NullPointer => GAMENET_ERR_NULL_POINTER,
            ErrorKind::InvalidArgument => GAMENET_ERR_INVALID_ARGUMENT,
            ErrorKind::InvalidHandle => GAMENET_ERR_INVALID_HANDLE,
            ErrorKind::UnknownConnection => GAMENET_ERR_UNKNOWN_CONNECTION,
            ErrorKind::BufferTooSmall => GAMENET_ERR_BUFFER_TOO_SMALL,
            ErrorKind::WouldBlock => GAMENET_ERR_WOULD_BLOCK,
            ErrorKind::Timeout => GAMENET_ERR_TIMEOUT,
            ErrorKind::ConnectionRefused => GAMENET_ERR_CONNECTION_REFUSED,
            ErrorKind::AddressParse => GAMENET_ERR_ADDRESS_PARSE,
            ErrorKind::Resolve => GAMENET_ERR_RESOLVE,
            ErrorKind::Io => GAMENET_ERR_IO,
            ErrorKind::Overread => GAMENET_ERR_OVERREAD,
            ErrorKind::TooLarge => GAMENET_ERR_TOO_LARGE,
            ErrorKind::WrongKind => GAMENET_ERR_WRONG_KIND,
            ErrorKind::Closed => GAMENET_ERR_CLOSED,
            ErrorKind::AddressInUse => GAMENET_ERR_ADDRESS_IN_USE,
            ErrorKind::PermissionDenied => GAMENET_ERR_PERMISSION_DENIED,
            ErrorKind::Unsupported => GAMENET_ERR_UNSUPPORTED,
        }
    }
}

/// Every result code, in value order: `gamenet_result_str` looks a code up here.
const ALL: [gamenet_result; 21] = [
    GAMENET_OK,
    GAMENET_EMPTY,
    GAMENET_ERR_NULL_POINTER,
    GAMENET_ERR_INVALID_ARGUMENT,
    GAMENET_ERR_INVALID_HANDLE,
    GAMENET_ERR_UNKNOWN_CONNECTION,
    GAMENET_ERR_BUFFER_TOO_SMALL,
    GAMENET_ERR_WOULD_BLOCK,
    GAMENET_ERR_TIMEOUT,
    GAMENET_ERR_CONNECTION_REFUSED,
    GAMENET_ERR_ADDRESS_PARSE,
    GAMENET_ERR_RESOLVE,
    GAMENET_ERR_IO,
    GAMENET_ERR_OVERREAD,
    GAMENET_ERR_TOO_LARGE,
    GAMENET_ERR_WRONG_KIND,
    GAMENET_ERR_CLOSED,
    GAMENET_ERR_ADDRESS_IN_USE,
    GAMENET_ERR_PERMISSION_DENIED,
    GAMENET_ERR_UNSUPPORTED,
    GAMENET_ERR_PANIC,
];

const UNKNOWN: &str = "unknown result code\0";

impl gamenet_result {
    /// Its text, NUL-terminated. The match is exhaustive: a new code does not compile
    /// without its text (add it to `ALL` as well; a test checks the two agree).
    fn text(self) -> &'static str {
        match self {
            GAMENET_OK => "ok\0",
            GAMENET_EMPTY => "nothing available\0",
            GAMENET_ERR_NULL_POINTER => "a required pointer argument was NULL\0",
            GAMENET_ERR_INVALID_ARGUMENT => "invalid argument\0",
            GAMENET_ERR_INVALID_HANDLE => "invalid handle (freed, foreign, or of another type)\0",
            GAMENET_ERR_UNKNOWN_CONNECTION => "unknown connection (closed, foreign, or 0)\0",
            GAMENET_ERR_BUFFER_TOO_SMALL => "buffer too small\0",
            GAMENET_ERR_WOULD_BLOCK => "operation would block\0",
            GAMENET_ERR_TIMEOUT => "timed out\0",
            GAMENET_ERR_CONNECTION_REFUSED => "connection refused\0",
            GAMENET_ERR_ADDRESS_PARSE => "not an address\0",
            GAMENET_ERR_RESOLVE => "host name did not resolve\0",
            GAMENET_ERR_IO => "operating-system error\0",
            GAMENET_ERR_OVERREAD => "datagram over-read\0",
            GAMENET_ERR_TOO_LARGE => "too large\0",
            GAMENET_ERR_WRONG_KIND => "wrong kind of connection\0",
            GAMENET_ERR_CLOSED => "closed\0",
            GAMENET_ERR_ADDRESS_IN_USE => "address in use\0",
            GAMENET_ERR_PERMISSION_DENIED => "permission denied\0",
            GAMENET_ERR_UNSUPPORTED => "unsupported\0",
            GAMENET_ERR_PANIC => "panic inside gamenet (caught)\0",
        }
    }

    /// The code with value `code`, if there is one.
    fn from_i32(code: i32) -> Option<Self> {
        ALL.into_iter().find(|r| *r as i32 == code)
    }
}

fn describe(code: i32) -> &'static str {
    gamenet_result::from_i32(code).map_or(UNKNOWN, gamenet_result::text)
}

/// Static, NUL-terminated English text for a result code (any value; unknown codes get
/// "unknown result code"). Never NULL; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_result_str(code: i32) -> *const c_char {
    call(|| Ok(describe(code).as_ptr().cast::<c_char>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for code in ALL {
            let text = describe(code as i32);
            assert_ne!(text, UNKNOWN, "{code:?}");
            assert!(text.ends_with('\0'));
            assert!(seen.insert(text), "{code:?} shares its text");
        }
        assert_eq!(describe(-1), UNKNOWN);
        assert_eq!(describe(20), UNKNOWN);
        assert_eq!(gamenet_result::from(ErrorKind::Overread) as i32, 13);
    }

    #[test]
    fn all_lists_every_code_once_in_value_order() {
        // `text` is exhaustive, so every variant has a text; here every variant must be
        // in ALL: each code an ErrorKind maps to, and the three no ErrorKind gives.
        use ErrorKind::*;
        let kinds = [
            NullPointer,
            InvalidArgument,
            InvalidHandle,
            UnknownConnection,
            BufferTooSmall,
            WouldBlock,
            Timeout,
            ConnectionRefused,
            AddressParse,
            Resolve,
            Io,
            Overread,
            TooLarge,
            WrongKind,
            Closed,
            AddressInUse,
            PermissionDenied,
            Unsupported,
        ];
        for k in kinds {
            assert!(ALL.contains(&gamenet_result::from(k)), "{k:?}");
        }
        for c in [GAMENET_OK, GAMENET_EMPTY, GAMENET_ERR_PANIC] {
            assert!(ALL.contains(&c));
        }
        assert!(ALL.windows(2).all(|w| (w[0] as i32) < (w[1] as i32)));
    }
}
