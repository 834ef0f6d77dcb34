"""A careless or hostile caller through ctypes: every exported function called many times
with garbage handles, stale and random connection ids, random sizes, flags and strings
(and valid buffers, as the C contract asks). Nothing may crash or hang; every call returns
a known result code (or a documented plain value)."""
import ctypes
import random

from gamenet import Listener, Manager, Reader, Writer, _ffi

CODES = set(_ffi.ENUMS["gamenet_result"].values())
BAD_FAMILY = 5  # no GAMENET_AF_* has this value
# Host names that resolve without the network (a real lookup could wait on a resolver).
HOSTS = [b"127.0.0.1", b"", b"::1", b"\xff\xfe", b"not an address", b"[::1]:99",
         b"localhost", b"1.2.3.4:5:6"]


handles_conn = [0]


def argument(rng, name, ctype, handles, keep):
    if ctype is ctypes.c_void_p:
        if name in ("m", "w", "r", "l", "d", "it", "view"):
            return rng.choice(handles)
        buf = ctypes.create_string_buffer(1 << 16)
        keep.append(buf)
        return ctypes.addressof(buf)
    if ctype is ctypes.c_char_p:
        return rng.choice(HOSTS)
    if ctype in (_ffi.LOG_FN, _ffi.FREE_FN, _ffi.MSG_EVENT_FN):
        return ctype()
    if isinstance(ctype, type) and issubclass(ctype, ctypes._Pointer):
        target = ctype._type_
        arr = (target * 16)()
        if target is ctypes.c_size_t:
            for i in range(16):
                arr[i] = rng.randrange(0, 300)
        if target is _ffi.Address:
            for i in range(16):
                arr[i].family = rng.choice([_ffi.GAMENET_AF_NONE, _ffi.GAMENET_AF_IPV4,
                                            _ffi.GAMENET_AF_IPV6, BAD_FAMILY])
                arr[i].port = 9  # discard, on loopback only
                arr[i].ip[0] = 127
                arr[i].ip[3] = 1
        keep.append(arr)
        return ctypes.cast(arr, ctype)
    if ctype is ctypes.c_bool:
        return rng.random() < 0.5
    if name in ("conn", "rendezvous"):
        return rng.choice([0, 1, 2**64 - 1, rng.randrange(2**64), handles_conn[0]])
    if ctype is ctypes.c_size_t:  # sizes and counts: within the buffers passed
        return rng.randrange(0, 17)
    if ctype is ctypes.c_int32:
        return rng.randrange(-1, 6) if name != "timeout_ms" else rng.randrange(0, 3)
    if ctype in (ctypes.c_uint32, ctypes.c_uint16):
        return rng.randrange(0, 3)
    if ctype in (ctypes.c_float, ctypes.c_double):
        return rng.random()
    return rng.randrange(0, 100)


def test_every_function_survives_garbage():
    rng = random.Random(1234)
    params = _ffi.PARAMETERS
    m = Manager()
    w, r, l = Writer(m, 0), Reader(m, 0), Listener(m, 0)
    u = m.open_udp(0, "127.0.0.1")
    r.add_connection(u)
    handles_conn[0] = u.id
    freed = Manager()
    freed_h = freed._ptr
    freed.close()
    handles = [m._ptr, w._ptr, r._ptr, l._ptr, freed_h, 0xDEADBEEF, 1, None]
    skip = {"gamenet_manager_free", "gamenet_writer_free", "gamenet_reader_free",
            "gamenet_listener_free", "gamenet_writer_shutdown", "gamenet_reader_shutdown",
            "gamenet_listener_shutdown"}  # would end the live handles early; tested elsewhere
    calls = 0
    for round_ in range(30):
        for name, (restype, argtypes) in _ffi.DECLARATIONS.items():
            if name in skip and round_ < 29:
                continue
            keep = []
            args = [argument(rng, pname, t, handles, keep)
                    for pname, t in zip(params[name], argtypes)]
            result = getattr(_ffi.lib, name)(*args)
            calls += 1
            if restype is ctypes.c_int32 and name != "gamenet_result_str":
                assert result in CODES, f"{name}{tuple(args)} returned {result}"
    assert calls > 4000
    # The library still works afterwards.
    with Manager() as m2:
        assert m2.open_udp(0, "127.0.0.1").local_address.port
