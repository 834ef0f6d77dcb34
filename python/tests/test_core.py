"""The Pythonic classes: round trips, batches, errors as exceptions, close and `with`,
use after close, threads and callbacks."""
import gc
import threading
import time
import weakref

import pytest

import gamenet
from gamenet import (Closed, GamenetError, Listener, Manager, NetAddress, Reader,
                     UnknownConnection, WouldBlock, Writer)


@pytest.fixture
def rig():
    m = Manager()
    listener = Listener(m, 1)
    reader = Reader(m, 1)
    writer = Writer(m, 1)
    listener.set_reader(reader)
    rv = m.open_tcp_server_rendezvous(0, "127.0.0.1")
    listener.add_connection(rv)
    client = m.open_tcp_client("127.0.0.1", rv.local_address.port)
    reader.add_connection(client)
    assert listener.poll(5000)
    nc = listener.get_new_connection()
    yield m, listener, reader, writer, client, nc.conn
    for h in (writer, reader, listener, m):
        h.close()


def take(reader, n, timeout=10):
    out, deadline = [], time.time() + timeout
    while len(out) < n and time.time() < deadline:
        reader.poll(50)
        out += reader.get_batch()
    return out


def test_tcp_round_trip_and_batches(rig):
    m, listener, reader, writer, client, server = rig
    writer.send(client, b"one")
    assert writer.send_batch(client, [b"two", b"", bytearray(b"three")]) == 3
    got = take(reader, 4)
    assert [g.data for g in got] == [b"one", b"two", b"", b"three"]
    assert all(g.conn == server.id for g in got)
    writer.send(server, b"back")
    r = take(reader, 1)[0]
    assert (r.conn, r.data) == (client.id, b"back")
    assert r.address.port == client.peer_address.port
    # A datagram's connection id equals the Connection open_* returned, and hashes alike.
    assert r.conn == client and client == r.conn and r.conn != server
    assert {client: "c"}[r.conn] == "c" and hash(client) == hash(r.conn)
    assert client != True and client != "1"  # noqa: E712
    assert writer.stats()["datagrams_sent"] == 5
    assert reader.stats()["datagrams"] == 5
    assert client.stats()["datagrams_in"] == 1


def test_get_data_grows_its_buffer(rig):
    m, listener, reader, writer, client, server = rig
    writer.send(client, b"x" * 60000)
    reader.poll(5000)
    time.sleep(0.05)
    r = reader.get_data()
    assert r is not None and len(r.data) == 60000


def test_udp_and_addresses():
    with Manager() as m, Reader(m, 0) as reader, Writer(m, 0) as writer:
        a = m.open_udp(0, "127.0.0.1")
        b = m.open_udp(0, "127.0.0.1")
        reader.add_connection(b)
        to = b.local_address
        assert isinstance(to, NetAddress) and to.ip == "127.0.0.1"
        writer.send_to(a, to, b"ping")
        assert reader.poll(5000)
        r = reader.get_data()
        assert r.data == b"ping" and r.address.port == a.local_address.port
        assert writer.is_valid_for_udp(1500) and not writer.is_valid_for_udp(1501)
        assert writer.send_to_batch(a, [(to, b"x"), (to, b"yy"), (to, b"")]) == 3
        got = []
        while len(got) < 3 and reader.poll(5000):
            got += reader.get_batch()
        assert [g.data for g in got] == [b"x", b"yy", b""]
        with pytest.raises(GamenetError) as e:
            writer.send_to(a, to, b"x" * 2000)
        assert e.value.name == "TOO_LARGE"
    assert str(NetAddress.parse("[::1]:5")) == "[::1]:5"
    assert NetAddress("localhost", 80).port == 80
    with pytest.raises(GamenetError) as e:
        NetAddress.parse("nope")
    assert e.value.name == "ADDRESS_PARSE" and "'nope' is not an address" in e.value.message


def test_errors_are_exceptions_with_code_and_message():
    with Manager() as m:
        with pytest.raises(UnknownConnection) as e:
            m.close_connection(12345)
        assert e.value.code == gamenet._ffi.GAMENET_ERR_UNKNOWN_CONNECTION
        assert "never existed" in e.value.message
        with pytest.raises(GamenetError) as e:
            m.open_tcp_client("127.0.0.1", 1, 1000)
        assert e.value.name == "CONNECTION_REFUSED"
        with pytest.raises(GamenetError) as e:
            gamenet.debug_panic("on purpose")
        assert e.value.name == "PANIC" and "on purpose" in e.value.message
        assert m.num_connections == 0


