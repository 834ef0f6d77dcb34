"""The value classes of gamenet.panda (Panda3D's names): NetAddress, Datagram, PyDatagram,
NetDatagram, DatagramIterator / PyDatagramIterator, ConnectionManager.Interface, Panda3D's
type handles (TypeHandle), and the camelCase aliases every gamenet.panda class gets."""
from __future__ import annotations

import sys

from . import _ffi, core
from .datagram import Datagram as _Datagram, DatagramIterator as _DatagramIterator
from .errors import GamenetError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Dict, Optional, TypeVar, Union

    from ._nativenet_address import Socket_Address
    from ._panda_conn import Connection
    _C = TypeVar("_C", bound=type)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _with_camel_case(cls: _C) -> _C:
    """Gives every public snake_case method its Panda3D camelCase spelling, each pointing at
    the most derived definition: a subclass that overrides get_data (or getData) is called
    under both names."""
    own = vars(cls)
    for name in dir(cls):
        if name.startswith("_"):
            continue
        value = getattr(cls, name)
        if not callable(value):
            continue
        if "_" in name:
            alias = _camel(name)
            if alias != name and alias not in own and getattr(cls, alias, None) is not value:
                setattr(cls, alias, own.get(name, value) if name in own else value)
        elif name in own:  # a camelCase override: the snake_case name follows it
            snake = _snake(name)
            if snake != name and snake not in own and hasattr(cls, snake):
                setattr(cls, snake, own[name])
    return cls


class _Aliased:
    """A base whose subclasses (the user's too) get _with_camel_case applied."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _with_camel_case(cls)


class TypeHandle:
    """Panda3D's TypeHandle, for the type-introspection names Panda3D's classes carry
    (get_class_type, get_type, is_of_type, ...). gamenet has no type registry: a handle is
    its class name, its parent's handle and a stable index, and compares by name."""

    _index = {}

    def __init__(self, name: str, parent: Optional[TypeHandle] = None) -> None:
        self._name = name
        self._parent = parent
        self._i = TypeHandle._index.setdefault(name, len(TypeHandle._index) + 1)

    def get_name(self, _object: object = None) -> str:
        """The type's name (Panda3D's class name); the object argument is ignored."""
        return self._name

    def get_index(self) -> int:
        """A small integer unique to the type's name (gamenet's own numbering, not
        Panda3D's registry index)."""
        return self._i

    def get_parent_towards(self, _ancestor: object = None) -> Optional[TypeHandle]:
        """The parent type's handle, or None for a root (one parent only: the argument is
        ignored)."""
        return self._parent

    def is_derived_from(self, other: TypeHandle) -> bool:
        """Whether this type is `other` or has it among its ancestors."""
        t = self
        while t is not None:
            if t == other:
                return True
            t = t._parent
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeHandle) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __str__(self) -> str:
        return self._name

    __repr__ = __str__

    getName = get_name
    getIndex = get_index
    isDerivedFrom = is_derived_from


def _out(out: Any) -> Any:
    """Panda3D's ostream argument: any object with write() (a file, Notify.out()); None is
    sys.stdout."""
    if out is None:
        return sys.stdout
    if not callable(getattr(out, "write", None)):
        raise TypeError(f"out must be a stream with write(), not {type(out).__name__}")
    return out


def _handle(handle: object) -> TypeHandle:
    """A TypeHandle, or the handle of a class that has one; TypeError otherwise."""
    if isinstance(handle, TypeHandle):
        return handle
    get = getattr(handle, "get_class_type", None)
    if isinstance(handle, type) and get is not None:
        return get()
    raise TypeError(f"handle must be a TypeHandle or a class, not {type(handle).__name__}")


class _Typed:
    """The type-introspection names of a Panda3D TypedObject."""

    _type = TypeHandle("TypedObject")

    @classmethod
    def get_class_type(cls) -> TypeHandle:
        """The TypeHandle of this class (Panda3D's get_class_type)."""
        return cls._type

    def get_type(self) -> TypeHandle:
        """The TypeHandle of this object's class (Panda3D's get_type)."""
        return type(self)._type

    type = property(get_type)

    def get_type_index(self) -> int:
        """get_type().get_index()."""
        return self.get_type().get_index()

    def is_of_type(self, handle: TypeHandle) -> bool:
        """Whether this object's type is `handle` (or a class's handle) or derives from it."""
        return self.get_type().is_derived_from(_handle(handle))

    def is_exact_type(self, handle: TypeHandle) -> bool:
        """Whether this object's type is exactly `handle` (or a class's handle)."""
        return self.get_type() == _handle(handle)


