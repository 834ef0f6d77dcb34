//! Panda3D's `NetAddress`: IPv4 and IPv6 socket addresses, parsing, name resolution.
//! The core uses `std::net::SocketAddr` directly; this module adds what Panda3D offers on
//! top of it, with clear errors.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use super::error::{Error, ErrorKind, Result};

/// Parses `host:port` where host is an IP literal: `127.0.0.1:80`, `[::1]:80`,
/// `[fe80::1%2]:80`. Names are not resolved here (see [`resolve`]).
pub fn parse(text: &str) -> Result<SocketAddr> {
    text.trim().parse::<SocketAddr>().map_err(|_| {
        Error::new(
            ErrorKind::AddressParse,
            format!(
                "'{text}' is not an address: expected 'a.b.c.d:port' or '[ipv6]:port' \
                 with a port from 0 to 65535"
            ),
        )
    })
}

/// Parses an IP literal without a port (`10.0.0.1`, `::1`, `[::1]`).
pub fn parse_ip(text: &str) -> Result<IpAddr> {
    let t = text.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(t);
    t.parse::<IpAddr>().map_err(|_| {
        Error::new(
            ErrorKind::AddressParse,
            format!("'{text}' is not an IPv4 or IPv6 address"),
        )
    })
}

/// Resolves `host` (a name or an IP literal, optionally in brackets) to every address it
/// has, each with `port`, in the resolver's order, without duplicates.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    if host.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "empty host name"));
    }
    if let Ok(ip) = parse_ip(host) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let found = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::new(ErrorKind::Resolve, format!("cannot resolve '{host}': {e}")))?;
    let mut out: Vec<SocketAddr> = Vec::new();
    for a in found {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(Error::new(
            ErrorKind::Resolve,
            format!("'{host}' resolved to no address"),
        ));
    }
    Ok(out)
}

/// The wildcard address: `0.0.0.0:port`, or `[::]:port` when `ipv6`.
pub fn any(port: u16, ipv6: bool) -> SocketAddr {
    if ipv6 {
        SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port)
    } else {
        SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port)
    }
}

/// The loopback address: `127.0.0.1:port`, or `[::1]:port` when `ipv6`.
pub fn localhost(port: u16, ipv6: bool) -> SocketAddr {
    if ipv6 {
        SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port)
    } else {
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)
    }
}

/// The IPv4 limited broadcast address `255.255.255.255:port`.
pub fn broadcast(port: u16) -> SocketAddr {
    SocketAddr::new(Ipv4Addr::BROADCAST.into(), port)
}

/// Maps an IPv4-mapped IPv6 address (`[::ffff:1.2.3.4]:p`, as a dual-stack socket reports
/// IPv4 peers) to plain IPv4; leaves every other address as it is.
pub fn canonical(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v4_and_v6() {
        assert_eq!(parse("127.0.0.1:80").unwrap(), localhost(80, false));
        assert_eq!(parse(" [::1]:65535 ").unwrap(), localhost(65535, true));
        assert_eq!(parse("[::1]:0").unwrap().to_string(), "[::1]:0");
        for bad in [
            "",
            "127.0.0.1",
            "127.0.0.1:65536",
            "::1:80",
            "host:80",
            "[::1]",
            "1.2.3:4",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::AddressParse, "{bad}");
            assert!(e.message().contains("is not an address"));
        }
        assert_eq!(
            parse_ip("[::1]").unwrap(),
            IpAddr::from(Ipv6Addr::LOCALHOST)
        );
        assert!(parse_ip("nope").is_err());
    }

    #[test]
    fn resolves_literals_and_localhost() {
        assert_eq!(resolve("127.0.0.1", 5).unwrap(), vec![localhost(5, false)]);
        assert_eq!(resolve("[::1]", 5).unwrap(), vec![localhost(5, true)]);
        let all = resolve("localhost", 7).unwrap();
        assert!(!all.is_empty());
        assert!(all.iter().all(|a| a.ip().is_loopback() && a.port() == 7));
        assert_eq!(
            resolve("", 1).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        let e = resolve("no-such-host.invalid", 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Resolve);
    }

    #[test]
    fn special_addresses() {
        assert_eq!(any(1, false).to_string(), "0.0.0.0:1");
        assert_eq!(any(1, true).to_string(), "[::]:1");
        assert_eq!(broadcast(9).to_string(), "255.255.255.255:9");
        assert_eq!(
            canonical("[::ffff:10.1.2.3]:4".parse().unwrap()).to_string(),
            "10.1.2.3:4"
        );
        assert_eq!(canonical(localhost(3, true)), localhost(3, true));
    }
}
