"""The value classes of gamenet.panda (Panda3D's names): NetAddress, Datagram, PyDatagram,
NetDatagram, DatagramIterator / PyDatagramIterator, ConnectionManager.Interface, Panda3D's
type handles (TypeHandle), and the camelCase aliases every gamenet.panda class gets."""

import sys

from . import _ffi, core
from .datagram import Datagram as _Datagram, DatagramIterator as _DatagramIterator
from .errors import GamenetError


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _with_camel_case(cls):
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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _with_camel_case(cls)


class TypeHandle:
    """Panda3D's TypeHandle, for the type-introspection names Panda3D's classes carry
    (get_class_type, get_type, is_of_type, ...). gamenet has no type registry: a handle is
    its class name, its parent's handle and a stable index, and compares by name."""

    _index = {}

    def __init__(self, name, parent=None):
        self._name = name
        self._parent = parent
        self._i = TypeHandle._index.setdefault(name, len(TypeHandle._index) + 1)

    def get_name(self, _object=None):
        return self._name

    def get_index(self):
        return self._i

    def get_parent_towards(self, _ancestor=None):
        return self._parent

    def is_derived_from(self, other):
        t = self
        while t is not None:
            if t == other:
                return True
            t = t._parent
        return False

    def __eq__(self, other):
        return isinstance(other, TypeHandle) and other._name == self._name

    def __hash__(self):
        return hash(self._name)

    def __str__(self):
        return self._name

    __repr__ = __str__

    getName = get_name
    getIndex = get_index
    isDerivedFrom = is_derived_from


def _out(out):
    """Panda3D's ostream argument: any object with write() (a file, Notify.out()); None is
    sys.stdout."""
    if out is None:
        return sys.stdout
    if not callable(getattr(out, "write", None)):
        raise TypeError(f"out must be a stream with write(), not {type(out).__name__}")
    return out


class _Typed:
    """The type-introspection names of a Panda3D TypedObject."""

    _type = TypeHandle("TypedObject")

    @classmethod
    def get_class_type(cls):
        return cls._type

    def get_type(self):
        return type(self)._type

    type = property(get_type)

    def get_type_index(self):
        return self.get_type().get_index()

    def is_of_type(self, handle):
        return self.get_type().is_derived_from(handle)

    def is_exact_type(self, handle):
        return self.get_type() == handle


@_with_camel_case
class NetAddress(core.NetAddress):
    """Panda3D's NetAddress. NetAddress() is 0.0.0.0:0 (any), NetAddress(other) and
    NetAddress(Socket_Address) copy; get_ip is Panda3D's number (the address's bytes read
    as a little-endian integer: 16777343 for 127.0.0.1)."""

    def __init__(self, host=None, port=0):
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
    def _wrap(cls, raw):
        a = cls.__new__(cls)
        a._a = _ffi.Address.from_buffer_copy(bytes(raw))
        return a

    def get_ip(self):
        if self.family != _ffi.GAMENET_AF_IPV4:
            return 0
        return int.from_bytes(bytes(self._a.ip[:4]), "little")

    def set_host(self, hostname, port):
        try:
            return super().set_host(hostname, port)
        except GamenetError:
            return False

    def get_addr(self):
        """The address as a nativenet Socket_Address (a copy)."""
        from ._nativenet import Socket_Address
        sa = Socket_Address()
        if self.family:
            sa.set_host(self.get_ip_string(), self.get_port())
        return sa

    def get_hash(self):
        return hash((self.get_ip_string(), self.get_port())) & 0xFFFFFFFF

    def output(self, out=None):
        _out(out).write(str(self) if self.family else "0.0.0.0:0")


