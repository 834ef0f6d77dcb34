"""gamenet.Server and gamenet.Client (the message layer over the C API): messages both ways
with Python values, a compressed body, the ping type, close reasons, checked arguments."""
import time

import pytest

import gamenet


def pump(*peers, until, seconds=20):
    deadline = time.monotonic() + seconds
    seen = []
    while True:
        for p in peers:
            p.process(1)
            for ev in p.events():
                seen.append((p, ev))
                if until(p, ev):
                    return seen
        assert time.monotonic() < deadline, seen


@pytest.mark.parametrize("threads", [0, 1])
def test_messages_flow_both_ways_with_python_values(threads):
    with gamenet.Server("127.0.0.1", 0, ["chat:say"], threads=threads) as s, \
            gamenet.Client("127.0.0.1", s.port, ["chat:say"], threads=threads) as c:
        value = {"text": "hi", "n": 1, "f": 1.5, "b": b"\x00\x01", "list": [1, [2, None]]}
        c.send("chat:say", value)  # before the handshake: it waits
        seen = pump(s, c, until=lambda p, e: p is s and e.kind == gamenet.MSG_MESSAGE)
        ev = seen[-1][1]
        assert (ev.name, ev.pid, ev.body) == ("chat:say", 64, value)
        assert any(e.kind == gamenet.MSG_CONNECTED and e.peer.get_ip_string() == "127.0.0.1"
                   for p, e in seen if p is s)
        blob = {"blob": "A" * 10000}
        s.send(ev.cid, "chat:say", blob)
        seen = pump(s, c, until=lambda p, e: p is c and e.kind == gamenet.MSG_MESSAGE)
        assert seen[-1][1].body == blob
        c.close_connection("bye")
        seen = pump(s, c, until=lambda p, e: p is s and e.kind == gamenet.MSG_CLOSED)
        assert (seen[-1][1].reason, seen[-1][1].by_peer) == ("bye", True)


def test_ping_and_errors():
    with gamenet.Server("127.0.0.1", 0, ["chat:say"]) as s:
        with gamenet.Client("127.0.0.1", s.port, conn_type="ping") as p:
            p.ping()
            seen = pump(s, p, until=lambda q, e: q is p and e.kind == gamenet.MSG_PING_ANSWER)
            answer = seen[-1][1].body
            assert "peng3dnet" in answer and seen[-1][1].rtt >= 0
        with gamenet.Client("127.0.0.1", s.port, ["chat:say"]) as c:
            with pytest.raises(gamenet.GamenetError, match="no packet 'chat:nope'"):
                c.send("chat:nope", 1)
            with pytest.raises(gamenet.GamenetError, match="not str or bytes"):
                c.send("chat:say", {1: 2})  # the Python peer would die on it
            with pytest.raises(TypeError):
                gamenet.Server(packets="chat:say")
    with pytest.raises(gamenet.GamenetError, match="registered already"):
        gamenet.Server(packets=["a:b", "a:b"])


@pytest.mark.parametrize("threads", [0, 1])
def test_batches_in_order_and_figures(threads):
    with gamenet.Server("127.0.0.1", 0, ["chat:say"], threads=threads) as s, \
            gamenet.Client("127.0.0.1", s.port, ["chat:say"], threads=threads) as c:
        assert c.send_many([("chat:say", {"i": i}) for i in range(500)]) == 500
        got = []
        cid = None
        deadline = time.monotonic() + 20
        while len(got) < 500:
            assert time.monotonic() < deadline, len(got)
            s.process(1)
            c.process(1)
            evs = s.events()
            got += [e.body["i"] for e in evs if e.kind == gamenet.MSG_MESSAGE]
            cid = next((e.cid for e in evs if e.kind == gamenet.MSG_CONNECTED), cid)
        assert got == list(range(500))  # one call, every message, in order
        # A batch with a message to a client that is not there: the rest still go, and the
        # failure names its index.
        with pytest.raises(gamenet.UnknownConnection, match="message 1") as failed:
            s.send_many([(cid, "chat:say", {"n": 0}), (cid + 99, "chat:say", {}),
                         (cid, "chat:say", {"big": "z" * 20000})])
        assert failed.value.sent == 2
        seen = pump(s, c, until=lambda p, e: p is c and e.kind == gamenet.MSG_MESSAGE
                    and "big" in e.body)
        assert [e.body for p, e in seen if e.kind == gamenet.MSG_MESSAGE][-2:] == [
            {"n": 0}, {"big": "z" * 20000}]
        mine, theirs = c.stats(), s.stats(cid)
        assert (mine.messages_out, mine.messages_in) == (500, 2)
        assert (theirs.messages_in, theirs.messages_out) == (500, 2)
        assert mine.payload_in == theirs.payload_out
        assert theirs.wire_payload_out < theirs.payload_out / 2  # the big one compressed
        assert mine.rtt is not None and theirs.rtt is not None and mine.dropped_early == 0
        assert mine.bytes_out > mine.payload_out and mine.packets_out >= 502
        with pytest.raises(gamenet.GamenetError, match="batch"):
            c.send_many([("chat:say",)])  # not [name, value]
        # events(max_events) leaves the rest queued.
        c.send_many([("chat:say", i) for i in range(3)])
        firsts = []
        deadline = time.monotonic() + 20
        while len(firsts) < 3:
            assert time.monotonic() < deadline
            s.process(1)
            batch = s.events(1)
            assert len(batch) <= 1
            firsts += [e.body for e in batch if e.kind == gamenet.MSG_MESSAGE]
        assert firsts == [0, 1, 2]


def test_ping_data_extras_deferred_answers_and_adopted_ids():
    with gamenet.Server("127.0.0.1", 0, ping_data={"motd": "hello"}) as s:
        with gamenet.Client("127.0.0.1", s.port, conn_type="ping") as p:
            p.ping({"who": "me"})
            seen = pump(s, p, until=lambda q, e: q is p and e.kind == gamenet.MSG_PING_ANSWER)
            answer = seen[-1][1].body
            assert answer["motd"] == "hello" and answer["oldmsg"]["who"] == "me"
    with gamenet.Server("127.0.0.1", 0, defer_ping=True) as s:
        with gamenet.Client("127.0.0.1", s.port, conn_type="ping") as p:
            p.ping()
            seen = pump(s, p, until=lambda q, e: q is s and e.kind == gamenet.MSG_PING_QUERY)
            query = seen[-1][1]
            assert "time" in query.body
            s.answer_ping(query.cid, {"players": 3})
            with pytest.raises(gamenet.GamenetError, match="no ping query"):
                s.answer_ping(query.cid)
            seen = pump(s, p, until=lambda q, e: q is p and e.kind == gamenet.MSG_PING_ANSWER)
            assert seen[-1][1].body["players"] == 3
    reg = ["a:x", "a:y"]
    with gamenet.Server("127.0.0.1", 0, reg[::-1]) as s, \
            gamenet.Client("127.0.0.1", s.port, reg) as c:
        assert (c.packet_id("a:x"), c.packet_id("a:nope")) == (64, None)
        pump(s, c, until=lambda q, e: q is c and e.kind == gamenet.MSG_HANDSHAKE_COMPLETE)
        assert (c.packet_id("a:x"), c.packet_id("a:y")) == (65, 64)  # the server's
