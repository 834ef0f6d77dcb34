"""gamenet.panda as a drop-in for panda3d.core's networking: the example echo server and
client (written against Panda3D's API) run on gamenet as they are, on Panda3D by changing
the import line, and mixed: a real Panda3D peer on the other side."""
import os
import socket
import subprocess
import sys
import time

import pytest

from gamenet import panda

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
PYTHONPATH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def variant(name, impl, tmp_path):
    src = open(os.path.join(EXAMPLES, name)).read()
    if impl == "panda3d":
        assert "from gamenet.panda import (" in src
        src = src.replace("from gamenet.panda import (", "from panda3d.core import (")
    path = tmp_path / f"{impl}_{name}"
    path.write_text(src)
    return str(path)


def accept_one(listener, deadline):
    """The next connection the (polling) listener accepts, before `deadline`."""
    new = panda.PointerToConnection()
    while not (listener.newConnectionAvailable() and listener.getNewConnection(new)):
        assert time.time() < deadline
    return new.p()


def run_pair(server_impl, client_impl, tmp_path, count=200):
    pytest.importorskip("panda3d.core") if "panda3d" in (server_impl, client_impl) else None
    env = dict(os.environ, PYTHONPATH=PYTHONPATH)
    server = subprocess.Popen([sys.executable, variant("echo_server.py", server_impl, tmp_path),
                               "0", "1"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        first = server.stdout.readline()
        assert first.startswith("listening on"), first
        port = first.split()[-1]
        client = subprocess.run([sys.executable, variant("echo_client.py", client_impl, tmp_path),
                                 port, str(count)], capture_output=True, text=True, env=env,
                                timeout=60)
        assert client.returncode == 0, client.stderr
        assert f"{count} echoes ok" in client.stdout
        rest = server.communicate(timeout=60)[0]
        assert f"echoed {count} datagrams to 1 client(s)" in rest
    finally:
        if server.poll() is None:
            server.kill()


def test_gamenet_server_and_client(tmp_path):
    run_pair("gamenet", "gamenet", tmp_path)


def test_gamenet_server_real_panda3d_client(tmp_path):
    run_pair("gamenet", "panda3d", tmp_path)


def test_real_panda3d_server_gamenet_client(tmp_path):
    run_pair("panda3d", "gamenet", tmp_path)


def test_the_examples_are_real_panda3d_code(tmp_path):
    run_pair("panda3d", "panda3d", tmp_path, count=20)


def test_panda_names_and_conventions():
    m = panda.QueuedConnectionManager()
    assert m.openTCPServerRendezvous is not None and m.open_TCP_server_rendezvous
    reader = panda.QueuedConnectionReader(m, 0)
    writer = panda.ConnectionWriter(m, 0)
    recent = panda.RecentConnectionReader(m)
    a = m.openUDPConnection(0)
    b = m.open_UDP_connection("127.0.0.1", 0, False)
    assert a and b
    assert reader.addConnection(b) and recent.add_connection(a)
    to = panda.NetAddress()
    assert to.setHost("127.0.0.1", b.getAddress().getPort())
    assert not to.set_host("no-such-host.invalid", 1)
    d = panda.NetDatagram()
    d.addUint16(0x1234)
    d.addString("hi")
    assert bytes(d) == bytes.fromhex("341202006869")
    assert writer.isValidForUdp(d)
    assert writer.send(d, a, to)
    deadline = time.time() + 5
    got = panda.NetDatagram()
    while not (reader.dataAvailable() and reader.getData(got)):
        assert time.time() < deadline
        m.wait_for_readers(0.05)
    assert got.getMessage() == d.getMessage()
    assert got.getConnection() == b
    assert got.getAddress().getPort() == a.getAddress().getPort()
    it = panda.PyDatagramIterator(got)
    assert (it.getUint16(), it.getString(), it.getRemainingSize()) == (0x1234, "hi", 0)
    # The program's own close is not reported on the reset queue, as in Panda3D.
    assert m.closeConnection(b)
    assert not m.close_connection(b)
    p = panda.PointerToConnection()
    assert not m.resetConnectionAvailable() and not m.getResetConnection(p)
    assert m.getHostName()
    # wait_for_readers returns after its timeout when nothing arrives.
    start = time.monotonic()
    m.waitForReaders(0.05)
    assert time.monotonic() - start >= 0.04
    # A refused connection is None, as in Panda3D.
    assert m.openTCPClientConnection("127.0.0.1", 1, 500) is None


def test_a_queued_reader_takes_in_batches_and_keeps_order_origin_and_large_datagrams():
    """The queued reader takes what waits in one call and serves get_data from it: every
    datagram comes once, in order, with its connection and origin; one larger than its
    buffer comes whole."""
    m = panda.QueuedConnectionManager()
    reader = panda.QueuedConnectionReader(m, 0)
    writer = panda.ConnectionWriter(m, 0)
    a = m.openUDPConnection(0)
    b = m.openUDPConnection(0)
    c = m.openUDPConnection(0)
    assert reader.addConnection(c)
    to = panda.NetAddress()
    assert to.setHost("127.0.0.1", c.getAddress().getPort())
    sent, got = [], []
    g = panda.NetDatagram()
    deadline = time.time() + 10
    for i in range(600):  # six hundreds, each taken in one call or a few, from two senders
        d = panda.NetDatagram()
        d.addUint32(i)
        src = a if i % 3 else b
        assert writer.send(d, src, to)
        sent.append((i, src.getAddress().getPort()))
        if i % 100 != 99:
            continue
        # Read each hundred before sending more: the kernel's buffer holds a few hundred.
        while len(got) < len(sent):
            assert time.time() < deadline, f"{len(got)} of {len(sent)}"
            if reader.dataAvailable() and reader.getData(g):
                it = panda.PyDatagramIterator(g)
                got.append((it.getUint32(), g.getAddress().getPort()))
                assert g.getConnection() == c
            else:
                m.wait_for_readers(0.01)
    assert got == sent
    assert not reader.dataAvailable() and not reader.getData(g)
    # A TCP datagram of 200,000 bytes: larger than the reader's buffer, it comes whole.
    rv = m.openTCPServerRendezvous(0, 4)
    listener = panda.QueuedConnectionListener(m, 0)
    assert listener.addConnection(rv)
    reader.set_tcp_header_size(4)
    writer.set_tcp_header_size(4)
    client = m.openTCPClientConnection("127.0.0.1", rv.getAddress().getPort(), 3000)
    assert reader.addConnection(accept_one(listener, deadline))
    big = panda.NetDatagram()
    big.appendData(bytes(range(256)) * 781 + b"end")
    small = panda.NetDatagram()
    small.appendData(b"after")
    assert writer.send(big, client) and writer.send(small, client)
    seen = []
    while len(seen) < 2:
        assert time.time() < deadline + 10
        if reader.dataAvailable() and reader.getData(g):
            seen.append(g.getMessage())
    assert seen == [big.getMessage(), b"after"]


def test_two_threads_reading_one_queued_reader_get_each_datagram_once():
    """Found by testing from outside: two threads on one reader duplicated, lost and mixed
    up datagrams (the reader's buffers are shared by its calls)."""
    import threading
    m = panda.QueuedConnectionManager()
    reader = panda.QueuedConnectionReader(m, 1)
    writer = panda.ConnectionWriter(m, 0)
    rv = m.openTCPServerRendezvous(0, 4)
    listener = panda.QueuedConnectionListener(m, 0)
    assert listener.addConnection(rv)
    client = m.openTCPClientConnection("127.0.0.1", rv.getAddress().getPort(), 3000)
    deadline = time.time() + 10
    assert reader.addConnection(accept_one(listener, deadline))
    count = 20000
    seen = [[], []]
    done = threading.Event()

    def take(mine):
        g = panda.NetDatagram()
        while not done.is_set():
            if reader.dataAvailable() and reader.getData(g):
                mine.append(panda.PyDatagramIterator(g).getUint32())

    threads = [threading.Thread(target=take, args=(s,)) for s in seen]
    for t in threads:
        t.start()
    for i in range(count):
        d = panda.NetDatagram()
        d.addUint32(i)
        assert writer.send(d, client)
    while len(seen[0]) + len(seen[1]) < count and time.time() < deadline + 20:
        time.sleep(0.01)
    done.set()
    for t in threads:
        t.join()
    assert sorted(seen[0] + seen[1]) == list(range(count))
    assert seen[0] == sorted(seen[0]) and seen[1] == sorted(seen[1])


def test_a_datagram_keeps_its_connection_after_the_close_was_taken():
    """Found by testing from outside: getConnection() was None for a datagram read after
    its connection's close had been taken from the reset queue; now it is the connection,
    and a send on it returns False, as in Panda3D."""
    m = panda.QueuedConnectionManager()
    reader = panda.QueuedConnectionReader(m, 1)
    writer = panda.ConnectionWriter(m, 0)
    rv = m.openTCPServerRendezvous(0, 4)
    listener = panda.QueuedConnectionListener(m, 0)
    assert listener.addConnection(rv)
    peer = socket.create_connection(("127.0.0.1", rv.getAddress().getPort()))
    deadline = time.time() + 10
    assert reader.addConnection(accept_one(listener, deadline))
    peer.sendall(b"\x02\x00hi")
    peer.close()
    gone = panda.PointerToConnection()
    while not (m.resetConnectionAvailable() and m.getResetConnection(gone)):
        assert time.time() < deadline
        time.sleep(0.001)
    g = panda.NetDatagram()
    while not (reader.dataAvailable() and reader.getData(g)):
        assert time.time() < deadline
    assert g.getMessage() == b"hi"
    assert g.getConnection() == gone.p()
    assert writer.send(g, g.getConnection()) is False
    # The reader's queue settings and counts, as Panda3D names them.
    assert reader.getCurrentQueueSize() == 0
    reader.setMaxQueueSize(100)
    assert reader.getMaxQueueSize() == 100
    assert reader.getOverflowFlag() is False
    reader.resetOverflowFlag()
    assert reader.getRawMode() is False
    reader.setRawMode(True)
    assert reader.getRawMode() is True


def test_a_queue_bound_set_by_the_engine_is_exact():
    """Found by testing from outside: datagrams taken into Python in a batch were not
    counted against setMaxQueueSize, so a UDP queue held more than its bound."""
    m = panda.QueuedConnectionManager()
    reader = panda.QueuedConnectionReader(m, 1)
    writer = panda.ConnectionWriter(m, 0)
    a = m.openUDPConnection(0)
    b = m.openUDPConnection(0)
    assert reader.addConnection(b)
    reader.setMaxQueueSize(10)
    to = panda.NetAddress()
    assert to.setHost("127.0.0.1", b.getAddress().getPort())
    d = panda.NetDatagram()
    d.addUint8(1)
    for _ in range(8):
        assert writer.send(d, a, to)
    deadline = time.time() + 10
    while reader.getCurrentQueueSize() < 8:
        assert time.time() < deadline
        time.sleep(0.001)
    assert reader.dataAvailable()
    for _ in range(8):
        assert writer.send(d, a, to)
    while not reader.getOverflowFlag():
        assert time.time() < deadline
        time.sleep(0.001)
    assert reader.getCurrentQueueSize() == 10
    g = panda.NetDatagram()
    got = 0
    while reader.getData(g):
        got += 1
    assert got == 10


def test_a_refused_connect_says_so_as_panda3d_does(capfd):
    """Panda3D prints ':net(error): Unable to open TCP connection to server HOST:PORT' on
    stderr besides returning None; gamenet.panda prints the same line."""
    core = pytest.importorskip("panda3d.core")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    lines = []
    for net in (core, panda):
        m = net.QueuedConnectionManager()
        assert m.openTCPClientConnection("127.0.0.1", port, 500) is None
        a = net.NetAddress()
        assert a.setHost("127.0.0.1", port)
        assert m.openTCPClientConnection(a, 500) is None
        lines.append(capfd.readouterr().err.splitlines())
    want = f":net(error): Unable to open TCP connection to server 127.0.0.1:{port}"
    assert lines[0] == lines[1] == [want, want]
