"""Panda3D 1.10.16's nativenet socket classes (Socket_Address, Socket_IP, Socket_TCP,
Socket_TCP_Listen, Socket_UDP_Incoming, Socket_UDP_Outgoing, Socket_UDP, Socket_fdset; and
Buffered_DatagramConnection from _nativenet_buffered) in pure Python over `socket` and
`select`, with Panda3D's names, signatures, return values and error codes, quirks included.

As in Panda3D: methods return error codes instead of raising (-1 / False, with the errno in
GetLastError()), the port-only listeners are dual-stack IPv6 sockets ("support-ipv6" is on),
and strings cross the wire UTF-8 encoded. Beyond Panda3D: SendData/Send/SendTo also take
bytes, and RecvData decodes with "surrogateescape" instead of raising on bytes that are not
UTF-8 (such a str encodes back to the same bytes when sent)."""
import errno as _errno
import os
import re
import select
import socket
import struct

# Buffered_DatagramConnection lives in _nativenet_buffered, loaded on first use (the module
# __getattr__ at the end), so that either module can be imported first.
__all__ = ("Socket_Address Socket_IP Socket_TCP Socket_TCP_Listen Socket_UDP Socket_UDP_Incoming "
           "Socket_UDP_Outgoing Socket_fdset Buffered_DatagramConnection").split()

_AF4, _AF6 = socket.AF_INET, socket.AF_INET6
_BAD_SOCKET = -1
_INFINITE = 0xFFFFFFFF
_last_error = 0


def _record(err) -> None:
    """Keeps an errno (or an OSError's) for GetLastError, as the C library keeps errno."""
    global _last_error
    _last_error = (err.errno or _errno.EIO) if isinstance(err, OSError) else err


_RANGES = {"unsigned short": (0, 0xFFFF), "int": (-2**31, 2**31 - 1),
           "unsigned int": (0, 0xFFFFFFFF), "socket": (0, 2**31 - 1)}


def _int(value, name: str, func: str, kind: str = "int") -> int:
    """An integer argument: TypeError naming it if not an int, OverflowError if out of range."""
    if not isinstance(value, int):
        raise TypeError(f"{func}() argument '{name}' must be int, not {type(value).__name__}")
    lo, hi = _RANGES[kind]
    if not lo <= value <= hi:
        raise OverflowError(f"{func}() argument '{name}': {value} out of range for {kind}")
    return int(value)


def _payload(data, name: str, func: str) -> bytes:
    """A Panda3D string argument as bytes: str is UTF-8 encoded, bytes-like pass as they are."""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{func}() argument '{name}' must be str, not {type(data).__name__}")


def _check(value, cls: type, name: str, func: str):
    if not isinstance(value, cls):
        raise TypeError(f"{func}() argument '{name}' must be {cls.__name__}, "
                        f"not {type(value).__name__}")
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _panda_names(cls: type) -> type:
    """Adds Panda3D's camelCase spelling of each public name with an underscore."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and "_" in name and _camel(name) not in vars(cls):
            setattr(cls, _camel(name), value)
    return cls


class _TypeHandle:
    """Stand-in for Panda3D's TypeHandle: a class name, a gamenet-local index, a parent."""

    _count = 0

    def __init__(self, name: str, parent: "_TypeHandle | None" = None) -> None:
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

    def __eq__(self, other) -> bool:
        get_name = getattr(other, "get_name", None)
        return self._name == get_name() if callable(get_name) else NotImplemented

    __repr__, __hash__ = __str__, lambda self: hash(self._name)


_TYPED_OBJECT = _TypeHandle("TypedObject")


def _handle_name(handle, func: str) -> str:
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

    def is_of_type(self, handle) -> bool:
        """True if this object's type is `handle` or registered as derived from it."""
        return self.get_type()._derives_from(_handle_name(handle, "is_of_type"))

    def is_exact_type(self, handle) -> bool:
        """True if this object's type is exactly `handle`."""
        return self.get_type().get_name() == _handle_name(handle, "is_exact_type")

    @property
    def type(self) -> _TypeHandle:
        """get_type() as a property."""
        return self.get_type()


