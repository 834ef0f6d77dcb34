"""peng3dnet's registries (peng3dnet.registry): BaseRegistry and PacketRegistry convert
between a packet's id, name and object. reg_int_obj and reg_int_str are two-way maps with
an `inv` (and `inverse`) view, as the bidict ones of peng3dnet; the bidict package is not
needed. Unlike peng3dnet, a name, id or object registered twice is refused with
AlreadyRegisteredError (peng3dnet overwrote it silently), and new ids skip the ids taken."""
from __future__ import annotations

import threading
import types
from collections.abc import MutableMapping

from . import packet
from .errors import AlreadyRegisteredError

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Iterator, Mapping, Optional, Tuple

__all__ = ["BaseRegistry", "PacketRegistry"]

# Whether the two-way maps are available: always, gamenet has its own (peng3dnet's needed
# the bidict package).
HAVE_BIDICT = True


class BiMap(MutableMapping):
    """A dict whose values are unique too, with the inverse as a live read-only view
    (`inv`, also `inverse`), as bidict.bidict. Setting a value another key holds raises
    ValueError."""

    def __init__(self) -> None:
        self._fwd = {}
        self._inv = {}

    @property
    def inv(self) -> Mapping[Any, Any]:
        """The inverse mapping, value to key (read-only, always up to date)."""
        return types.MappingProxyType(self._inv)

    inverse = inv

    def __getitem__(self, key: Any) -> Any:
        return self._fwd[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        if value in self._inv and self._inv[value] != key:
            raise ValueError("value %r is held by key %r" % (value, self._inv[value]))
        if key in self._fwd:
            del self._inv[self._fwd[key]]
        self._fwd[key] = value
        self._inv[value] = key

    def __delitem__(self, key: Any) -> None:
        del self._inv[self._fwd.pop(key)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._fwd)

    def __len__(self) -> int:
        return len(self._fwd)

    def __repr__(self) -> str:
        return "BiMap(%r)" % (self._fwd,)


class BaseRegistry(object):
    """Converts between the integer id, string name and object of registered entities
    (getID/getInt, getName/getStr, getObj); registry[x] is getObj(x). New ids count up from
    64 (the ids below are peng3dnet's own), skipping ids taken. `objtype` is the class the
    objects must be instances of."""

    objtype = object

    def __init__(self, objtype: Optional[type] = None) -> None:
        self.objtype = objtype if objtype is not None else self.objtype
        self.reg_int_obj = BiMap()
        self.reg_int_str = BiMap()
        self.nextid = 64
        self.idlock = threading.Lock()

    def getNewID(self) -> int:
        """A new id: the lowest free one from 64 (and from the last one given) up."""
        with self.idlock:
            n = self.nextid
            while n in self.reg_int_obj or n in self.reg_int_str:
                n += 1
            self.nextid = n + 1
            return n

    def register(self, obj: Any, name: str, n: Optional[int] = None) -> None:
        """Registers obj under name and id n (a new id when n is None). An obj that is not
        an objtype is a TypeError; a name, id or object registered already is an
        AlreadyRegisteredError."""
        if not isinstance(obj, self.objtype):
            raise TypeError("This registry only accepts objects of type %s" % self.objtype)
        if name in self.reg_int_str.inv:
            raise AlreadyRegisteredError("%r is registered already (id %s)"
                                         % (name, self.reg_int_str.inv[name]))
        if obj in self.reg_int_obj.inv:
            raise AlreadyRegisteredError("%r is registered already as %r"
                                         % (obj, self.getName(obj)))
        if n is None:
            n = self.getNewID()
        elif n in self.reg_int_obj:
            raise AlreadyRegisteredError("id %s is taken by %r" % (n, self.reg_int_str[n]))
        self.reg_int_obj[n] = obj
        self.reg_int_str[n] = name

    def registerObject(self, obj: Any, n: Optional[int] = None) -> None:
        """register(obj, obj.name, n)."""
        self.register(obj, obj.name, n)

    def deleteObj(self, obj: Any) -> None:
        """Removes an entry, given by any of its three representations."""
        intid = self.getID(obj)
        del self.reg_int_obj[intid]
        del self.reg_int_str[intid]

    def getName(self, obj: Any) -> str:
        """The name of an id, name or object (getStr is the same)."""
        if isinstance(obj, str):
            return obj
        elif isinstance(obj, int):
            return self.reg_int_str[obj]
        elif isinstance(obj, self.objtype):
            return self.reg_int_str[self.reg_int_obj.inv[obj]]
        raise TypeError("Cannot convert object of type %s to name" % type(obj))

    getStr = getName

    def getID(self, obj: Any) -> int:
        """The id of an id, name or object (getInt is the same)."""
        if isinstance(obj, int):
            return obj
        elif isinstance(obj, str):
            return self.reg_int_str.inv[obj]
        elif isinstance(obj, self.objtype):
            return self.reg_int_obj.inv[obj]
        raise TypeError("Cannot convert object of type %s to ID" % type(obj))

    getInt = getID

    def getObj(self, obj: Any) -> Any:
        """The object of an id, name or object."""
        if isinstance(obj, self.objtype):
            return obj
        elif isinstance(obj, int):
            return self.reg_int_obj[obj]
        elif isinstance(obj, str):
            return self.reg_int_obj[self.reg_int_str.inv[obj]]
        raise TypeError("Cannot convert object of type %s to Obj" % type(obj))

    def getAll(self, obj: Any) -> Tuple[Any, int, str]:
        """(getObj(obj), getID(obj), getName(obj))."""
        return self.getObj(obj), self.getID(obj), self.getName(obj)

    def __getitem__(self, item: Any) -> Any:
        return self.getObj(item)

    def _renumber(self, ids: Mapping[str, int]) -> None:
        """Moves the names in `ids` to those ids (objects stay with their names), as
        peng3dnet's client adopts the server's ids; the others keep theirs. Both maps are
        rebuilt and swapped in, so that a reader never meets an id held twice."""
        with self.idlock:
            moved = {name: pid for name, pid in ids.items()
                     if name in self.reg_int_str.inv and self.reg_int_str.inv[name] != pid}
            if not moved:
                return
            int_obj, int_str = BiMap(), BiMap()
            for n, name in list(self.reg_int_str.items()):
                new = moved.get(name, n)
                if new in int_str:  # the registry stays as it was
                    raise AlreadyRegisteredError("id %s for %r is held by %r"
                                                 % (new, name, int_str[new]))
                int_str[new] = name
                int_obj[new] = self.reg_int_obj[n]
            self.reg_int_obj, self.reg_int_str = int_obj, int_str


class PacketRegistry(BaseRegistry):
    """A BaseRegistry of Packet instances (peer.registry)."""

    objtype = packet.Packet
