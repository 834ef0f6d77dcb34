"""Panda3D's Datagram and DatagramIterator in Python, byte-exact with gamenet's C
implementation (python/tests/test_datagram.py checks them against it and against the
golden vectors). Pure Python on purpose: one ctypes call per field would cost more than
the encoding itself."""
import struct

from .errors import DatagramError

_OVERREAD = 13
_TOO_LARGE = 14
_INVALID = 3

_NUM = {
    "int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
    "int64": "q", "uint64": "Q", "float32": "f", "float64": "d",
}


def _as_bytes(value):
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


class Datagram:
    """A growable buffer of Panda3D-encoded values (little-endian unless `be`)."""

    def __init__(self, data=b""):
        self._data = bytearray(data)

    # --- whole buffer -------------------------------------------------------------------
    def get_message(self):
        return bytes(self._data)

    def __bytes__(self):
        return bytes(self._data)

    def get_length(self):
        return len(self._data)

    def __len__(self):
        return len(self._data)

    def __eq__(self, other):
        return isinstance(other, Datagram) and self._data == other._data

    def clear(self):
        self._data.clear()

    def append_data(self, data):
        self._data += _as_bytes(data)

    def pad_bytes(self, n):
        self._data += bytes(n)

    # --- values ---------------------------------------------------------------------------
    def add_bool(self, v):
        self._data.append(1 if v else 0)

    def add_stdfloat(self, v):
        self.add_float32(v)

    def _prefixed(self, data, fmt, limit, what):
        if len(data) > limit:
            raise DatagramError(_TOO_LARGE, f"{what} of {len(data)} bytes does not fit its "
                                            f"length prefix (at most {limit}); nothing appended")
        self._data += struct.pack(fmt, len(data)) + data

    def add_string(self, s):
        self._prefixed(_as_bytes(s), "<H", 0xFFFF, "string")

    def add_string32(self, s):
        self._prefixed(_as_bytes(s), "<I", 0xFFFFFFFF, "string")

    def add_blob(self, b):
        self._prefixed(_as_bytes(b), "<H", 0xFFFF, "blob")

    def add_blob32(self, b):
        self._prefixed(_as_bytes(b), "<I", 0xFFFFFFFF, "blob")

    def add_z_string(self, s):
        b = _as_bytes(s)
        if b"\0" in b:
            raise DatagramError(_INVALID, f"z-string holds a zero byte at offset {b.index(0)}; "
                                          "it would be cut there")
        self._data += b + b"\0"

    def add_fixed_string(self, s, size):
        b = _as_bytes(s)[:size]
        self._data += b + bytes(size - len(b))

    def add_wstring(self, s):
        units = s.encode("utf-16-le")
        self._data += struct.pack("<I", len(units) // 2) + units


def _adder(fmt):
    def add(self, v):
        try:
            self._data += struct.pack(fmt, v)
        except struct.error as e:
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise TypeError(f"value must be a number, not {type(v).__name__}") from None
            # Out of range for the type: Panda3D's OverflowError.
            raise OverflowError(f"{v!r} does not fit {fmt[1:]!r}: {e}") from None
    return add


for _name, _code in _NUM.items():
    setattr(Datagram, "add_" + _name, _adder("<" + _code))
    if _name not in ("int8", "uint8"):
        setattr(Datagram, "add_be_" + _name, _adder(">" + _code))


class DatagramIterator:
    """Reads values back in order. A read past the end raises DatagramError and moves
    nothing."""

    def __init__(self, datagram=b"", offset=0):
        self._data = bytes(datagram)
        self._pos = max(0, min(offset, len(self._data)))

    def get_current_index(self):
        return self._pos

    def get_remaining_size(self):
        return len(self._data) - self._pos

    def get_remaining_bytes(self):
        out = self._data[self._pos:]
        self._pos = len(self._data)
        return out

    def get_datagram(self):
        return Datagram(self._data)

    def _take(self, n):
        if n > len(self._data) - self._pos:
            raise DatagramError(_OVERREAD, f"datagram over-read: {n} bytes wanted at offset "
                                           f"{self._pos}, {len(self._data) - self._pos} left")
        out = self._data[self._pos:self._pos + n]
        self._pos += n
        return out

    def _atomic(self, f):
        start = self._pos
        try:
            return f()
        except DatagramError:
            self._pos = start
            raise

    def skip_bytes(self, n):
        self._take(n)

    def extract_bytes(self, n):
        return self._take(n)

    def get_bool(self):
        return self._take(1)[0] != 0

    def get_stdfloat(self):
        return self.get_float32()

    def get_string(self):
        return self._atomic(lambda: self._take(self.get_uint16())).decode("utf-8", "surrogateescape")

    def get_string32(self):
        return self._atomic(lambda: self._take(self.get_uint32())).decode("utf-8", "surrogateescape")

    def get_blob(self):
        return self._atomic(lambda: self._take(self.get_uint16()))

    def get_blob32(self):
        return self._atomic(lambda: self._take(self.get_uint32()))

    def get_z_string(self):
        end = self._data.find(b"\0", self._pos)
        if end < 0:
            raise DatagramError(_OVERREAD, f"datagram over-read: z-string at offset {self._pos} "
                                           "has no terminating zero")
        out = self._data[self._pos:end]
        self._pos = end + 1
        return out.decode("utf-8", "surrogateescape")

    def get_fixed_string(self, size):
        b = self._take(size)
        return b.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")

    def get_wstring(self):
        def read():
            n = self.get_uint32()
            return self._take(2 * n).decode("utf-16-le", "surrogatepass")
        return self._atomic(read)


def _getter(fmt):
    size = struct.calcsize(fmt)

    def get(self):
        return struct.unpack(fmt, self._take(size))[0]
    return get


for _name, _code in _NUM.items():
    setattr(DatagramIterator, "get_" + _name, _getter("<" + _code))
    if _name not in ("int8", "uint8"):
        setattr(DatagramIterator, "get_be_" + _name, _getter(">" + _code))
