"""gamenet.panda against the real Panda3D, class by class: every public name of the net
and nativenet classes exists, and each group behaves as Panda3D's does, run side by side
(the same function on both modules, results compared) and, where two processes' wire is
involved, across the two (a Panda3D sink into a gamenet generator and back)."""
import io
import socket
import time

import pytest

from gamenet import panda as gp

pc = pytest.importorskip("panda3d.core")

CLASSES = ["ConnectionManager", "QueuedConnectionManager", "ConnectionReader",
           "QueuedConnectionReader", "RecentConnectionReader", "ConnectionWriter",
           "ConnectionListener", "QueuedConnectionListener", "Connection",
           "PointerToConnection", "NetAddress", "NetDatagram", "Datagram", "DatagramIterator",
           "DatagramGeneratorNet", "DatagramSinkNet", "Buffered_DatagramConnection",
           "Socket_Address", "Socket_IP", "Socket_TCP", "Socket_TCP_Listen", "Socket_UDP",
           "Socket_UDP_Incoming", "Socket_UDP_Outgoing", "Socket_fdset"]
INTERNAL = ("__", "Dtool", "this", "upcast")
IMPLS = [pc, gp]


def public(cls):
    return {n for n in dir(cls) if not n.startswith(INTERNAL)}


@pytest.mark.parametrize("name", CLASSES)
def test_every_public_name_of_panda3d_exists(name):
    missing = sorted(public(getattr(pc, name)) - set(dir(getattr(gp, name))))
    assert not missing, f"gamenet.panda.{name} lacks {missing}"


def test_the_names_total_what_the_issue_counted():
    assert sum(len(public(getattr(pc, n))) for n in CLASSES) == 904


def wait(cond, seconds=10):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.002)


def free_port():
    """A port free a moment ago (Panda3D's rendezvous cannot tell the port it got)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def both(fn):
    """fn run on Panda3D's module and on gamenet.panda; the two results."""
    return fn(pc), fn(gp)


def test_manager_queue_interfaces_and_host_name_match():
    def run(p):
        m = p.QueuedConnectionManager()
        before = (m.get_max_queue_size(), m.get_current_queue_size(), m.get_overflow_flag())
        m.set_max_queue_size(7)
        ifaces = sorted((i.get_name(), i.get_ip().get_ip_string().split("%")[0],
                         i.has_netmask(), i.has_broadcast(), i.has_p2p(), str(i).split("%")[0])
                        for i in m.get_interfaces() if not i.get_ip().get_ip_string()
                        .startswith("fe80"))
        m.reset_overflow_flag()
        return (before, m.get_max_queue_size(), m.get_num_interfaces() == len(m.interfaces),
                ifaces, m.host_name == m.get_host_name(), m.wait_for_readers(0.001),
                p.ConnectionManager.Interface is p.QueuedConnectionManager.Interface)
    panda, ours = both(run)
    assert panda == ours


def test_reader_writer_listener_getters_match():
    def run(p):
        m = p.QueuedConnectionManager()
        out = []
        for obj in (p.QueuedConnectionReader(m, 0), p.QueuedConnectionListener(m, 1),
                    p.DatagramGeneratorNet(m, 0), p.RecentConnectionReader(m)):
            row = [obj.get_num_threads(), obj.is_polling(), obj.get_raw_mode(),
                   obj.get_tcp_header_size(), obj.get_manager() is not None]
            if hasattr(getattr(pc, type(obj).__name__), "get_max_queue_size"):
                row += [obj.get_overflow_flag(), obj.get_current_queue_size()]
                obj.set_max_queue_size(3)
                row.append(obj.get_max_queue_size())
                obj.reset_overflow_flag()
            obj.set_raw_mode(True)
            obj.set_tcp_header_size(4)
            row += [obj.get_raw_mode(), obj.get_tcp_header_size()]
            obj.shutdown()
            out.append(row)
        w = p.DatagramSinkNet(m, 0)
        out.append([w.get_num_threads(), w.is_immediate(), w.get_target(), w.is_error(),
                    w.put_datagram(p.Datagram(b"x")), str(w.get_filename()), w.get_file(),
                    w.get_file_pos(), str(w.filename), w.file, w.file_pos])
        return out
    panda, ours = both(run)
    # Panda3D's listener default queue bound and the readers' differ from gamenet's
    # readers (65,536, with the same meaning): compare all but the readers' bound.
    panda[0][5:6] = ours[0][5:6] = []
    assert panda == ours


