"""Every public class, function, method and property of the gamenet package has a docstring,
and every public function and method has type hints that resolve and that Python 3.8 (the
package's minimum) can evaluate.

Walked: the public module-level classes and functions of gamenet, gamenet.core, gamenet.io,
gamenet.datagram, gamenet.errors and gamenet.panda, and of the modules gamenet.panda's
classes live in (_panda_*, _nativenet*); for each class, every public attribute (and
__init__'s signature) that is a function, classmethod, staticmethod or property defined in
the package, wherever in its bases. Skipped: what builtins and object define, the generated
_bindings.py, and aliases (the camelCase names are the same function objects as the
snake_case ones: a docstring and hints on the original count for both).

Runs under pytest, or on its own (for another Python: `python3.8 python/tests/test_docs.py`
with GAMENET_LIBRARY set)."""
import ast
import importlib
import inspect
import os
import sys
import typing

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MODULES = [
    "gamenet", "gamenet.core", "gamenet.io", "gamenet.datagram", "gamenet.errors", "gamenet.msg",
    "gamenet.address",
    "gamenet.panda", "gamenet._panda_values", "gamenet._panda_conn", "gamenet._panda_readers",
    "gamenet._panda_listener", "gamenet._panda_writer", "gamenet._panda_socket",
    "gamenet._nativenet", "gamenet._nativenet_address", "gamenet._nativenet_buffered",
    "gamenet.peng", "gamenet.peng.net", "gamenet.peng._peer", "gamenet.peng._server",
    "gamenet.peng._client", "gamenet.peng._native", "gamenet.peng.packet",
    "gamenet.peng.packet.internal", "gamenet.peng.conntypes", "gamenet.peng.constants",
    "gamenet.peng.errors", "gamenet.peng.registry", "gamenet.peng.util",
    "gamenet.peng.version", "gamenet.peng.ext", "gamenet.peng.ext.ping",
    "gamenet.peng.ext.mpgame",
]
# Generated from the C header (python/gen_ffi.py), and the ctypes loader over it.
EXCLUDED_MODULES = {"gamenet._bindings", "gamenet._ffi"}
# Names Python 3.8 cannot subscript (PEP 585 arrived in 3.9): typing's names work there.
BUILTIN_GENERICS = {"list", "tuple", "dict", "set", "frozenset", "type"}


def _in_package(obj):
    module = getattr(obj, "__module__", None) or ""
    return ((module == "gamenet" or module.startswith("gamenet."))
            and module not in EXCLUDED_MODULES)


def _public(name):
    return not name.startswith("_")


