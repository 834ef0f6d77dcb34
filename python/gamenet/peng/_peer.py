"""What gamenet.peng's Server and Client share: the configuration, the registry and the
connection types, the run and process threads, and process(), which hands gamenet's
message events to the handlers and packets on the calling thread.

The network runs in gamenet's C layer, on its own threads ("net.gamenet.threads", 1 by
default, for accepting, reading and writing each) once bind() or connect() made the C
server or client; the protocol (handshakes, pings, closes) advances and events are taken
inside process(), as peng3dnet handles its packets inside process()."""
from __future__ import annotations

import collections
import selectors
import threading
import time

from ..errors import GamenetError
from . import conntypes, errors, registry, util
from ._native import Config, NativeConfig, ms
from .constants import DEFAULT_CONFIG
from .packet import internal

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Deque, Dict, Optional
    from ..msg import MsgEvent
    from .packet import Packet

# How long a wait without a timeout sleeps between looks at `run`, in seconds.
_SLICE = 0.05


class _Peer(object):
    """The part of Server and Client that does not depend on the side."""

    _role = "peer"  # the events' middle part: peng3dnet:server.* or peng3dnet:client.*

    def _setup(self, peng: Any, addr: Any, cfg: Optional[dict], side: str) -> None:
        cfg = cfg if cfg is not None else {}
        if peng is None:
            self.cfg = Config(cfg, DEFAULT_CONFIG)
        else:
            ncfg = dict(DEFAULT_CONFIG)
            ncfg.update(cfg)
            self.cfg = Config(ncfg, peng.cfg)
        host_key, port_key = "net.%s.addr.host" % side, "net.%s.addr.port" % side
        if addr is not None:
            addr = util.normalize_addr_socketstyle(addr, self.cfg[port_key])
            self.cfg[host_key] = addr[0]
            self.cfg[port_key] = addr[1]
        elif self.cfg["net.%s.addr" % side] is None:
            addr = util.normalize_addr_socketstyle(self.cfg[host_key], self.cfg[port_key])
        else:
            addr = util.normalize_addr_socketstyle(self.cfg["net.%s.addr" % side],
                                                   self.cfg[port_key])
        if self.cfg["net.events.enable"] == "auto":
            self.cfg["net.events.enable"] = peng is not None
        self.peng = peng
        self.addr = addr
        self.sock = None  # gamenet's C layer owns the socket
        self.selector = None
        self.run = True
        self.conntypes: Dict[str, conntypes.ConnectionType] = {}
        self.registry = registry.PacketRegistry()
        self._init_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._process_lock = threading.RLock()
        self._ready = threading.Condition()
        self._stopped = threading.Event()
        self._is_initialized = False
        self._is_started = False
        self._run_thread: Optional[threading.Thread] = None
        self._process_thread: Optional[threading.Thread] = None
        self._native: Any = None
        self._backlog: Deque[MsgEvent] = collections.deque()
        self._cconfig = NativeConfig()
        self._c_names = set()

    # -- setting up

    def initialize(self) -> None:
        """Registers peng3dnet's internal packets (ids 1 to 16), calls every method named
        _reg_packets_* (mixins register their packets there), adds the "classic" connection
        type, calls every _reg_conntypes_* and sends the initialize event. Once: later calls
        do nothing (bind(), connect() and runBlocking() call it)."""
        if self._is_initialized:
            return
        with self._init_lock:
            if self._is_initialized:
                return
            for name, cls, n in internal.INTERNAL:
                self.register_packet(name, cls(self.registry, self), n)
            for attr in dir(self):
                if attr.startswith("_reg_packets_") and callable(getattr(self, attr, None)):
                    getattr(self, attr)()
            self.addConnType("classic", conntypes.ClassicConnectionType(self))
            for attr in dir(self):
                if attr.startswith("_reg_conntypes_") and callable(getattr(self, attr, None)):
                    getattr(self, attr)()
            self._is_initialized = True
            self._event("initialize", {})

    def _check_open(self, what: str) -> None:
        if self._native is not None or self._cconfig.closed:
            raise RuntimeError("%s after bind(), connect() or runAsync(): gamenet's C layer "
                               "takes its packets and connection types when it starts" % what)

    def register_packet(self, name: str, obj: Packet, n: Optional[int] = None) -> None:
        """Registers packet type `obj` (a Packet) as `name` ("namespace:category.name"),
        with id `n` when given (64 or more; ids below are peng3dnet's), else the next free
        one from 64. Must come before bind()/connect()/runAsync(). A refused name or id
        raises RegistryError (AlreadyRegisteredError when taken)."""
        self._check_open("register_packet()")
        own = name.startswith("peng3dnet:")
        if not own and n is not None and n < 64:
            raise errors.RegistryError("packet id %s for %r is below 64: ids 0 to 63 are kept "
                                       "for peng3dnet's own packets" % (n, name))
        self.registry.register(obj, name, n)
        if own:
            return
        try:
            self._cconfig.register_packet(name, self.registry.getID(name))
        except BaseException:
            self.registry.deleteObj(name)
            raise
        self._c_names.add(name)

    def addConnType(self, t: str, obj: conntypes.ConnectionType) -> None:
        """Adds connection type `obj` (a ConnectionType) under the name `t`; a name added
        twice raises AlreadyRegisteredError. Must come before bind()/connect()/runAsync()."""
        if t in self.conntypes:
            raise errors.AlreadyRegisteredError("Connection type %s has already been "
                                                "registered" % t)
        self._check_open("addConnType()")
        self.conntypes[t] = obj

    def _prepared_config(self) -> NativeConfig:
        """The C configuration, with the packets registered on the registry directly."""
        for pid, name in sorted(self.registry.reg_int_str.items()):
            if not name.startswith("peng3dnet:") and name not in self._c_names:
                self._cconfig.register_packet(name, pid)
                self._c_names.add(name)
        return self._cconfig

    def _set_native(self, native: Any) -> None:
        with self._ready:
            self._native = native
            self._ready.notify_all()
        self._cconfig.close()  # copied by gamenet; nothing more is registered
        if self._stopped.is_set():  # stop() came while it started
            native.close()

    # -- running

    def runBlocking(self, selector: Any = selectors.DefaultSelector) -> None:
        """Starts (initialize(), then bind() or connect()) and blocks until stop(); the
        network runs on gamenet's threads meanwhile. `selector` is accepted and unused."""
        if self._is_started:
            return
        self.initialize()
        self._open()
        with self._start_lock:
            if self._is_started:
                return
            self._is_started = True
        self._event("start", {})
        while self.run and not self._stopped.wait(2 * _SLICE):
            pass

    def _open(self) -> None:
        raise NotImplementedError

    def _start_thread(self, name: str, target: Any, args: Any = ()) -> threading.Thread:
        t = threading.Thread(name=name, target=target, args=args)
        t.daemon = True
        t.start()
        return t

    def stop(self) -> None:
        """Stops: the run loop ends, the process loop (process_forever) ends, and gamenet's
        server or client is freed (open connections close without a reason: use shutdown()
        or close_connection() first to give one)."""
        self.run = False
        self._event("stop", {"reason": "method"})
        self.interrupt()
        self._stopped.set()
        with self._ready:
            self._ready.notify_all()
        native = self._native
        if native is not None:
            native.close()
        self._cconfig.close()
        self._wake()

    def _wake(self) -> None:
        """Wakes the side's waiters (the client's wait_for_*)."""

    def interrupt(self) -> None:
        """Sends the interrupt event (gamenet's run loop needs no waking)."""
        self._event("interrupt", {})

    def join(self, timeout: Optional[float] = None) -> None:
        """stop(), then waits for the run and process threads to end, up to `timeout`
        seconds in all (None: as long as they take)."""
        self.stop()
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in (self._run_thread, self._process_thread):
            if t is None or t is threading.current_thread():
                continue
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    # -- processing

    def _wait_ready(self, timeout: Optional[float]) -> None:
        with self._ready:
            self._ready.wait_for(lambda: self._native is not None or self._stopped.is_set(),
                                 timeout)

    def process(self, wait: bool = False, timeout: Optional[float] = None) -> int:
        """Handles what arrived: runs gamenet's protocol and calls the handlers and packets
        of each event, on this thread. With `wait`, waits up to `timeout` seconds (None: until
        something arrives or stop()) when nothing waits. Returns how many events it
        handled (before the server or client started: 0)."""
        native = self._native
        if native is None:
            if wait:
                self._wait_ready(timeout)
                wait = False  # the time was spent waiting for the start
            native = self._native
            if native is None:
                return 0
        try:
            if not wait:
                native.process(0)
            elif timeout is not None:
                native.process(ms(timeout, 0))
            else:
                while native.process(ms(_SLICE, 50)) == 0 and self.run:
                    pass
        except GamenetError:
            if native.closed:
                return 0
            raise
        return self._drain(native)

    def _drain(self, native: Any) -> int:
        """Hands every waiting event to _dispatch, in order; returns how many. Events are
        taken from gamenet in batches; those a raising handler left untouched wait in
        _backlog for the next call."""
        n = 0
        backlog = self._backlog
        with self._process_lock:
            while True:
                if not backlog:
                    try:
                        backlog.extend(native.events())
                    except GamenetError:
                        if native.closed:
                            break
                        raise
                    if not backlog:
                        break
                n += 1
                self._dispatch(backlog.popleft())
        return n

    def _dispatch(self, ev: MsgEvent) -> None:
        raise NotImplementedError

    def process_forever(self) -> None:
        """Calls process(wait=True, timeout=0.01) until stop()."""
        while self.run:
            self.process(wait=True, timeout=0.01)

    def process_async(self) -> None:
        """Runs process_forever() on a daemon thread named "peng3dnet process Thread"."""
        self._process_thread = self._start_thread("peng3dnet process Thread",
                                                  self.process_forever)

    # -- helpers

    def _event(self, what: str, data: Dict[str, Any]) -> None:
        self.sendEvent("peng3dnet:%s.%s" % (self._role, what), data)

    def _packet_name(self, ptype: Any) -> str:
        """The name of a packet type given as an id, a name or a Packet."""
        return self.registry.getName(ptype)

    def _internal_send(self, name: str, data: Any, cid: Optional[int]) -> None:
        """send_message of one of peng3dnet's own packets: closeconn closes with its reason;
        the others are gamenet's C layer's to send."""
        if name == "peng3dnet:internal.closeconn":
            reason = data.get("reason") if isinstance(data, dict) else None
            self.close_connection(cid, reason)
            return
        raise ValueError("%s is part of the protocol: gamenet's C layer sends it, the "
                         "application cannot" % name)

    def close_connection(self, cid: Optional[int], reason: Optional[str] = None) -> None:
        """Closes a connection with a reason (defined by Server and Client)."""
        raise NotImplementedError

    def sendEvent(self, event: str, data: Any = None) -> None:
        """Sends a peng3d event (defined by Server and Client)."""
        raise NotImplementedError