def _unsupported():
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

    def __init__(self, port: "int | Socket_Address" = 0) -> None:
        """Socket_Address(port=0) is 0.0.0.0:port; Socket_Address(other) copies."""
        if isinstance(port, Socket_Address):
            self._set(port._family, port._addr, port._port, port._flow, port._scope)
        else:
            self._set(_AF4, bytes(4), _int(port, "port", "Socket_Address", "unsigned short"))

    def _set(self, family: int, addr: bytes, port: int, flow: int = 0, scope: int = 0) -> None:
        self._family, self._addr, self._port, self._flow, self._scope = (
            family, addr, port, flow, scope)

    def _assign_sockaddr(self, family: int, sa: tuple) -> None:
        if family == _AF4:
            self._set(_AF4, socket.inet_pton(_AF4, sa[0]), sa[1])
        elif family == _AF6:
            self._set(_AF6, socket.inet_pton(_AF6, sa[0].split("%")[0]), sa[1], sa[2], sa[3])
        else:
            self._set(0, b"", 0)

    @classmethod
    def _from_sockaddr(cls, family: int, sa) -> "Socket_Address":
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

    def set_host(self, hostname: "str | bytes | int", port: "int | None" = None) -> bool:
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

    def __eq__(self, other) -> bool:
        if not isinstance(other, Socket_Address):
            return NotImplemented
        if self._family != other._family:
            return False
        if self._family == _AF4:
            return self._port == other._port and self._addr == other._addr
        if self._family == _AF6:
            return self._port != other._port and self._addr == other._addr
        _unsupported()

    def __ne__(self, other) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __lt__(self, other) -> bool:
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

    def __copy__(self, memo=None) -> "Socket_Address":
        return Socket_Address(self)

    __deepcopy__ = __copy__

    def __repr__(self) -> str:
        try:
            return f"<Socket_Address {self.get_ip_port()}>"
        except AssertionError:
            return "<Socket_Address (no address)>"


