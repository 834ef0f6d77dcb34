"""The ctypes layer: loads libgamenet and declares argtypes and restype for every function
of include/gamenet.h (python/tests/test_ffi.py checks the two agree).

The library is looked for, in order: $GAMENET_LIBRARY, next to this package, and in the
source tree's target/release and target/debug. The error names every place tried."""

import ctypes
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char, c_char_p, c_double,
                    c_float, c_int8, c_int16, c_int32, c_int64, c_size_t, c_uint8, c_uint16,
                    c_uint32, c_uint64, c_void_p)

__all__ = ["lib", "library_path", "Address", "ResetInfo", "Interface", "DatagramInfo",
           "NewConnection", "WriterStats", "ReaderStats", "ListenerStats", "ConnStats",
           "Buffer", "LOG_FN", "FREE_FN", "DECLARATIONS", "MESSAGE_MAX", "IFNAME_MAX"]

MESSAGE_MAX = 256
IFNAME_MAX = 64


class Address(Structure):
    """gamenet_address: family (0, 4 or 6), port, scope_id, flowinfo, 16 address bytes."""
    _fields_ = [("family", c_uint16), ("port", c_uint16), ("scope_id", c_uint32),
                ("flowinfo", c_uint32), ("ip", c_uint8 * 16)]


class ResetInfo(Structure):
    _fields_ = [("conn", c_uint64), ("reason", c_int32), ("os_error", c_int32),
                ("message", c_char * MESSAGE_MAX)]


class Interface(Structure):
    _fields_ = [("name", c_char * IFNAME_MAX), ("flags", c_uint32), ("address", Address),
                ("netmask", Address), ("broadcast", Address), ("point_to_point", Address),
                ("mac", c_uint8 * 6)]


class DatagramInfo(Structure):
    _fields_ = [("conn", c_uint64), ("from_", Address), ("offset", c_size_t), ("len", c_size_t)]


class NewConnection(Structure):
    _fields_ = [("rendezvous", c_uint64), ("conn", c_uint64), ("peer", Address)]


class WriterStats(Structure):
    _fields_ = [(n, c_uint64) for n in ("datagrams_sent", "bytes_sent", "queue_size",
                                         "would_block", "send_errors", "unsent_at_shutdown")]


class ReaderStats(Structure):
    _fields_ = [(n, c_uint64) for n in ("datagrams", "bytes", "queue_size", "dropped_overflow",
                                         "dropped_checksum", "dropped_too_large", "replaced",
                                         "backpressure_pauses", "connections")]


class ListenerStats(Structure):
    _fields_ = [(n, c_uint64) for n in ("accepted", "exhausted", "accept_errors", "queue_size")]


class ConnStats(Structure):
    _fields_ = [(n, c_uint64) for n in ("datagrams_in", "bytes_in", "datagrams_out", "bytes_out",
                                         "dropped_checksum", "dropped_overflow",
                                         "dropped_too_large", "pending_out_bytes")]


class Buffer(Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t)]


LOG_FN = CFUNCTYPE(None, c_void_p, c_int32, c_char_p, c_size_t)
FREE_FN = CFUNCTYPE(None, c_void_p)