@_with_camel_case
class NetAddress(core.NetAddress):
    """Panda3D's NetAddress. NetAddress() is 0.0.0.0:0 (any), NetAddress(other) and
    NetAddress(Socket_Address) copy; get_ip is Panda3D's number (the address's bytes read
    as a little-endian integer: 16777343 for 127.0.0.1)."""

    def __init__(self, host: Union[str, bytes, core.NetAddress, Socket_Address, None] = None,
                 port: int = 0) -> None:
        if isinstance(host, core.NetAddress):
            super().__init__()
            self._a = _ffi.Address.from_buffer_copy(bytes(host._a))
        elif host is not None and hasattr(host, "get_ip") and hasattr(host, "get_port"):
            super().__init__(host.get_ip(), host.get_port())  # a Socket_Address
        elif host is None:
            super().__init__()
            self.set_any(0)
        else:
            super().__init__(host, port)

    @classmethod
    def _wrap(cls, raw: _ffi.Address) -> NetAddress:
        a = cls.__new__(cls)
        a._a = _ffi.Address.from_buffer_copy(bytes(raw))
        return a

    def get_ip(self) -> int:
        """The IPv4 address as Panda3D's number: its bytes read as a little-endian integer
        (16777343 for 127.0.0.1); 0 for IPv6."""
        if self.family != _ffi.GAMENET_AF_IPV4:
            return 0
        return int.from_bytes(bytes(self._a.ip[:4]), "little")

    def set_host(self, hostname: Union[str, bytes], port: int) -> bool:
        """Resolves hostname and takes its first address with `port`; False (the address
        unchanged) when it does not resolve, as in Panda3D."""
        try:
            return super().set_host(hostname, port)
        except GamenetError:
            return False

    def get_addr(self) -> Socket_Address:
        """The address as a nativenet Socket_Address (a copy)."""
        from ._nativenet import Socket_Address
        sa = Socket_Address()
        if self.family:
            sa.set_host(self.get_ip_string(), self.get_port())
        return sa

    def get_hash(self) -> int:
        """A 32-bit hash of the address and port (Panda3D's get_hash)."""
        return hash((self.get_ip_string(), self.get_port())) & 0xFFFFFFFF

    def output(self, out: Any = None) -> None:
        """Writes "host:port" to out (any object with write(); None: sys.stdout)."""
        _out(out).write(str(self) if self.family else "0.0.0.0:0")


@_with_camel_case
class Datagram(_Typed, _Datagram):
    """Panda3D's Datagram (bytes underneath). Arrays are Python bytes: get_array and
    copy_array give a copy, modify_array the datagram's own bytearray (changes show in the
    datagram), set_array and copy_array take any bytes-like value."""

    _type = TypeHandle("Datagram", _Typed._type)
    _stdfloat_double = False

    def __init__(self, data: Union[bytes, bytearray, memoryview, _Datagram] = b"") -> None:
        """Datagram(), Datagram(bytes) or Datagram(other Datagram) (a copy)."""
        if isinstance(data, _Datagram):
            self._stdfloat_double = getattr(data, "_stdfloat_double", False)
            data = data._data
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes or a Datagram, not {type(data).__name__}")
        super().__init__(data)

    def get_array(self) -> bytes:
        """The datagram's bytes, a copy (Panda3D's get_array)."""
        return bytes(self._data)

    def modify_array(self) -> bytearray:
        """The datagram's own bytearray: changes to it change the datagram."""
        return self._data

    def set_array(self, data: Union[bytes, bytearray, memoryview]) -> None:
        """Replaces the datagram's bytes with a copy of data."""
        self._data = bytearray(data)

    def copy_array(self, data: Union[bytes, bytearray, memoryview]) -> None:
        """Replaces the datagram's bytes with a copy of data (as set_array)."""
        self._data = bytearray(data)

    def assign(self, other: _Datagram) -> Datagram:
        """Copies other's bytes (and its stdfloat setting) into this datagram; returns it."""
        if not isinstance(other, _Datagram):
            raise TypeError(f"other must be a Datagram, not {type(other).__name__}")
        self._data = bytearray(other._data)
        self._stdfloat_double = getattr(other, "_stdfloat_double", False)
        return self

    def Bytes(self) -> bytes:
        """The datagram's bytes (Panda3D's Python-only __bytes__ spelling)."""
        return bytes(self._data)

    def set_stdfloat_double(self, flag: bool) -> None:
        """Whether add_stdfloat writes (and iterators read) 64-bit floats (Panda3D's
        default is 32-bit)."""
        self._stdfloat_double = bool(flag)

    def get_stdfloat_double(self) -> bool:
        """Whether stdfloats are 64-bit (see set_stdfloat_double)."""
        return self._stdfloat_double

    def add_stdfloat(self, v: float) -> None:
        """Appends v as a 32-bit float, or a 64-bit one after set_stdfloat_double(True)."""
        if self._stdfloat_double:
            self.add_float64(v)
        else:
            self.add_float32(v)

    def dump_hex(self, out: Any = None, indent: int = 0) -> None:
        """Writes the bytes as Panda3D does: 16 per line, offset, hex, printable text."""
        out = _out(out)
        data = bytes(self._data)
        for at in range(0, len(data), 16):
            row = data[at:at + 16]
            hexes = " ".join(f"{b:02x}" for b in row)
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
            out.write(" " * indent + f"{at:04x}  {hexes:<48} {text}\n")

    def output(self, out: Any = None) -> None:
        """Writes the class name to out (any object with write(); None: sys.stdout)."""
        _out(out).write(type(self).__name__)

    def write(self, out: Any = None, indent: int = 0) -> None:
        """Writes the class name and a hex dump of the bytes to out (None: sys.stdout)."""
        out = _out(out)
        out.write(" " * indent + type(self).__name__ + ":\n")
        self.dump_hex(out, indent)

    def __str__(self) -> str:
        import io as _io
        s = _io.StringIO()
        self.write(s)
        return s.getvalue()

    def __repr__(self) -> str:
        return type(self).__name__


