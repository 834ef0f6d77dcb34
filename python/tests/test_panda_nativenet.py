"""gamenet._nativenet (Panda3D's nativenet socket classes in pure Python) against the real
Panda3D: every public name exists, the same call sequences give the same results, and
Buffered_DatagramConnection talks to Panda3D's over loopback with the same bytes on the
wire. All traffic stays on 127.0.0.1; waits are polls with a deadline."""
import copy
import os
import select
import socket
import time

import pytest

from gamenet import _nativenet as G
from gamenet.datagram import Datagram as GDatagram

CLASSES = ["Socket_Address", "Socket_IP", "Socket_TCP", "Socket_TCP_Listen", "Socket_UDP",
           "Socket_UDP_Incoming", "Socket_UDP_Outgoing", "Socket_fdset",
           "Buffered_DatagramConnection"]
SKIP = ("__", "Dtool", "this", "upcast")


@pytest.fixture(scope="module")
def P():
    return pytest.importorskip("panda3d.core")


def impls(P):
    """(module, datagram class) for Panda3D and for gamenet."""
    return [(P, P.Datagram), (G, GDatagram)]


def wait_for(fn, timeout=10.0):
    """fn()'s first true result, polling until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def outcome(fn):
    """fn()'s result, or the type of exception it raised (to compare both sides)."""
    try:
        return fn()
    except Exception as e:          # noqa: BLE001 - compared, not swallowed
        return type(e).__name__


def local_port(sock_obj):
    """The bound port of a Socket_IP of either implementation."""
    with socket.socket(fileno=os.dup(sock_obj.GetSocket())) as s:
        return s.getsockname()[1]


def addr(m, host="127.0.0.1", port=0):
    a = m.Socket_Address()
    assert a.set_host(host, port)
    return a


