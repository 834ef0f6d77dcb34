//! The engine of gamenet, in safe Rust. The C face (`crate::ffi`) only checks arguments,
//! converts, and calls into here.
#![deny(unsafe_code)]

pub mod address;
pub(crate) mod block;
pub(crate) mod bufpool;
pub mod connect;
pub mod connection;
pub mod datagram;
pub mod datagram_iterator;
pub mod decoder;
pub mod error;
pub(crate) mod event_loop;
pub mod framing;
pub mod idtable;
pub mod interfaces;
pub mod io;
pub mod listener;
pub mod log;
pub mod manager;
pub mod outbuf;
pub(crate) mod queue;
pub mod queued;
pub(crate) mod read_side;
pub mod reader;
pub mod settings;
pub(crate) mod sockopt;
pub mod stats;
pub mod tls;
pub mod writer;
