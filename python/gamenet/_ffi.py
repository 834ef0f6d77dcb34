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
    env = os.environ.get("GAMENET_LIBRARY")
    if env:
        yield env
    for n in names:
        yield os.path.join(here, n)
    root = os.path.dirname(os.path.dirname(here))
    for profile in ("release", "debug"):
        for n in names:
            yield os.path.join(root, "target", profile, n)


def _load():
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
