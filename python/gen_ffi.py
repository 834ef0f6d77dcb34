"""Generates python/gamenet/_bindings.py from include/gamenet.h: every function's restype and
argtypes (and parameter names), every #define constant, every enum value, the struct layouts
as ctypes.Structure classes, and the callback types.

    python python/gen_ffi.py           # rewrite python/gamenet/_bindings.py
    python python/gen_ffi.py --check   # exit 1 when the committed file is stale

The header is what cbindgen writes (cbindgen.toml), so a small parser of that output is
enough; anything it does not recognise is an error, never silently skipped.
python/tests/test_ffi.py regenerates into memory and fails when the committed file differs.

Type mapping (what the package passes): handles, `void *`, `uint8_t *` and writable
`char *` buffers are c_void_p; `const char *` is c_char_p; `T **` is POINTER(c_void_p);
structs are POINTER(Struct); enums are c_int32 (their C type before C23)."""
import ast
import keyword
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(os.path.dirname(HERE), "include", "gamenet.h")
OUTPUT = os.path.join(HERE, "gamenet", "_bindings.py")

SCALARS = {"bool": "c_bool", "char": "c_char", "int8_t": "c_int8", "uint8_t": "c_uint8",
           "int16_t": "c_int16", "uint16_t": "c_uint16", "int32_t": "c_int32",
           "uint32_t": "c_uint32", "int64_t": "c_int64", "uint64_t": "c_uint64",
           "size_t": "c_size_t", "float": "c_float", "double": "c_double", "void": "None"}

RE_DEFINE = re.compile(r"^#define (GAMENET_\w+) (.+)$", re.M)
RE_ENUM = re.compile(r"\benum (\w+)\s*(?::\s*\w+\s*)?\{([^}]*)\};")
RE_ENUM_TYPEDEF = re.compile(r"\btypedef (?:enum \w+|int32_t) (\w+);")
RE_OPAQUE = re.compile(r"\btypedef struct (\w+) \1;")
RE_STRUCT = re.compile(r"\btypedef struct (\w+) \{([^}]*)\} \1;")
RE_FN_TYPE = re.compile(r"\btypedef ([\w ]+?\**)\s*\(\*(\w+)\)\(([^)]*)\);")
RE_ALIAS = re.compile(r"\btypedef (\w+) (\w+);")
RE_FUNCTION = re.compile(r"^([\w ]+?\**)\s*\b(gamenet_\w+)\(([^)]*)\);", re.M)
RE_FIELD = re.compile(r"^(.+?)\s*\b(\w+)(?:\[(\w+)\])?$")


class HeaderError(Exception):
    pass


