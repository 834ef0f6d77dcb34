//! The C face of the message layer's configuration (`gamenet_msg_config`): the address,
//! limits, compression, timeouts, threads, the packet registry and a client's connection
//! type, from which `gamenet_server_new` and `gamenet_client_connect` make a server or a
//! client (each takes a copy: the config may be changed or freed afterwards).

use std::ffi::c_char;
use std::sync::Mutex;
use std::time::Duration;

use super::boundary::{call, with_mut};
use super::error::gamenet_result;
use super::handle::{Castable, Handles, free_handle, in_str, new_handle, opt_str, out_ref};
use crate::core::error::{Error, ErrorKind};
use crate::msg::config::Config;
use crate::msg::frame::Compress;

/// A message-layer configuration. Every function may be called from any thread.
pub struct gamenet_msg_config {
    _private: [u8; 0],
}

impl Castable for gamenet_msg_config {
    type Rust = Mutex<Config>;
    const NAME: &'static str = "gamenet_msg_config";
    fn handles() -> &'static Handles<Self> {
        static CONFIGS: Handles<gamenet_msg_config> = Handles::new();
        &CONFIGS
    }
}

/// The default largest packet, header and body (16 MiB).
pub const GAMENET_MSG_DEFAULT_MAX_FRAME: usize = 16 << 20;
/// The default compression threshold: bodies strictly longer are compressed.
pub const GAMENET_MSG_DEFAULT_COMPRESS_THRESHOLD: usize = 8192;
/// The default zlib level.
pub const GAMENET_MSG_DEFAULT_COMPRESS_LEVEL: u32 = 6;

/// Creates a configuration with the defaults: every address, port 0 (a server picks a free
/// one), packets up to 16 MiB (also the most a compressed body inflates to), compression
/// above 8192 bytes at level 6, a 10 s handshake timeout, a 5 s connect timeout, 0 threads
/// (everything inside `process`), no application packets, connection type "classic".
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_new(out: *mut *mut gamenet_msg_config) -> gamenet_result {
    call(|| {
        let out = out_ref(out, "out")?;
        *out = new_handle(Mutex::new(Config::default()))?;
        Ok(())
    })
}

/// Frees a configuration. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_free(c: *mut gamenet_msg_config) -> gamenet_result {
    call(|| {
        free_handle(c)?;
        Ok(())
    })
}

/// A server's address to listen on (`host` NULL: every address, IPv4 and IPv6) or a
/// client's server (`host` a name or a numeric address), and the port.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_address(
    c: *mut gamenet_msg_config,
    host: *const c_char,
    port: u16,
) -> gamenet_result {
    let host = opt_str(host, "host").map(|h| h.map(str::to_string));
    with_mut(c, |cfg| {
        cfg.host = host?;
        cfg.port = port;
        Ok(())
    })
}

/// The largest packet accepted (a larger claim closes the connection with reason
/// `toolarge`, before any of it is read) and the most a compressed body may inflate to
/// (beyond: `toolarge` too). Each at least 64.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_limits(
    c: *mut gamenet_msg_config,
    max_frame: usize,
    max_decompressed: usize,
) -> gamenet_result {
    with_mut(c, |cfg| {
        if max_frame < 64 || max_decompressed < 64 || max_frame > u32::MAX as usize {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_frame and max_decompressed must each be at least 64, and max_frame \
                 at most 4 GiB (the length prefix's reach)",
            ));
        }
        cfg.max_frame = max_frame;
        cfg.settings.max_decompressed = max_decompressed;
        Ok(())
    })
}

/// Compression of what is sent: bodies strictly longer than `threshold` are compressed at
/// zlib `level` (0 to 9); `enabled` false sends everything plain. Received compressed
/// bodies are always accepted.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_compression(
    c: *mut gamenet_msg_config,
    enabled: bool,
    threshold: usize,
    level: u32,
) -> gamenet_result {
    with_mut(c, |cfg| {
        if level > 9 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("zlib level {level} is not 0 to 9"),
            ));
        }
        cfg.settings.compress = enabled.then_some(Compress { threshold, level });
        Ok(())
    })
}

/// The time a connection has to complete its handshake (closed with `handshaketimeout`
/// after it) and, for a client, the time its connect may take. At least 1 ms each.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_timeouts(
    c: *mut gamenet_msg_config,
    handshake_timeout_ms: u32,
    connect_timeout_ms: u32,
) -> gamenet_result {
    with_mut(c, |cfg| {
        if handshake_timeout_ms == 0 || connect_timeout_ms == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "timeouts must be at least 1 ms",
            ));
        }
        cfg.handshake_timeout = Duration::from_millis(handshake_timeout_ms.into());
        cfg.connect_timeout = Duration::from_millis(connect_timeout_ms.into());
        Ok(())
    })
}

