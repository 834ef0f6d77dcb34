//! Network interface enumeration (Panda3D's `scan_interfaces`), IPv4 and IPv6, through
//! `getifaddrs` (via nix). Interfaces without an address are listed too, never skipped
//! or dereferenced.

use std::collections::BTreeMap;
use std::net::IpAddr;

use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;
use nix::sys::socket::SockaddrStorage;

use super::error::{Error, ErrorKind, Result};

/// One address of one interface (or an interface with no IP address at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The interface name, such as `lo` or `eth0`.
    pub name: String,
    /// The IP address, if the interface has one (one entry per address).
    pub address: Option<IpAddr>,
    /// The netmask of that address.
    pub netmask: Option<IpAddr>,
    /// The broadcast address (IPv4 broadcast-capable interfaces).
    pub broadcast: Option<IpAddr>,
    /// The far end of a point-to-point link.
    pub point_to_point: Option<IpAddr>,
    /// The hardware address, when the interface has one.
    pub mac: Option<[u8; 6]>,
    /// Interface is up.
    pub up: bool,
    /// Interface is the loopback.
    pub loopback: bool,
}

fn ip_of(addr: Option<&SockaddrStorage>) -> Option<IpAddr> {
    let addr = addr?;
    if let Some(v4) = addr.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    addr.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
}

/// Lists every interface address, then every interface that has no IP address.
pub fn scan() -> Result<Vec<Interface>> {
    let addrs = getifaddrs().map_err(|e| {
        Error::new(ErrorKind::Io, format!("getifaddrs failed: {e}")).with_os_error(e as i32)
    })?;
    let mut macs: BTreeMap<String, [u8; 6]> = BTreeMap::new();
    let mut bare: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut out = Vec::new();
    for a in addrs {
        let up = a.flags.contains(InterfaceFlags::IFF_UP);
        let loopback = a.flags.contains(InterfaceFlags::IFF_LOOPBACK);
        if let Some(link) = a.address.as_ref().and_then(|s| s.as_link_addr())
            && let Some(mac) = link.addr()
        {
            macs.insert(a.interface_name.clone(), mac);
        }
        match ip_of(a.address.as_ref()) {
            Some(ip) => {
                let p2p = a.flags.contains(InterfaceFlags::IFF_POINTOPOINT);
                let other = ip_of(a.destination.as_ref().or(a.broadcast.as_ref()));
                out.push(Interface {
                    name: a.interface_name.clone(),
                    address: Some(ip),
                    netmask: ip_of(a.netmask.as_ref()),
                    broadcast: if p2p { None } else { other },
                    point_to_point: if p2p { other } else { None },
                    mac: None,
                    up,
                    loopback,
                });
            }
            None => {
                bare.insert(a.interface_name.clone(), (up, loopback));
            }
        }
    }
    for (name, (up, loopback)) in bare {
        if !out.iter().any(|i| i.name == name) {
            out.push(Interface {
                name,
                address: None,
                netmask: None,
                broadcast: None,
                point_to_point: None,
                mac: None,
                up,
                loopback,
            });
        }
    }
    for i in &mut out {
        i.mac = macs.get(&i.name).copied();
    }
    Ok(out)
}

/// The machine's host name.
pub fn host_name() -> Result<String> {
    let name = nix::unistd::gethostname()
        .map_err(|e| Error::new(ErrorKind::Io, format!("gethostname failed: {e}")))?;
    Ok(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_listed() {
        let all = scan().unwrap();
        let lo = all
            .iter()
            .find(|i| i.loopback && i.address.is_some_and(|a| a.is_loopback()))
            .expect("a loopback interface with 127.0.0.1 or ::1");
        assert!(lo.up);
        assert!(lo.netmask.is_some());
        assert!(!host_name().unwrap().is_empty());
    }
}
