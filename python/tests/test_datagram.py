"""Python Datagram / DatagramIterator: byte-exact with the captured Panda3D vectors and
with gamenet's C datagram functions; over-reads raise and move nothing."""
import ctypes
import json
import os

import pytest

from gamenet import Datagram, DatagramError, DatagramIterator, _ffi

VECTORS = json.load(open(os.path.join(os.path.dirname(__file__), "data",
                                      "panda3d-tcp-and-datagram.json")))["encodings"]
lib = _ffi.lib


def hexs(b):
    return " ".join("%02x" % x for x in b)


CASES = {
    "add_int8(-2)": lambda d: d.add_int8(-2),
    "add_uint16(0x1234)": lambda d: d.add_uint16(0x1234),
    "add_be_uint16(0x1234)": lambda d: d.add_be_uint16(0x1234),
    "add_int32(-2)": lambda d: d.add_int32(-2),
    "add_uint32(0x12345678)": lambda d: d.add_uint32(0x12345678),
    "add_be_uint32(0x12345678)": lambda d: d.add_be_uint32(0x12345678),
    "add_uint64(0x0102030405060708)": lambda d: d.add_uint64(0x0102030405060708),
    "add_be_uint64(0x0102030405060708)": lambda d: d.add_be_uint64(0x0102030405060708),
    "add_float32(1.5)": lambda d: d.add_float32(1.5),
    "add_be_float32(1.5)": lambda d: d.add_be_float32(1.5),
    "add_float64(1.5)": lambda d: d.add_float64(1.5),
    "add_stdfloat(1.5)": lambda d: d.add_stdfloat(1.5),
    "add_bool(True)": lambda d: d.add_bool(True),
    "add_string('hi')": lambda d: d.add_string("hi"),
    "add_string32('hi')": lambda d: d.add_string32("hi"),
    "add_z_string('hi')": lambda d: d.add_z_string("hi"),
    "add_fixed_string('hi',4)": lambda d: d.add_fixed_string("hi", 4),
    "add_fixed_string('hello',3)": lambda d: d.add_fixed_string("hello", 3),
    "add_wstring('hi')": lambda d: d.add_wstring("hi"),
    "add_wstring('\\u00e9')": lambda d: d.add_wstring("\u00e9"),
    "add_string('\\u00e9') (py str->utf8)": lambda d: d.add_string("\u00e9"),
    "add_blob(b'\\x00\\xff')": lambda d: d.add_blob(b"\x00\xff"),
    "add_blob32(b'\\x00\\xff')": lambda d: d.add_blob32(b"\x00\xff"),
}


@pytest.mark.parametrize("key", sorted(VECTORS))
def test_golden_vectors(key):
    d = Datagram()
    CASES[key](d)
    assert hexs(d.get_message()) == VECTORS[key]


class CDatagram:
    """gamenet's C datagram, to compare against."""

    def __init__(self):
        self.h = ctypes.c_void_p()
        assert lib.gamenet_datagram_new(ctypes.byref(self.h)) == 0

    def call(self, name, *args):
        assert getattr(lib, "gamenet_datagram_" + name)(self.h, *args) == 0

    def bytes(self):
        n = ctypes.c_size_t()
        buf = ctypes.create_string_buffer(4096)
        assert lib.gamenet_datagram_get_data(self.h, buf, 4096, ctypes.byref(n)) == 0
        lib.gamenet_datagram_free(self.h)
        return buf.raw[:n.value]


def test_same_bytes_as_the_c_library():
    py, c = Datagram(), CDatagram()
    nums = [("int8", -5), ("uint8", 200), ("int16", -300), ("uint16", 65000), ("int32", -7),
            ("uint32", 4000000000), ("int64", -2**40), ("uint64", 2**63 + 5),
            ("float32", 0.25), ("float64", -1e300)]
    for name, v in nums:
        getattr(py, "add_" + name)(v)
        c.call("add_" + name, v)
        if name not in ("int8", "uint8"):
            getattr(py, "add_be_" + name)(v)
            c.call("add_be_" + name, v)
    py.add_bool(True)
    c.call("add_bool", True)
    py.add_string(b"str")
    c.call("add_string", b"str", 3)
    py.add_string32(b"s32")
    c.call("add_string32", b"s32", 3)
    py.add_z_string("zz")
    c.call("add_z_string", b"zz")
    py.add_fixed_string(b"fixed", 3)
    c.call("add_fixed_string", b"fixed", 5, 3)
    py.add_wstring("w\u00e9\U0001F600")
    c.call("add_wstring", "w\u00e9\U0001F600".encode())
    py.add_blob(b"\x00\x01")
    c.call("add_blob", b"\x00\x01", 2)
    py.pad_bytes(2)
    c.call("pad_bytes", 2)
    assert py.get_message() == c.bytes()


def test_round_trip_and_overread():
    d = Datagram()
    d.add_uint16(7)
    d.add_string("héllo")
    d.add_wstring("w")
    d.add_z_string("z")
    d.add_fixed_string("ab", 4)
    d.add_float64(2.5)
    d.add_blob32(b"\xff")
    it = DatagramIterator(d)
    assert it.get_uint16() == 7
    assert it.get_string() == "héllo"
    assert it.get_wstring() == "w"
    assert it.get_z_string() == "z"
    assert it.get_fixed_string(4) == "ab"
    assert it.get_float64() == 2.5
    assert it.get_blob32() == b"\xff"
    assert it.get_remaining_size() == 0
    with pytest.raises(DatagramError) as e:
        it.get_uint8()
    assert e.value.name == "OVERREAD"
    bad = DatagramIterator(b"\x05\x01ab")
    with pytest.raises(DatagramError):
        bad.get_string()
    assert bad.get_current_index() == 0
    with pytest.raises(DatagramError):
        bad.get_z_string()
    with pytest.raises(DatagramError):
        Datagram().add_string(b"x" * 70000)
    with pytest.raises(DatagramError):
        Datagram().add_z_string("a\0b")