@_with_camel_case
class PyDatagram(Datagram):
    """Panda3D's direct.distributed.PyDatagram: a Datagram with the server-header helpers.
    putArg (the distributed-object system's subatomic types) is not part of the net
    module and is not provided. Import PyDatagram and PyDatagramIterator from
    gamenet.panda too: direct.distributed's work only on Panda3D's own Datagram."""

    def add_channel(self, channel: int) -> None:
        """Appends a channel id as a uint64."""
        self.add_uint64(channel)

    def add_server_header(self, channel: int, sender: int, code: int) -> None:
        """Appends the header of a message to the server: 1 (an int8), the channel, the
        sender's channel and the message code (a uint16)."""
        self.add_int8(1)
        self.add_channel(channel)
        self.add_channel(sender)
        self.add_uint16(code)

    def add_server_control_header(self, code: int) -> None:
        """Appends the header of a control message: 1 (an int8), the control channel (1)
        and the message code (a uint16)."""
        self.add_int8(1)
        self.add_channel(1)  # Panda3D's CONTROL_CHANNEL
        self.add_uint16(code)


@_with_camel_case
class NetDatagram(Datagram):
    """A Datagram that knows the connection and address it came from or goes to."""

    _type = TypeHandle("NetDatagram", Datagram._type)

    def __init__(self, data: Union[bytes, bytearray, memoryview, _Datagram] = b"") -> None:
        if isinstance(data, _Datagram):
            data = data.get_message()
        super().__init__(data)
        self._connection: Optional[Connection] = None
        self._address: Optional[NetAddress] = None
        self._raw_address: Optional[bytes] = None

    def get_connection(self) -> Optional[Connection]:
        """The connection it came on or goes to; None if unset."""
        return self._connection

    def set_connection(self, conn: Optional[Connection]) -> None:
        """Sets the connection it goes to."""
        self._connection = conn

    def get_address(self) -> NetAddress:
        """The address it came from or goes to (0.0.0.0:0 if unset)."""
        if self._raw_address is not None:
            self._address = NetAddress._wrap(_ffi.Address.from_buffer_copy(self._raw_address))
            self._raw_address = None
        if self._address is None:
            self._address = NetAddress()
        return self._address

    def set_address(self, address: NetAddress) -> None:
        """Sets the address it goes to."""
        self._address = address
        self._raw_address = None