@_panda_names
class Socket_IP(_Typed):
    """Panda3D's Socket_IP: the socket every nativenet class holds, by its descriptor.

    InitNetworkDriver means nothing here (Python's socket module is ready): it returns 0.
    GetLastError is the errno of the last failed call of these classes (Panda3D reads the C
    library's errno, which any call may change)."""

    _type_handle = _TypeHandle("Socket_IP", _TYPED_OBJECT)

    def __init__(self, ins: "int | None" = None) -> None:
        """Socket_IP() holds no socket; Socket_IP(ins) takes the descriptor `ins` over."""
        self._sock, self._fd, self._bad = None, _BAD_SOCKET, _errno.EBADF
        if ins is not None:
            self._adopt(_int(ins, "ins", type(self).__name__, "socket"))

    def __del__(self) -> None:
        try:
            if getattr(self, "_fd", -1) != -1:
                self.Close()
        except Exception:
            pass

    def _adopt(self, fd: int) -> None:
        self._sock, self._fd = None, fd
        try:
            blocking = os.get_blocking(fd)
            sock = socket.socket(fileno=fd)
        except OSError as e:
            self._bad = e.errno or _errno.EBADF
            return
        sock.settimeout(None) if blocking else sock.setblocking(False)
        self._sock = sock

    def _take(self, sock: socket.socket) -> None:
        self.Close()
        self._sock, self._fd = sock, sock.fileno()

    def _open(self, family: int, kind: int) -> bool:
        self.Close()
        try:
            sock = socket.socket(family, kind)
        except OSError as e:
            _record(e)
            return False
        sock.settimeout(None)
        self._take(sock)
        return True

    def _op(self) -> socket.socket:
        if self._sock is None:
            code = _errno.EBADF if self._fd == _BAD_SOCKET else self._bad
            raise OSError(code, os.strerror(code))
        return self._sock

    def _setopt(self, level: int, option: int, value) -> bool:
        try:
            self._op().setsockopt(level, option, value)
        except OSError as e:
            _record(e)
            return False
        return True

    def _fail(self, e: OSError) -> bool:
        """Panda3D's ErrorClose: keeps the errno, closes, returns False."""
        _record(e)
        self.Close()
        return False

    def _send(self, data: bytes) -> int:
        try:
            return self._op().send(data)
        except OSError as e:
            _record(e)
            return -1

    def _sendto(self, data: bytes, address: "Socket_Address") -> int:
        try:
            sock = self._op()
            return sock.sendto(data, address._sockaddr_for(sock, _errno.ENETUNREACH))
        except OSError as e:
            _record(e)
            return -1

    def Close(self) -> None:
        """Closes the socket if there is one."""
        sock, fd = self._sock, self._fd
        self._sock, self._fd = None, _BAD_SOCKET
        try:
            if sock is not None:
                sock.close()
            elif fd != _BAD_SOCKET:
                os.close(fd)
        except OSError as e:
            _record(e)

    @staticmethod
    def GetLastError() -> int:
        """The errno of the last failed socket call."""
        return _last_error

    def SetNonBlocking(self) -> int:
        """Puts the socket in non-blocking mode. Returns 0 (as Panda3D, even with no socket)."""
        try:
            self._op().setblocking(False)
        except OSError as e:
            _record(e)
        return 0

    def SetBlocking(self) -> int:
        """Puts the socket in blocking mode. Returns 0."""
        try:
            self._op().settimeout(None)
        except OSError as e:
            _record(e)
        return 0

    def SetReuseAddress(self, flag: bool = True) -> bool:
        """SO_REUSEADDR. Returns False on failure."""
        return self._setopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1 if flag else 0)

    def SetV6Only(self, flag: bool) -> bool:
        """IPV6_V6ONLY (False: dual-stack). Returns False on failure (e.g. after bind)."""
        return self._setopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if flag else 0)

    def Active(self) -> bool:
        """True while the object holds a socket."""
        return self._fd != _BAD_SOCKET

    def SetRecvBufferSize(self, size: int) -> int:
        """SO_RCVBUF. Returns 0, or -1 on failure."""
        size = _int(size, "size", "SetRecvBufferSize")
        return 0 if self._setopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size) else -1

    def SetSocket(self, ins: int) -> None:
        """Closes the socket held and takes the descriptor `ins` over."""
        fd = _int(ins, "ins", "SetSocket", "socket")
        self.Close()
        self._adopt(fd)

    def GetSocket(self) -> int:
        """The socket's descriptor, or -1."""
        return self._fd

    def GetPeerName(self) -> Socket_Address:
        """The connected peer; an address of family 0 if there is none."""
        try:
            sock = self._op()
            return Socket_Address._from_sockaddr(sock.family, sock.getpeername())
        except OSError as e:
            _record(e)
            return Socket_Address._from_sockaddr(0, ())

    @staticmethod
    def InitNetworkDriver() -> int:
        """Nothing to initialise; returns 0."""
        return 0


