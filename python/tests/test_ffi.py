"""The ctypes declarations are generated from include/gamenet.h (python/gen_ffi.py): the
committed _bindings.py must be what the generator makes of the current header, the library
gets every declaration, and the struct layouts and constants agree with what a C compiler
makes of the header."""
import ctypes
import keyword
import os
import shutil
import subprocess

import pytest

import gen_ffi
from gamenet import _bindings, _ffi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(ROOT, "include", "gamenet.h")


def test_bindings_are_generated_from_the_current_header():
    with open(HEADER) as f:
        fresh = gen_ffi.generate(f.read())
    with open(_bindings.__file__) as f:
        committed = f.read()
    assert committed == fresh, ("python/gamenet/_bindings.py is stale: run "
                                "`python python/gen_ffi.py` and commit it")


def test_every_function_is_declared_on_the_library():
    assert len(_ffi.DECLARATIONS) > 150
    assert set(_ffi.PARAMETERS) == set(_ffi.DECLARATIONS)
    for name, (restype, argtypes) in _ffi.DECLARATIONS.items():
        f = getattr(_ffi.cdll, name)
        assert f.restype == restype and f.argtypes == argtypes, name
        assert callable(getattr(_ffi.lib, name)), name
        assert len(_ffi.PARAMETERS[name]) == len(argtypes), name


def test_the_generator_refuses_what_it_does_not_understand():
    with open(HEADER) as f:
        text = f.read()
    with pytest.raises(gen_ffi.HeaderError):
        gen_ffi.generate(text + "\nunion gamenet_odd { int32_t a; float b; };\n")
    with pytest.raises(gen_ffi.HeaderError):
        gen_ffi.generate(text.replace("size_t len);", "gamenet_mystery len);", 1))


def c_field(name):
    """The C name of a ctypes field (`from_` is `from`)."""
    return name[:-1] if name.endswith("_") and keyword.iskeyword(name[:-1]) else name


def test_layouts_and_constants_match_the_c_compiler(tmp_path):
    """sizeof and offsetof of every struct field, every #define and every enum value, as a
    C compiler sees the header, against the generated module."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "gamenet.h"',
             "int main(void) {"]
    expected = []
    for c_name, cls in _ffi.STRUCTS.items():
        lines.append(f'printf("{c_name} %zu\\n", sizeof({c_name}));')
        expected.append(f"{c_name} {ctypes.sizeof(cls)}")
        for field, _ in cls._fields_:
            lines.append(f'printf("{c_name}.{field} %zu\\n", offsetof({c_name}, {c_field(field)}));')
            expected.append(f"{c_name}.{field} {getattr(cls, field).offset}")
    names = [n for n in dir(_bindings) if n.startswith("GAMENET_")]
    for name in names:
        lines.append(f'printf("{name} %lld\\n", (long long)({name}));')
        expected.append(f"{name} {getattr(_bindings, name)}")
    lines += ["return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "include"), str(src), "-o",
                    str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:-1] == expected
    assert len(names) > 40


def test_a_missing_library_is_a_clear_error(tmp_path):
    import sys
    pkg = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gamenet")
    shutil.copytree(pkg, tmp_path / "site" / "gamenet",
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "GAMENET_LIBRARY"}
    code = "import sys; sys.path.insert(0, %r); import gamenet" % str(tmp_path / "site")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "libgamenet not found; tried:" in out.stderr
    assert "target" in out.stderr and "GAMENET_LIBRARY" in out.stderr