@_with_camel_case
class Datagram(_Typed, _Datagram):
    """Panda3D's Datagram (bytes underneath). Arrays are Python bytes: get_array and
    copy_array give a copy, modify_array the datagram's own bytearray (changes show in the
    datagram), set_array and copy_array take any bytes-like value."""

    _type = TypeHandle("Datagram", _Typed._type)
    _stdfloat_double = False

    def __init__(self, data=b""):
        """Datagram(), Datagram(bytes) or Datagram(other Datagram) (a copy)."""
        if isinstance(data, _Datagram):
            self._stdfloat_double = getattr(data, "_stdfloat_double", False)
            data = data._data
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes or a Datagram, not {type(data).__name__}")
        super().__init__(data)

    def get_array(self):
        return bytes(self._data)

    def modify_array(self):
        return self._data

    def set_array(self, data):
        self._data = bytearray(data)

    def copy_array(self, data):
        self._data = bytearray(data)

    def assign(self, other):
        """Copies other's bytes (and its stdfloat setting) into this datagram; returns it."""
        if not isinstance(other, _Datagram):
            raise TypeError(f"other must be a Datagram, not {type(other).__name__}")
        self._data = bytearray(other._data)
        self._stdfloat_double = getattr(other, "_stdfloat_double", False)
        return self

    def Bytes(self):
        return bytes(self._data)

    def set_stdfloat_double(self, flag):
        """Whether add_stdfloat writes (and iterators read) 64-bit floats (Panda3D's
        default is 32-bit)."""
        self._stdfloat_double = bool(flag)

    def get_stdfloat_double(self):
        return self._stdfloat_double

    def add_stdfloat(self, v):
        if self._stdfloat_double:
            self.add_float64(v)
        else:
            self.add_float32(v)

    def dump_hex(self, out=None, indent=0):
        """Writes the bytes as Panda3D does: 16 per line, offset, hex, printable text."""
        out = _out(out)
        data = bytes(self._data)
        for at in range(0, len(data), 16):
            row = data[at:at + 16]
            hexes = " ".join(f"{b:02x}" for b in row)
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
            out.write(" " * indent + f"{at:04x}  {hexes:<48} {text}\n")

    def output(self, out=None):
        _out(out).write(type(self).__name__)

    def write(self, out=None, indent=0):
        out = _out(out)
        out.write(" " * indent + type(self).__name__ + ":\n")
        self.dump_hex(out, indent)

    def __str__(self):
        import io as _io
        s = _io.StringIO()
        self.write(s)
        return s.getvalue()

    def __repr__(self):
        return type(self).__name__


@_with_camel_case
class PyDatagram(Datagram):
    """Panda3D's direct.distributed.PyDatagram: a Datagram with the server-header helpers.
    putArg (the distributed-object system's subatomic types) is not part of the net
    module and is not provided. Import PyDatagram and PyDatagramIterator from
    gamenet.panda too: direct.distributed's work only on Panda3D's own Datagram."""

    def add_channel(self, channel):
        self.add_uint64(channel)

    def add_server_header(self, channel, sender, code):
        self.add_int8(1)
        self.add_channel(channel)
        self.add_channel(sender)
        self.add_uint16(code)

    def add_server_control_header(self, code):
        self.add_int8(1)
        self.add_channel(1)  # Panda3D's CONTROL_CHANNEL
        self.add_uint16(code)


@_with_camel_case
class NetDatagram(Datagram):
    """A Datagram that knows the connection and address it came from or goes to."""

    _type = TypeHandle("NetDatagram", Datagram._type)

    def __init__(self, data=b""):
        if isinstance(data, _Datagram):
            data = data.get_message()
        super().__init__(data)
        self._connection = None
        self._address = None
        self._raw_address = None

    def get_connection(self):
        return self._connection

    def set_connection(self, conn):
        self._connection = conn

    def get_address(self):
        if self._raw_address is not None:
            self._address = NetAddress._wrap(_ffi.Address.from_buffer_copy(self._raw_address))
            self._raw_address = None
        if self._address is None:
            self._address = NetAddress()
        return self._address

    def set_address(self, address):
        self._address = address
        self._raw_address = None


@_with_camel_case
class DatagramIterator(_Typed, _DatagramIterator):
    """Panda3D's DatagramIterator / PyDatagramIterator. get_stdfloat reads 64 bits when
    the datagram it came from has set_stdfloat_double(True)."""

    _type = TypeHandle("DatagramIterator", _Typed._type)

    def __init__(self, datagram=b"", offset=0):
        self._double = getattr(datagram, "_stdfloat_double", False)
        if isinstance(datagram, _Datagram):
            datagram = datagram.get_message()
        super().__init__(datagram, offset)

    def get_remaining_size(self):
        return super().get_remaining_size()

    def get_stdfloat(self):
        return self.get_float64() if self._double else self.get_float32()

    def output(self, out=None):
        _out(out).write("DatagramIterator")

    def write(self, out=None, indent=0):
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

    def __init__(self, d):
        self._d = d

    def get_name(self):
        return self._d["name"]

    def get_mac_address(self):
        mac = self._d.get("mac")
        return "-".join(f"{b:02x}" for b in mac) if mac else ""

    def _has(self, key):
        a = self._d.get(key)
        return a is not None and bool(a.family)

    def _get(self, key):
        return NetAddress._wrap(self._d[key]._a) if self._has(key) else NetAddress()

    def has_ip(self):
        return self._has("address")

    def get_ip(self):
        return self._get("address")

    def has_netmask(self):
        return self._has("netmask")

    def get_netmask(self):
        return self._get("netmask")

    def has_broadcast(self):
        return self._has("broadcast")

    def get_broadcast(self):
        return self._get("broadcast")

    def has_p2p(self):
        return self._has("point_to_point")

    def get_p2p(self):
        return self._get("point_to_point")

    def output(self, out=None):
        _out(out).write(str(self))

    def __str__(self):
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

    def get_channel(self):
        return self.get_uint64()
