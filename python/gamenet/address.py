"""NetAddress: an IPv4 or IPv6 address and port (Panda3D's NetAddress), and the argument
helpers that take addresses and text for the C functions."""
from __future__ import annotations

import ctypes
from ctypes import byref, c_bool, c_size_t

from . import _ffi
from ._bindings import (GAMENET_AF_IPV4, GAMENET_AF_NONE, GAMENET_ERR_BUFFER_TOO_SMALL,
                        GAMENET_OK)
from .errors import check, error

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, List, Optional, Tuple, Union

lib = _ffi.lib


def _answer(fn: Callable[..., int], *args: Any) -> bool:
    """Calls a yes/no function of gamenet (the answer in its last argument, bool *out) and
    returns the answer; an error raises, it is never a "no"."""
    out = c_bool()
    check(fn(*args, byref(out)))
    return out.value


def _text(value: Union[str, bytes, bytearray, None], name: str,
          optional: bool = False) -> Optional[bytes]:
    """A string argument as bytes for C; TypeError naming `name` otherwise."""
    if value is None and optional:
        return None
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise TypeError(f"{name} must be a str{' or None' if optional else ''}, "
                    f"not {type(value).__name__}")


def _address(value: Union[NetAddress, Tuple[Union[str, bytes], int]],
             name: str = "address") -> NetAddress:
    """A NetAddress, or a (host, port) tuple made into one; TypeError naming `name`."""
    if isinstance(value, NetAddress):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return NetAddress(value[0], value[1])
    raise TypeError(f"{name} must be a NetAddress or a (host, port) tuple, "
                    f"not {type(value).__name__}")


class NetAddress:
    """An IPv4 or IPv6 address and port (Panda3D's NetAddress). Wherever gamenet takes an
    address, a (host, port) tuple works too."""

    __slots__ = ("_a",)

    def __init__(self, host: Optional[Union[str, bytes]] = None, port: int = 0) -> None:
        self._a = _ffi.Address()
        if host is not None:
            self.set_host(host, port)

    @classmethod
    def _wrap(cls, raw: _ffi.Address) -> NetAddress:
        a = cls()
        ctypes.memmove(byref(a._a), byref(raw), ctypes.sizeof(_ffi.Address))
        return a

    @classmethod
    def parse(cls, text: Union[str, bytes]) -> NetAddress:
        """From "a.b.c.d:port" or "[v6]:port" (no name lookup)."""
        a = cls()
        check(lib.gamenet_address_parse(_text(text, "text"), byref(a._a)))
        return a

    @classmethod
    def resolve_all(cls, host: Union[str, bytes], port: int) -> List[NetAddress]:
        """Every address `host` resolves to, with `port`."""
        n = c_size_t(0)
        host = _text(host, "host")
        rc = lib.gamenet_address_resolve(host, port, None, 0, byref(n))
        if rc not in (GAMENET_OK, GAMENET_ERR_BUFFER_TOO_SMALL):
            raise error(rc)
        arr = (_ffi.Address * max(1, n.value))()
        check(lib.gamenet_address_resolve(host, port, arr, len(arr), byref(n)))
        return [cls._wrap(arr[i]) for i in range(n.value)]

    def set_host(self, host: Union[str, bytes], port: int) -> bool:
        """Resolves `host` and takes its first address with `port`; returns True, raises
        on failure (Panda3D's set_host returns False instead)."""
        self._a = self.resolve_all(host, port)[0]._a
        return True

    def set_any(self, port: int, ipv6: bool = False) -> bool:
        """Makes it the any address (0.0.0.0, or :: with ipv6) with `port`; returns True."""
        check(lib.gamenet_address_any(port, ipv6, byref(self._a)))
        return True

    def set_localhost(self, port: int, ipv6: bool = False) -> bool:
        """Makes it the loopback address (127.0.0.1, or ::1 with ipv6) with `port`; returns
        True."""
        check(lib.gamenet_address_localhost(port, ipv6, byref(self._a)))
        return True

    def set_broadcast(self, port: int) -> bool:
        """Makes it the broadcast address 255.255.255.255 with `port`; returns True."""
        check(lib.gamenet_address_broadcast(port, byref(self._a)))
        return True

    def clear(self) -> None:
        """Back to no address (family 0, port 0)."""
        self._a = _ffi.Address()

    def get_port(self) -> int:
        """The port."""
        return self._a.port

    def set_port(self, port: int) -> None:
        """Changes the port only; ValueError outside 0 to 65535."""
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} is out of range (0 to 65535)")
        self._a.port = port

    @property
    def port(self) -> int:
        """The port."""
        return self._a.port

    @property
    def family(self) -> int:
        """The address family: GAMENET_AF_IPV4, GAMENET_AF_IPV6, or 0 for no address."""
        return self._a.family

    def _text(self, fn: Callable[..., int]) -> str:
        if self._a.family == GAMENET_AF_NONE:
            return ""
        buf = ctypes.create_string_buffer(64)
        n = c_size_t(0)
        check(fn(byref(self._a), buf, len(buf), byref(n)))
        return buf.value.decode()

    def get_ip_string(self) -> str:
        """The numeric host without the port: "127.0.0.1", "::1" ("" for no address)."""
        return self._text(lib.gamenet_address_ip_to_string)

    @property
    def ip(self) -> str:
        """get_ip_string() as a property."""
        return self.get_ip_string()

    def is_any(self) -> bool:
        """Whether it is the any address (0.0.0.0 or ::); False for no address."""
        return (self._a.family != GAMENET_AF_NONE
                and _answer(lib.gamenet_address_is_any, byref(self._a)))

    def get_ip(self) -> int:
        """The IPv4 address as a 32-bit number, first byte highest (0 for IPv6)."""
        if self._a.family != GAMENET_AF_IPV4:
            return 0
        return int.from_bytes(bytes(self._a.ip[:4]), "big")

    def get_ip_component(self, n: int) -> int:
        """Byte n of the address (0 to 15; an IPv4 address uses 0 to 3); IndexError
        outside."""
        if not 0 <= n < len(self._a.ip):
            raise IndexError(f"address component {n} is out of range (0 to {len(self._a.ip) - 1})")
        return self._a.ip[n]

    def to_tuple(self) -> Tuple[str, int]:
        """(host, port), as the socket module takes an address."""
        return (self.get_ip_string(), self._a.port)

    def __str__(self) -> str:
        return self._text(lib.gamenet_address_to_string)

    def __repr__(self) -> str:
        return f"NetAddress({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NetAddress) and bytes(self._a) == bytes(other._a)

    def __hash__(self) -> int:
        return hash(bytes(self._a))