def _module_objects():
    """The public classes and functions of MODULES that the package defines, once each:
    {id: (qualified name, object)}."""
    classes, functions = {}, {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        names = set(dir(module)) | set(getattr(module, "__all__", ()))
        for name in sorted(filter(_public, names)):
            obj = getattr(module, name)
            if not _in_package(obj):
                continue
            if isinstance(obj, type):
                classes.setdefault(id(obj), (f"{obj.__module__}.{obj.__qualname__}", obj))
            elif inspect.isfunction(obj):
                functions.setdefault(id(obj), (f"{obj.__module__}.{obj.__qualname__}", obj))
    return classes, functions


def _members(cls):
    """(defining class, name, kind, raw attribute) of each public attribute of cls (and
    __init__) that a package class defines, as cls resolves it (the most derived
    definition)."""
    seen = set()
    for klass in cls.__mro__:
        for name, raw in vars(klass).items():
            if name in seen:
                continue
            seen.add(name)
            if not (_public(name) or name == "__init__") or not _in_package(klass):
                continue
            if isinstance(raw, property):
                yield klass, name, "property", raw
            elif isinstance(raw, (classmethod, staticmethod)):
                if inspect.isfunction(raw.__func__):
                    kind = "classmethod" if isinstance(raw, classmethod) else "staticmethod"
                    yield klass, name, kind, raw
            elif inspect.isfunction(raw):
                yield klass, name, "method", raw


def _original_first(name, obj):
    """Sort key: the name the function was defined under first, then snake_case names,
    then the rest (camelCase aliases), so an object is reported under its own name."""
    func = getattr(obj, "__func__", obj)
    own = getattr(func, "__name__", None) == name
    return (not own, not ("_" in name or name.islower()), name)


def _api():
    """Everything to check, each object once: [(qualified name, kind, object)]. kind is
    "class", "function", "method", "classmethod", "staticmethod" or "property"."""
    classes, functions = _module_objects()
    out, seen = [], set()
    for qualname, cls in sorted(classes.values(), key=lambda t: t[0]):
        out.append((qualname, "class", cls))
        members = sorted(_members(cls), key=lambda m: _original_first(m[1], m[3]))
        for klass, name, kind, raw in members:
            obj = getattr(raw, "__func__", raw)
            if id(obj) in seen:  # an alias of a name already checked, or an inherited one
                continue
            seen.add(id(obj))
            # Named after the class that defines it (a base may be private: _Queued).
            out.append((f"{klass.__module__}.{klass.__qualname__}.{name}", kind, raw))
    for qualname, func in sorted(functions.values(), key=lambda t: t[0]):
        if id(func) not in seen:
            seen.add(id(func))
            out.append((qualname, "function", func))
    return out


def _signed(qualname, kind, obj):
    """(qualified name, function, skip_first) of each function whose signature is checked:
    functions, methods and the property accessors written with def (a lambda cannot carry
    annotations)."""
    if kind == "property":
        for part in ("fget", "fset", "fdel"):
            f = getattr(obj, part)
            if inspect.isfunction(f) and f.__name__ != "<lambda>":
                yield f"{qualname} ({part})", f, True
    elif kind in ("method", "classmethod"):
        yield qualname, getattr(obj, "__func__", obj), True
    elif kind in ("staticmethod", "function"):
        yield qualname, getattr(obj, "__func__", obj), False


def _missing_hints(func, skip_first):
    """The parameters of func without an annotation (self/cls, *args, **kwargs aside),
    and "return" when the return is not annotated."""
    sig = inspect.signature(func, follow_wrapped=False)
    params = list(sig.parameters.values())
    if skip_first and params and params[0].kind in (params[0].POSITIONAL_ONLY,
                                                    params[0].POSITIONAL_OR_KEYWORD):
        params = params[1:]
    missing = [p.name for p in params
               if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               and p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def _namespace():
    """Every name of the package's modules, for hints that name a class of another module
    (imported only for type checkers, to avoid an import cycle)."""
    ns = {}
    for module_name in MODULES:
        ns.update(vars(importlib.import_module(module_name)))
    ns.update(vars(typing))
    return ns


def _newer_syntax(annotation):
    """Why Python 3.8 could not evaluate a string annotation, or None."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError as e:
        return f"not an expression ({e.msg})"
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return "X | Y needs Python 3.10 (use Optional/Union)"
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id in BUILTIN_GENERICS):
            return f"{node.value.id}[...] needs Python 3.9 (use typing's name)"
    return None


def test_api_is_walked():
    # The walk reaches the classes and names this test exists for (a walk that found
    # nothing would pass for nothing).
    names = {q for q, _, _ in _api()}
    for expected in ["gamenet.core.Manager.open_udp", "gamenet.io.Writer.send",
                     "gamenet.io.Reader.max_queue_size", "gamenet.io.unpack_batch",
                     "gamenet.errors.check", "gamenet.datagram.Datagram.add_uint16",
                     "gamenet.datagram.DatagramIterator.get_be_int32",
                     "gamenet.panda.QueuedConnectionManager.open_TCP_client_connection",
                     "gamenet._panda_readers._Queued.get_data",
                     "gamenet._panda_writer.ConnectionWriter.send",
                     "gamenet._panda_socket._View.Close",
                     "gamenet._nativenet.Socket_TCP.SendData",
                     "gamenet._nativenet_address.Socket_Address.__init__",
                     "gamenet._nativenet_buffered.Buffered_DatagramConnection.GetMessage"]:
        assert expected in names, expected
    # camelCase aliases are not listed apart from their snake_case original.
    assert "gamenet.io.Writer.sendTo" not in names
    assert not any(q.endswith(".getData") for q in names)


def test_every_public_name_has_a_docstring():
    missing = []
    for qualname, kind, obj in _api():
        if qualname.endswith(".__init__"):
            continue  # the class's docstring documents it; its signature is checked below
        if kind == "class":
            doc = vars(obj).get("__doc__")  # a class does not inherit its base's
        else:
            doc = getattr(obj, "__func__", obj).__doc__
        if not (doc and doc.strip()):
            missing.append(f"{qualname} ({kind})")
    assert not missing, (f"{len(missing)} public names without a docstring:\n  "
                         + "\n  ".join(missing))


def test_every_public_function_has_type_hints():
    missing = []
    for qualname, kind, obj in _api():
        for name, func, skip_first in _signed(qualname, kind, obj):
            params = _missing_hints(func, skip_first)
            if params:
                missing.append(f"{name}: {', '.join(params)}")
    assert not missing, (f"{len(missing)} public functions with parameters or a return "
                         "without a type hint:\n  " + "\n  ".join(missing))


def test_type_hints_resolve_on_python_3_8():
    # Hints are strings (from __future__ import annotations): evaluate each, and refuse
    # the syntax Python 3.8 cannot evaluate (typing.get_type_hints would fail there).
    ns = _namespace()
    bad = []
    for qualname, kind, obj in _api():
        for name, func, _ in _signed(qualname, kind, obj):
            for param, annotation in func.__annotations__.items():
                if isinstance(annotation, str):
                    why = _newer_syntax(annotation)
                    if why:
                        bad.append(f"{name}: {param}: {annotation!r}: {why}")
            try:
                typing.get_type_hints(func, globalns={**ns, **func.__globals__})
            except Exception as e:  # NameError, SyntaxError, TypeError: all worth a line
                bad.append(f"{name}: {type(e).__name__}: {e}")
    assert not bad, f"{len(bad)} type hints that do not evaluate:\n  " + "\n  ".join(bad)


if __name__ == "__main__":
    failed = 0
    for _name, _test in list(globals().items()):
        if _name.startswith("test_") and callable(_test):
            try:
                _test()
                print(f"{_name}: passed")
            except AssertionError as _e:
                failed += 1
                print(f"{_name}: FAILED\n{_e}")
    sys.exit(1 if failed else 0)