@_with_camel_case
class DatagramIterator(_Typed, _DatagramIterator):
    """Panda3D's DatagramIterator / PyDatagramIterator. get_stdfloat reads 64 bits when
    the datagram it came from has set_stdfloat_double(True)."""

    _type = TypeHandle("DatagramIterator", _Typed._type)

    def __init__(self, datagram: Union[_Datagram, bytes, bytearray, memoryview] = b"",
                 offset: int = 0) -> None:
        self._double = getattr(datagram, "_stdfloat_double", False)
        if isinstance(datagram, _Datagram):
            datagram = datagram.get_message()
        super().__init__(datagram, offset)

    def get_remaining_size(self) -> int:
        """How many bytes are left to read."""
        return super().get_remaining_size()

    def get_stdfloat(self) -> float:
        """Reads a 32-bit float, or a 64-bit one when the datagram has
        set_stdfloat_double(True)."""
        return self.get_float64() if self._double else self.get_float32()

    def output(self, out: Any = None) -> None:
        """Writes "DatagramIterator" to out (any object with write(); None: sys.stdout)."""
        _out(out).write("DatagramIterator")

    def write(self, out: Any = None, indent: int = 0) -> None:
        """Writes the read position and a hex dump of the datagram to out (None:
        sys.stdout), as Panda3D does."""
        out = _out(out)
        at, size = self.get_current_index(), self.get_current_index() + self.get_remaining_size()
        out.write(" " * indent + "DatagramIterator:\n")
        out.write(" " * (indent + 2) + f"_current_index {at} (of {size}) / 0x{at:#x} "
                  f"(of 0x{size:#x})\n")  # Panda3D's doubled 0x, kept
        Datagram(self.get_datagram()).write(out, indent + 2)


class Interface:
    """Panda3D's ConnectionManager.Interface: one address of a network interface (from
    QueuedConnectionManager.scan_interfaces). get_mac_address is the MAC in Panda3D's
    format (aa-bb-cc-...), which Panda3D fills on Windows only and gamenet on Linux too."""

    def __init__(self, d: Dict[str, Any]) -> None:
        self._d = d

    def get_name(self) -> str:
        """The interface's name ("eth0")."""
        return self._d["name"]

    def get_mac_address(self) -> str:
        """The MAC address as "aa-bb-cc-dd-ee-ff"; "" when unknown."""
        mac = self._d.get("mac")
        return "-".join(f"{b:02x}" for b in mac) if mac else ""

    def _has(self, key: str) -> bool:
        a = self._d.get(key)
        return a is not None and bool(a.family)

    def _get(self, key: str) -> NetAddress:
        return NetAddress._wrap(self._d[key]._a) if self._has(key) else NetAddress()

    def has_ip(self) -> bool:
        """Whether the interface has an IP address."""
        return self._has("address")

    def get_ip(self) -> NetAddress:
        """The interface's IP address (0.0.0.0:0 if none)."""
        return self._get("address")

    def has_netmask(self) -> bool:
        """Whether the interface has a netmask."""
        return self._has("netmask")

    def get_netmask(self) -> NetAddress:
        """The netmask (0.0.0.0:0 if none)."""
        return self._get("netmask")

    def has_broadcast(self) -> bool:
        """Whether the interface has a broadcast address."""
        return self._has("broadcast")

    def get_broadcast(self) -> NetAddress:
        """The broadcast address (0.0.0.0:0 if none)."""
        return self._get("broadcast")

    def has_p2p(self) -> bool:
        """Whether the interface has a point-to-point peer address."""
        return self._has("point_to_point")

    def get_p2p(self) -> NetAddress:
        """The point-to-point peer address (0.0.0.0:0 if none)."""
        return self._get("point_to_point")

    def output(self, out: Any = None) -> None:
        """Writes "name [ ip netmask ... ]" to out (any object with write(); None:
        sys.stdout)."""
        _out(out).write(str(self))

    def __str__(self) -> str:
        s = self.get_name() + " ["
        for label, has, get in (("", self.has_ip, self.get_ip),
                                ("netmask ", self.has_netmask, self.get_netmask),
                                ("broadcast ", self.has_broadcast, self.get_broadcast),
                                ("p2p ", self.has_p2p, self.get_p2p)):
            if has():
                s += f" {label}{get().get_ip_string()}"
        return s + " ]"

    __repr__ = __str__


Interface = _with_camel_case(Interface)

@_with_camel_case
class PyDatagramIterator(DatagramIterator):
    """Panda3D's direct.distributed.PyDatagramIterator (getArg, of the distributed-object
    system, is not provided)."""

    def get_channel(self) -> int:
        """Reads a channel id (a uint64)."""
        return self.get_uint64()
