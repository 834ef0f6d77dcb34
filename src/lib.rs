//! gamenet: networking for game engines, as a Rust library and a C-ABI shared and static
//! library (`include/gamenet.h`). See README.md for the C conventions and ARCHITECTURE.md
//! for the map of the source.

#[cfg(not(target_pointer_width = "64"))]
compile_error!("gamenet supports 64-bit targets only (ids and handles are 64-bit tokens)");

pub mod core;
pub mod ffi;
pub mod msg;

pub use crate::core::address;
pub use crate::core::connection::{CloseReason, Connection, ConnectionKind, ResetEvent};
pub use crate::core::datagram::{Datagram, DatagramIterator};
pub use crate::core::error::{Error, ErrorKind, Result};
pub use crate::core::framing::Framing;
pub use crate::core::interfaces::Interface;
pub use crate::core::listener::{Listener, ListenerStats, NewConnection};
pub use crate::core::log::{LogFn, LogLevel};
pub use crate::core::manager::Manager;
pub use crate::core::reader::{Batch, Reader, ReaderStats, Received};
pub use crate::core::stats::ConnStatsSnapshot;
pub use crate::core::writer::{Writer, WriterStats};
