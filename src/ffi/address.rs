//! The C face of addresses: `gamenet_address`, a plain value struct (no handle, nothing to
//! free), and the functions of Panda3D's `NetAddress`.

use std::ffi::c_char;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::boundary::call;
use super::error::gamenet_result;
use super::handle::{in_ref, in_str, out_ref, out_slice, write_text};
use crate::core::address;
use crate::core::error::{Error, ErrorKind, Result};

/// `gamenet_address.family` of an empty address.
pub const GAMENET_AF_NONE: u16 = 0;
/// `gamenet_address.family` of an IPv4 address.
pub const GAMENET_AF_IPV4: u16 = 4;
/// `gamenet_address.family` of an IPv6 address.
pub const GAMENET_AF_IPV6: u16 = 6;

/// An IPv4 or IPv6 address with a port, by value. `family` is `GAMENET_AF_IPV4` (the first
/// 4 bytes of `ip` hold the address, network order), `GAMENET_AF_IPV6` (all 16 bytes), or
/// `GAMENET_AF_NONE`. Zero-initialise it; functions that take one reject other families.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct gamenet_address {
    /// `GAMENET_AF_NONE`, `GAMENET_AF_IPV4` or `GAMENET_AF_IPV6`.
    pub family: u16,
    /// The port, in host order.
    pub port: u16,
    /// IPv6 scope id (interface index of a link-local address); 0 otherwise.
    pub scope_id: u32,
    /// IPv6 flow information; 0 otherwise.
    pub flowinfo: u32,
    /// The address bytes, network order.
    pub ip: [u8; 16],
}

impl From<SocketAddr> for gamenet_address {
    fn from(a: SocketAddr) -> Self {
        let mut out = gamenet_address {
            port: a.port(),
            ..Default::default()
        };
        match a {
            SocketAddr::V4(v4) => {
                out.family = GAMENET_AF_IPV4;
                out.ip[..4].copy_from_slice(&v4.ip().octets());
            }
            SocketAddr::V6(v6) => {
                out.family = GAMENET_AF_IPV6;
                out.ip = v6.ip().octets();
                out.scope_id = v6.scope_id();
                out.flowinfo = v6.flowinfo();
            }
        }
        out
    }
}

impl From<IpAddr> for gamenet_address {
    fn from(ip: IpAddr) -> Self {
        SocketAddr::new(ip, 0).into()
    }
}

impl gamenet_address {
    /// The address as a Rust value; `GAMENET_AF_NONE` and unknown families are errors.
    pub fn to_socket_addr(&self) -> Result<SocketAddr> {
        match self.family {
            GAMENET_AF_IPV4 => {
                let ip = Ipv4Addr::new(self.ip[0], self.ip[1], self.ip[2], self.ip[3]);
                Ok(SocketAddrV4::new(ip, self.port).into())
            }
            GAMENET_AF_IPV6 => Ok(SocketAddrV6::new(
                Ipv6Addr::from(self.ip),
                self.port,
                self.flowinfo,
                self.scope_id,
            )
            .into()),
            f => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("address family {f} is not GAMENET_AF_IPV4 (4) or GAMENET_AF_IPV6 (6)"),
            )),
        }
    }
}

/// Reads an address argument.
pub(crate) fn in_addr(p: *const gamenet_address, name: &str) -> Result<SocketAddr> {
    in_ref(p, name)?.to_socket_addr()
}

/// Parses "a.b.c.d:port" or "[ipv6]:port" (IP literals; no name lookup) into `*out`.
/// Returns `GAMENET_ERR_ADDRESS_PARSE` with a message for anything else.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_parse(
    text: *const c_char,
    out: *mut gamenet_address,
) -> gamenet_result {
    call(|| {
        let text = in_str(text, "text")?;
        let out = out_ref(out, "out")?;
        *out = address::parse(text)?.into();
        Ok(())
    })
}

/// Resolves `host` (a name or an IP literal) to every address it has, each with `port`,
/// into `out[0..cap]`, and the count into `*out_count`. When `cap` is too small, returns
/// `GAMENET_ERR_BUFFER_TOO_SMALL` with the needed count and writes no address (`out` may be
/// NULL with `cap` 0 to ask for the count). Blocks the calling thread while the system
/// resolver runs.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_resolve(
    host: *const c_char,
    port: u16,
    out: *mut gamenet_address,
    cap: usize,
    out_count: *mut usize,
) -> gamenet_result {
    call(|| {
        let host = in_str(host, "host")?;
        let out_count = out_ref(out_count, "out_count")?;
        let all = address::resolve(host, port)?;
        *out_count = all.len();
        if cap < all.len() {
            return Err(Error::new(
                ErrorKind::BufferTooSmall,
                format!("room for {cap} addresses, {} resolved", all.len()),
            ));
        }
        let dst = out_slice(out, all.len(), "out")?;
        for (d, a) in dst.iter_mut().zip(all) {
            *d = a.into();
        }
        Ok(())
    })
}

/// The wildcard address with `port`: "0.0.0.0", or "::" when `ipv6`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_any(
    port: u16,
    ipv6: bool,
    out: *mut gamenet_address,
) -> gamenet_result {
    call(|| {
        *out_ref(out, "out")? = address::any(port, ipv6).into();
        Ok(())
    })
}

/// The loopback address with `port`: "127.0.0.1", or "::1" when `ipv6`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_localhost(
    port: u16,
    ipv6: bool,
    out: *mut gamenet_address,
) -> gamenet_result {
    call(|| {
        *out_ref(out, "out")? = address::localhost(port, ipv6).into();
        Ok(())
    })
}

/// The IPv4 broadcast address "255.255.255.255" with `port`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_broadcast(
    port: u16,
    out: *mut gamenet_address,
) -> gamenet_result {
    call(|| {
        *out_ref(out, "out")? = address::broadcast(port).into();
        Ok(())
    })
}

/// Writes "a.b.c.d:port" or "[ipv6]:port" and a NUL into `buf`, the length without the
/// NUL into `*out_len`. Too small a buffer: `GAMENET_ERR_BUFFER_TOO_SMALL`, `*out_len`
/// set, nothing written. `GAMENET_AF_NONE` and unknown families: `GAMENET_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_to_string(
    addr: *const gamenet_address,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    call(|| {
        let a = in_addr(addr, "addr")?;
        let out_len = out_ref(out_len, "out_len")?;
        write_text(a.to_string().as_bytes(), buf.cast(), cap, out_len, true)
    })
}

/// As `gamenet_address_to_string`, the IP only, without port or brackets (Panda3D's
/// `get_ip_string`).
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_ip_to_string(
    addr: *const gamenet_address,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> gamenet_result {
    call(|| {
        let a = in_addr(addr, "addr")?;
        let out_len = out_ref(out_len, "out_len")?;
        write_text(
            a.ip().to_string().as_bytes(),
            buf.cast(),
            cap,
            out_len,
            true,
        )
    })
}

/// Writes to `*out` whether the address is a wildcard ("0.0.0.0" or "::").
/// `GAMENET_AF_NONE` and unknown families are `GAMENET_ERR_INVALID_ARGUMENT`, never a false
/// answer; `*out` is written only on `GAMENET_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn gamenet_address_is_any(
    addr: *const gamenet_address,
    out: *mut bool,
) -> gamenet_result {
    call(|| {
        let a = in_addr(addr, "addr")?;
        *out_ref(out, "out")? = a.ip().is_unspecified();
        Ok(())
    })
}
