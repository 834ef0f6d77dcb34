"""The value classes of gamenet.panda (Panda3D's names): NetAddress, Datagram, PyDatagram,
NetDatagram, DatagramIterator / PyDatagramIterator, and the camelCase aliases every
gamenet.panda class gets."""

from . import _ffi, core
from .datagram import Datagram as _Datagram, DatagramIterator as _DatagramIterator
from .errors import GamenetError


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _with_camel_case(cls):
    """Adds Panda3D's camelCase spelling of every public snake_case method."""
    for name in dir(cls):
        if name.startswith("_") or "_" not in name or not callable(getattr(cls, name)):
            continue
        alias = _camel(name)
        if alias != name and not hasattr(cls, alias):
            setattr(cls, alias, getattr(cls, name))
    return cls


@_with_camel_case
class NetAddress(core.NetAddress):
    """Panda3D's NetAddress."""

    def set_host(self, hostname, port):
        try:
            return super().set_host(hostname, port)
        except GamenetError:
            return False


@_with_camel_case
class Datagram(_Datagram):
    """Panda3D's Datagram (bytes underneath)."""

    pass


@_with_camel_case
class PyDatagram(Datagram):
    """Panda3D's direct.distributed.PyDatagram."""


@_with_camel_case
class NetDatagram(Datagram):
    """A Datagram that knows the connection and address it came from or goes to."""

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
class DatagramIterator(_DatagramIterator):
    """Panda3D's DatagramIterator / PyDatagramIterator."""

    def __init__(self, datagram=b"", offset=0):
        if isinstance(datagram, _Datagram):
            datagram = datagram.get_message()
        super().__init__(datagram, offset)

    def get_remaining_size(self):
        return super().get_remaining_size()

PyDatagramIterator = DatagramIterator
