"""gamenet.peng's ping type: getPingData per query (pinged by gamenet.peng and by the real
peng3dnet), its exceptions, query extras reaching a real peng3dnet server, and answers that
replace the entries gamenet writes itself. Everything listens on 127.0.0.1; every wait is
bounded."""
import os
import threading
import time

import pytest

os.environ.setdefault("PYGLET_SHADOW_WINDOW", "0")  # peng3dnet imports pyglet through peng3d

from gamenet.peng import constants, errors, net  # noqa: E402
from gamenet.peng.ext import ping  # noqa: E402
from peng_support import LogServer, free_port, peng3dnet, started, wait_until  # noqa: E402


class StatusServer(LogServer):
    """Answers pings with a per-query count, the query's "who" (getPingData) and a static
    motd; a query holding "boom" makes getPingData raise."""
    pingdata = {"motd": "hi", "n": "static wins"}  # updates getPingData's, as in peng3dnet

    def getPingData(self, msg, cid):
        if "boom" in msg:
            raise RuntimeError("getPingData failed")
        self.queries = getattr(self, "queries", 0) + 1
        client = self.clients[cid]
        self.log.append(("query", cid, client.conntype, client.mode, client.state,
                         threading.current_thread()))
        return {"count": self.queries, "who": msg.get("who"), "n": 0}


def check_answer(answer, server, count, who, reason="pingcomplete"):
    assert answer["oldmsg"]["who"] == who and answer["oldmsg"]["time"] > time.time() - 10
    assert (answer["count"], answer["who"], answer["n"], answer["motd"]) == (
        count, who, "static wins", "hi")
    assert answer["peng3dnet"]["protoversion"] == 2 and 0 <= answer["delay"] < 10
    _, cid, conntype, mode, state, thread = [e for e in server.log if e[0] == "query"][-1]
    assert (conntype, mode, state) == ("ping", constants.MODE_PING, constants.STATE_ACTIVE)
    assert thread is server._process_thread  # per query, on the thread calling process()
    wait_until(lambda: ("close", cid, reason) in server.log)


def test_getpingdata_per_query_pinged_by_gamenet_and_by_peng3dnet():
    server = StatusServer()
    started(server)
    addr = ("127.0.0.1", server.addr[1])
    try:
        check_answer(ping.pingServer(addr=addr, data={"who": "gamenet"}, timeout=10),
                     server, 1, "gamenet")
        check_answer(ping.pingServer(addr=addr, data={"who": "again"}, timeout=10),
                     server, 2, "again")
        real = pytest.importorskip("peng3dnet.ext.ping")
        check_answer(real.pingServer(addr=addr, data={"who": "peng3dnet"}, timeout=10),
                     server, 3, "peng3dnet", None)  # its pingServer passes the reason as cid
    finally:
        server.shutdown(timeout=2)
    plain = started(net.Server(addr=("127.0.0.1", 0)))[0]  # no ping type: refused
    try:
        with pytest.raises(errors.FailedPingError, match="unknownconntype"):
            ping.pingServer(addr=("127.0.0.1", plain.addr[1]), timeout=10)
    finally:
        plain.shutdown(timeout=2)
    with pytest.raises(errors.FailedPingError, match="failed"):
        ping.pingServer(addr=("127.0.0.1", free_port()), timeout=10)  # nobody listens


def test_an_exception_in_getpingdata_closes_that_ping_only(capsys):
    server = StatusServer()
    started(server)
    addr = ("127.0.0.1", server.addr[1])
    try:
        start = time.monotonic()
        with pytest.raises(errors.FailedPingError, match="pingerror"):
            ping.pingServer(addr=addr, data={"boom": 1}, timeout=10)
        assert time.monotonic() - start < 5  # at once, not at a timeout
        wait_until(lambda: any(e[0] == "close" and e[2] == "pingerror" for e in server.log))
        assert "RuntimeError: getPingData failed" in capsys.readouterr().err
        check_answer(ping.pingServer(addr=addr, data={"who": "next"}, timeout=10),
                     server, 1, "next")  # the server goes on
    finally:
        server.shutdown(timeout=2)


@pytest.mark.filterwarnings("ignore:Potential security weakness")
def test_ping_a_real_peng3dnet_server_with_query_extras():
    real = peng3dnet()
    from peng3dnet.ext import ping as real_ping

    class RealServer(real_ping.PingableServerMixin, real.net.Server):
        pingdata = {"motd": "real"}

        def getPingData(self, msg, cid):
            return {"seen": {k: v for k, v in msg.items() if k != "time"}}
    port = free_port()
    server = RealServer(addr=("127.0.0.1", port))
    server.bind()
    server.runAsync()
    server.process_async()
    try:
        query = {"who": "gamenet", "list": [1, 2.5], "bin": b"\x00"}
        answer = ping.pingServer(addr=("127.0.0.1", port), data=dict(query), timeout=10)
        assert answer["seen"] == query and answer["oldmsg"]["who"] == "gamenet"
        assert answer["motd"] == "real" and answer["peng3dnet"]["version"] == "0.1.3a0"
        assert 0 <= answer["delay"] < 10
    finally:
        server.stop()


class OwnInfo(ping.PingConnectionType):
    """A ping type whose answers carry its own "peng3dnet" entry."""

    def getPingData(self, msg, cid=None):
        return {"peng3dnet": {"version": "own"}}


class ReplacingServer(ping.PingableServerMixin, net.Server):
    """Replaces "oldmsg" in its answers and brings its own ping type."""

    def __init__(self):
        super().__init__(addr=("127.0.0.1", 0))

    def _reg_conntypes_ping(self):
        self.addConnType("ping", OwnInfo(self))

    def getPingData(self, msg, cid):
        return {"oldmsg": {"time": msg["time"], "replaced": True}}


def test_answers_may_replace_the_entries_gamenet_writes():
    server = started(ReplacingServer())[0]
    try:
        answer = ping.pingServer(addr=("127.0.0.1", server.addr[1]), data={"who": "me"},
                                 timeout=10)
        assert answer["oldmsg"]["replaced"] and "who" not in answer["oldmsg"]
        assert answer["peng3dnet"] == {"version": "own"}
        # The default answer keeps the query byte for byte and gamenet's versions.
        plain = started(LogServer())[0]
        try:
            answer = ping.pingServer(addr=("127.0.0.1", plain.addr[1]), data={"who": "me"},
                                     timeout=10)
            assert answer["oldmsg"]["who"] == "me" and abs(answer["oldmsg"]["time"]
                                                           - time.time()) < 60
            assert answer["peng3dnet"]["protoversion"] == 2
        finally:
            plain.shutdown(timeout=2)
    finally:
        server.shutdown(timeout=2)