def test_close_is_idempotent_and_use_after_close_raises():
    m = Manager()
    w = Writer(m, 0)
    w.close()
    w.close()
    with pytest.raises(Closed):
        w.flush()
    with Reader(m, 0) as r:
        pass
    assert r.closed
    with pytest.raises(Closed):
        r.poll(0)
    m.close()
    m.close()
    with pytest.raises(Closed):
        m.open_udp()


def test_reset_queue_and_would_block(rig):
    m, listener, reader, writer, client, server = rig
    writer.set_max_buffer_bytes(1)
    # A peer that never reads: fill its buffers until the writer refuses.
    with pytest.raises(WouldBlock):
        for _ in range(100000):
            writer.send(server, b"y" * 60000)
    client.close()
    deadline = time.time() + 10
    events = []
    while len(events) < 2 and time.time() < deadline:
        events += list(m.resets())
        time.sleep(0.01)
    by_conn = {e.conn: e for e in events}
    assert by_conn[client.id].reason == gamenet.CLOSE_LOCAL
    assert server.id in by_conn


def test_log_callback_from_library_threads_and_exceptions_are_kept(rig, capsys):
    m, listener, reader, writer, client, server = rig
    seen = []

    def log(level, message):
        seen.append((threading.current_thread().name, level, message))
        if "closed" in message:
            raise ValueError("from the callback")

    m.set_log_callback(log, gamenet.LOG_INFO)
    client.close()  # this thread logs the local close; the reader thread the peer's
    deadline = time.time() + 10
    while len(m.callback_errors) < 2 and time.time() < deadline:
        time.sleep(0.01)
    assert len(m.callback_errors) == 2
    assert all(isinstance(e, ValueError) for e in m.callback_errors)
    assert "ValueError: from the callback" in capsys.readouterr().err
    assert any(name != threading.current_thread().name for name, _, _ in seen)
    m.set_log_callback(None)


def test_blocking_calls_release_the_gil():
    with Manager() as m, Reader(m, 1) as r:
        u = m.open_udp(0, "127.0.0.1")
        r.add_connection(u)
        ticks = []
        stop = threading.Event()

        def spin():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.001)

        t = threading.Thread(target=spin)
        t.start()
        assert r.poll(300) is False  # waits 300 ms in C
        stop.set()
        t.join()
        assert len(ticks) > 20  # the other Python thread ran meanwhile


def test_interfaces_and_host_name():
    with Manager() as m:
        assert m.get_host_name()
        ifs = m.interfaces()
        assert any(i["address"].ip == "127.0.0.1" for i in ifs)


def test_callbacks_are_released_by_gamenet():
    from gamenet import core
    before = len(core._CALLBACKS)
    m = Manager()
    m.set_log_callback(lambda level, msg: None)
    m.set_log_callback(lambda level, msg: None)  # replaces: the first is released
    assert len(core._CALLBACKS) == before + 1
    m.close()  # frees the manager: the second is released
    assert len(core._CALLBACKS) == before


def test_a_manager_with_a_log_callback_is_collected():
    from gamenet import core
    before = len(core._CALLBACKS)
    seen = []
    m = Manager()
    m.set_log_callback(lambda level, msg: seen.append((level, msg)), gamenet.LOG_INFO)
    m.open_udp(0, "127.0.0.1")  # logs "opened" on this thread
    assert any(level == gamenet.LOG_INFO and "opened" in msg for level, msg in seen)
    assert len(core._CALLBACKS) == before + 1
    r = weakref.ref(m)
    del m
    gc.collect()
    assert r() is None
    assert len(core._CALLBACKS) == before  # freed by gamenet, through userdata_free


def test_an_exception_in_a_log_callback_is_kept_not_raised(capsys):
    def bad(level, msg):
        raise RuntimeError("from the log callback")

    m = Manager()
    m.set_log_callback(bad, gamenet.LOG_INFO)
    conn = m.open_udp(0, "127.0.0.1")  # the callback raises; the call still succeeds
    assert conn.local_address.port
    assert [str(e) for e in m.callback_errors] == ["from the log callback"]
    assert "RuntimeError: from the log callback" in capsys.readouterr().err
    r = weakref.ref(m)
    del m, conn
    gc.collect()
    assert r() is None


