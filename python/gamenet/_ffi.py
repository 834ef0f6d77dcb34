"""The ctypes layer: loads libgamenet and gives every function of include/gamenet.h its
argtypes and restype. The declarations, constants, enum values and struct layouts are
generated from the header into _bindings.py by python/gen_ffi.py (python/tests/test_ffi.py
fails when that file is stale).

The library is looked for, in order: $GAMENET_LIBRARY, next to this package, and in the
source tree's target/release and target/debug. The error names every place tried."""

import ctypes
import os
import sys

from ._bindings import *  # noqa: F401,F403 (constants, structs, callback types)
from ._bindings import DECLARATIONS, ENUMS, PARAMETERS, STRUCTS, USERDATA_FREE_FN

# Shorter names the package uses.
FREE_FN = USERDATA_FREE_FN


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    names = ["libgamenet.so"] if not sys.platform.startswith("darwin") else ["libgamenet.dylib"]
    for n in names:
        yield os.path.join(here, n)
    root = os.path.dirname(os.path.dirname(here))
    for profile in ("release", "debug"):
        for n in names:
            yield os.path.join(root, "target", profile, n)


def _load():
    env = os.environ.get("GAMENET_LIBRARY")
    if env:
        # Set on purpose: a missing or unloadable file is an error, never a quiet fallback
        # to another build.
        if not os.path.isfile(env):
            raise OSError(f"GAMENET_LIBRARY is set to {env!r}, which is not a file; unset it "
                          "to use the bundled library, or point it at libgamenet.so")
        return ctypes.CDLL(env), env
    tried = []
    for path in _candidates():
        tried.append(path)
        if os.path.exists(path):
            return ctypes.CDLL(path), path
    raise OSError(
        "libgamenet not found; tried:\n  " + "\n  ".join(tried)
        + "\nBuild it with `cargo build --release` in the gamenet source tree, install the "
        "package with `pip install ./python`, or set GAMENET_LIBRARY to its path.")


lib, library_path = _load()
for _name, (_res, _args) in DECLARATIONS.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

# ctypes turns an out-of-range Python int into a wrapped C value without a word (a port of
# 65616 becomes 80, a size of -1 becomes 2**64-1). Every function's integer arguments are
# therefore checked against their C type and refused with ValueError, except on the
# per-datagram paths below, where the check would cost more than the call and the package
# passes only values it made itself (lengths, ids).
_RANGES = {
    ctypes.c_int8: (-2**7, 2**7 - 1), ctypes.c_uint8: (0, 2**8 - 1),
    ctypes.c_int16: (-2**15, 2**15 - 1), ctypes.c_uint16: (0, 2**16 - 1),
    ctypes.c_int32: (-2**31, 2**31 - 1), ctypes.c_uint32: (0, 2**32 - 1),
    ctypes.c_int64: (-2**63, 2**63 - 1), ctypes.c_uint64: (0, 2**64 - 1),
    ctypes.c_size_t: (0, 2**(8 * ctypes.sizeof(ctypes.c_size_t)) - 1),
}
_UNCHECKED = {
    "gamenet_writer_send", "gamenet_writer_send_to", "gamenet_writer_send_batch",
    "gamenet_writer_send_to_batch", "gamenet_reader_get_data", "gamenet_reader_get_data_batch",
    "gamenet_reader_data_available", "gamenet_reader_get_data_view", "gamenet_view_bytes",
    "gamenet_view_free", "gamenet_last_error",
}


def _checked(name, fn):
    params = PARAMETERS[name]
    checks = [(i, params[i], _RANGES[t]) for i, t in enumerate(fn.argtypes) if t in _RANGES]

    def call(*args):
        for i, param, (lo, hi) in checks:
            v = args[i]
            if isinstance(v, int) and not lo <= v <= hi:
                raise ValueError(f"{name}: {param} = {v} is out of range ({lo} to {hi})")
        try:
            return fn(*args)
        except ctypes.ArgumentError as e:
            # "argument 3: TypeError: wrong type" -> the parameter's name, as in the header.
            text = str(e)
            num, _, why = text.partition(": ")
            i = int(num.split()[-1]) - 1 if num.startswith("argument ") else -1
            what = f"argument '{params[i]}'" if 0 <= i < len(params) else "an argument"
            got = f" (got {type(args[i]).__name__})" if 0 <= i < len(args) else ""
            raise TypeError(f"{name}: {what}: {why.split(': ', 1)[-1]}{got}") from None
    call.__name__ = name
    return call


class _Lib:
    """The library's functions, integer arguments checked (see above)."""


_checked_lib = _Lib()
for _name in DECLARATIONS:
    _f = getattr(lib, _name)
    setattr(_checked_lib, _name, _f if _name in _UNCHECKED else _checked(_name, _f))
cdll = lib  # the ctypes library itself, declarations applied
lib = _checked_lib
