//! Socket options, as Panda3D's `Connection` exposes them. Every option really reaches the
//! socket (Panda3D's keep-alive, TTL and TOS setters do nothing) and can be read back.
//! `Connection` checks that an option applies to its kind, then calls these.

use std::time::Duration;

use socket2::{Socket, TcpKeepalive};

use super::error::{Error, ErrorKind, Result};

fn opt_err(what: &str, err: std::io::Error) -> Error {
    Error::io(format!("set {what}"), &err)
}

/// The options of one socket; `v6` when it is an IPv6 socket.
pub(crate) struct SockOpts<'a> {
    pub(crate) s: &'a Socket,
    pub(crate) v6: bool,
}

impl SockOpts<'_> {
    /// TCP_NODELAY: send small segments at once (on by default for gamenet's TCP streams).
    pub(crate) fn set_no_delay(&self, on: bool) -> Result<()> {
        self.s
            .set_tcp_nodelay(on)
            .map_err(|e| opt_err("TCP_NODELAY", e))
    }

    /// Whether TCP_NODELAY is on.
    pub(crate) fn no_delay(&self) -> Result<bool> {
        self.s
            .tcp_nodelay()
            .map_err(|e| Error::io("get TCP_NODELAY", &e))
    }

    /// SO_LINGER: `None` turns it off; `Some(d)` makes close wait up to `d` for unsent data.
    pub(crate) fn set_linger(&self, linger: Option<Duration>) -> Result<()> {
        self.s
            .set_linger(linger)
            .map_err(|e| opt_err("SO_LINGER", e))
    }

    /// The SO_LINGER setting.
    pub(crate) fn linger(&self) -> Result<Option<Duration>> {
        self.s.linger().map_err(|e| Error::io("get SO_LINGER", &e))
    }

    /// SO_KEEPALIVE, with the idle time before the first probe and the interval between
    /// probes when given (each at least one second; the OS counts whole seconds).
    pub(crate) fn set_keep_alive(
        &self,
        on: bool,
        idle: Option<Duration>,
        interval: Option<Duration>,
    ) -> Result<()> {
        if !on {
            return self
                .s
                .set_keepalive(false)
                .map_err(|e| opt_err("SO_KEEPALIVE", e));
        }
        let mut ka = TcpKeepalive::new();
        for d in [idle, interval].into_iter().flatten() {
            if d < Duration::from_secs(1) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "keep-alive idle time and interval must be at least 1000 ms",
                ));
            }
        }
        if let Some(idle) = idle {
            ka = ka.with_time(idle);
        }
        if let Some(interval) = interval {
            ka = ka.with_interval(interval);
        }
        self.s
            .set_tcp_keepalive(&ka)
            .map_err(|e| opt_err("keep-alive", e))
    }

    /// Whether SO_KEEPALIVE is on, the idle time and the probe interval.
    pub(crate) fn keep_alive(&self) -> Result<(bool, Duration, Duration)> {
        let get = |e: std::io::Error| Error::io("get keep-alive", &e);
        Ok((
            self.s.keepalive().map_err(get)?,
            self.s.tcp_keepalive_time().map_err(get)?,
            self.s.tcp_keepalive_interval().map_err(get)?,
        ))
    }

    /// SO_SNDBUF in bytes (Linux doubles the value for its own bookkeeping).
    pub(crate) fn set_send_buffer_size(&self, bytes: usize) -> Result<()> {
        self.s
            .set_send_buffer_size(bytes)
            .map_err(|e| opt_err("SO_SNDBUF", e))
    }

    /// SO_SNDBUF as the OS reports it.
    pub(crate) fn send_buffer_size(&self) -> Result<usize> {
        self.s
            .send_buffer_size()
            .map_err(|e| Error::io("get SO_SNDBUF", &e))
    }

    /// SO_RCVBUF in bytes (Linux doubles the value for its own bookkeeping).
    pub(crate) fn set_recv_buffer_size(&self, bytes: usize) -> Result<()> {
        self.s
            .set_recv_buffer_size(bytes)
            .map_err(|e| opt_err("SO_RCVBUF", e))
    }

    /// SO_RCVBUF as the OS reports it.
    pub(crate) fn recv_buffer_size(&self) -> Result<usize> {
        self.s
            .recv_buffer_size()
            .map_err(|e| Error::io("get SO_RCVBUF", &e))
    }

    /// SO_REUSEADDR.
    pub(crate) fn set_reuse_addr(&self, on: bool) -> Result<()> {
        self.s
            .set_reuse_address(on)
            .map_err(|e| opt_err("SO_REUSEADDR", e))
    }

    /// Whether SO_REUSEADDR is on.
    pub(crate) fn reuse_addr(&self) -> Result<bool> {
        self.s
            .reuse_address()
            .map_err(|e| Error::io("get SO_REUSEADDR", &e))
    }

    /// The time-to-live (IPv4) or unicast hop limit (IPv6) of outgoing packets, 1 to 255.
    /// On a dual-stack IPv6 socket the IPv4 TTL is set too, for IPv4-mapped peers.
    pub(crate) fn set_ttl(&self, ttl: u32) -> Result<()> {
        if !(1..=255).contains(&ttl) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("TTL {ttl} is out of range (1 to 255)"),
            ));
        }
        if self.v6 {
            self.s
                .set_unicast_hops_v6(ttl)
                .map_err(|e| opt_err("IPV6_UNICAST_HOPS", e))?;
            // Best effort: only meaningful for IPv4-mapped traffic on a dual-stack socket.
            let _ = self.s.set_ttl_v4(ttl);
            Ok(())
        } else {
            self.s.set_ttl_v4(ttl).map_err(|e| opt_err("IP_TTL", e))
        }
    }

    /// The TTL or hop limit.
    pub(crate) fn ttl(&self) -> Result<u32> {
        let r = if self.v6 {
            self.s.unicast_hops_v6()
        } else {
            self.s.ttl_v4()
        };
        r.map_err(|e| Error::io("get TTL", &e))
    }

    /// The type-of-service byte (IPv4 IP_TOS, IPv6 traffic class), 0 to 255.
    pub(crate) fn set_tos(&self, tos: u32) -> Result<()> {
        if tos > 255 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("TOS {tos} is out of range (0 to 255)"),
            ));
        }
        if self.v6 {
            self.s
                .set_tclass_v6(tos)
                .map_err(|e| opt_err("IPV6_TCLASS", e))?;
            let _ = self.s.set_tos_v4(tos);
            Ok(())
        } else {
            self.s.set_tos_v4(tos).map_err(|e| opt_err("IP_TOS", e))
        }
    }

    /// The type-of-service byte.
    pub(crate) fn tos(&self) -> Result<u32> {
        let r = if self.v6 {
            self.s.tclass_v6()
        } else {
            self.s.tos_v4()
        };
        r.map_err(|e| Error::io("get TOS", &e))
    }
}