def test_yes_no_answers_are_never_errors_in_disguise():
    from ctypes import byref, c_bool
    from gamenet import _ffi, panda
    with Manager() as m:
        r = Reader(m, 0)
        h = r._ptr
        assert r.data_available() is False and r.take_overflow() is False
        r.close()
        out = c_bool(True)
        rc = _ffi.lib.gamenet_reader_data_available(h, byref(out))
        assert rc == _ffi.GAMENET_ERR_INVALID_HANDLE and out.value is True
        # The drop-in's hot path raises too, where it used to answer False.
        qm = panda.QueuedConnectionManager()
        qr = panda.QueuedConnectionReader(qm, 0)
        assert qr.data_available() is False
        qr._r.close()
        with pytest.raises(GamenetError) as e:
            qr.data_available()
        assert e.value.name == "INVALID_HANDLE"
        assert NetAddress.parse("0.0.0.0:1").is_any() and not NetAddress.parse("[::1]:1").is_any()


def test_fair_shares_are_settable_and_checked():
    with Manager() as m, Reader(m, 0) as r, Writer(m, 1) as w:
        assert r.max_queue_per_connection == gamenet._ffi.GAMENET_READER_DEFAULT_MAX_QUEUE_PER_CONNECTION
        assert w.max_queue_per_connection == gamenet._ffi.GAMENET_WRITER_DEFAULT_MAX_QUEUE_PER_CONNECTION
        r.max_queue_per_connection = 8
        w.max_queue_per_connection = 9
        assert (r.max_queue_per_connection, w.max_queue_per_connection) == (8, 9)
        with pytest.raises(GamenetError) as e:
            r.max_queue_per_connection = 0
        assert e.value.name == "INVALID_ARGUMENT"
        other = Manager()
        with Listener(other, 0) as foreign:
            with pytest.raises(GamenetError) as e:
                foreign.set_reader(r)
            assert e.value.name == "INVALID_ARGUMENT" and "another manager" in e.value.message
        other.close()


def test_out_of_range_integers_are_refused_not_wrapped():
    with Manager() as m, Reader(m, 0) as r, Writer(m, 0) as w:
        with pytest.raises(ValueError, match="port = 65616"):
            m.open_tcp_server_rendezvous(65616, "127.0.0.1")
        for v in (-1, 2**64 + 5):
            with pytest.raises(ValueError):
                r.max_queue_per_connection = v
            with pytest.raises(ValueError):
                w.max_queue_per_connection = v
        with pytest.raises(ValueError):
            w.set_send_timeout(-1)
        with pytest.raises(ValueError):
            Reader(m, -1)
        assert r.max_queue_per_connection == gamenet._ffi.GAMENET_READER_DEFAULT_MAX_QUEUE_PER_CONNECTION


def test_ids_ports_and_components_out_of_range_are_refused():
    with Manager() as m, Writer(m, 0) as w:
        with pytest.raises(ValueError):
            w.send(2**64 + 5, b"x")
        with pytest.raises(ValueError):
            w.send(-1, b"x")
        a = NetAddress()
        with pytest.raises(ValueError):
            a.set_port(65616)
        with pytest.raises(IndexError):
            a.get_ip_component(-1)


def test_busy_poll_is_settable_and_poll_zero_reads():
    with Manager() as m, Reader(m, 0) as r:
        assert r.busy_poll_us == 50
        r.busy_poll_us = 0
        assert r.busy_poll_us == 0
        with pytest.raises(ValueError):
            r.busy_poll_us = -1


def test_flush_wait_on_an_idle_writer_returns_at_once():
    with Manager() as m, Writer(m, 1) as w:
        w.flush_wait(1000)


