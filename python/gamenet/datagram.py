"""Panda3D's Datagram and DatagramIterator in Python, byte-exact with gamenet's C
implementation (python/tests/test_datagram.py checks them against it and against the
golden vectors). Pure Python on purpose: one ctypes call per field would cost more than
the encoding itself."""
from __future__ import annotations

import struct

from .errors import DatagramError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Callable, Union

_OVERREAD = 13
_TOO_LARGE = 14
_INVALID = 3

_NUM = {
    "int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
    "int64": "q", "uint64": "Q", "float32": "f", "float64": "d",
}


def _as_bytes(value: Union[str, bytes, bytearray, memoryview]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, int):  # bytes(5) would be five zero bytes
        raise TypeError(f"expected str or bytes, not {type(value).__name__}")
    return bytes(value)


class Datagram:
    """A growable buffer of Panda3D-encoded values (little-endian unless `be`)."""

    def __init__(self, data: Union[bytes, bytearray, memoryview] = b"") -> None:
        if isinstance(data, (int, str)):  # bytearray(5) would be five zero bytes
            raise TypeError(f"data must be bytes-like, not {type(data).__name__}")
        self._data = bytearray(data)

    # --- whole buffer -------------------------------------------------------------------
    def get_message(self) -> bytes:
        """The datagram's bytes, a copy (Panda3D's get_message)."""
        return bytes(self._data)

    def __bytes__(self) -> bytes:
        return bytes(self._data)

    def get_length(self) -> int:
        """The datagram's length in bytes."""
        return len(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Datagram) and self._data == other._data

    def clear(self) -> None:
        """Empties the datagram."""
        self._data.clear()

    def append_data(self, data: Union[str, bytes, bytearray, memoryview]) -> None:
        """Appends raw bytes, no length prefix (a str is UTF-8 encoded)."""
        self._data += _as_bytes(data)

    def pad_bytes(self, n: int) -> None:
        """Appends n zero bytes."""
        self._data += bytes(n)

    # --- values ---------------------------------------------------------------------------
    def add_bool(self, v: bool) -> None:
        """Appends one byte: 1 if v is true, else 0."""
        self._data.append(1 if v else 0)

    def add_stdfloat(self, v: float) -> None:
        """Appends v as Panda3D's PN_stdfloat: a 32-bit float here."""
        self.add_float32(v)

    def _prefixed(self, data: bytes, fmt: str, limit: int, what: str) -> None:
        if len(data) > limit:
            raise DatagramError(_TOO_LARGE, f"{what} of {len(data)} bytes does not fit its "
                                            f"length prefix (at most {limit}); nothing appended")
        self._data += struct.pack(fmt, len(data)) + data

    def add_string(self, s: Union[str, bytes, bytearray, memoryview]) -> None:
        """Appends s (a str UTF-8 encoded) after its length as a uint16; DatagramError when
        longer than 65535 bytes."""
        self._prefixed(_as_bytes(s), "<H", 0xFFFF, "string")

    def add_string32(self, s: Union[str, bytes, bytearray, memoryview]) -> None:
        """Appends s (a str UTF-8 encoded) after its length as a uint32."""
        self._prefixed(_as_bytes(s), "<I", 0xFFFFFFFF, "string")

    def add_blob(self, b: Union[bytes, bytearray, memoryview, str]) -> None:
        """Appends bytes after their length as a uint16; DatagramError when longer than
        65535 bytes."""
        self._prefixed(_as_bytes(b), "<H", 0xFFFF, "blob")

    def add_blob32(self, b: Union[bytes, bytearray, memoryview, str]) -> None:
        """Appends bytes after their length as a uint32."""
        self._prefixed(_as_bytes(b), "<I", 0xFFFFFFFF, "blob")

    def add_z_string(self, s: Union[str, bytes, bytearray, memoryview]) -> None:
        """Appends s (a str UTF-8 encoded) and a terminating zero byte; DatagramError when
        s holds a zero byte."""
        b = _as_bytes(s)
        if b"\0" in b:
            raise DatagramError(_INVALID, f"z-string holds a zero byte at offset {b.index(0)}; "
                                          "it would be cut there")
        self._data += b + b"\0"

    def add_fixed_string(self, s: Union[str, bytes, bytearray, memoryview], size: int) -> None:
        """Appends exactly `size` bytes: s (a str UTF-8 encoded) cut or zero-padded to size."""
        b = _as_bytes(s)[:size]
        self._data += b + bytes(size - len(b))

    def add_wstring(self, s: str) -> None:
        """Appends s as UTF-16-LE after its length in code units as a uint32 (Panda3D's
        wide string)."""
        units = s.encode("utf-16-le")
        self._data += struct.pack("<I", len(units) // 2) + units

    if TYPE_CHECKING:  # made by _adder at import (below); declared here for type checkers
        def add_int8(self, v: int) -> None: ...
        def add_uint8(self, v: int) -> None: ...
        def add_int16(self, v: int) -> None: ...
        def add_uint16(self, v: int) -> None: ...
        def add_int32(self, v: int) -> None: ...
        def add_uint32(self, v: int) -> None: ...
        def add_int64(self, v: int) -> None: ...
        def add_uint64(self, v: int) -> None: ...
        def add_float32(self, v: float) -> None: ...
        def add_float64(self, v: float) -> None: ...
        def add_be_int16(self, v: int) -> None: ...
        def add_be_uint16(self, v: int) -> None: ...
        def add_be_int32(self, v: int) -> None: ...
        def add_be_uint32(self, v: int) -> None: ...
        def add_be_int64(self, v: int) -> None: ...
        def add_be_uint64(self, v: int) -> None: ...
        def add_be_float32(self, v: float) -> None: ...
        def add_be_float64(self, v: float) -> None: ...


# The add_<type> / add_be_<type> and get_<type> / get_be_<type> methods made below: what
# each <type> is, for their docstrings, and its Python type, for their hints.
_WHAT = {
    "int8": "a signed 8-bit integer", "uint8": "an unsigned 8-bit integer",
    "int16": "a signed 16-bit integer", "uint16": "an unsigned 16-bit integer",
    "int32": "a signed 32-bit integer", "uint32": "an unsigned 32-bit integer",
    "int64": "a signed 64-bit integer", "uint64": "an unsigned 64-bit integer",
    "float32": "a 32-bit float", "float64": "a 64-bit float",
}


def _named(fn: Callable, cls: type, name: str, doc: str, annotations: dict) -> Callable:
    """Gives a method made by _adder or _getter its name, docstring and hints."""
    fn.__name__ = name
    fn.__qualname__ = f"{cls.__name__}.{name}"
    fn.__doc__ = doc
    fn.__annotations__ = annotations
    return fn


def _adder(fmt: str) -> Callable[[Datagram, Union[int, float]], None]:
    def add(self, v):
        try:
            self._data += struct.pack(fmt, v)
        except struct.error as e:
            if "not an integer" in str(e) or not isinstance(v, (int, float)) or \
                    isinstance(v, bool):
                raise TypeError(f"value must be {'an int' if fmt[1] not in 'fd' else 'a number'}"
                                f", not {type(v).__name__}") from None
            # Out of range for the type: Panda3D's OverflowError.
            raise OverflowError(f"{v!r} does not fit {fmt[1:]!r}: {e}") from None
    return add


for _name, _code in _NUM.items():
    _hints = {"v": "float" if _name.startswith("float") else "int", "return": "None"}
    setattr(Datagram, "add_" + _name, _named(
        _adder("<" + _code), Datagram, "add_" + _name,
        f"Appends v as {_WHAT[_name]}, little-endian (Panda3D's add_{_name}); "
        "OverflowError when out of range.", _hints))
    if _name not in ("int8", "uint8"):
        setattr(Datagram, "add_be_" + _name, _named(
            _adder(">" + _code), Datagram, "add_be_" + _name,
            f"Appends v as {_WHAT[_name]}, big-endian (Panda3D's add_be_{_name}); "
            "OverflowError when out of range.", dict(_hints)))


class DatagramIterator:
    """Reads values back in order. A read past the end raises DatagramError and moves
    nothing."""

    def __init__(self, datagram: Union[Datagram, bytes, bytearray, memoryview] = b"",
                 offset: int = 0) -> None:
        if isinstance(datagram, (int, str)):
            raise TypeError(f"datagram must be a Datagram or bytes, not {type(datagram).__name__}")
        self._data = bytes(datagram)
        self._pos = max(0, min(offset, len(self._data)))

    def get_current_index(self) -> int:
        """The offset of the next byte to read."""
        return self._pos

    def get_remaining_size(self) -> int:
        """How many bytes are left to read."""
        return len(self._data) - self._pos

    def get_remaining_bytes(self) -> bytes:
        """The bytes left to read; reads them all."""
        out = self._data[self._pos:]
        self._pos = len(self._data)
        return out

    def get_datagram(self) -> Datagram:
        """A Datagram of the whole buffer being read (a copy)."""
        return Datagram(self._data)

    def _take(self, n: int) -> bytes:
        if n > len(self._data) - self._pos:
            raise DatagramError(_OVERREAD, f"datagram over-read: {n} bytes wanted at offset "
                                           f"{self._pos}, {len(self._data) - self._pos} left")
        out = self._data[self._pos:self._pos + n]
        self._pos += n
        return out

    def _atomic(self, f: Callable[[], Any]) -> Any:
        start = self._pos
        try:
            return f()
        except DatagramError:
            self._pos = start
            raise

    def skip_bytes(self, n: int) -> None:
        """Moves past n bytes; DatagramError (moving nothing) when fewer are left."""
        self._take(n)

    def extract_bytes(self, n: int) -> bytes:
        """Reads n raw bytes."""
        return self._take(n)

    def get_bool(self) -> bool:
        """Reads one byte: True unless it is 0."""
        return self._take(1)[0] != 0

    def get_stdfloat(self) -> float:
        """Reads Panda3D's PN_stdfloat: a 32-bit float here."""
        return self.get_float32()

    def get_string(self) -> str:
        """Reads a string after its uint16 length (UTF-8; other bytes kept as surrogate
        escapes)."""
        return self._atomic(lambda: self._take(self.get_uint16())).decode("utf-8", "surrogateescape")

    def get_string32(self) -> str:
        """Reads a string after its uint32 length."""
        return self._atomic(lambda: self._take(self.get_uint32())).decode("utf-8", "surrogateescape")

    def get_blob(self) -> bytes:
        """Reads bytes after their uint16 length."""
        return self._atomic(lambda: self._take(self.get_uint16()))

    def get_blob32(self) -> bytes:
        """Reads bytes after their uint32 length."""
        return self._atomic(lambda: self._take(self.get_uint32()))

    def get_z_string(self) -> str:
        """Reads a string up to its terminating zero byte (which is read, not returned)."""
        end = self._data.find(b"\0", self._pos)
        if end < 0:
            raise DatagramError(_OVERREAD, f"datagram over-read: z-string at offset {self._pos} "
                                           "has no terminating zero")
        out = self._data[self._pos:end]
        self._pos = end + 1
        return out.decode("utf-8", "surrogateescape")

    def get_fixed_string(self, size: int) -> str:
        """Reads exactly `size` bytes; the string is what comes before the first zero byte."""
        b = self._take(size)
        return b.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")

    def get_wstring(self) -> str:
        """Reads a UTF-16-LE string after its length in code units as a uint32."""
        def read() -> str:
            n = self.get_uint32()
            return self._take(2 * n).decode("utf-16-le", "surrogatepass")
        return self._atomic(read)

    if TYPE_CHECKING:  # made by _getter at import (below); declared here for type checkers
        def get_int8(self) -> int: ...
        def get_uint8(self) -> int: ...
        def get_int16(self) -> int: ...
        def get_uint16(self) -> int: ...
        def get_int32(self) -> int: ...
        def get_uint32(self) -> int: ...
        def get_int64(self) -> int: ...
        def get_uint64(self) -> int: ...
        def get_float32(self) -> float: ...
        def get_float64(self) -> float: ...
        def get_be_int16(self) -> int: ...
        def get_be_uint16(self) -> int: ...
        def get_be_int32(self) -> int: ...
        def get_be_uint32(self) -> int: ...
        def get_be_int64(self) -> int: ...
        def get_be_uint64(self) -> int: ...
        def get_be_float32(self) -> float: ...
        def get_be_float64(self) -> float: ...


def _getter(fmt: str) -> Callable[[DatagramIterator], Union[int, float]]:
    size = struct.calcsize(fmt)

    def get(self):
        return struct.unpack(fmt, self._take(size))[0]
    return get


for _name, _code in _NUM.items():
    _hints = {"return": "float" if _name.startswith("float") else "int"}
    setattr(DatagramIterator, "get_" + _name, _named(
        _getter("<" + _code), DatagramIterator, "get_" + _name,
        f"Reads {_WHAT[_name]}, little-endian (Panda3D's get_{_name}).", _hints))
    if _name not in ("int8", "uint8"):
        setattr(DatagramIterator, "get_be_" + _name, _named(
            _getter(">" + _code), DatagramIterator, "get_be_" + _name,
            f"Reads {_WHAT[_name]}, big-endian (Panda3D's get_be_{_name}).", dict(_hints)))
