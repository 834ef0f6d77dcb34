//! The message layer's protocol: peng3dnet protocol 2 (named packets, msgpack bodies, zlib
//! compression, the registry-syncing handshake, the `ping` connection type, close
//! reasons), as pieces that do no I/O:
//!
//! - `msgpack`: values, their encoder, and a strict reader (never past the end);
//! - `frame`: one packet as a core datagram (`pid | flags | body`), compression, limits;
//! - `registry`: packet names and ids, the client's check and adoption of the server's;
//! - `session`: one connection's state machine (hello, settype, handshake, accept, ping,
//!   closeconn), which turns received datagrams and the engine's sends into [`session::Out`].
//!
//! The server and client that drive sessions over the core's manager, reader and writer
//! (and their C and Python faces) build on these.
#![deny(unsafe_code)]

pub mod client;
pub mod config;
pub mod events;
pub mod frame;
pub mod msgpack;
pub mod peer;
pub mod registry;
pub mod sending;
pub mod server;
pub mod session;
