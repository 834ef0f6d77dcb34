"""The base of gamenet's nativenet classes (see _nativenet): the argument checks, the
last-error record, Panda3D's type handles for these classes, and Socket_Address."""
from __future__ import annotations

import errno as _errno
import os
import re
import socket
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import NoReturn, Optional, Type, TypeVar, Union
    _C = TypeVar("_C", bound=type)
    _T = TypeVar("_T")


_AF4, _AF6 = socket.AF_INET, socket.AF_INET6
_BAD_SOCKET = -1
_INFINITE = 0xFFFFFFFF
_last_error = 0


def _record(err: Union[OSError, int]) -> None:
    """Keeps an errno (or an OSError's) for GetLastError, as the C library keeps errno."""
    global _last_error
    _last_error = (err.errno or _errno.EIO) if isinstance(err, OSError) else err


_RANGES = {"unsigned short": (0, 0xFFFF), "int": (-2**31, 2**31 - 1),
           "unsigned int": (0, 0xFFFFFFFF), "socket": (0, 2**31 - 1)}


def _int(value: object, name: str, func: str, kind: str = "int") -> int:
    """An integer argument: TypeError naming it if not an int, OverflowError if out of range."""
    if not isinstance(value, int):
        raise TypeError(f"{func}() argument '{name}' must be int, not {type(value).__name__}")
    lo, hi = _RANGES[kind]
    if not lo <= value <= hi:
        raise OverflowError(f"{func}() argument '{name}': {value} out of range for {kind}")
    return int(value)


def _payload(data: object, name: str, func: str) -> bytes:
    """A Panda3D string argument as bytes: str is UTF-8 encoded, bytes-like pass as they are."""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{func}() argument '{name}' must be str, not {type(data).__name__}")


def _check(value: object, cls: Type[_T], name: str, func: str) -> _T:
    if not isinstance(value, cls):
        raise TypeError(f"{func}() argument '{name}' must be {cls.__name__}, "
                        f"not {type(value).__name__}")
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _panda_names(cls: _C) -> _C:
    """Adds Panda3D's camelCase spelling of each public name with an underscore."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and "_" in name and _camel(name) not in vars(cls):
            setattr(cls, _camel(name), value)
    return cls


class _TypeHandle:
    """Stand-in for Panda3D's TypeHandle: a class name, a gamenet-local index, a parent."""

    _count = 0

    def __init__(self, name: str, parent: Optional[_TypeHandle] = None) -> None:
        _TypeHandle._count += 1
        self._index, self._name, self._parent = _TypeHandle._count, name, parent

    def get_name(self) -> str:
        """The registered class name."""
        return self._name

    def get_index(self) -> int:
        """A small integer unique to this type (not Panda3D's index)."""
        return self._index

    def _derives_from(self, name: str) -> bool:
        handle = self
        while handle is not None and handle._name != name:
            handle = handle._parent
        return handle is not None

    def __str__(self) -> str:
        return self._name

    def __eq__(self, other: object) -> bool:
        get_name = getattr(other, "get_name", None)
        return self._name == get_name() if callable(get_name) else NotImplemented

    __repr__, __hash__ = __str__, lambda self: hash(self._name)


_TYPED_OBJECT = _TypeHandle("TypedObject")


def _handle_name(handle: object, func: str) -> str:
    if isinstance(handle, type) and hasattr(handle, "get_class_type"):
        handle = handle.get_class_type()
    get_name = getattr(handle, "get_name", None)
    if not callable(get_name):
        raise TypeError(f"{func}() argument 'handle' must be TypeHandle, "
                        f"not {type(handle).__name__}")
    return get_name()


@_panda_names
class _Typed:
    """Panda3D's TypedObject methods."""

    _type_handle = _TYPED_OBJECT

    @classmethod
    def get_class_type(cls) -> _TypeHandle:
        """The TypeHandle of this class (registered with Panda3D's parent)."""
        return cls._type_handle

    def get_type(self) -> _TypeHandle:
        """The TypeHandle of this object's class."""
        return type(self)._type_handle

    def get_type_index(self) -> int:
        """get_type().get_index()."""
        return self.get_type().get_index()

    def is_of_type(self, handle: object) -> bool:
        """True if this object's type is `handle` or registered as derived from it. handle:
        a TypeHandle (anything with get_name()) or a class with get_class_type()."""
        return self.get_type()._derives_from(_handle_name(handle, "is_of_type"))

    def is_exact_type(self, handle: object) -> bool:
        """True if this object's type is exactly `handle`."""
        return self.get_type().get_name() == _handle_name(handle, "is_exact_type")

    @property
    def type(self) -> _TypeHandle:
        """get_type() as a property."""
        return self.get_type()


