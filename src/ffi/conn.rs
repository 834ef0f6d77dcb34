//! The C face of a connection: its kind, addresses and socket options. Every function takes
//! the manager that owns the connection and the connection's id.

use std::sync::Arc;
use std::time::Duration;

use super::address::gamenet_address;
use super::boundary::call;
use super::error::gamenet_result;
use super::handle::{get, out_ref};
use super::manager::{gamenet_conn, gamenet_manager};
use crate::core::connection::{Connection, ConnectionKind};
use crate::core::error::{Error, ErrorKind, Result};

/// What kind of socket a connection is.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gamenet_conn_kind {
    /// A listening TCP socket.
    GAMENET_CONN_TCP_RENDEZVOUS = 1,
    /// A connected TCP stream.
    GAMENET_CONN_TCP = 2,
    /// A UDP socket.
    GAMENET_CONN_UDP = 3,
}

/// Connection `conn` of manager `m`.
fn connection(m: *const gamenet_manager, conn: gamenet_conn) -> Result<Arc<Connection>> {
    get(m)?.connection(conn)
}

/// The kind of connection into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_kind(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut gamenet_conn_kind,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        *out_ref(out, "out")? = match c.kind() {
            ConnectionKind::TcpRendezvous => gamenet_conn_kind::GAMENET_CONN_TCP_RENDEZVOUS,
            ConnectionKind::Tcp => gamenet_conn_kind::GAMENET_CONN_TCP,
            ConnectionKind::Udp => gamenet_conn_kind::GAMENET_CONN_UDP,
        };
        Ok(())
    })
}

/// The address the connection's socket is bound to (with the chosen port when it was
/// opened with port 0). IPv4 peers of a dual-stack socket appear as IPv4.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_local_address(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut gamenet_address,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        *out_ref(out, "out")? = c.local_address().into();
        Ok(())
    })
}

/// The peer of a TCP stream. Rendezvous and UDP sockets have none:
/// `GAMENET_ERR_WRONG_KIND`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_peer_address(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut gamenet_address,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        let peer = c.peer_address().ok_or_else(|| {
            Error::new(
                ErrorKind::WrongKind,
                format!("connection {conn} is not a TCP stream and has no peer"),
            )
        })?;
        *out = peer.into();
        Ok(())
    })
}

/// Sets TCP_NODELAY (TCP only; on by default for gamenet's TCP streams).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_no_delay(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    on: bool,
) -> gamenet_result {
    call(|| connection(m, conn)?.set_no_delay(on))
}

/// Reads TCP_NODELAY.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_no_delay(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut bool,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        *out = c.no_delay()?;
        Ok(())
    })
}

/// Sets SO_LINGER: with `on`, closing waits up to `seconds` for unsent data (0: the
/// connection is reset on close); without, close returns at once.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_linger(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    on: bool,
    seconds: u32,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        c.set_linger(on.then(|| Duration::from_secs(seconds as u64)))
    })
}

/// Reads SO_LINGER into `*out_on` and `*out_seconds`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_linger(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out_on: *mut bool,
    out_seconds: *mut u32,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let on = out_ref(out_on, "out_on")?;
        let secs = out_ref(out_seconds, "out_seconds")?;
        let l = c.linger()?;
        *on = l.is_some();
        *secs = l.map_or(0, |d| d.as_secs() as u32);
        Ok(())
    })
}

/// Sets SO_KEEPALIVE (TCP only). With `on`, `idle_ms` is the idle time before the first
/// probe and `interval_ms` the time between probes (0 keeps the OS setting; otherwise at
/// least 1000, counted in whole seconds).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_keep_alive(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    on: bool,
    idle_ms: u32,
    interval_ms: u32,
) -> gamenet_result {
    let ms = |v: u32| (v > 0).then(|| Duration::from_millis(v as u64));
    call(|| {
        let c = connection(m, conn)?;
        c.set_keep_alive(on, ms(idle_ms), ms(interval_ms))
    })
}

