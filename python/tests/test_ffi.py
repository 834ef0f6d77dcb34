"""Every function of include/gamenet.h has a ctypes declaration, and every declaration
matches the header (types mapped independently of _ffi.py's table)."""
import ctypes
import os
import re

from gamenet import _ffi

HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "include", "gamenet.h")

STRUCTS = {"gamenet_address": _ffi.Address, "gamenet_reset_info": _ffi.ResetInfo,
           "gamenet_interface": _ffi.Interface, "gamenet_datagram_info": _ffi.DatagramInfo,
           "gamenet_new_connection": _ffi.NewConnection,
           "gamenet_writer_stats": _ffi.WriterStats, "gamenet_reader_stats": _ffi.ReaderStats,
           "gamenet_listener_stats": _ffi.ListenerStats, "gamenet_conn_stats": _ffi.ConnStats,
           "gamenet_buffer": _ffi.Buffer}
HANDLES = {"gamenet_manager", "gamenet_writer", "gamenet_reader", "gamenet_listener",
           "gamenet_datagram", "gamenet_datagram_iterator"}
SCALARS = {"gamenet_result": ctypes.c_int32, "bool": ctypes.c_bool, "int8_t": ctypes.c_int8,
           "uint8_t": ctypes.c_uint8, "int16_t": ctypes.c_int16, "uint16_t": ctypes.c_uint16,
           "int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32, "int64_t": ctypes.c_int64,
           "uint64_t": ctypes.c_uint64, "size_t": ctypes.c_size_t, "float": ctypes.c_float,
           "double": ctypes.c_double, "gamenet_conn": ctypes.c_uint64,
           "gamenet_conn_kind": ctypes.c_int32, "gamenet_close_reason": ctypes.c_int32,
           "void": None, "gamenet_log_fn": _ffi.LOG_FN,
           "gamenet_userdata_free_fn": _ffi.FREE_FN}


def expected(ctype):
    t = " ".join(ctype.replace("struct ", "").split())
    stars = t.count("*")
    base = t.replace("*", "").replace("const", "").strip()
    if stars == 0:
        return SCALARS[base]
    if stars == 2:
        return ctypes.POINTER(ctypes.c_void_p)
    if base in HANDLES or base in ("uint8_t", "void"):
        return ctypes.c_void_p
    if base == "char":
        return ctypes.c_char_p if "const" in t else ctypes.c_void_p
    if base in STRUCTS:
        return ctypes.POINTER(STRUCTS[base])
    return ctypes.POINTER(SCALARS[base])


def header_functions():
    text = open(HEADER).read()
    out = {}
    for ret, name, args in re.findall(r"^([a-z_][a-z0-9_ \*]*?)\s*\b(gamenet_[a-z0-9_]+)\((.*?)\);",
                                      text, re.M | re.S):
        args = " ".join(args.split())
        params = [] if args in ("", "void") else [a.strip() for a in args.split(",")]
        out[name] = (expected(ret), [expected(re.match(r"(.*?)(\w+)$", p).group(1))
                                     for p in params])
    return out


def test_every_header_function_is_declared_and_matches():
    funcs = header_functions()
    assert len(funcs) > 150
    missing = sorted(set(funcs) - set(_ffi.DECLARATIONS))
    assert not missing, f"no ctypes declaration for {missing}"
    extra = sorted(set(_ffi.DECLARATIONS) - set(funcs))
    assert not extra, f"declared but not in the header: {extra}"
    for name, (ret, args) in funcs.items():
        dret, dargs = _ffi.DECLARATIONS[name]
        assert dret == ret, f"{name}: restype {dret} != header {ret}"
        assert dargs == args, f"{name}: argtypes {dargs} != header {args}"
        f = getattr(_ffi.lib, name)
        assert f.argtypes == args and f.restype == ret


def test_struct_sizes_match_c():
    # Offsets that C would give these layouts on a 64-bit platform.
    assert ctypes.sizeof(_ffi.Address) == 28
    assert ctypes.sizeof(_ffi.ResetInfo) == 8 + 4 + 4 + 256
    assert _ffi.DatagramInfo.offset.offset == 40


def test_a_missing_library_is_a_clear_error(tmp_path):
    import shutil
    import subprocess
    import sys
    pkg = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gamenet")
    shutil.copytree(pkg, tmp_path / "site" / "gamenet",
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    env = dict(os.environ, GAMENET_LIBRARY=str(tmp_path / "nope.so"))
    code = "import sys; sys.path.insert(0, %r); import gamenet" % str(tmp_path / "site")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "libgamenet not found; tried:" in out.stderr
    assert "nope.so" in out.stderr and "target" in out.stderr
