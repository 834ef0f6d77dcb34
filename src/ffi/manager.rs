//! The C face of the manager (Panda3D's `QueuedConnectionManager`): opening and closing
//! connections, the reset queue, the log callback, host name and interfaces.

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use super::address::{gamenet_address, in_addr};
use super::boundary::call;
use super::error::gamenet_result;
use super::handle::{
    Castable, Handles, copy_to_array, free_handle, get, in_str, new_handle, opt_str, out_ref,
    out_slice, write_text,
};
use crate::core::connection::CloseReason;
use crate::core::error::{Error, ErrorKind};
use crate::core::log::LogLevel;
use crate::core::manager::Manager;

/// Owns connections and reports their closes (Panda3D's `QueuedConnectionManager`).
/// Every function taking a manager may be called from any thread.
pub struct gamenet_manager {
    _private: [u8; 0],
}

/// A connection id: generation-checked, never reused, 0 = none. A closed (stale) or foreign
/// id makes every function return `GAMENET_ERR_UNKNOWN_CONNECTION`.
pub type gamenet_conn = u64;

/// The bytes of `gamenet_reset_info.message`, its NUL included.
pub const GAMENET_MESSAGE_MAX: usize = 256;
/// The bytes of `gamenet_interface.name`, its NUL included.
pub const GAMENET_IFNAME_MAX: usize = 64;

/// Why a connection closed.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gamenet_close_reason {
    /// gamenet closed it on this side: the application (`gamenet_manager_close_connection`),
    /// or a listener whose queue of accepted connections was full (the message says which).
    GAMENET_CLOSE_LOCAL = 1,
    /// The peer closed its end in order.
    GAMENET_CLOSE_PEER_CLOSED = 2,
    /// The peer reset the connection.
    GAMENET_CLOSE_RESET = 3,
    /// A socket error other than a reset (see `os_error`).
    GAMENET_CLOSE_ERROR = 4,
    /// The peer broke the framing protocol.
    GAMENET_CLOSE_PROTOCOL_VIOLATION = 5,
    /// The peer announced a datagram larger than the configured maximum.
    GAMENET_CLOSE_TOO_LARGE = 6,
    /// The manager was freed with the connection open.
    GAMENET_CLOSE_MANAGER_SHUTDOWN = 7,
}

impl From<CloseReason> for gamenet_close_reason {
    fn from(r: CloseReason) -> Self {
        use gamenet_close_reason::*;
        match r {
            CloseReason::LocalClose => GAMENET_CLOSE_LOCAL,
            CloseReason::PeerClosed => GAMENET_CLOSE_PEER_CLOSED,
            CloseReason::Reset => GAMENET_CLOSE_RESET,
            CloseReason::Error => GAMENET_CLOSE_ERROR,
            CloseReason::ProtocolViolation => GAMENET_CLOSE_PROTOCOL_VIOLATION,
            CloseReason::TooLarge => GAMENET_CLOSE_TOO_LARGE,
            CloseReason::ManagerShutdown => GAMENET_CLOSE_MANAGER_SHUTDOWN,
        }
    }
}

/// A closed connection, as `gamenet_manager_get_reset_connection` reports it.
#[repr(C)]
pub struct gamenet_reset_info {
    /// The id the connection had; it is stale now.
    pub conn: gamenet_conn,
    /// Why it closed.
    pub reason: gamenet_close_reason,
    /// The `errno` behind the close, or 0.
    pub os_error: i32,
    /// A human-readable account, NUL-terminated (cut to fit).
    pub message: [c_char; GAMENET_MESSAGE_MAX],
}

/// `gamenet_interface.flags`: the interface is up.
pub const GAMENET_IF_UP: u32 = 1;
/// `gamenet_interface.flags`: the interface is the loopback.
pub const GAMENET_IF_LOOPBACK: u32 = 2;
/// `gamenet_interface.flags`: `mac` holds a hardware address.
pub const GAMENET_IF_HAS_MAC: u32 = 4;