# name: (restype, argtypes). Data buffers are c_void_p (bytes, bytearray views or ctypes
# arrays), C strings c_char_p, handles c_void_p.
DECLARATIONS = {
    "gamenet_address_parse": (c_int32, [c_char_p, POINTER(Address)]),
    "gamenet_address_resolve": (c_int32, [c_char_p, c_uint16, POINTER(Address), c_size_t, POINTER(c_size_t)]),
    "gamenet_address_any": (c_int32, [c_uint16, c_bool, POINTER(Address)]),
    "gamenet_address_localhost": (c_int32, [c_uint16, c_bool, POINTER(Address)]),
    "gamenet_address_broadcast": (c_int32, [c_uint16, POINTER(Address)]),
    "gamenet_address_to_string": (c_int32, [POINTER(Address), c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_address_ip_to_string": (c_int32, [POINTER(Address), c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_address_is_any": (c_bool, [POINTER(Address)]),
    "gamenet_last_error": (c_int32, [c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_debug_panic": (c_int32, [c_char_p]),
    "gamenet_conn_get_kind": (c_int32, [c_void_p, c_uint64, POINTER(c_int32)]),
    "gamenet_conn_get_local_address": (c_int32, [c_void_p, c_uint64, POINTER(Address)]),
    "gamenet_conn_get_peer_address": (c_int32, [c_void_p, c_uint64, POINTER(Address)]),
    "gamenet_conn_set_no_delay": (c_int32, [c_void_p, c_uint64, c_bool]),
    "gamenet_conn_get_no_delay": (c_int32, [c_void_p, c_uint64, POINTER(c_bool)]),
    "gamenet_conn_set_linger": (c_int32, [c_void_p, c_uint64, c_bool, c_uint32]),
    "gamenet_conn_get_linger": (c_int32, [c_void_p, c_uint64, POINTER(c_bool), POINTER(c_uint32)]),
    "gamenet_conn_set_keep_alive": (c_int32, [c_void_p, c_uint64, c_bool, c_uint32, c_uint32]),
    "gamenet_conn_get_keep_alive": (c_int32, [c_void_p, c_uint64, POINTER(c_bool), POINTER(c_uint32), POINTER(c_uint32)]),
    "gamenet_conn_set_send_buffer_size": (c_int32, [c_void_p, c_uint64, c_size_t]),
    "gamenet_conn_get_send_buffer_size": (c_int32, [c_void_p, c_uint64, POINTER(c_size_t)]),
    "gamenet_conn_set_recv_buffer_size": (c_int32, [c_void_p, c_uint64, c_size_t]),
    "gamenet_conn_get_recv_buffer_size": (c_int32, [c_void_p, c_uint64, POINTER(c_size_t)]),
    "gamenet_conn_set_reuse_addr": (c_int32, [c_void_p, c_uint64, c_bool]),
    "gamenet_conn_get_reuse_addr": (c_int32, [c_void_p, c_uint64, POINTER(c_bool)]),
    "gamenet_conn_set_ttl": (c_int32, [c_void_p, c_uint64, c_uint32]),
    "gamenet_conn_get_ttl": (c_int32, [c_void_p, c_uint64, POINTER(c_uint32)]),
    "gamenet_conn_set_tos": (c_int32, [c_void_p, c_uint64, c_uint32]),
    "gamenet_conn_get_tos": (c_int32, [c_void_p, c_uint64, POINTER(c_uint32)]),
    "gamenet_conn_get_stats": (c_int32, [c_void_p, c_uint64, POINTER(ConnStats)]),
    "gamenet_datagram_new": (c_int32, [POINTER(c_void_p)]),
    "gamenet_datagram_free": (c_int32, [c_void_p]),
    "gamenet_datagram_clear": (c_int32, [c_void_p]),
    "gamenet_datagram_get_length": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_datagram_get_data": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_append_data": (c_int32, [c_void_p, c_void_p, c_size_t]),
    "gamenet_datagram_pad_bytes": (c_int32, [c_void_p, c_size_t]),
    "gamenet_datagram_add_string": (c_int32, [c_void_p, c_void_p, c_size_t]),
    "gamenet_datagram_add_string32": (c_int32, [c_void_p, c_void_p, c_size_t]),
    "gamenet_datagram_add_z_string": (c_int32, [c_void_p, c_char_p]),
    "gamenet_datagram_add_fixed_string": (c_int32, [c_void_p, c_void_p, c_size_t, c_size_t]),
    "gamenet_datagram_add_wstring": (c_int32, [c_void_p, c_char_p]),
    "gamenet_datagram_add_blob": (c_int32, [c_void_p, c_void_p, c_size_t]),
    "gamenet_datagram_add_blob32": (c_int32, [c_void_p, c_void_p, c_size_t]),
    "gamenet_datagram_iterator_new": (c_int32, [c_void_p, c_size_t, POINTER(c_void_p)]),
    "gamenet_datagram_iterator_new_from_datagram": (c_int32, [c_void_p, POINTER(c_void_p)]),
    "gamenet_datagram_iterator_free": (c_int32, [c_void_p]),
    "gamenet_datagram_iterator_get_current_index": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_remaining_size": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_skip_bytes": (c_int32, [c_void_p, c_size_t]),
    "gamenet_datagram_iterator_get_remaining_bytes": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_extract_bytes": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_string": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_string32": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_z_string": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_fixed_string": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_wstring": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_blob": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_iterator_get_blob32": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_datagram_add_bool": (c_int32, [c_void_p, c_bool]),
    "gamenet_datagram_add_int8": (c_int32, [c_void_p, c_int8]),
    "gamenet_datagram_add_uint8": (c_int32, [c_void_p, c_uint8]),
    "gamenet_datagram_add_int16": (c_int32, [c_void_p, c_int16]),
    "gamenet_datagram_add_be_int16": (c_int32, [c_void_p, c_int16]),
    "gamenet_datagram_add_int32": (c_int32, [c_void_p, c_int32]),
    "gamenet_datagram_add_be_int32": (c_int32, [c_void_p, c_int32]),
    "gamenet_datagram_add_int64": (c_int32, [c_void_p, c_int64]),
    "gamenet_datagram_add_be_int64": (c_int32, [c_void_p, c_int64]),
    "gamenet_datagram_add_uint16": (c_int32, [c_void_p, c_uint16]),
    "gamenet_datagram_add_be_uint16": (c_int32, [c_void_p, c_uint16]),
    "gamenet_datagram_add_uint32": (c_int32, [c_void_p, c_uint32]),
    "gamenet_datagram_add_be_uint32": (c_int32, [c_void_p, c_uint32]),
    "gamenet_datagram_add_uint64": (c_int32, [c_void_p, c_uint64]),
    "gamenet_datagram_add_be_uint64": (c_int32, [c_void_p, c_uint64]),
    "gamenet_datagram_add_float32": (c_int32, [c_void_p, c_float]),
    "gamenet_datagram_add_be_float32": (c_int32, [c_void_p, c_float]),
    "gamenet_datagram_add_float64": (c_int32, [c_void_p, c_double]),
    "gamenet_datagram_add_be_float64": (c_int32, [c_void_p, c_double]),
    "gamenet_datagram_iterator_get_bool": (c_int32, [c_void_p, POINTER(c_bool)]),
    "gamenet_datagram_iterator_get_int8": (c_int32, [c_void_p, POINTER(c_int8)]),
    "gamenet_datagram_iterator_get_uint8": (c_int32, [c_void_p, c_void_p]),
    "gamenet_datagram_iterator_get_int16": (c_int32, [c_void_p, POINTER(c_int16)]),
    "gamenet_datagram_iterator_get_be_int16": (c_int32, [c_void_p, POINTER(c_int16)]),
    "gamenet_datagram_iterator_get_int32": (c_int32, [c_void_p, POINTER(c_int32)]),
    "gamenet_datagram_iterator_get_be_int32": (c_int32, [c_void_p, POINTER(c_int32)]),
    "gamenet_datagram_iterator_get_int64": (c_int32, [c_void_p, POINTER(c_int64)]),
    "gamenet_datagram_iterator_get_be_int64": (c_int32, [c_void_p, POINTER(c_int64)]),
    "gamenet_datagram_iterator_get_uint16": (c_int32, [c_void_p, POINTER(c_uint16)]),
    "gamenet_datagram_iterator_get_be_uint16": (c_int32, [c_void_p, POINTER(c_uint16)]),
    "gamenet_datagram_iterator_get_uint32": (c_int32, [c_void_p, POINTER(c_uint32)]),
    "gamenet_datagram_iterator_get_be_uint32": (c_int32, [c_void_p, POINTER(c_uint32)]),
    "gamenet_datagram_iterator_get_uint64": (c_int32, [c_void_p, POINTER(c_uint64)]),
    "gamenet_datagram_iterator_get_be_uint64": (c_int32, [c_void_p, POINTER(c_uint64)]),
    "gamenet_datagram_iterator_get_float32": (c_int32, [c_void_p, POINTER(c_float)]),
    "gamenet_datagram_iterator_get_be_float32": (c_int32, [c_void_p, POINTER(c_float)]),
    "gamenet_datagram_iterator_get_float64": (c_int32, [c_void_p, POINTER(c_double)]),
    "gamenet_datagram_iterator_get_be_float64": (c_int32, [c_void_p, POINTER(c_double)]),
    "gamenet_result_str": (c_char_p, [c_int32]),
    "gamenet_listener_new": (c_int32, [c_void_p, c_uint32, POINTER(c_void_p)]),
    "gamenet_listener_free": (c_int32, [c_void_p]),
    "gamenet_listener_shutdown": (c_int32, [c_void_p]),
    "gamenet_listener_add_connection": (c_int32, [c_void_p, c_uint64]),
    "gamenet_listener_remove_connection": (c_int32, [c_void_p, c_uint64]),
    "gamenet_listener_set_reader": (c_int32, [c_void_p, c_void_p]),
    "gamenet_listener_new_connection_available": (c_bool, [c_void_p]),
    "gamenet_listener_poll": (c_int32, [c_void_p, c_int32]),
    "gamenet_listener_get_new_connection": (c_int32, [c_void_p, POINTER(NewConnection)]),
    "gamenet_listener_get_stats": (c_int32, [c_void_p, POINTER(ListenerStats)]),
    "gamenet_manager_new": (c_int32, [POINTER(c_void_p)]),
    "gamenet_manager_free": (c_int32, [c_void_p]),
    "gamenet_manager_set_log_callback": (c_int32, [c_void_p, LOG_FN, c_void_p, FREE_FN, c_int32]),
    "gamenet_manager_open_tcp_server_rendezvous": (c_int32, [c_void_p, c_char_p, c_uint16, c_int32, POINTER(c_uint64)]),
    "gamenet_manager_open_tcp_client_connection": (c_int32, [c_void_p, POINTER(Address), c_uint32, POINTER(c_uint64)]),
    "gamenet_manager_open_tcp_client_connection_host": (c_int32, [c_void_p, c_char_p, c_uint16, c_uint32, POINTER(c_uint64)]),
    "gamenet_manager_open_udp_connection": (c_int32, [c_void_p, c_char_p, c_uint16, c_bool, POINTER(c_uint64)]),
    "gamenet_manager_close_connection": (c_int32, [c_void_p, c_uint64]),
    "gamenet_manager_get_num_connections": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_manager_reset_connection_available": (c_bool, [c_void_p]),
    "gamenet_manager_get_reset_connection": (c_int32, [c_void_p, POINTER(ResetInfo)]),
    "gamenet_manager_get_host_name": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_manager_get_interfaces": (c_int32, [c_void_p, POINTER(Interface), c_size_t, POINTER(c_size_t)]),
    "gamenet_reader_new": (c_int32, [c_void_p, c_uint32, POINTER(c_void_p)]),
    "gamenet_reader_new_recent": (c_int32, [c_void_p, c_uint32, POINTER(c_void_p)]),
    "gamenet_reader_free": (c_int32, [c_void_p]),
    "gamenet_reader_shutdown": (c_int32, [c_void_p]),
    "gamenet_reader_add_connection": (c_int32, [c_void_p, c_uint64]),
    "gamenet_reader_remove_connection": (c_int32, [c_void_p, c_uint64]),
    "gamenet_reader_is_connection_ok": (c_bool, [c_void_p, c_uint64]),
    "gamenet_reader_set_raw_mode": (c_int32, [c_void_p, c_bool]),
    "gamenet_reader_set_tcp_header_size": (c_int32, [c_void_p, c_int32]),
    "gamenet_reader_get_tcp_header_size": (c_int32, [c_void_p, POINTER(c_int32)]),
    "gamenet_reader_set_max_datagram_size": (c_int32, [c_void_p, c_size_t]),
    "gamenet_reader_get_max_datagram_size": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_reader_set_max_queue_size": (c_int32, [c_void_p, c_size_t]),
    "gamenet_reader_get_current_queue_size": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_reader_data_available": (c_bool, [c_void_p]),
    "gamenet_reader_poll": (c_int32, [c_void_p, c_int32]),
    "gamenet_reader_get_data": (c_int32, [c_void_p, POINTER(DatagramInfo), c_void_p, c_size_t, POINTER(c_size_t)]),
    "gamenet_reader_get_data_batch": (c_int32, [c_void_p, c_void_p, c_size_t, POINTER(DatagramInfo), c_size_t, POINTER(c_size_t)]),
    "gamenet_reader_get_data_view": (c_int32, [c_void_p, POINTER(DatagramInfo), POINTER(c_void_p)]),
    "gamenet_reader_take_overflow": (c_bool, [c_void_p]),
    "gamenet_reader_get_stats": (c_int32, [c_void_p, POINTER(ReaderStats)]),
    "gamenet_version": (c_char_p, []),
    "gamenet_writer_new": (c_int32, [c_void_p, c_uint32, POINTER(c_void_p)]),
    "gamenet_writer_free": (c_int32, [c_void_p]),
    "gamenet_writer_send": (c_int32, [c_void_p, c_uint64, c_void_p, c_size_t, c_bool]),
    "gamenet_writer_send_to": (c_int32, [c_void_p, c_uint64, POINTER(Address), c_void_p, c_size_t, c_bool]),
    "gamenet_writer_send_to_batch": (c_int32, [c_void_p, c_uint64, POINTER(Address), c_void_p, POINTER(c_size_t), c_size_t, c_bool, POINTER(c_size_t)]),
    "gamenet_writer_send_batch": (c_int32, [c_void_p, c_uint64, c_void_p, POINTER(c_size_t), c_size_t, c_bool, POINTER(c_size_t)]),
    "gamenet_writer_send_iov": (c_int32, [c_void_p, c_uint64, POINTER(Buffer), c_size_t, c_bool, POINTER(c_size_t)]),
    "gamenet_writer_flush": (c_int32, [c_void_p]),
    "gamenet_writer_shutdown": (c_int32, [c_void_p, c_uint32, POINTER(c_uint64)]),
    "gamenet_writer_set_max_queue_size": (c_int32, [c_void_p, c_size_t]),
    "gamenet_writer_get_max_queue_size": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_writer_get_current_queue_size": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "gamenet_writer_set_max_buffer_bytes": (c_int32, [c_void_p, c_size_t]),
    "gamenet_writer_set_raw_mode": (c_int32, [c_void_p, c_bool]),
    "gamenet_writer_get_raw_mode": (c_int32, [c_void_p, POINTER(c_bool)]),
    "gamenet_writer_set_tcp_header_size": (c_int32, [c_void_p, c_int32]),
    "gamenet_writer_get_tcp_header_size": (c_int32, [c_void_p, POINTER(c_int32)]),
    "gamenet_writer_set_udp_max_size": (c_int32, [c_void_p, c_size_t]),
    "gamenet_writer_is_valid_for_udp": (c_bool, [c_void_p, c_size_t]),
    "gamenet_writer_set_collect_tcp": (c_int32, [c_void_p, c_bool, c_uint32]),
    "gamenet_writer_get_collect_tcp": (c_int32, [c_void_p, POINTER(c_bool), POINTER(c_uint32)]),
    "gamenet_writer_set_send_timeout": (c_int32, [c_void_p, c_uint32]),
    "gamenet_writer_get_stats": (c_int32, [c_void_p, POINTER(WriterStats)]),
}


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    names = ["libgamenet.so"] if not sys.platform.startswith("darwin") else ["libgamenet.dylib"]
    env = os.environ.get("GAMENET_LIBRARY")
    if env:
        yield env
    for n in names:
        yield os.path.join(here, n)
    root = os.path.dirname(os.path.dirname(here))
    for profile in ("release", "debug"):
        for n in names:
            yield os.path.join(root, "target", profile, n)


def _load():
    tried = []
    for path in _candidates():
        tried.append(path)
        if os.path.exists(path):
            return ctypes.CDLL(path), path
    raise OSError(
        "libgamenet not found; tried:\n  " + "\n  ".join(tried)
        + "\nBuild it with `cargo build --release` in the gamenet source tree, install the "
        "package with `pip install ./python`, or set GAMENET_LIBRARY to its path.")


lib, library_path = _load()
for _name, (_res, _args) in DECLARATIONS.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args