@_panda_names
class Socket_TCP(Socket_IP):
    """Panda3D's Socket_TCP: a connected TCP socket.

    ErrorIs_WouldBlocking ignores its argument, as Panda3D's: it tells whether the last
    failed call would have blocked (EAGAIN). Every other name means what it means in
    Panda3D."""

    _type_handle = _TypeHandle("Socket_TCP", Socket_IP._type_handle)

    def SetNoDelay(self, flag: bool = True) -> int:
        """TCP_NODELAY. Returns 0, or -1 on failure."""
        return 0 if self._setopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if flag else 0) else -1

    def SetLinger(self, interval_seconds: int = 0) -> int:
        """SO_LINGER on, for `interval_seconds`. Returns 0, or -1 on failure."""
        secs = _int(interval_seconds, "interval_seconds", "SetLinger")
        ok = self._setopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, secs))
        return 0 if ok else -1

    def DontLinger(self) -> int:
        """SO_LINGER off. Returns 0, or -1 on failure."""
        ok = self._setopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 0, 0))
        return 0 if ok else -1

    def SetSendBufferSize(self, insize: int) -> int:
        """SO_SNDBUF. Returns 0, or -1 on failure."""
        insize = _int(insize, "insize", "SetSendBufferSize")
        return 0 if self._setopt(socket.SOL_SOCKET, socket.SO_SNDBUF, insize) else -1

    def ActiveOpen(self, theaddress: Socket_Address, setdelay: bool) -> bool:
        """Opens a new socket and connects it (blocking), with TCP_NODELAY if `setdelay`.
        Returns False (no socket held) on failure."""
        addr = _check(theaddress, Socket_Address, "theaddress", "ActiveOpen")
        if not self._open(addr._family, socket.SOCK_STREAM):
            return False
        if setdelay:
            self.SetNoDelay()
        try:
            self._sock.connect(addr._sockaddr_for(self._sock))
        except OSError as e:
            return self._fail(e)
        return True

    def ActiveOpenNonBlocking(self, theaddress: Socket_Address) -> bool:
        """Opens a new non-blocking socket and starts connecting it. Returns True while the
        connection is in progress (GetLastError() is then EINPROGRESS)."""
        addr = _check(theaddress, Socket_Address, "theaddress", "ActiveOpenNonBlocking")
        if not self._open(addr._family, socket.SOCK_STREAM):
            return False
        self.SetNonBlocking()
        self.SetReuseAddress()
        try:
            code = self._sock.connect_ex(addr._sockaddr_for(self._sock))
        except OSError as e:
            code = e.errno
        if code == _errno.EINPROGRESS:
            _record(code)
        elif code:
            return self._fail(OSError(code, os.strerror(code)))
        return True

    def ErrorIs_WouldBlocking(self, err: int) -> bool:
        """True if the last failed call would have blocked; `err` is not looked at."""
        _int(err, "err", "ErrorIs_WouldBlocking")
        return _last_error in (_errno.EAGAIN, _errno.EWOULDBLOCK)

    def ShutdownSend(self) -> bool:
        """Shuts the sending side down. Returns False on failure."""
        try:
            self._op().shutdown(socket.SHUT_WR)
        except OSError as e:
            _record(e)
            return False
        return True

    def SendData(self, str: "str | bytes") -> int:
        """Sends once: the count of bytes sent (maybe fewer), or -1 (see GetLastError)."""
        return self._send(_payload(str, "str", "SendData"))

    def RecvData(self, max_len: int) -> str:
        """Receives once, up to max_len bytes: '' when nothing came (error, would block,
        or the peer closed; see GetLastError/ErrorIs_WouldBlocking)."""
        max_len = _int(max_len, "max_len", "RecvData")
        try:
            if max_len < 0:
                raise OSError(_errno.EINVAL, os.strerror(_errno.EINVAL))
            data = self._op().recv(max_len)
        except OSError as e:
            _record(e)
            return ""
        return data.decode("utf-8", "surrogateescape")


@_panda_names
class Socket_TCP_Listen(Socket_IP):
    """Panda3D's Socket_TCP_Listen: a listening TCP socket.

    Every name means what it means in Panda3D."""

    _type_handle = _TypeHandle("Socket_TCP_Listen", Socket_IP._type_handle)

    def __init__(self) -> None:
        """A listener holding no socket yet."""
        super().__init__()

    def OpenForListen(self, address: "Socket_Address | int", backlog_size: int = 1024) -> bool:
        """Binds and listens: on `address`, or on [::]:port (dual-stack) for a port number.
        Returns False (no socket held) on failure, e.g. the port in use."""
        backlog = _int(backlog_size, "backlog_size", "OpenForListen")
        if isinstance(address, Socket_Address):
            addr = address
        else:
            addr = Socket_Address()
            addr.set_any_IPv6(_int(address, "port", "OpenForListen", "unsigned short"))
        if not self._open(addr._family, socket.SOCK_STREAM):
            return False
        if not isinstance(address, Socket_Address):
            self.SetV6Only(False)
        self.SetReuseAddress()
        try:
            self._sock.bind(addr._sockaddr_for(self._sock))
            self._sock.listen(backlog)
        except OSError as e:
            return self._fail(e)
        return True

    def GetIncomingConnection(self, newsession: Socket_TCP, address: Socket_Address) -> bool:
        """Accepts one connection into `newsession` (closing what it held) and its peer
        into `address`. Returns False if none (EAGAIN when non-blocking) or on failure."""
        _check(newsession, Socket_TCP, "newsession", "GetIncomingConnection")
        _check(address, Socket_Address, "address", "GetIncomingConnection")
        try:
            sock, peer = self._op().accept()
        except OSError as e:
            _record(e)
            return False
        sock.settimeout(None)
        newsession._take(sock)
        address._assign_sockaddr(sock.family, peer)
        return True