/// Threads for accepting, reading and writing each (0: everything runs inside `process`,
/// on the caller's thread; at most 64).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_threads(
    c: *mut gamenet_msg_config,
    threads: u32,
) -> gamenet_result {
    with_mut(c, |cfg| {
        if threads > 64 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{threads} threads is more than the 64 allowed"),
            ));
        }
        cfg.threads = threads as usize;
        Ok(())
    })
}

/// Registers an application packet `name` (`namespace:category[.sub].name`): `id` 0 takes
/// the next free id from 64, in registration order; another forces it (64 or more). The id
/// goes to `*out_id` (may be NULL). A name or id registered twice is
/// `GAMENET_ERR_INVALID_ARGUMENT` with a message that says which. Names are up to 127
/// bytes, without whitespace or control characters. Client and server must register the
/// same names (else the handshake closes with `packetregmismatch`); the client adopts the
/// server's ids during the handshake, whatever they are.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_register_packet(
    c: *mut gamenet_msg_config,
    name: *const c_char,
    id: u32,
    out_id: *mut u32,
) -> gamenet_result {
    let name = in_str(name, "name").map(str::to_string);
    with_mut(c, |cfg| {
        let got = cfg.registry.register(&name?, (id != 0).then_some(id))?;
        if !out_id.is_null() {
            *out_ref(out_id, "out_id")? = got;
        }
        Ok(())
    })
}

/// Checks a connection type's name: 1 to 127 bytes (it must fit `gamenet_msg_event.name`).
fn conn_type_name(t: String) -> crate::core::error::Result<String> {
    if t.is_empty() || t.len() > 127 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("a connection type is 1 to 127 bytes, not {}", t.len()),
        ));
    }
    Ok(t)
}

/// A client's connection type: "classic" (the default), "ping" (a status query, answered
/// without a handshake: see `gamenet_client_ping`), or one the server accepts.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_conn_type(
    c: *mut gamenet_msg_config,
    conn_type: *const c_char,
) -> gamenet_result {
    let t = in_str(conn_type, "conn_type").map(str::to_string);
    with_mut(c, |cfg| {
        cfg.conn_type = conn_type_name(t?)?;
        Ok(())
    })
}

/// A server: accept connections of type `conn_type` besides "classic" and "ping" (they get
/// the classic handshake; the type is reported with the handshake event). Unknown types
/// are closed with `unknownconntype`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_add_conn_type(
    c: *mut gamenet_msg_config,
    conn_type: *const c_char,
) -> gamenet_result {
    let t = in_str(conn_type, "conn_type").map(str::to_string);
    with_mut(c, |cfg| {
        let t = conn_type_name(t?)?;
        if t == "classic" || t == "ping" {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("'{t}' is not a connection type to add (classic and ping are built in)"),
            ));
        }
        if !cfg.settings.conn_types.contains(&t) {
            cfg.settings.conn_types.push(t);
        }
        Ok(())
    })
}

/// A server: whether the "ping" connection type is answered (default true).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_answer_ping(
    c: *mut gamenet_msg_config,
    answer: bool,
) -> gamenet_result {
    with_mut(c, |cfg| {
        cfg.settings.answer_ping = answer;
        Ok(())
    })
}

/// A server: entries every ping answer carries after `oldmsg` (a msgpack map with str
/// keys, `len` bytes; NULL or 0: none), e.g. a message of the day or the player count.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_ping_data(
    c: *mut gamenet_msg_config,
    map: *const u8,
    len: usize,
) -> gamenet_result {
    let data = super::msg::str_map(map, len, "map");
    with_mut(c, |cfg| {
        cfg.settings.ping_data = data?;
        Ok(())
    })
}

/// A server: hand each ping query to the engine (a `GAMENET_MSG_PING_QUERY` event) to
/// answer with `gamenet_server_answer_ping`, instead of answering at once (default false).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_msg_config_set_defer_ping(
    c: *mut gamenet_msg_config,
    defer: bool,
) -> gamenet_result {
    with_mut(c, |cfg| {
        cfg.settings.defer_ping = defer;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_c_defaults_are_the_rusts() {
        use crate::msg::frame;
        assert_eq!(
            super::GAMENET_MSG_DEFAULT_MAX_FRAME,
            crate::msg::peer::DEFAULT_MAX_FRAME
        );
        assert_eq!(
            super::GAMENET_MSG_DEFAULT_COMPRESS_THRESHOLD,
            frame::DEFAULT_COMPRESS_THRESHOLD
        );
        assert_eq!(
            super::GAMENET_MSG_DEFAULT_COMPRESS_LEVEL,
            frame::DEFAULT_COMPRESS_LEVEL
        );
    }
}