def test_datagram_arrays_hex_dump_stdfloat_assign_and_type_handles_match():
    def run(p):
        def text(fn):
            if p is pc:
                s = pc.StringStream()
                fn(s)
                return s.getData().decode()
            s = io.StringIO()
            fn(s)
            return s.getvalue()

        d = p.Datagram(b"\x00hello world, this is long!\xff")
        out = [bytes(d.get_array()), d.Bytes(), text(d.dump_hex), text(d.output),
               text(lambda s: d.write(s, 2)), d.get_stdfloat_double()]
        d.set_array(b"abc")
        out.append(d.get_message())
        e = p.Datagram()
        e.assign(d)
        out.append(e.get_message())
        f = p.Datagram()
        f.set_stdfloat_double(True)
        f.add_stdfloat(1.5)
        g = p.Datagram()
        g.add_stdfloat(1.5)
        out += [f.get_message(), g.get_message(), p.DatagramIterator(f).get_stdfloat()]
        it = p.DatagramIterator(d)
        it.get_uint8()
        out += [text(it.output), text(lambda s: it.write(s, 0))]
        nd = p.NetDatagram(d)
        dt = p.Datagram.get_class_type()
        out += [str(dt), str(nd.get_type()), nd.is_of_type(dt), nd.is_exact_type(dt),
                d.is_exact_type(dt), str(d.type), str(p.DatagramIterator.get_class_type()),
                str(p.Connection.get_class_type())]
        return out
    panda, ours = both(run)
    assert panda == ours


def test_address_and_pointer_extras_match():
    def run(p):
        a = p.NetAddress()
        a.set_host("127.0.0.1", 5)
        s = a.get_addr()
        ptr = p.PointerToConnection()
        return [s.get_ip_port(), s.get_port(), a.get_hash() != 0, ptr.get_hash(), ptr.is_null()]
    panda, ours = both(run)
    assert panda == ours


def test_connection_collect_interval_flush_and_socket_match():
    def run(p):
        m = p.QueuedConnectionManager()
        port = free_port()
        r = m.open_TCP_server_rendezvous("127.0.0.1", port, 5)
        c = m.open_TCP_client_connection("127.0.0.1", port, 3000)
        out = [r.get_collect_tcp_interval(), c.consider_flush(), c.flush(),
               type(r.get_socket()).__name__, type(c.get_socket()).__name__]
        c.set_collect_tcp(True)
        c.set_collect_tcp_interval(0.5)
        c.set_max_segment(1000)
        out += [c.get_collect_tcp(), c.get_collect_tcp_interval(), c.consider_flush()]
        u = m.open_UDP_connection(0)
        out.append(type(u.get_socket()).__name__)
        m.close_connection(c)
        return out
    panda, ours = both(run)
    assert panda == ours