@_panda_names
class Socket_UDP_Incoming(Socket_IP):
    """Panda3D's Socket_UDP_Incoming: a UDP socket to receive on.

    Panda3D publishes no call that receives (GetPacket takes a C buffer): read the socket
    that GetSocket() names, after Socket_fdset.WaitForRead, as with Panda3D."""

    _type_handle = _TypeHandle("Socket_UDP_Incoming", Socket_IP._type_handle)

    def __init__(self) -> None:
        """A socket object holding no socket yet."""
        super().__init__()

    def _bind(self, family: int, address: Socket_Address, dual: bool) -> bool:
        if not self._open(family, socket.SOCK_DGRAM):
            return False
        if dual:
            self.SetV6Only(False)
        try:
            self._sock.bind(address._sockaddr_for(self._sock))
        except OSError as e:
            return self._fail(e)
        return True

    def OpenForInput(self, address: "Socket_Address | int") -> bool:
        """Binds to `address`, or to [::]:port (dual-stack) for a port number."""
        if isinstance(address, Socket_Address):
            return self._bind(address._family, address, False)
        addr = Socket_Address()
        addr.set_any_IPv6(_int(address, "port", "OpenForInput", "unsigned short"))
        return self._bind(_AF6, addr, True)

    def OpenForInputMCast(self, address: Socket_Address) -> bool:
        """Binds to 0.0.0.0 on the address's port and joins its multicast group. Returns
        False if the join fails (the socket stays open, as in Panda3D)."""
        addr = _check(address, Socket_Address, "address", "OpenForInputMCast")
        if not self._bind(addr._family, Socket_Address(addr._port), False):
            return False
        if addr._family == _AF4:
            return self._setopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, addr._addr + bytes(4))
        if addr._family == _AF6:
            mreq = addr._addr + struct.pack("I", 0)
            return self._setopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        return False

    def SendTo(self, data: "str | bytes", len: int, address: Socket_Address) -> bool:
        """Sends the first `len` bytes of data to address. True if all `len` went out."""
        payload = _payload(data, "data", "SendTo")
        count = _int(len, "len", "SendTo")
        addr = _check(address, Socket_Address, "address", "SendTo")
        if not 0 <= count <= payload.__len__():
            _record(_errno.EINVAL)
            return False
        return self._sendto(payload[:count], addr) == count

    def InitNoAddress(self) -> bool:
        """Opens an unbound dual-stack UDP socket. Returns False on failure."""
        if self._open(_AF6, socket.SOCK_DGRAM):
            self.SetV6Only(False)
        return self.Active()

    def SetToBroadCast(self) -> bool:
        """SO_BROADCAST. Returns False on failure."""
        return self._setopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)


class _UDPSender:
    """Send, SendTo and InitToAddress of Socket_UDP and Socket_UDP_Outgoing."""

    def InitToAddress(self, address: Socket_Address) -> bool:
        """InitNoAddress, then connects the socket to address for Send."""
        addr = _check(address, Socket_Address, "address", "InitToAddress")
        if not self.InitNoAddress():
            return False
        try:
            self._sock.connect(addr._sockaddr_for(self._sock, _errno.EAFNOSUPPORT))
        except OSError as e:
            return self._fail(e)
        return True

    def Send(self, data: "str | bytes") -> bool:
        """Sends one datagram to the connected address. True if all of it went out."""
        payload = _payload(data, "data", "Send")
        return self._send(payload) == payload.__len__()

    def SendTo(self, data: "str | bytes", address: Socket_Address) -> bool:
        """Sends one datagram to address. True if all of it went out."""
        payload = _payload(data, "data", "SendTo")
        addr = _check(address, Socket_Address, "address", "SendTo")
        return self._sendto(payload, addr) == payload.__len__()

    def SetToBroadCast(self) -> bool:
        """SO_BROADCAST. Returns False on failure."""
        return self._setopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)


