//! Stable result codes. Values are explicit and are never renumbered; new codes are added
//! at the end of their range.

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

fn describe(code: i32) -> &'static str {
    match code {
        0 => "ok\0",
        1 => "nothing available\0",
        2 => "a required pointer argument was NULL\0",
        3 => "invalid argument\0",
        4 => "invalid handle (freed, foreign, or of another type)\0",
        5 => "unknown connection (closed, foreign, or 0)\0",
        6 => "buffer too small\0",
        7 => "operation would block\0",
        8 => "timed out\0",
        9 => "connection refused\0",
        10 => "not an address\0",
        11 => "host name did not resolve\0",
        12 => "operating-system error\0",
        13 => "datagram over-read\0",
        14 => "too large\0",
        15 => "wrong kind of connection\0",
        16 => "closed\0",
        17 => "address in use\0",
        18 => "permission denied\0",
        19 => "unsupported\0",
        100 => "panic inside gamenet (caught)\0",
        _ => "unknown result code\0",
    }
}

/// Static, NUL-terminated English text for a result code (any value; unknown codes get
/// "unknown result code"). Never NULL; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_result_str(code: i32) -> *const std::ffi::c_char {
    describe(code).as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_text() {
        for code in [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100,
        ] {
            assert_ne!(describe(code), describe(-1), "{code}");
            assert!(describe(code).ends_with('\0'));
        }
        assert_eq!(gamenet_result::from(ErrorKind::Overread) as i32, 13);
    }
}