/// One address of one network interface (Panda3D's `ConnectionManager::Interface`).
/// Absent addresses have family `GAMENET_AF_NONE`; an interface without any IP address is
/// listed once with an empty `address`.
#[repr(C)]
pub struct gamenet_interface {
    /// The interface name, NUL-terminated.
    pub name: [c_char; GAMENET_IFNAME_MAX],
    /// `GAMENET_IF_*` bits.
    pub flags: u32,
    /// The IP address (port 0).
    pub address: gamenet_address,
    /// Its netmask.
    pub netmask: gamenet_address,
    /// The broadcast address, if any.
    pub broadcast: gamenet_address,
    /// The far end of a point-to-point link, if any.
    pub point_to_point: gamenet_address,
    /// The hardware address when `flags` has `GAMENET_IF_HAS_MAC`.
    pub mac: [u8; 6],
}

/// A log callback: `level` is `GAMENET_LOG_*`, `msg` is `len` bytes of UTF-8 followed by a
/// NUL, valid only during the call. It runs on the thread that logs: the caller's thread
/// for calls made on the manager, or a library thread for events that happen there, so
/// it must be thread-safe and must not block for long.
pub type gamenet_log_fn =
    Option<extern "C" fn(userdata: *mut c_void, level: i32, msg: *const c_char, len: usize)>;

/// Frees the `userdata` given with a callback, once, when gamenet no longer needs it.
pub type gamenet_userdata_free_fn = Option<extern "C" fn(userdata: *mut c_void)>;

/// Log level: failures.
pub const GAMENET_LOG_ERROR: i32 = 1;
/// Log level: unexpected events gamenet handled.
pub const GAMENET_LOG_WARN: i32 = 2;
/// Log level: connections opened and closed.
pub const GAMENET_LOG_INFO: i32 = 3;
/// Log level: detail for debugging.
pub const GAMENET_LOG_DEBUG: i32 = 4;

impl Castable for gamenet_manager {
    type Rust = Manager;
    const NAME: &'static str = "gamenet_manager";
    fn handles() -> &'static Handles<Self> {
        static MANAGERS: Handles<gamenet_manager> = Handles::new();
        &MANAGERS
    }
}

pub(crate) fn timeout_of(ms: u32) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms as u64))
}

/// Creates a manager in `*out`. Free it with `gamenet_manager_free`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_new(out: *mut *mut gamenet_manager) -> gamenet_result {
    call(|| {
        let out = out_ref(out, "out")?;
        *out = new_handle(Manager::new())?;
        Ok(())
    })
}

/// Closes every connection the manager still has and frees it. NULL is a no-op; a handle
/// freed already returns `GAMENET_ERR_INVALID_HANDLE` and does nothing. Connection ids of
/// this manager are stale afterwards. The log callback's `userdata_free` runs here, after
/// any call in progress on another thread has returned; no callback runs after this
/// returns. A connect still under way (`gamenet_manager_open_tcp_client_async`) closes its
/// socket when it finishes.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_free(m: *mut gamenet_manager) -> gamenet_result {
    call(|| {
        if let Some(mgr) = free_handle(m)? {
            mgr.retire();
        }
        Ok(())
    })
}

struct CLogSink {
    callback: extern "C" fn(*mut c_void, i32, *const c_char, usize),
    userdata: *mut c_void,
    userdata_free: gamenet_userdata_free_fn,
}

// SAFETY: the header documents that the callback runs on any thread and that userdata must
// be usable from there; gamenet itself never touches userdata.
unsafe impl Send for CLogSink {}
unsafe impl Sync for CLogSink {}

impl CLogSink {
    fn emit(&self, level: LogLevel, msg: &str) {
        let mut text = Vec::with_capacity(msg.len() + 1);
        text.extend_from_slice(msg.as_bytes());
        text.push(0);
        (self.callback)(self.userdata, level as i32, text.as_ptr().cast(), msg.len());
    }
}