@pytest.mark.parametrize("server,client", [(gp, pc), (pc, gp), (gp, gp)])
def test_datagram_sink_into_a_generator_across_implementations(server, client):
    sm = server.QueuedConnectionManager()
    port = free_port()
    rendezvous = sm.open_TCP_server_rendezvous("127.0.0.1", port, 5)
    listener = server.QueuedConnectionListener(sm, 0)
    listener.add_connection(rendezvous)
    gen = server.DatagramGeneratorNet(sm, 1)
    cm = client.QueuedConnectionManager()
    conn = cm.open_TCP_client_connection("127.0.0.1", port, 3000)
    assert conn
    new = server.PointerToConnection()
    wait(lambda: listener.new_connection_available() and listener.get_new_connection(new))
    assert gen.add_connection(new.p())
    sink = client.DatagramSinkNet(cm, 0)
    sink.set_target(conn)
    assert not sink.is_error()
    for i in range(50):
        d = client.Datagram()
        d.add_uint32(i)
        d.add_string(f"message {i}")
        assert sink.put_datagram(d)
    sink.flush()
    for i in range(50):
        d = server.Datagram()
        assert gen.get_datagram(d)
        it = server.DatagramIterator(d)
        assert (it.get_uint32(), it.get_string()) == (i, f"message {i}")
    assert not gen.is_eof() and not gen.is_error()
    # The peer closes: the stream ends. Wait for the generator to see it first: Panda3D's
    # get_datagram misses the wake-up when the close lands while it waits (it then blocks
    # for good), so the test must not call it before.
    cm.close_connection(conn)
    wait(gen.is_eof)
    d = server.Datagram()
    assert not gen.get_datagram(d)
    gen.shutdown()


def test_a_subclassed_connection_reader_and_listener_get_every_datagram_and_connection():
    for threads in (0, 2):
        m = gp.QueuedConnectionManager()

        class Listener(gp.ConnectionListener):
            def __init__(self, manager, n):
                super().__init__(manager, n)
                self.opened = []

            def connection_opened(self, rendezvous, address, new_connection):
                self.opened.append((rendezvous, address, new_connection))

        class Reader(gp.ConnectionReader):
            def __init__(self, manager, n):
                super().__init__(manager, n)
                self.got = []

            def receive_datagram(self, datagram):
                self.got.append((datagram.get_connection(), datagram.get_message()))
                if datagram.get_message() == b"boom":
                    raise RuntimeError("a handler that raises costs only its datagram")

        listener, reader = Listener(m, threads), Reader(m, threads)
        rendezvous = m.open_TCP_server_rendezvous(0, 5)
        assert listener.add_connection(rendezvous)
        c = m.open_TCP_client_connection("127.0.0.1", rendezvous.get_address().get_port(), 3000)

        def pump():
            listener.poll()
            reader.poll()
        wait(lambda: pump() or listener.opened)
        rz, address, new = listener.opened[0]
        assert rz == rendezvous and address.get_ip_string() == "127.0.0.1"
        assert reader.add_connection(new)
        w = gp.ConnectionWriter(m, 0)
        for body in (b"one", b"boom", b"two"):
            assert w.send(gp.Datagram(body), c)
        wait(lambda: pump() or len(reader.got) == 3)
        assert reader.got == [(new, b"one"), (new, b"boom"), (new, b"two")]
        reader.shutdown()
        listener.shutdown()
    with pytest.raises(TypeError, match="abstract"):
        gp.ConnectionReader(gp.QueuedConnectionManager(), 0)
    with pytest.raises(TypeError, match="abstract"):
        gp.ConnectionListener(gp.QueuedConnectionManager(), 0)


def test_a_full_listener_queue_raises_the_flag_and_closes_the_extra_connection():
    m = gp.QueuedConnectionManager()
    listener = gp.QueuedConnectionListener(m, 0)
    listener.set_max_queue_size(1)
    rendezvous = m.open_TCP_server_rendezvous(0, 5)
    listener.add_connection(rendezvous)
    port = rendezvous.get_address().get_port()
    clients = [m.open_TCP_client_connection("127.0.0.1", port, 3000) for _ in range(2)]
    wait(lambda: listener.new_connection_available() and listener.get_overflow_flag())
    assert listener.get_current_queue_size() == 1
    closed = gp.PointerToConnection()
    wait(lambda: m.reset_connection_available() and m.get_reset_connection(closed))
    assert closed.p() not in clients
    listener.reset_overflow_flag()
    assert not listener.get_overflow_flag()