/// Reads SO_KEEPALIVE, the idle time and the probe interval (milliseconds).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_keep_alive(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out_on: *mut bool,
    out_idle_ms: *mut u32,
    out_interval_ms: *mut u32,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let on = out_ref(out_on, "out_on")?;
        let idle = out_ref(out_idle_ms, "out_idle_ms")?;
        let interval = out_ref(out_interval_ms, "out_interval_ms")?;
        let (o, i, v) = c.keep_alive()?;
        *on = o;
        *idle = i.as_millis().min(u32::MAX as u128) as u32;
        *interval = v.as_millis().min(u32::MAX as u128) as u32;
        Ok(())
    })
}

/// Sets SO_SNDBUF (Linux doubles it; read back the effective size).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_send_buffer_size(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    bytes: usize,
) -> gamenet_result {
    call(|| connection(m, conn)?.set_send_buffer_size(bytes))
}

/// Reads the effective SO_SNDBUF.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_send_buffer_size(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        *out = c.send_buffer_size()?;
        Ok(())
    })
}

/// Sets SO_RCVBUF (Linux doubles it; read back the effective size).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_recv_buffer_size(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    bytes: usize,
) -> gamenet_result {
    call(|| connection(m, conn)?.set_recv_buffer_size(bytes))
}

/// Reads the effective SO_RCVBUF.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_recv_buffer_size(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        *out = c.recv_buffer_size()?;
        Ok(())
    })
}

/// Sets SO_REUSEADDR.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_reuse_addr(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    on: bool,
) -> gamenet_result {
    call(|| connection(m, conn)?.set_reuse_addr(on))
}

/// Reads SO_REUSEADDR.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_reuse_addr(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut bool,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        *out = c.reuse_addr()?;
        Ok(())
    })
}

/// Sets the TTL (IPv4) or unicast hop limit (IPv6), 1 to 255.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_ttl(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    ttl: u32,
) -> gamenet_result {
    call(|| connection(m, conn)?.set_ttl(ttl))
}

/// Reads the TTL or hop limit.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_ttl(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut u32,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        *out = c.ttl()?;
        Ok(())
    })
}

/// Sets the type-of-service byte (IPv4 IP_TOS, IPv6 traffic class), 0 to 255.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_set_tos(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    tos: u32,
) -> gamenet_result {
    call(|| connection(m, conn)?.set_tos(tos))
}

/// Reads the type-of-service byte.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_tos(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut u32,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        *out = c.tos()?;
        Ok(())
    })
}

/// Traffic and drop counters of one connection.
#[repr(C)]
#[derive(Default)]
pub struct gamenet_conn_stats {
    /// Datagrams received and queued.
    pub datagrams_in: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// Datagrams handed to the kernel.
    pub datagrams_out: u64,
    /// Bytes handed to the kernel, framing included.
    pub bytes_out: u64,
    /// UDP datagrams dropped for a bad checksum header.
    pub dropped_checksum: u64,
    /// UDP datagrams dropped because the reader queue was full.
    pub dropped_overflow: u64,
    /// UDP datagrams dropped for exceeding the reader's maximum size.
    pub dropped_too_large: u64,
    /// Partial datagrams lost because the peer closed the stream in their middle.
    pub dropped_truncated: u64,
    /// Bytes queued by writers and not yet handed to the kernel.
    pub pending_out_bytes: u64,
}

/// The connection's counters.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_conn_get_stats(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
    out: *mut gamenet_conn_stats,
) -> gamenet_result {
    call(|| {
        let c = connection(m, conn)?;
        let out = out_ref(out, "out")?;
        let s = c.stats();
        *out = gamenet_conn_stats {
            datagrams_in: s.datagrams_in,
            bytes_in: s.bytes_in,
            datagrams_out: s.datagrams_out,
            bytes_out: s.bytes_out,
            dropped_checksum: s.dropped_checksum,
            dropped_overflow: s.dropped_overflow,
            dropped_too_large: s.dropped_too_large,
            dropped_truncated: s.dropped_truncated,
            pending_out_bytes: c.pending_out_bytes() as u64,
        };
        Ok(())
    })
}