@_panda_names
class Socket_UDP(_UDPSender, Socket_UDP_Incoming):
    """Panda3D's Socket_UDP: Socket_UDP_Incoming plus Send/SendTo (its SendTo takes no len).

    Every name means what it means in Panda3D; see Socket_UDP_Incoming for receiving."""

    _type_handle = _TypeHandle("Socket_UDP", Socket_UDP_Incoming._type_handle)


@_panda_names
class Socket_UDP_Outgoing(_UDPSender, Socket_IP):
    """Panda3D's Socket_UDP_Outgoing: an IPv4 UDP socket to send from.

    Every name means what it means in Panda3D."""

    _type_handle = _TypeHandle("Socket_UDP_Outgoing", Socket_IP._type_handle)

    def __init__(self) -> None:
        """A socket object holding no socket yet."""
        super().__init__()

    def InitNoAddress(self) -> bool:
        """Opens an unbound IPv4 UDP socket. Returns False on failure."""
        return self._open(_AF4, socket.SOCK_DGRAM)


def _fd_of(incon, func: str) -> int:
    if isinstance(incon, Socket_IP):
        return incon._fd
    if isinstance(incon, int) and not isinstance(incon, bool):
        return incon
    raise TypeError(f"{func}() argument 'incon' must be Socket_IP, not {type(incon).__name__}")


class Socket_fdset:
    """Panda3D's Socket_fdset: a set of sockets to select() on; after a wait it holds the
    ready ones.

    Panda3D also takes a descriptor number for a socket (and closes it, through a temporary
    Socket_IP): gamenet takes it and leaves it open. Panda3D aborts the process when a socket
    holding none is added: gamenet raises ValueError."""

    def __init__(self) -> None:
        """An empty set."""
        self._fds: set = set()

    def setForSocket(self, incon: Socket_IP) -> None:
        """Adds the socket."""
        fd = _fd_of(incon, "setForSocket")
        if fd < 0:
            raise ValueError("setForSocket() argument 'incon' holds no socket")
        self._fds.add(fd)

    def IsSetFor(self, incon: Socket_IP) -> bool:
        """True if the socket is in the set (after a wait: if it was ready)."""
        return _fd_of(incon, "IsSetFor") in self._fds

    def _wait(self, which: int, zeroFds, sleep_time: int, func: str) -> int:
        wait = _int(sleep_time, "sleep_time", func, "unsigned int")
        sets = [[], [], []]
        sets[which] = sorted(self._fds)
        try:
            ready = select.select(*sets, None if wait == _INFINITE else wait / 1000.0)[which]
        except OSError as e:
            _record(e)
            count = -1
        else:
            self._fds, count = set(ready), ready.__len__()
        if zeroFds:
            self.clear()
        return count

    def WaitForRead(self, zeroFds: bool, sleep_time: int = _INFINITE) -> int:
        """Waits up to sleep_time ms (0xffffffff: for ever) until a socket is readable;
        keeps the readable ones (or none, if zeroFds). Returns their count, 0 on timeout,
        -1 on error."""
        return self._wait(0, zeroFds, sleep_time, "WaitForRead")

    def WaitForWrite(self, zeroFds: bool, sleep_time: int = _INFINITE) -> int:
        """As WaitForRead, for writable sockets."""
        return self._wait(1, zeroFds, sleep_time, "WaitForWrite")

    def WaitForError(self, zeroFds: bool, sleep_time: int = _INFINITE) -> int:
        """As WaitForRead, for sockets with an exceptional condition (out-of-band data)."""
        return self._wait(2, zeroFds, sleep_time, "WaitForError")

    def clear(self) -> None:
        """Empties the set."""
        self._fds = set()


def __getattr__(name: str):
    if name == "Buffered_DatagramConnection":
        from ._nativenet_buffered import Buffered_DatagramConnection
        return Buffered_DatagramConnection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