def _strip(text):
    """The header without comments and preprocessor lines (#define is read before)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _number(expr):
    """Evaluates an integer constant expression of the header ("(8 << 20)")."""
    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp):
            ops = {ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b,
                   ast.BitOr: lambda a, b: a | b, ast.Add: lambda a, b: a + b,
                   ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}
            if type(node.op) in ops:
                return ops[type(node.op)](ev(node.left), ev(node.right))
        raise HeaderError(f"not an integer constant expression: {expr!r}")
    return ev(ast.parse(re.sub(r"(?<=\d)[uUlL]+\b", "", expr.strip()), mode="eval").body)


def _class_name(c_name):
    """gamenet_reset_info -> ResetInfo."""
    return "".join(p.capitalize() for p in c_name[len("gamenet_"):].split("_"))


def _callback_name(c_name):
    """gamenet_log_fn -> LOG_FN."""
    return c_name[len("gamenet_"):].upper()


class Header:
    """The declarations of the header, in the order they appear."""

    def __init__(self, text):
        self.defines = [(name, _number(value)) for name, value in RE_DEFINE.findall(text)
                        if name != "GAMENET_H"]
        body = _strip(text)
        self.enums = [(name, self._enum_values(values)) for name, values in RE_ENUM.findall(body)]
        enum_names = {name for name, _ in self.enums}
        self.handles = RE_OPAQUE.findall(body)
        self.structs = RE_STRUCT.findall(body)
        self.callbacks = RE_FN_TYPE.findall(body)
        self.functions = RE_FUNCTION.findall(body)
        rest = body
        for regex in (RE_ENUM, RE_OPAQUE, RE_STRUCT, RE_FN_TYPE, RE_FUNCTION):
            rest = regex.sub("", rest)
        self.aliases = {}
        for base, name in RE_ALIAS.findall(rest):
            if name not in enum_names:
                self.aliases[name] = base
        for m in RE_ENUM_TYPEDEF.finditer(rest):
            if m.group(1) not in enum_names:
                raise HeaderError(f"typedef of an unknown enum: {m.group(0)}")
        rest = RE_ENUM_TYPEDEF.sub("", RE_ALIAS.sub("", rest))
        rest = re.sub(r'extern "C" \{|\}', "", rest)
        if rest.strip():
            raise HeaderError(f"gen_ffi.py does not understand: {rest.strip()[:200]!r}")
        self.enum_names = enum_names
        self.struct_names = {name for name, _ in self.structs}
        self.callback_names = {name for _, name, _ in self.callbacks}
        if len(self.functions) < 100:
            raise HeaderError(f"only {len(self.functions)} functions found")

    @staticmethod
    def _enum_values(values):
        out = []
        for item in values.split(","):
            if item.strip():
                name, value = item.split("=")
                out.append((name.strip(), _number(value)))
        return out

    def ctype(self, c_type):
        """The ctypes expression (as source text) for a C type of the header."""
        t = " ".join(c_type.replace("struct ", "").split())
        stars = t.count("*")
        base = t.replace("*", "").replace("const", "").strip()
        if stars >= 2:
            return "POINTER(c_void_p)"
        if stars == 1:
            if base in self.handles or base in ("uint8_t", "void"):
                return "c_void_p"
            if base == "char":
                return "c_char_p" if t.startswith("const") else "c_void_p"
            return f"POINTER({self.ctype(base)})"
        if base in SCALARS:
            return SCALARS[base]
        if base in self.enum_names:
            return "c_int32"
        if base in self.struct_names:
            return _class_name(base)
        if base in self.callback_names:
            return _callback_name(base)
        if base in self.aliases:
            return self.ctype(self.aliases[base])
        raise HeaderError(f"unknown C type {c_type!r}")

    def parameters(self, params):
        """[(name, ctype), ...] of a parameter list."""
        params = " ".join(params.split())
        if params in ("", "void"):
            return []
        out = []
        for p in params.split(","):
            m = re.match(r"^(.*?)(\w+)$", p.strip())
            if not m:
                raise HeaderError(f"cannot read parameter {p!r}")
            out.append((m.group(2), self.ctype(m.group(1))))
        return out

    def fields(self, body):
        """[(python name, ctypes source), ...] of a struct body."""
        out = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            m = RE_FIELD.match(decl)
            if not m:
                raise HeaderError(f"cannot read field {decl!r}")
            c_type, name, size = m.groups()
            t = self.ctype(c_type)
            if size is not None:
                t = f"{t} * {size}"
            out.append((name + "_" if keyword.iskeyword(name) else name, t))
        return out


def generate(text):
    """The source of _bindings.py for the header `text`."""
    h = Header(text)
    o = ['"""Generated by python/gen_ffi.py from include/gamenet.h. Do not edit: run',
         '`python python/gen_ffi.py` after regenerating the header."""',
         "# flake8: noqa",
         "from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char, c_char_p, c_double,",
         "                    c_float, c_int8, c_int16, c_int32, c_int64, c_size_t, c_uint8,",
         "                    c_uint16, c_uint32, c_uint64, c_void_p)",
         "", "# #define constants.", ""]
    for name, value in h.defines:
        o.append(f"{name} = {value}")
    o += ["", "# Enum values, and each enum as {name: value}.", ""]
    for enum, values in h.enums:
        for name, value in values:
            o.append(f"{name} = {value}")
    o += ["", "ENUMS = {"]
    for enum, values in h.enums:
        o.append(f"    {enum!r}: {{")
        for name, _ in values:
            o.append(f"        {name!r}: {name},")
        o.append("    },")
    o += ["}", "", "# Opaque handle types (passed as c_void_p).",
          f"HANDLES = {tuple(h.handles)!r}", "", "# Structs."]
    for name, body in h.structs:
        o += ["", "", f"class {_class_name(name)}(Structure):", f'    """{name}"""',
              "    _fields_ = ["]
        for field, t in h.fields(body):
            o.append(f"        ({field!r}, {t}),")
        o.append("    ]")
    o += ["", "", "STRUCTS = {"]
    for name, _ in h.structs:
        o.append(f"    {name!r}: {_class_name(name)},")
    o += ["}", "", "# Callback types."]
    for ret, name, params in h.callbacks:
        args = ", ".join(t for _, t in h.parameters(params))
        o.append(f"{_callback_name(name)} = CFUNCTYPE({h.ctype(ret)}, {args})")
    o += ["", "# Every function: name -> (restype, argtypes).", "DECLARATIONS = {"]
    params = {}
    for ret, name, plist in h.functions:
        ps = h.parameters(plist)
        params[name] = [p for p, _ in ps]
        o.append(f"    {name!r}: ({h.ctype(ret)}, [{', '.join(t for _, t in ps)}]),")
    o += ["}", "", "# Every function's parameter names, in order.", "PARAMETERS = {"]
    for name, ps in params.items():
        o.append(f"    {name!r}: {ps!r},")
    o += ["}", ""]
    return "\n".join(o)


def main(argv):
    with open(HEADER) as f:
        fresh = generate(f.read())
    if "--check" in argv:
        with open(OUTPUT) as f:
            if f.read() != fresh:
                print(f"{OUTPUT} is stale: run python python/gen_ffi.py", file=sys.stderr)
                return 1
        return 0
    with open(OUTPUT, "w") as f:
        f.write(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