def _unsupported() -> NoReturn:
    raise AssertionError("unsupported address family")


def _atoi(text: bytes) -> int:
    """C's atoi (glibc: strtol clamped to long, then cut to int), cut to unsigned short."""
    m = re.match(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)", text)
    value = max(-2**63, min(2**63 - 1, int(m.group(1)))) if m else 0
    return value & 0xFFFF


@_panda_names
class Socket_Address:
    """Panda3D's Socket_Address: an IPv4 or IPv6 address and a port.

    Every name has its Panda3D meaning; Panda3D's quirks are kept: == between two IPv6
    addresses is True only when the ports differ, < compares ports and addresses as
    network-order integers read on a little-endian machine, is_mcast_range excludes
    239.255.255.255, and an address of no family (GetPeerName of an unconnected socket)
    raises AssertionError from get_ip, get_ip_port, ==, < and GetIPAddressRaw."""

    __hash__ = object.__hash__      # identity, as Panda3D's

    def __init__(self, port: Union[int, Socket_Address] = 0) -> None:
        """Socket_Address(port=0) is 0.0.0.0:port; Socket_Address(other) copies."""
        if isinstance(port, Socket_Address):
            self._set(port._family, port._addr, port._port, port._flow, port._scope)
        else:
            self._set(_AF4, bytes(4), _int(port, "port", "Socket_Address", "unsigned short"))

    def _set(self, family: int, addr: bytes, port: int, flow: int = 0, scope: int = 0) -> None:
        self._family, self._addr, self._port, self._flow, self._scope = (
            int(family), addr, port, flow, scope)

    def _assign_sockaddr(self, family: int, sa: tuple) -> None:
        if family == _AF4:
            self._set(_AF4, socket.inet_pton(_AF4, sa[0]), sa[1])
        elif family == _AF6:
            self._set(_AF6, socket.inet_pton(_AF6, sa[0].split("%")[0]), sa[1], sa[2], sa[3])
        else:
            self._set(0, b"", 0)

    @classmethod
    def _from_sockaddr(cls, family: int, sa: tuple) -> Socket_Address:
        (out := cls())._assign_sockaddr(family, sa)
        return out

    def _sockaddr(self) -> tuple:
        if self._family == _AF4:
            return socket.inet_ntop(_AF4, self._addr), self._port
        if self._family == _AF6:
            return socket.inet_ntop(_AF6, self._addr), self._port, self._flow, self._scope
        raise OSError(_errno.EAFNOSUPPORT, os.strerror(_errno.EAFNOSUPPORT))

    def _sockaddr_for(self, sock: socket.socket, v6only_errno: int = 0) -> tuple:
        """The address for `sock`'s family, or OSError with Linux's errno for a mismatch.
        A datagram send or connect (v6only_errno set) reaches IPv4 from a dual-stack socket."""
        if self._family == sock.family:
            return self._sockaddr()
        if sock.family == _AF6 and self._family == _AF4 and v6only_errno:
            if sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY):
                raise OSError(v6only_errno, os.strerror(v6only_errno))
            return "::ffff:" + socket.inet_ntop(_AF4, self._addr), self._port, 0, 0
        code = _errno.EINVAL if sock.family == _AF6 else _errno.EAFNOSUPPORT
        raise OSError(code, os.strerror(code))

    def set_any_IP(self, port: int) -> bool:
        """0.0.0.0:port. Returns True."""
        self._set(_AF4, bytes(4), _int(port, "port", "set_any_IP", "unsigned short"))
        return True

    def set_any_IPv6(self, port: int) -> bool:
        """[::]:port. Returns True."""
        self._set(_AF6, bytes(16), _int(port, "port", "set_any_IPv6", "unsigned short"))
        return True

    def set_port(self, port: int) -> bool:
        """Changes the port only. Returns True."""
        self._port = _int(port, "port", "set_port", "unsigned short")
        return True

    def set_broadcast(self, port: int) -> bool:
        """255.255.255.255:port. Returns True."""
        self._set(_AF4, b"\xff" * 4, _int(port, "port", "set_broadcast", "unsigned short"))
        return True

    def set_host(self, hostname: Union[str, bytes, int], port: Optional[int] = None) -> bool:
        """set_host(hostname, port) resolves hostname (first getaddrinfo answer, IPv4 or
        IPv6); set_host("host:port") and set_host("[v6]:port") split at the last colon;
        set_host(ip4addr, port) takes the IPv4 address as a 32-bit integer in network byte
        order read on a little-endian machine (0x0100007f is 127.0.0.1). Returns False if
        the name does not resolve, leaving the address as it was."""
        if isinstance(hostname, int) and port is not None:
            raw = _int(hostname, "ip4addr", "set_host", "unsigned int").to_bytes(4, "little")
            self._set(_AF4, raw, _int(port, "port", "set_host", "unsigned short"))
            return True
        if isinstance(hostname, str):
            hostname = hostname.encode("utf-8", "surrogateescape")
        if not isinstance(hostname, (bytes, bytearray)):
            raise TypeError("set_host() argument 'hostname' must be str, "
                            f"not {type(hostname).__name__}")
        host = bytes(hostname).split(b"\0")[0]
        if port is None:
            return self._set_host_port(host)
        port = _int(port, "port", "set_host", "unsigned short")
        if host == b"255.255.255.255":
            return self.set_broadcast(port)
        try:
            info = socket.getaddrinfo(host, None, 0, 0, 0, socket.AI_ADDRCONFIG)
        except (OSError, UnicodeError, ValueError):
            return False
        family, _, _, _, sa = info[0]
        self._assign_sockaddr(family, sa)
        self._port = port
        return True

    def _set_host_port(self, text: bytes) -> bool:
        pos = text.rfind(b":")
        if pos < 0:
            return False
        host = text[:pos].strip(b" \t\n\v\f\r")
        if host.startswith(b"["):
            if not host.endswith(b"]"):
                return False
            host = host[1:-1]
        return self.set_host(host, _atoi(text[pos + 1:pos + 101]))

    def clear(self) -> None:
        """Back to 0.0.0.0:0."""
        self._set(_AF4, bytes(4), 0)

    def get_family(self) -> int:
        """AF_INET (2) or AF_INET6 (10); 0 for no address."""
        return self._family

    def get_port(self) -> int:
        """The port."""
        return self._port

    def get_ip(self) -> str:
        """The numeric host: '127.0.0.1', '::1' (with %scope for a scoped IPv6 address)."""
        if self._family == _AF4:
            return socket.inet_ntop(_AF4, self._addr)
        if self._family != _AF6:
            _unsupported()
        if not self._scope:
            return socket.inet_ntop(_AF6, self._addr)
        return socket.getnameinfo(self._sockaddr(), socket.NI_NUMERICHOST)[0]

    def get_ip_port(self) -> str:
        """'127.0.0.1:80', or '[::1]:80' for IPv6."""
        if self._family == _AF6:
            return f"[{self.get_ip()}]:{self._port}"
        return f"{self.get_ip()}:{self._port}"

    def GetIPAddressRaw(self) -> int:
        """The IPv4 address as in set_host(ip4addr, port); an IPv4-mapped or -compatible
        IPv6 address gives its IPv4 part, ::1 gives 127.0.0.1; AssertionError otherwise."""
        if self._family == _AF4:
            return int.from_bytes(self._addr, "little")
        if self._family == _AF6 and self._addr[:8] == bytes(8) and \
                self._addr[8:12] in (bytes(4), b"\0\0\xff\xff"):
            if self._addr[8:] == b"\0\0\0\0\0\0\0\x01":
                return 0x1000007f
            return int.from_bytes(self._addr[12:], "little")
        raise AssertionError("GetIPAddressRaw() can only be called on an IPv4 address")

    def is_any(self) -> bool:
        """True for 0.0.0.0 and ::, and for no address."""
        return self._family not in (_AF4, _AF6) or not any(self._addr)

    def is_mcast_range(self) -> bool:
        """224.0.0.0 to 239.255.255.254 (Panda3D leaves out the last), or ff00::/8."""
        if self._family == _AF4:
            return 0xE0000000 <= int.from_bytes(self._addr, "big") < 0xEFFFFFFF
        return self._family == _AF6 and self._addr[0] == 0xFF

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Socket_Address):
            return NotImplemented
        if self._family != other._family:
            return False
        if self._family == _AF4:
            return self._port == other._port and self._addr == other._addr
        if self._family == _AF6:
            return self._port != other._port and self._addr == other._addr
        _unsupported()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Socket_Address):
            return NotImplemented
        if self._family != other._family:
            return self._family < other._family
        if self._family not in (_AF4, _AF6):
            _unsupported()
        mine, theirs = (struct.unpack("<H", struct.pack(">H", a._port))[0]
                        for a in (self, other))
        if mine != theirs:
            return mine < theirs
        if self._family == _AF6:
            return self._addr == other._addr
        return int.from_bytes(self._addr, "little") < int.from_bytes(other._addr, "little")

    def __copy__(self, memo: Optional[dict] = None) -> Socket_Address:
        return Socket_Address(self)

    __deepcopy__ = __copy__

    def __repr__(self) -> str:
        try:
            return f"<Socket_Address {self.get_ip_port()}>"
        except AssertionError:
            return "<Socket_Address (no address)>"