impl Drop for CLogSink {
    fn drop(&mut self) {
        if let Some(free) = self.userdata_free {
            free(self.userdata);
        }
    }
}

/// Sets the manager's log callback and the most verbose level it receives (`GAMENET_LOG_*`).
/// A NULL `callback` removes it. `userdata` is passed to every call; `userdata_free`
/// (may be NULL) is called once when the callback is replaced, removed, or the manager is
/// freed, after any call in progress has returned. On error nothing changes and
/// `userdata_free` is not called.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_set_log_callback(
    m: *mut gamenet_manager,
    callback: gamenet_log_fn,
    userdata: *mut c_void,
    userdata_free: gamenet_userdata_free_fn,
    max_level: i32,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let Some(callback) = callback else {
            mgr.set_logger(None);
            return Ok(());
        };
        let level = LogLevel::from_i32(max_level).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("log level {max_level} is not GAMENET_LOG_ERROR..GAMENET_LOG_DEBUG (1..4)"),
            )
        })?;
        let sink = CLogSink {
            callback,
            userdata,
            userdata_free,
        };
        mgr.set_logger(Some((
            Arc::new(move |level: LogLevel, msg: &str| sink.emit(level, msg)),
            level,
        )));
        Ok(())
    })
}

/// Opens a listening TCP socket (a rendezvous) on `host:port` and writes its id to `*out`.
/// `host` NULL or "" listens on every address, IPv6 and IPv4 (dual-stack); port 0 picks a
/// free port (read it back with `gamenet_conn_get_local_address`). SO_REUSEADDR is on.
/// `backlog` <= 0 means the system maximum.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_open_tcp_server_rendezvous(
    m: *mut gamenet_manager,
    host: *const c_char,
    port: u16,
    backlog: i32,
    out: *mut gamenet_conn,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let host = opt_str(host, "host")?;
        let out = out_ref(out, "out")?;
        *out = mgr.open_tcp_server_rendezvous(host, port, backlog)?;
        Ok(())
    })
}

/// Connects to `addr` over TCP within `timeout_ms` (0: the OS limit) and writes the new
/// connection's id to `*out`. Blocks the calling thread until connected or failed.
/// Refused: `GAMENET_ERR_CONNECTION_REFUSED`; timed out: `GAMENET_ERR_TIMEOUT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_open_tcp_client_connection(
    m: *mut gamenet_manager,
    addr: *const gamenet_address,
    timeout_ms: u32,
    out: *mut gamenet_conn,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let addr = in_addr(addr, "addr")?;
        let out = out_ref(out, "out")?;
        *out = mgr.open_tcp_client(&[addr], timeout_of(timeout_ms))?;
        Ok(())
    })
}

/// Resolves `host` and connects to `host:port`, trying every address it resolves to in
/// turn until one accepts, all within `timeout_ms` (0: the OS limit per address); each
/// address gets an equal share of the time left, and one refused at once leaves its share
/// to the next. The error message names every address tried and why it failed.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_open_tcp_client_connection_host(
    m: *mut gamenet_manager,
    host: *const c_char,
    port: u16,
    timeout_ms: u32,
    out: *mut gamenet_conn,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let host = in_str(host, "host")?;
        let out = out_ref(out, "out")?;
        *out = mgr.open_tcp_client_host(host, port, timeout_of(timeout_ms))?;
        Ok(())
    })
}

/// Opens a UDP socket bound to `host:port` and writes its id to `*out`. `host` NULL or ""
/// binds every address (dual-stack); port 0 picks a free port. `for_broadcast` sets
/// SO_BROADCAST so the socket may send to broadcast addresses.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_open_udp_connection(
    m: *mut gamenet_manager,
    host: *const c_char,
    port: u16,
    for_broadcast: bool,
    out: *mut gamenet_conn,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let host = opt_str(host, "host")?;
        let out = out_ref(out, "out")?;
        *out = mgr.open_udp(host, port, for_broadcast)?;
        Ok(())
    })
}

