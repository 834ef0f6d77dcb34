//! The engine of gamenet, in safe Rust. The C face (`crate::ffi`) only checks arguments,
//! converts, and calls into here.
#![deny(unsafe_code)]

pub mod address;
pub mod connection;
pub mod datagram;
pub mod error;
pub mod framing;
pub mod idtable;
pub mod interfaces;
pub mod listener;
pub mod log;
pub(crate) mod loops;
pub mod manager;
pub mod outbuf;
pub(crate) mod queue;
pub mod reader;
pub mod stats;
pub mod writer;