def test_errors_are_also_pythons_builtin_exceptions():
    """A refused connect is a ConnectionRefusedError, a timeout a TimeoutError, a full
    queue a BlockingIOError, an address error an OSError: caught as socket's errors are,
    and still GamenetErrors with their code and message."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: the connect is refused
    with Manager() as m:
        with pytest.raises(ConnectionRefusedError) as e:
            m.open_tcp_client("127.0.0.1", port)
        assert isinstance(e.value, gamenet.ConnectionRefused)
        assert isinstance(e.value, GamenetError) and e.value.code == 9 and e.value.message
    with pytest.raises(OSError) as e:  # parsed locally: no name is looked up
        NetAddress.parse("not an address")
    assert isinstance(e.value, gamenet.AddressError) and e.value.code == 10
    for code, builtin in ((7, BlockingIOError), (8, TimeoutError), (17, OSError),
                          (18, PermissionError), (12, OSError)):
        err = gamenet.errors.error(code, "m")
        assert isinstance(err, builtin) and isinstance(err, GamenetError)
        assert err.code == code and err.message == "m"



def test_connect_without_blocking_reports_connected_and_refused_as_events():
    import time as _time
    from gamenet import ConnectionRefused
    m = gamenet.Manager()
    rendezvous = m.open_tcp_server_rendezvous(0, "127.0.0.1")
    port = rendezvous.local_address.port
    ok = m.open_tcp_client_async("localhost", port, 5000)  # every address of it is tried
    events = {}
    deadline = _time.monotonic() + 20
    while len(events) < 1:
        ev = m.get_connect_event()
        if ev is not None:
            events[ev.ticket] = ev
        assert _time.monotonic() < deadline
    assert events[ok].error is None and events[ok].conn.peer_address.port == port
    m.close_connection(rendezvous)
    refused = m.open_tcp_client_async("127.0.0.1", port, 5000)
    assert refused != ok
    while refused not in events:
        ev = m.get_connect_event()
        if ev is not None:
            events[ev.ticket] = ev
        assert _time.monotonic() < deadline
    err = events[refused].error
    assert events[refused].conn is None
    assert isinstance(err, ConnectionRefused) and isinstance(err, ConnectionRefusedError)
    assert f"127.0.0.1:{port}" in err.message
    assert m.get_connect_event() is None


def test_wrong_argument_types_are_type_errors_naming_the_argument_and_tuples_are_addresses():
    m = gamenet.Manager()
    w = gamenet.Writer(m, 0)
    u = m.open_udp(0, "127.0.0.1")
    v = m.open_udp(0, "127.0.0.1")
    r = gamenet.Reader(m, 0)
    r.add_connection(v)
    with pytest.raises(TypeError, match="host must be a str"):
        m.open_tcp_client(1234, 80)
    with pytest.raises(TypeError, match="data must be bytes-like"):
        w.send_to(u, ("127.0.0.1", v.local_address.port), 5)
    with pytest.raises(TypeError, match="to must be a NetAddress or a \\(host, port\\) tuple"):
        w.send_to(u, "127.0.0.1:80", b"x")
    with pytest.raises(TypeError, match="conn must be a Connection"):
        w.send(1.5, b"x")
    with pytest.raises(TypeError, match="argument 'backlog'"):
        m.open_tcp_server_rendezvous(0, "127.0.0.1", "many")
    # A (host, port) tuple is an address, keyword arguments are the C API's names.
    w.send_to(conn=u, to=("127.0.0.1", v.local_address.port), data=b"tuple")
    assert r.poll(5000) and r.get_data().data == b"tuple"


def test_os_errors_carry_errno_and_errors_survive_copy_and_pickle():
    import copy
    import pickle
    m = gamenet.Manager()
    rendezvous = m.open_tcp_server_rendezvous(0, "127.0.0.1")
    port = rendezvous.local_address.port
    m.close_connection(rendezvous)
    with pytest.raises(ConnectionRefusedError) as caught:
        m.open_tcp_client("127.0.0.1", port, 2000)
    err = caught.value
    assert err.errno == 111 and err.strerror
    for twin in (copy.copy(err), pickle.loads(pickle.dumps(err))):
        assert type(twin) is type(err)
        assert (twin.code, twin.message, twin.errno) == (err.code, err.message, err.errno)


def test_ints_are_never_taken_for_bytes_and_ids_are_checked_everywhere():
    from gamenet import Datagram, DatagramIterator
    for make in (lambda: Datagram(5), lambda: DatagramIterator(5),
                 lambda: Datagram().add_string(5), lambda: Datagram().append_data(5),
                 lambda: Datagram().add_int8(1.5)):
        with pytest.raises(TypeError):
            make()
    m = gamenet.Manager()
    with pytest.raises(TypeError, match="conn must be"):
        gamenet.Reader(m, 0).add_connection(True)
    with pytest.raises(TypeError, match="conn must be"):
        gamenet.Listener(m, 0).add_connection(3.7)