def test_overrides_in_either_spelling_are_called_under_both_names():
    m = gp.QueuedConnectionManager()

    class Camel(gp.ConnectionReader):
        def receiveDatagram(self, datagram):
            self.got = datagram.get_message()

    class Queue(gp.QueuedConnectionReader):
        def get_data(self, datagram):
            return "overridden"

    r = Camel(m, 0)
    r.receive_datagram(gp.NetDatagram(b"x"))
    assert r.got == b"x"
    assert Queue(m, 0).getData(gp.NetDatagram()) == "overridden"
    # The listener's own add_connection, not the reader's, under the camelCase name.
    assert gp.QueuedConnectionListener.addConnection is gp.QueuedConnectionListener.add_connection


def test_the_programs_own_close_is_not_a_reset_as_in_panda3d_but_the_peers_is():
    def run(p):
        m = p.QueuedConnectionManager()
        port = free_port()
        r = m.open_TCP_server_rendezvous("127.0.0.1", port, 5)
        listener = p.QueuedConnectionListener(m, 0)
        listener.add_connection(r)
        u = m.open_UDP_connection(0)
        c = m.open_TCP_client_connection("127.0.0.1", port, 3000)
        new = p.PointerToConnection()
        wait(lambda: listener.new_connection_available() and listener.get_new_connection(new))
        reader = p.QueuedConnectionReader(m, 0)
        reader.add_connection(new.p())
        closed = [m.close_connection(u), m.close_connection(c)]
        gone = p.PointerToConnection()

        def peer_close_seen():
            reader.data_available()  # polling: reads the end of stream
            return m.reset_connection_available() and m.get_reset_connection(gone)
        wait(peer_close_seen)
        return closed, gone.p() == new.p(), m.reset_connection_available()
    assert both(run) == (([True, True], True, False), ([True, True], True, False))


def test_panda_programs_sends_and_addresses_in_every_form():
    m = gp.QueuedConnectionManager()
    w = gp.ConnectionWriter(m, 0)
    r = gp.QueuedConnectionReader(m, 0)
    u = m.open_UDP_connection(0)
    v = m.open_UDP_connection("127.0.0.1", free_port())
    r.add_connection(v)
    to = gp.NetAddress()
    to.set_host("127.0.0.1", v.get_address().get_port())
    panda_dg = pc.Datagram(b"from panda3d's own datagram")
    assert w.send(panda_dg, u, to)
    assert w.send(gp.Datagram(b"tuple"), u, ("127.0.0.1", to.get_port()))
    got = gp.NetDatagram()
    wait(lambda: r.data_available() and r.get_current_queue_size() >= 2)
    assert r.get_data(got) and got.get_message() == b"from panda3d's own datagram"
    assert r.get_data(got) and got.get_message() == b"tuple"
    # Panda3D's copies and numbers.
    assert str(gp.NetAddress(to)) == str(to) and gp.NetAddress(to.get_addr()).get_port() == \
        to.get_port()
    assert gp.NetAddress().is_any() and str(gp.NetAddress()) == "0.0.0.0:0"
    a = pc.NetAddress()
    a.set_host("127.0.0.1", 1)
    assert to.get_ip() == a.get_ip() == 16777343
    with pytest.raises(OverflowError):
        gp.Datagram().add_uint8(300)
    # A TCP send with block given positionally, as Panda3D's signature has it.
    port = free_port()
    rz = m.open_TCP_server_rendezvous("127.0.0.1", port, 5)
    c = m.open_TCP_client_connection("127.0.0.1", port, 3000)
    assert w.send(gp.Datagram(b"x"), c, True) and w.send(gp.Datagram(b"y"), c, False)
    m.close_connection(rz)


def test_an_immediate_writer_never_blocks_on_a_peer_that_stopped_reading():
    m = gp.QueuedConnectionManager()
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen(1)
        c = m.open_TCP_client_connection("127.0.0.1", port, 3000)
        stalled, _ = server.accept()  # never reads
        with stalled:
            w = gp.ConnectionWriter(m, 0)
            big = gp.Datagram(bytes(60000))
            # The kernel's buffers and the connection's 8 MiB fill, then sends say False
            # at once instead of waiting for the peer (at most 64 MiB are offered).
            results = [w.send(big, c) for _ in range(1100)]
            assert results[0] and not results[-1]
            assert results.index(False) < 1100
