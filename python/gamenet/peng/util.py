"""Address helpers of peng3dnet.util: parse_address, normalize_addr_socketstyle and
normalize_addr_formatted. Unlike peng3dnet's, IPv6 is accepted (gamenet speaks it): as
"[addr]:port", "[addr]", or a bare address without a port."""
from __future__ import annotations

from . import errors

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Tuple

__all__ = ["parse_address", "normalize_addr_socketstyle", "normalize_addr_formatted"]


def _port(text: Any) -> int:
    try:
        port = int(text)
    except Exception:
        raise errors.InvalidPortError("Port %s is not an integer" % text) from None
    return port


def parse_address(addr: Any, default_port: int = 8080) -> Tuple[str, int]:
    """Parses "host", "host:port", "[ipv6]:port", "[ipv6]" or a bare IPv6 address into
    (host, port); a missing port is default_port. A port that is not an integer in 0..65535
    raises InvalidPortError."""
    addr = str(addr)
    if addr.startswith("["):
        host, sep, rest = addr[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise errors.InvalidHostError("Address %s is not [host] or [host]:port" % addr)
        port = _port(rest[1:]) if rest else default_port
    elif addr.count(":") == 1:
        host, text = addr.split(":")
        port = _port(text)
    elif ":" in addr:
        host, port = addr, default_port  # a bare IPv6 address
    else:
        host, port = addr, default_port
    if not isinstance(port, int):
        raise errors.InvalidPortError("Port must be an integer")
    elif port < 0:
        raise errors.InvalidPortError("Port may not be less than zero")
    elif port > 65535:
        raise errors.InvalidPortError("Port may not be higher than 65535")
    return host, port


def normalize_addr_socketstyle(addr: Any, default_port: int = 8080) -> Tuple[str, int]:
    """The address as a (host, port) pair: a 2-tuple or 2-list is returned as it is, a
    string is parsed with parse_address (default_port when it names none)."""
    if isinstance(addr, (tuple, list)) and len(addr) == 2:
        return addr
    return parse_address(addr, default_port)


def normalize_addr_formatted(addr: Any) -> str:
    """Not implemented, as in peng3dnet: raises NotImplementedError."""
    raise NotImplementedError("not yet implemented")
