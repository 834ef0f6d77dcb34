//! The error type of the safe core. The C face maps each [`ErrorKind`] to a stable
//! `gamenet_result` code and keeps the message as the thread's last error.

use std::fmt;
use std::io;

/// What went wrong, coarse enough to map to a stable result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A required pointer argument was NULL (C face only).
    NullPointer,
    /// An argument is out of range or malformed.
    InvalidArgument,
    /// A handle was freed, never existed, or is of another type (C face only).
    InvalidHandle,
    /// A connection id is stale (closed), foreign (another manager) or 0.
    UnknownConnection,
    /// The caller's buffer is too small; the needed size was reported.
    BufferTooSmall,
    /// The operation would block and the caller asked not to.
    WouldBlock,
    /// A deadline passed.
    Timeout,
    /// The peer refused the connection.
    ConnectionRefused,
    /// Text that should be an address is not one.
    AddressParse,
    /// A host name did not resolve.
    Resolve,
    /// Any other operating-system error.
    Io,
    /// A datagram iterator was asked for more bytes than remain.
    Overread,
    /// A value does not fit its length prefix or a configured maximum.
    TooLarge,
    /// The operation does not apply to this kind of connection.
    WrongKind,
    /// The object was closed or shut down.
    Closed,
    /// The address is already in use.
    AddressInUse,
    /// The operating system denied the operation.
    PermissionDenied,
    /// The platform or socket does not support the operation.
    Unsupported,
}

/// An error with its kind, a human-readable message and, where one exists, the OS error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    os_error: Option<i32>,
}

/// The result type of the core.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            os_error: None,
        }
    }

    /// Wraps an I/O error, prefixing `context` ("connect to 127.0.0.1:9").
    pub fn io(context: impl fmt::Display, err: &io::Error) -> Self {
        let kind = match err.kind() {
            io::ErrorKind::WouldBlock => ErrorKind::WouldBlock,
            io::ErrorKind::TimedOut => ErrorKind::Timeout,
            io::ErrorKind::ConnectionRefused => ErrorKind::ConnectionRefused,
            io::ErrorKind::AddrInUse => ErrorKind::AddressInUse,
            io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            io::ErrorKind::Unsupported => ErrorKind::Unsupported,
            io::ErrorKind::InvalidInput => ErrorKind::InvalidArgument,
            _ => ErrorKind::Io,
        };
        Error {
            kind,
            message: format!("{context}: {err}"),
            os_error: err.raw_os_error(),
        }
    }

    /// The same error, carrying the OS error number `errno`.
    pub fn with_os_error(mut self, errno: i32) -> Self {
        self.os_error = Some(errno);
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without a trailing newline.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `errno` value behind the error, if any.
    pub fn os_error(&self) -> Option<i32> {
        self.os_error
    }

    pub(crate) fn unknown_connection(id: u64) -> Self {
        Error::new(
            ErrorKind::UnknownConnection,
            format!("connection {id} is closed, belongs to another manager, or never existed"),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
