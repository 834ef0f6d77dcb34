"""gamenet.peng as a drop-in for peng3dnet: the example echo program (written against
peng3dnet's API) runs unchanged on gamenet.peng, on peng3dnet, and mixed, each side in its
own process; and the API surface in-process: handlers, close reasons, the registry sync and
forced ids (client.registry takes the server's), the threads, shutdown, ping (getPingData
per query and its exceptions, query extras; gamenet.peng and peng3dnet on either side),
config keys gamenet refuses, and the module and method names, compared with peng3dnet's.
Everything listens on 127.0.0.1; every wait is bounded."""
import ast
import importlib
import importlib.util
import inspect
import os
import queue
import socket
import subprocess
import sys
import threading
import time

import pytest

os.environ.setdefault("PYGLET_SHADOW_WINDOW", "0")  # peng3dnet imports pyglet through peng3d

from gamenet.peng import constants, conntypes, errors, net, packet  # noqa: E402
from gamenet.peng.ext import ping  # noqa: E402
from peng_support import (Keep, LogClient, LogServer, free_port, peng3dnet,  # noqa: E402
                          started, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "peng_echo.py")
PYTHONPATH = os.path.dirname(HERE)


# -- the example, in four pairings

def example_values():
    spec = importlib.util.spec_from_file_location("peng_echo_values", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs the import line (gamenet.peng) and defines VALUES
    return module.VALUES


def lines_of(proc):
    """A queue of the process's stdout lines, read on a thread (None at the end)."""
    q = queue.Queue()

    def pump():
        for line in proc.stdout:
            q.put(line)
        q.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return q


@pytest.mark.parametrize("server_lib,client_lib", [
    ("gamenet.peng", "gamenet.peng"), ("gamenet.peng", "peng3dnet"),
    ("peng3dnet", "gamenet.peng"), ("peng3dnet", "peng3dnet")])
def test_the_echo_example_in_every_pairing(server_lib, client_lib):
    if "peng3dnet" in (server_lib, client_lib):
        peng3dnet()
    env = dict(os.environ, PYTHONPATH=PYTHONPATH, PYGLET_SHADOW_WINDOW="0")
    port = str(free_port())
    server = subprocess.Popen([sys.executable, EXAMPLE, "server", port], text=True,
                              stdout=subprocess.PIPE, env=dict(env, PENG_ECHO_LIB=server_lib))
    try:
        out = lines_of(server)
        first = out.get(timeout=30)
        assert first == f"listening on {port}\n", first
        client = subprocess.run([sys.executable, EXAMPLE, "client", port], text=True,
                                capture_output=True, timeout=60,
                                env=dict(env, PENG_ECHO_LIB=client_lib))
        assert client.returncode == 0, client.stdout[-2000:] + client.stderr
        values = example_values()
        echoes = [ast.literal_eval(line.split(": ", 1)[1])
                  for line in client.stdout.splitlines() if line.startswith("echo ")]
        assert echoes == values
        assert f"{len(values)} echoes equal" in client.stdout
        assert server.wait(timeout=60) == 0
        rest = []
        while True:
            line = out.get(timeout=10)
            if line is None:
                break
            rest.append(line)
        rest = "".join(rest)
        assert "closed: done" in rest and f"echoed {len(values)} messages" in rest, rest
    finally:
        if server.poll() is None:
            server.kill()


# -- the API, in-process

def test_handlers_run_and_a_close_reason_reaches_the_other_side():
    server = LogServer()
    server.register_packet("test:msg", Keep(server.registry, server))
    started(server)
    assert server.addr[1] != 0  # port 0: the port it got
    client = LogClient(server.addr[1])
    client.register_packet("test:msg", Keep(client.registry, client))
    started(client)
    try:
        client.wait_for_connection(10)
        assert client.remote_state == constants.STATE_ACTIVE and client.conntype == "classic"
        wait_until(lambda: len(server.clients) == 1 and ("handshake",) in client.log)
        cid = next(iter(server.clients))
        wait_until(lambda: ("handshake", cid, "classic") in server.log)
        assert server.log[0] == ("connect", cid) and client.log[0] == ("connect",)
        client.send_message("test:msg", {"hi": [1, 2]})
        wait_until(lambda: getattr(server, "kept", None))
        msg, got_cid, thread = server.kept[0]
        assert (msg, got_cid) == ({"hi": [1, 2]}, cid)
        assert thread is server._process_thread  # the thread that calls process()
        assert ("receive", cid, 64, {"hi": [1, 2]}) in server.log
        server.close_connection(cid, "bye")
        client.wait_for_close(10)
        assert client.log[-1] == ("close", "bye")
        wait_until(lambda: ("close", cid, "bye") in server.log)
        assert client.remote_state == constants.STATE_CLOSED and not server.clients
    finally:
        client.join(5)
        server.shutdown(timeout=2)


def test_a_registry_mismatch_closes_and_forced_ids_are_adopted():
    server = LogServer()
    server.register_packet("test:b", Keep(server.registry, server))
    server.register_packet("test:a", Keep(server.registry, server), 100)
    with pytest.raises(errors.RegistryError, match="below 64"):
        server.register_packet("test:low", Keep(server.registry, server), 5)
    with pytest.raises(errors.AlreadyRegisteredError):
        server.register_packet("test:a", Keep(server.registry, server))
    started(server)
    with pytest.raises(RuntimeError, match="after bind"):
        server.register_packet("test:late", Keep(server.registry, server))
    odd = LogClient(server.addr[1])
    odd.register_packet("test:a", Keep(odd.registry, odd))
    odd.register_packet("test:other", Keep(odd.registry, odd))
    good = LogClient(server.addr[1])
    good.register_packet("test:a", Keep(good.registry, good))  # 64 here, 100 on the server
    good.register_packet("test:b", Keep(good.registry, good))
    started(odd, good)
    try:
        with pytest.raises(errors.TimedOutError):
            odd.wait_for_connection(10)
        odd.wait_for_close(10)
        assert odd.log[-1] == ("close", "packetregmismatch")
        good.wait_for_connection(10)
        good.send_message("test:a", "to a")
        good.send_message(good.registry.getInt("test:b"), "to b")  # by id: the server's
        wait_until(lambda: len(getattr(server, "kept", [])) == 2)
        assert [m for m, _, _ in server.kept] == ["to a", "to b"]
        assert [e[2] for e in server.log if e[0] == "receive"] == [100, 64]
        assert server.registry.getInt("test:a") == 100
        cid = next(c for c in server.clients)
        server.send_message("test:a", "back", cid)
        wait_until(lambda: getattr(good, "kept", None))
        assert good.kept[0][0] == "back" and ("receive", 100, "back") in good.log
    finally:
        for p in (odd, good):
            p.join(5)
        server.shutdown(timeout=2)


def test_shutdown_tells_every_client_its_reason_and_ends_the_threads():
    server = LogServer()
    started(server)
    clients = started(LogClient(server.addr[1]), LogClient(server.addr[1]))
    for c in clients:
        c.wait_for_connection(10)
    wait_until(lambda: len(server.clients) == 2)
    cids = sorted(server.clients)
    server.shutdown(join=True, timeout=3, reason="maintenance")
    for c in clients:
        c.wait_for_close(10)
        assert c.log[-1] == ("close", "maintenance")
        c.join(5)
    assert sorted(e[1] for e in server.log if e[:1] == ("close",)) == cids
    assert {e[2] for e in server.log if e[0] == "close"} == {"maintenance"}
    assert not server.run
    wait_until(lambda: not (server._process_thread.is_alive() or server._run_thread.is_alive()),
               what="the server's threads to end")


@pytest.mark.parametrize("threads", [0, 1])  # gamenet's threads (0: all inside process())
def test_process_on_the_callers_thread_without_run_or_process_threads(threads):
    cfg = {"net.gamenet.threads": threads}
    server = net.Server(addr="127.0.0.1:0", cfg=cfg)
    server.register_packet("test:msg", Keep(server.registry, server))
    server.bind()
    client = net.Client(addr=("127.0.0.1", server.addr[1]), cfg=cfg)
    client.register_packet("test:msg", Keep(client.registry, client))
    client.send_message("test:msg", [1.5, b"\x00"])  # before the connection: kept for it
    client.connect()
    deadline = time.monotonic() + 10
    while not getattr(server, "kept", None):
        assert time.monotonic() < deadline
        server.process(wait=True, timeout=0.01)
        client.process(wait=True, timeout=0.01)
    assert server.kept[0][0] == [1.5, b"\x00"]
    assert server.kept[0][2] is threading.current_thread()
    client.stop()
    server.stop()
    assert client.process() == 0 and server.process(wait=True, timeout=0.01) == 0


@pytest.mark.filterwarnings("ignore:Potential security weakness")
@pytest.mark.parametrize("server_lib", ["gamenet.peng", "peng3dnet"])
def test_the_client_registry_takes_the_servers_ids(server_lib):
    lib = net if server_lib == "gamenet.peng" else peng3dnet().net
    pk = packet if server_lib == "gamenet.peng" else importlib.import_module("peng3dnet.packet")

    class Store(pk.SmartPacket):
        def receive(self, msg, cid=None):
            self.peer.__dict__.setdefault("kept", []).append((self.peer.registry.getName(
                self), msg))
    server = lib.Server(addr=("127.0.0.1", 0 if lib is net else free_port()))
    server.register_packet("test:a", Store(server.registry, server), 200)  # forced
    server.register_packet("test:b", Store(server.registry, server))  # 64
    if lib is not net:
        server.bind()
    started(server)
    client = LogClient(server.addr[1])
    b, a = Keep(client.registry, client), Keep(client.registry, client)
    client.register_packet("test:b", b, 70)
    client.register_packet("test:a", a)  # 64
    assert (client.registry.getID("test:a"), client.registry.getID("test:b")) == (64, 70)
    started(client)
    try:
        client.wait_for_connection(10)
        reg = client.registry
        assert (reg.getID("test:a"), reg.getID("test:b")) == (200, 64)  # the server's
        assert (reg.getName(200), reg.getObj(200), reg.getID(a), reg.getObj("test:b")) == (
            "test:a", a, 200, b)
        assert 70 not in reg.reg_int_str and reg.getName(1) == "peng3dnet:internal.hello"
        client.send_message(200, "by id")
        client.send_message(reg.getID("test:b"), "b by id")
        wait_until(lambda: len(getattr(server, "kept", [])) == 2)
        assert server.kept == [("test:a", "by id"), ("test:b", "b by id")]
        cid = next(iter(server.clients))
        server.send_message("test:a", "back", cid)
        wait_until(lambda: getattr(client, "kept", None))
        assert client.kept[0][0] == "back" and ("receive", 200, "back") in client.log
    finally:
        client.join(5)
        server.stop()


def test_config_keys_gamenet_cannot_honour_raise():
    for key in ("net.ssl.enabled", "net.encrypt.enabled"):
        with pytest.raises(NotImplementedError, match=key):
            net.Server(addr=("127.0.0.1", 0), cfg={key: True}).bind()
        with pytest.raises(NotImplementedError, match=key):
            net.Client(addr=("127.0.0.1", 1), cfg={key: True}).runAsync()
    with pytest.raises(NotImplementedError, match="net.registry.autosync"):
        net.Client(addr=("127.0.0.1", 1), cfg={"net.registry.autosync": False}).connect()
    # The address keys, and a refused connect raising from wait_for_connection.
    client = net.Client(cfg={"net.client.addr": "127.0.0.1:%d" % free_port()})
    assert client.addr[0] == "127.0.0.1"
    client.runAsync()
    with pytest.raises(ConnectionRefusedError):
        client.wait_for_connection(10)


class Custom(conntypes.ConnectionType):
    def init(self, cid):
        self.peer.__dict__.setdefault("inits", []).append(cid)

    def receive(self, msg, pid, flags, cid):
        return msg == "swallow"  # True: no further processing


class ServerOnly(packet.SmartPacket):
    side = constants.SIDE_SERVER
    invalid_action = "close"

    def receive(self, msg, cid=None):
        self.peer.__dict__.setdefault("kept", []).append((msg, cid, None))


def test_a_custom_connection_type_and_a_smart_packet_that_closes():
    server = LogServer()
    server.addConnType("custom", Custom(server))
    server.register_packet("test:msg", Keep(server.registry, server))
    server.register_packet("test:up", ServerOnly(server.registry, server))
    started(server)
    client = LogClient(server.addr[1], conntype="custom")
    client.addConnType("custom", Custom(client))
    client.register_packet("test:msg", Keep(client.registry, client))
    client.register_packet("test:up", ServerOnly(client.registry, client))
    started(client)
    try:
        client.wait_for_connection(10)
        assert client.inits == [None] and client.conntype == "custom"
        client.send_message("test:msg", "swallow")
        client.send_message("test:msg", "keep")
        wait_until(lambda: getattr(server, "kept", None))
        cid = next(iter(server.clients))
        assert [m for m, _, _ in server.kept] == ["keep"] and server.inits == [cid]
        assert server.clients[cid].conntype == "custom"
        server.send_message("test:up", "only the server may receive it", cid)
        client.wait_for_close(10)
        assert client.log[-1] == ("close", "smartpacketinvalid")
        assert not getattr(client, "kept", None)
        wait_until(lambda: ("close", cid, "smartpacketinvalid") in server.log)
    finally:
        client.join(5)
        server.shutdown(timeout=2)


class FakePeng:
    def __init__(self):
        self.cfg = {}
        self.events = []

    def sendEvent(self, event, data):
        self.events.append(event)


def test_peng_events_and_debug_prints(capsys):
    peng = FakePeng()
    server = started(net.Server(peng, ("127.0.0.1", 0),
                                cfg={"net.debug.print.connect": True}))[0]
    client = started(net.Client(peng, ("127.0.0.1", server.addr[1])))[0]
    try:
        client.wait_for_connection(10)
        wait_until(lambda: "peng3dnet:server.connection.handshakecomplete" in peng.events)
    finally:
        client.join(5)
        server.shutdown(timeout=2)
    for event in ["initialize", "bind", "start", "connection.accept", "shutdown"]:
        assert "peng3dnet:server." + event in peng.events
    for event in ["initialize", "connect", "handshakecomplete", "stop"]:
        assert "peng3dnet:client." + event in peng.events
    assert "HELLO " in capsys.readouterr().out


def test_names_match_peng3dnet():
    real = peng3dnet()
    # peng3dnet's Python 2 aliases in net are not reproduced.
    documented = {"net": {"str", "bytes", "unicode", "basestring"}}
    for name in ["", ".net", ".packet", ".packet.internal", ".conntypes", ".constants",
                 ".errors", ".registry", ".util", ".version", ".ext", ".ext.ping",
                 ".ext.mpgame"]:
        theirs = importlib.import_module("peng3dnet" + name)
        ours = importlib.import_module("gamenet.peng" + name)
        public = {n for n in dir(theirs) if not n.startswith("_")
                  and not inspect.ismodule(getattr(theirs, n))}
        missing = public - set(dir(ours)) - documented.get(name.strip("."), set())
        assert not missing, (name, missing)
        for n in public & set(dir(ours)):
            if inspect.isclass(getattr(theirs, n)):
                assert inspect.isclass(getattr(ours, n)), (name, n)
    for n in real.constants.__all__:
        assert getattr(constants, n) == getattr(real.constants, n), n
    # Methods and their parameters, minus peng3dnet's socket plumbing (gamenet's C layer).
    plumbing = {"genCID", "receive_data", "process_single_packet", "receive_packet",
                "pump_write_buffer"}
    for mod, cls in [("net", "Server"), ("net", "Client"), ("net", "ClientOnServer"),
                     ("packet", "Packet"), ("packet", "SmartPacket"),
                     ("conntypes", "ConnectionType"), ("registry", "PacketRegistry"),
                     ("ext.ping", "PingConnectionType"), ("ext.ping", "PingableClientMixin"),
                     ("ext.ping", "PingableServerMixin")]:
        theirs = getattr(importlib.import_module("peng3dnet." + mod), cls)
        ours = getattr(importlib.import_module("gamenet.peng." + mod), cls)
        hooks = {"_receive", "_send", "_ping", "_pong", "_reg_conntypes_ping"} & set(dir(theirs))
        for n in ({n for n in dir(theirs) if not n.startswith("_")} | hooks) - plumbing:
            assert hasattr(ours, n), (cls, n)
            t, o = getattr(theirs, n), getattr(ours, n)
            if inspect.isfunction(t):
                assert (list(inspect.signature(t).parameters)
                        == list(inspect.signature(o).parameters)), (cls, n)
    # The attributes of instances (state, mode, clients, registry, cfg, ...).
    pairs = [(real.net.Server(addr=("127.0.0.1", 0)), net.Server(addr=("127.0.0.1", 0))),
             (real.net.Client(addr=("127.0.0.1", 1)), net.Client(addr=("127.0.0.1", 1)))]
    pairs.append((real.net.ClientOnServer(pairs[0][0], None, ("127.0.0.1", 1), 1),
                  net.ClientOnServer(pairs[0][1], None, ("127.0.0.1", 1), 1)))
    for theirs, ours in pairs:
        public = {n for n in vars(theirs) if not n.startswith("_")}
        assert public <= set(vars(ours)), (type(ours), public - set(vars(ours)))
        for n in public:
            if isinstance(getattr(theirs, n), (int, str, type(None))):
                assert getattr(theirs, n) == getattr(ours, n), (type(ours), n)
