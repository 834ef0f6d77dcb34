//! The C surface. It holds no logic of its own: each function checks its arguments,
//! converts them, calls `crate::core`, and maps errors to `gamenet_result` inside the panic
//! boundary of `boundary.rs`. `include/gamenet.h` is generated from these files by cbindgen.
//!
//! Functions are safe `extern "C" fn`s that take raw pointers: their contract is C's (a
//! non-NULL pointer is valid for the call), which Rust's `unsafe` cannot express to a C
//! caller. Every pointer is checked for NULL, and handles are looked up, never followed.
#![allow(non_camel_case_types)]
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod address;
pub mod boundary;
pub mod conn;
pub mod connect;
pub mod datagram;
pub mod datagram_iterator;
pub mod error;
pub mod handle;
pub mod listener;
pub mod manager;
pub mod msg;
pub mod msg_batch;
pub mod msg_callback;
pub mod msg_config;
pub mod msg_event;
pub mod msgpack;
pub mod queues;
pub mod reader;
pub mod version;
pub mod view;
pub mod writer;