def closed_port():
    """A loopback port nobody listens on (bound, so no one else takes it meanwhile)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


# --- 1. every public name -----------------------------------------------------------------
@pytest.mark.parametrize("name", CLASSES)
def test_every_panda3d_name_exists(P, name):
    names = [n for n in dir(getattr(P, name)) if not n.startswith(SKIP)]
    missing = [n for n in names if not hasattr(getattr(G, name), n)]
    assert names and not missing


@pytest.mark.parametrize("name", CLASSES)
def test_docstrings(name):
    cls = getattr(G, name)
    assert cls.__doc__
    for n in dir(cls):
        if not n.startswith("_") and callable(getattr(cls, n)):
            assert getattr(cls, n).__doc__, f"{name}.{n}"


def test_type_handles(P):
    for m, _ in impls(P):
        tcp, bdc, udp = m.Socket_TCP(), m.Buffered_DatagramConnection(10, 10, -1), m.Socket_UDP()
        got = [str(tcp.get_type()), str(tcp.type), tcp.getType().get_name(),
               tcp.is_of_type(m.Socket_IP.get_class_type()), tcp.isOfType(m.Socket_IP),
               tcp.is_exact_type(m.Socket_IP.get_class_type()), tcp.is_exact_type(m.Socket_TCP),
               bdc.is_of_type(m.Socket_TCP), bdc.is_of_type(m.Socket_IP),
               udp.is_of_type(m.Socket_UDP_Incoming), udp.is_of_type(m.Socket_UDP_Outgoing),
               m.Socket_TCP.get_class_type() == tcp.get_type(),
               isinstance(tcp.get_type_index(), int), outcome(lambda: tcp.is_of_type("x"))]
        assert got == ["Socket_TCP", "Socket_TCP", "Socket_TCP", True, True, False, True,
                       False, True, True, False, True, True, "TypeError"], m.__name__


# --- 2. Socket_Address --------------------------------------------------------------------
def address_script(m):
    out = []
    a = m.Socket_Address()
    out += [a.get_ip(), a.get_port(), a.get_family(), a.get_ip_port(), a.is_any()]
    out += [a.set_host("127.0.0.1", 80), a.get_ip(), a.getIp(), a.get_port(), a.get_ip_port(),
            a.getIpPort(), a.get_family(), a.is_any(), a.is_mcast_range(), a.GetIPAddressRaw()]
    out += [a.set_any_IP(8), a.get_ip_port(), a.is_any(), a.setAnyIP(9), a.get_ip_port()]
    out += [a.set_any_IPv6(9), a.get_ip_port(), a.get_family(), a.is_any(), a.getFamily()]
    out += [a.set_broadcast(7), a.get_ip_port(), a.is_any(), a.is_mcast_range(),
            a.GetIPAddressRaw(), a.setBroadcast(6), a.get_port()]
    out += [a.set_port(10), a.get_port(), a.clear(), a.get_ip_port(), a.get_family()]
    out += [a.set_host("127.0.0.2:99"), a.get_ip_port(), a.set_host(" 127.0.0.3 :abc"),
            a.get_ip_port(), a.set_host("nocolon"), a.get_ip_port(), a.set_host("[::1]:12"),
            a.get_ip_port(), a.set_host("[::1:12"), a.set_host("127.0.0.1:70000"),
            a.get_port(), a.set_host("127.0.0.1:-1"), a.get_port()]
    out += [a.set_host(0x0100007F, 5), a.get_ip_port(), a.setHost(b"127.0.0.4", 6),
            a.get_ip_port(), a.set_host("localhost", 81), a.get_port()]
    out += [a.set_host("::1", 82), a.get_ip(), a.get_ip_port(), a.get_family(), a.is_any(),
            a.GetIPAddressRaw(), a.set_host("::ffff:127.0.0.1", 1), a.get_ip_port(),
            a.GetIPAddressRaw(), a.set_host("ff02::1", 1), a.is_mcast_range(),
            outcome(a.GetIPAddressRaw)]
    for ip in ["224.0.0.1", "239.255.255.254", "239.255.255.255", "223.255.255.255"]:
        out += [a.set_host(ip, 1), a.is_mcast_range(), a.isMcastRange()]
    out += [m.Socket_Address(5).get_ip_port(), m.Socket_Address(addr(m, port=3)).get_ip_port()]
    out += [outcome(lambda: a.set_port("x")), outcome(lambda: a.set_port(70000)),
            outcome(lambda: a.set_port(-1)), outcome(lambda: m.Socket_Address("x")),
            outcome(lambda: a.set_host(None, 1)), outcome(lambda: a.set_host("h", "x")),
            outcome(lambda: a.set_host(2**32, 1))]
    # comparisons, pairwise over a few addresses (IPv6 == is Panda3D's: True if ports differ)
    pool = [addr(m, "127.0.0.1", 5), addr(m, "127.0.0.2", 4), addr(m, "127.0.0.1", 5),
            addr(m, "127.0.0.1", 6), addr(m, "::1", 5), addr(m, "::1", 6), m.Socket_Address()]
    v6any = m.Socket_Address()
    v6any.set_any_IPv6(0)
    pool.append(v6any)
    for x in pool:
        out.append([(x == y, x != y, x < y, x > y) for y in pool])
    out += [pool[0] == 5, outcome(lambda: pool[0] < 5), outcome(lambda: pool[0] <= pool[1]),
            copy.copy(pool[0]) == pool[0], copy.deepcopy(pool[1]) == pool[1]]
    # the no-family address GetPeerName gives for an unconnected socket
    none = m.Socket_TCP().GetPeerName()
    out += [none.get_family(), none.get_port(), none.is_any(), none.is_mcast_range(),
            outcome(none.get_ip), outcome(none.get_ip_port), outcome(none.GetIPAddressRaw),
            outcome(lambda: none == m.Socket_Address(none)), none == m.Socket_Address()]
    return out


def test_socket_address_side_by_side(P):
    assert address_script(G) == address_script(P)


def test_unresolvable_name_leaves_the_address(monkeypatch):
    """(Not side by side: a real failing lookup could leave the machine.)"""
    def fail(*args):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    a = addr(G, port=7)
    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert a.set_host("unresolvable.invalid", 8) is False
    assert a.set_host("unresolvable.invalid:8") is False
    assert a.get_ip_port() == "127.0.0.1:7"


# --- 2. TCP -------------------------------------------------------------------------------
def readable(m, sock, ms=5000):
    fds = m.Socket_fdset()
    fds.setForSocket(sock)
    return fds.WaitForRead(False, ms), fds.IsSetFor(sock)


def tcp_script(m):
    out = []
    idle = m.Socket_TCP()
    out += [idle.Active(), idle.GetSocket(), idle.SetNonBlocking(), idle.SetBlocking(),
            idle.SetReuseAddress(), idle.SetV6Only(True), idle.SetRecvBufferSize(1000),
            idle.GetLastError(), idle.SetNoDelay(), idle.SetLinger(), idle.DontLinger(),
            idle.SetSendBufferSize(1000), idle.ShutdownSend(), idle.SendData("abc"),
            idle.GetLastError(), idle.RecvData(10), idle.GetLastError(),
            m.Socket_IP.InitNetworkDriver(), m.Socket_IP().Active()]
    listener = m.Socket_TCP_Listen()
    out += [listener.OpenForListen(addr(m)), listener.Active()]
    here = addr(m, port=local_port(listener))
    again = m.Socket_TCP_Listen()
    out += [again.OpenForListen(here), again.Active(), again.GetLastError()]
    client = m.Socket_TCP()
    out += [client.ActiveOpen(here, True), client.Active()]
    server, peer = m.Socket_TCP(), m.Socket_Address()
    out += [listener.GetIncomingConnection(server, peer), server.Active(), peer.get_ip(),
            peer.get_family(), peer.get_port() == local_port(client),
            client.GetPeerName().get_ip_port() == here.get_ip_port(),
            server.GetPeerName().get_port() == local_port(client)]
    out += [client.SendData("hello"), client.SendData("\xff\x00bin"), client.SendData(""),
            readable(m, server)]
    got = ""
    while len(got.encode()) < 11:      # a TCP read may return part of what was sent
        got += server.RecvData(100)
    out += [got, server.SetNonBlocking(), server.RecvData(100), server.GetLastError(),
            server.ErrorIs_WouldBlocking(0), server.ErrorIsWouldBlocking(7)]
    out += [client.SetNoDelay(False), client.SetLinger(1), client.DontLinger(),
            client.SetSendBufferSize(65536), client.SetRecvBufferSize(65536),
            client.SetReuseAddress(False), client.ShutdownSend(), readable(m, server),
            server.RecvData(100)]
    out += [outcome(lambda: client.SendData(5)), outcome(lambda: server.RecvData("x")),
            outcome(lambda: listener.GetIncomingConnection(m.Socket_IP(), peer)),
            outcome(lambda: listener.GetIncomingConnection(server, "x")),
            outcome(lambda: client.ActiveOpen("x", True))]
    listener.SetNonBlocking()
    spare = m.Socket_TCP()
    out += [listener.GetIncomingConnection(spare, peer), m.Socket_IP.GetLastError(),
            spare.Active()]
    client.Close()
    out += [client.Active(), client.GetSocket()]
    # a port nobody listens on
    blocker, port = closed_port()
    refused = m.Socket_TCP()
    out += [refused.ActiveOpen(addr(m, port=port), False), refused.Active(),
            refused.GetLastError()]
    nb = m.Socket_TCP()
    out += [nb.ActiveOpenNonBlocking(here), nb.Active(), nb.GetLastError()]
    none = m.Socket_TCP().GetPeerName()         # an address of no family
    out += [m.Socket_TCP().ActiveOpen(none, True), m.Socket_IP.GetLastError(),
            m.Socket_TCP_Listen().OpenForListen(none), m.Socket_IP.GetLastError()]
    blocker.close()
    # the dual-stack listener of OpenForListen(port): an IPv4 peer shows as ::ffff:a.b.c.d
    dual = m.Socket_TCP_Listen()
    out.append(dual.OpenForListen(0, 5))
    if dual.Active():
        c2, s2, p2 = m.Socket_TCP(), m.Socket_TCP(), m.Socket_Address()
        out += [c2.ActiveOpen(addr(m, port=local_port(dual)), False),
                dual.GetIncomingConnection(s2, p2), p2.get_family(), p2.get_ip(),
                s2.GetPeerName().get_ip()]
    for s in (listener, server, nb, dual):
        s.Close()
    return out


def test_tcp_side_by_side(P):
    assert tcp_script(G) == tcp_script(P)


def test_socket_ip_adopts_a_descriptor(P):
    for m, _ in impls(P):
        raw = socket.socket()
        fd = raw.detach()
        held = m.Socket_TCP(fd)
        assert (held.Active(), held.GetSocket() == fd) == (True, True)
        other = m.Socket_TCP()
        other.SetSocket(os.dup(fd))
        other.Close()
        held.Close()
        with pytest.raises(OSError):
            os.fstat(fd)
        assert outcome(lambda: m.Socket_TCP(-1)) == "OverflowError"
        assert outcome(lambda: m.Socket_TCP_Listen(3)) == "TypeError"


# --- 2. UDP and Socket_fdset --------------------------------------------------------------
def take(sock_obj):
    """The datagrams waiting on a Socket_UDP_Incoming (Panda3D publishes no receive call)."""
    got = []
    with socket.socket(fileno=os.dup(sock_obj.GetSocket())) as s:
        s.setblocking(False)
        while True:
            try:
                got.append(s.recvfrom(2048)[0])
            except BlockingIOError:
                return got


def udp_script(m):
    out = []
    incoming = m.Socket_UDP_Incoming()
    out += [incoming.SetToBroadCast(), incoming.GetLastError(),
            incoming.OpenForInput(addr(m)), incoming.Active()]
    to = addr(m, port=local_port(incoming))
    fds = m.Socket_fdset()
    fds.setForSocket(incoming)
    out += [fds.WaitForRead(False, 0), fds.IsSetFor(incoming)]
    outgoing = m.Socket_UDP_Outgoing()
    out += [outgoing.Send("x"), outgoing.GetLastError(), outgoing.InitToAddress(to),
            outgoing.Active(), outgoing.Send("hello"), outgoing.Send(""),
            outgoing.SendTo("to", to), outgoing.GetPeerName().get_ip_port() == to.get_ip_port(),
            outgoing.SetToBroadCast()]
    loose = m.Socket_UDP_Outgoing()
    out += [loose.InitNoAddress(), loose.Send("x"), loose.GetLastError(),
            loose.SendTo("loose", to)]
    both = m.Socket_UDP()
    out += [both.OpenForInput(0), both.SendTo("dual", to), both.SetToBroadCast(),
            outcome(lambda: both.SendTo("a", 1, to))]
    connected = m.Socket_UDP()
    out += [connected.InitToAddress(to), connected.Send("udp")]
    out += [incoming.SendTo("abcdef", 3, to), outcome(lambda: incoming.SendTo(5, 1, to)),
            outcome(lambda: incoming.SendTo("a", 1, "x"))]
    expected = [b"hello", b"", b"to", b"loose", b"dual", b"udp", b"abc"]
    fds.setForSocket(incoming)
    out.append(wait_for(lambda: fds.setForSocket(incoming) or fds.WaitForRead(False, 100)))
    out.append(fds.IsSetFor(incoming))
    got = []
    wait_for(lambda: got.extend(take(incoming)) or len(got) >= len(expected))
    out.append(sorted(got) == sorted(expected))
    # timeouts and the other waits
    fds.clear()
    fds.setForSocket(incoming)
    out += [fds.WaitForRead(False, 10), fds.IsSetFor(incoming)]
    fds.setForSocket(incoming)
    out += [fds.WaitForWrite(True, 10), fds.IsSetFor(incoming)]
    fds.setForSocket(incoming)
    fds.setForSocket(both)
    out += [fds.WaitForWrite(False), fds.IsSetFor(incoming), fds.IsSetFor(both),
            fds.WaitForError(False, 0), fds.IsSetFor(incoming)]
    out += [outcome(lambda: fds.WaitForRead(True, -1)), outcome(lambda: fds.WaitForRead(1, "x")),
            outcome(lambda: fds.WaitForWrite(True, 2**32))]
    # multicast: joining a unicast address fails (and a real join is not made: no traffic)
    none = m.Socket_TCP().GetPeerName()         # an address of no family: no traffic
    out += [loose.SendTo("x", none), loose.GetLastError(), m.Socket_UDP().InitToAddress(none),
            m.Socket_UDP_Incoming().OpenForInput(none), m.Socket_IP.GetLastError()]
    unspec = m.Socket_UDP_Outgoing()
    out += [unspec.InitToAddress(none), unspec.Send("x"), unspec.GetLastError()]
    mc = m.Socket_UDP_Incoming()
    out += [mc.OpenForInputMCast(addr(m)), mc.Active(), mc.InitNoAddress(), mc.Active()]
    for s in (incoming, outgoing, loose, both, connected, mc):
        s.Close()
    return out


def test_udp_and_fdset_side_by_side(P):
    assert udp_script(G) == udp_script(P)


def test_waits_on_no_socket():
    """Where Panda3D aborts the process (a socket holding none in a select set), gamenet
    raises ValueError, or returns at once from WaitForNetworkReadEvent."""
    with pytest.raises(ValueError):
        G.Socket_fdset().setForSocket(G.Socket_TCP())
    assert G.Buffered_DatagramConnection(10, 10, -1).WaitForNetworkReadEvent(5.0) is None


# --- 2. Buffered_DatagramConnection -------------------------------------------------------
MESSAGES = [b"hello", b"", bytes(range(256)) * 2, b"\x00\x01", b"last"]


def framed(messages):
    return b"".join(len(x).to_bytes(2, "little") + x for x in messages)


def read_exactly(conn, size):
    data = b""
    while len(data) < size:
        wait_for(lambda: select_readable(conn))
        chunk = conn.recv(size - len(data))
        assert chunk, "peer closed"
        data += chunk
    return data


def select_readable(conn):
    return select.select([conn], [], [], 0.05)[0]


def get_message(bdc, dg_class):
    dg = dg_class()

    def poll():
        assert bdc.IsConnected()     # (Panda3D aborts on a wait with no socket)
        bdc.WaitForNetworkReadEvent(0.05)
        return bdc.GetMessage(dg)
    wait_for(poll)
    return dg.get_message()


def reset_or_message(bdc, dg):
    """One poll: True once bdc has a datagram or has reset its connection."""
    if bdc.GetMessage(dg()) or not bdc.IsConnected():
        return True
    bdc.WaitForNetworkReadEvent(0.05)
    return False


def test_buffered_wire_format_matches_panda3d(P):
    """Both implementations put the same bytes on the wire, and read the same frames."""
    wire = {}
    for m, dg in impls(P):
        with socket.socket() as srv:
            srv.bind(("127.0.0.1", 0))
            srv.listen()
            bdc = m.Buffered_DatagramConnection(4096, 4096, -1)
            bdc.AddAddress(addr(m, port=srv.getsockname()[1]))
            assert bdc.DoConnect() and bdc.IsConnected()
            conn, _ = srv.accept()
            with conn:
                assert all(bdc.SendMessage(dg(x)) for x in MESSAGES)
                assert bdc.Flush()
                wire[m.__name__] = read_exactly(conn, len(framed(MESSAGES)))
                conn.sendall(framed(MESSAGES))
                assert [get_message(bdc, dg) for _ in MESSAGES] == MESSAGES
            bdc.Close()
    assert wire[G.__name__] == wire[P.__name__] == framed(MESSAGES)


def exchange(client_m, client_dg, server_m, server_dg):
    """A client_m Buffered_DatagramConnection to a server_m Socket_TCP_Listen that accepts
    into a server_m Buffered_DatagramConnection; datagrams both ways."""
    listener = server_m.Socket_TCP_Listen()
    assert listener.OpenForListen(addr(server_m))
    client = client_m.Buffered_DatagramConnection(1024, 1024, 0)
    client.AddAddress(addr(client_m, port=local_port(listener)))
    assert client.DoConnect()
    server = server_m.Buffered_DatagramConnection(1024, 1024, -1)
    assert listener.GetIncomingConnection(server, server_m.Socket_Address())
    server.SetNonBlocking()
    for x in MESSAGES:
        assert client.SendMessage(client_dg(x))          # flush point 0: sent at once
        assert get_message(server, server_dg) == x
    assert all(server.SendMessage(server_dg(x)) for x in MESSAGES) and server.Flush()
    assert [get_message(client, client_dg) for _ in MESSAGES] == MESSAGES
    for s in (client, server, listener):
        s.Close()


def test_gamenet_client_to_panda3d_server(P):
    exchange(G, GDatagram, P, P.Datagram)


def test_panda3d_client_to_gamenet_server(P):
    exchange(P, P.Datagram, G, GDatagram)


def buffered_script(m, dg):
    out = []
    idle = m.Buffered_DatagramConnection(20, 20, -1)
    out += [idle.IsConnected(), idle.SendMessage(dg(b"x")), idle.GetMessage(dg()),
            idle.Flush(), idle.DoConnect(), idle.AddressQueueSize(),
            outcome(lambda: idle.SendMessage(b"raw")), outcome(lambda: idle.GetMessage(b"x")),
            outcome(lambda: m.Buffered_DatagramConnection()),
            outcome(lambda: m.Buffered_DatagramConnection("1", 2, 3))]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    here = addr(m, port=srv.getsockname()[1])
    idle.AddAddress(here)
    idle.AddAddress(here)
    idle.AddAddress(m.Socket_Address(here))
    out += [idle.AddressQueueSize(), idle.ClearAddresses(), idle.AddressQueueSize()]

    def connect(rbuf, wbuf, flush_point):
        bdc = m.Buffered_DatagramConnection(rbuf, wbuf, flush_point)
        bdc.AddAddress(here)
        assert bdc.DoConnect()
        conn, _ = srv.accept()
        return bdc, conn

    # write buffer of 20: a datagram of 17 fits (17 + 2 < 20), 18 does not and resets
    bdc, conn = connect(20, 20, 0)
    out += [bdc.SendMessage(dg(b"abc")), read_exactly(conn, 5),
            bdc.SendMessage(dg(b"x" * 17)), read_exactly(conn, 19),
            bdc.SendMessage(dg(b"x" * 18)), bdc.IsConnected()]
    conn.close()
    # no flush point: datagrams wait in the buffer, flushed when the next does not fit
    bdc, conn = connect(20, 20, -1)
    out += [[bdc.SendMessage(dg(b"abcdef")) for _ in range(4)], bdc.Flush(),
            read_exactly(conn, 32), bdc.GetMessage(dg()), bdc.GetLastError(),
            bdc.ErrorIs_WouldBlocking(0)]
    # read buffer of 20: a frame of 22 bytes cannot be read and resets the connection
    conn.sendall(b"\x14\x00" + b"z" * 20)
    wait_for(lambda: reset_or_message(bdc, dg))
    out.append(bdc.IsConnected())
    conn.close()
    # frames that straddle the end of the read buffer are slid back and read
    bdc, conn = connect(20, 20, -1)
    conn.sendall(b"\x10\x00" + b"z" * 16 + b"\x05\x00abcde")
    out += [get_message(bdc, dg), get_message(bdc, dg), bdc.IsConnected()]
    conn.close()
    wait_for(lambda: reset_or_message(bdc, dg))
    out += [bdc.IsConnected(), bdc.Flush(), bdc.DoConnect()]
    bdc.Reset()
    out += [bdc.IsConnected(), outcome(lambda: bdc.WaitForNetworkReadEvent("x"))]
    srv.close()
    return out


def test_buffered_side_by_side(P):
    assert buffered_script(G, GDatagram) == buffered_script(P, P.Datagram)


def test_get_message_fills_other_datagrams(P):
    """GetMessage fills a Panda3D Datagram too (through assign), and gamenet's subclasses."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        bdc = G.Buffered_DatagramConnection(100, 100, -1)
        bdc.AddAddress(addr(G, port=srv.getsockname()[1]))
        assert bdc.DoConnect()
        conn, _ = srv.accept()
        with conn:
            conn.sendall(framed([b"one", b"two"]))
            assert get_message(bdc, P.Datagram) == b"one"

            class Sub(GDatagram):
                pass
            assert get_message(bdc, Sub) == b"two"
        bdc.Close()


def test_not_utf8_round_trips():
    """Panda3D raises UnicodeDecodeError (and loses the bytes); gamenet keeps them."""
    listener = G.Socket_TCP_Listen()
    assert listener.OpenForListen(addr(G))
    client, server = G.Socket_TCP(), G.Socket_TCP()
    assert client.ActiveOpen(addr(G, port=local_port(listener)), True)
    assert listener.GetIncomingConnection(server, G.Socket_Address())
    assert client.SendData(b"ab\xff\xfe") == 4
    got = ""
    while len(got) < 4:
        got += server.RecvData(10)
    assert got.encode("utf-8", "surrogateescape") == b"ab\xff\xfe"
    assert server.SendData(got) == 4
    assert readable(G, client) == (1, True)
    assert client.RecvData(10).encode("utf-8", "surrogateescape") == b"ab\xff\xfe"
    for s in (client, server, listener):
        s.Close()