/// Closes a connection. It is reported once on the reset queue with
/// `GAMENET_CLOSE_LOCAL`, and its id is stale from now on.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_close_connection(
    m: *mut gamenet_manager,
    conn: gamenet_conn,
) -> gamenet_result {
    call(|| get(m)?.close_connection(conn))
}

/// The number of open connections into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_num_connections(
    m: *mut gamenet_manager,
    out: *mut usize,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        *out_ref(out, "out")? = mgr.connection_count();
        Ok(())
    })
}

/// Writes to `*out` whether a closed connection waits on the reset queue. A freed or
/// foreign manager is `GAMENET_ERR_INVALID_HANDLE`, never a false answer; `*out` is
/// written only on `GAMENET_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_reset_connection_available(
    m: *mut gamenet_manager,
    out: *mut bool,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        *out_ref(out, "out")? = mgr.reset_connection_available();
        Ok(())
    })
}

/// Takes the oldest closed connection from the reset queue into `*out`: `GAMENET_OK`, or
/// `GAMENET_EMPTY` (not an error) when there is none. Every connection that closes, for any
/// reason, appears here exactly once, unless the queue was full then
/// (`gamenet_manager_set_max_queue_size`: the overflow flag goes up and the log callback
/// names the connection).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_reset_connection(
    m: *mut gamenet_manager,
    out: *mut gamenet_reset_info,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out = out_ref(out, "out")?;
        let Some(ev) = mgr.get_reset_connection() else {
            return Ok(gamenet_result::GAMENET_EMPTY);
        };
        out.conn = ev.conn;
        out.reason = ev.reason.into();
        out.os_error = ev.os_error;
        copy_to_array(&ev.message, &mut out.message);
        Ok(gamenet_result::GAMENET_OK)
    })
}

/// Writes the machine's host name and a NUL into `buf`, its length into `*out_len`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_host_name(
    m: *mut gamenet_manager,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out_len = out_ref(out_len, "out_len")?;
        write_text(mgr.host_name()?.as_bytes(), buf.cast(), cap, out_len, true)
    })
}

/// Lists the network interfaces, one entry per IP address (IPv4 and IPv6), into
/// `out[0..cap]` and the count into `*out_count`. Too small: `GAMENET_ERR_BUFFER_TOO_SMALL`
/// with the needed count, nothing written (`out` may be NULL with `cap` 0).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_manager_get_interfaces(
    m: *mut gamenet_manager,
    out: *mut gamenet_interface,
    cap: usize,
    out_count: *mut usize,
) -> gamenet_result {
    call(|| {
        let mgr = get(m)?;
        let out_count = out_ref(out_count, "out_count")?;
        let all = mgr.interfaces()?;
        *out_count = all.len();
        if cap < all.len() {
            return Err(Error::new(
                ErrorKind::BufferTooSmall,
                format!("room for {cap} interfaces, {} found", all.len()),
            ));
        }
        let dst = out_slice(out, all.len(), "out")?;
        let addr = |ip: Option<std::net::IpAddr>| ip.map(gamenet_address::from).unwrap_or_default();
        for (d, i) in dst.iter_mut().zip(all) {
            copy_to_array(&i.name, &mut d.name);
            d.flags = (i.up as u32 * GAMENET_IF_UP)
                | (i.loopback as u32 * GAMENET_IF_LOOPBACK)
                | (i.mac.is_some() as u32 * GAMENET_IF_HAS_MAC);
            d.address = addr(i.address);
            d.netmask = addr(i.netmask);
            d.broadcast = addr(i.broadcast);
            d.point_to_point = addr(i.point_to_point);
            d.mac = i.mac.unwrap_or_default();
        }
        Ok(())
    })
}
