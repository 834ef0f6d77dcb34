"""gamenet.peng's link to the C layer: the configuration stack (peng3d's Config), the
check of peng3dnet config keys gamenet cannot honour, and the C configuration, server and
client handles (gamenet.msg's Server and Client made from a configuration built here)."""
from __future__ import annotations

from .. import _ffi, msg
from ..address import _text
from ..core import _Handle, _new
from ..errors import GamenetError, check
from . import errors

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the hints only: typing is not imported at run time
    from typing import Any, Iterable, Optional, Tuple

lib = _ffi.lib

# gamenet's own keys, read with these defaults when the configuration does not hold them
# (DEFAULT_CONFIG stays peng3dnet's). Times are in seconds.
GAMENET_DEFAULTS = {
    "net.gamenet.threads": 1,
    "net.gamenet.max_frame": 16 << 20,
    "net.gamenet.max_decompressed": 16 << 20,
    "net.gamenet.handshake_timeout": 10.0,
    "net.gamenet.connect_timeout": 5.0,
}

# Keys gamenet cannot honour yet: turned on (their value differs from the one given here),
# bind() and connect() raise NotImplementedError rather than ignore them.
_UNSUPPORTED = {
    "net.ssl.enabled": (False, "TLS is not implemented in gamenet yet"),
    "net.encrypt.enabled": (False, "encryption is not implemented (in peng3dnet neither)"),
}
_CLIENT_UNSUPPORTED = {
    "net.registry.autosync": (True, "a gamenet client always adopts the server's registry "
                                    "in the handshake"),
    "net.registry.missingpacketaction": (
        "closeconnection", "a gamenet client always closes with packetregmismatch when its "
                           "packet names differ from the server's"),
}


class Config(object):
    """A configuration stack, as peng3d.config.Config: `config` holds what was set,
    `defaults` (a dict or another Config) answers the rest."""

    def __init__(self, config: Optional[dict] = None, defaults: Any = None) -> None:
        self.config = config if config is not None else {}
        self.defaults = defaults if defaults is not None else {}

    def __getitem__(self, key: str) -> Any:
        return self.config[key] if key in self.config else self.defaults[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.config[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self.config

    def get(self, key: str, default: Any = None) -> Any:
        """The value of key, or default when neither the stack nor its defaults hold it."""
        try:
            return self[key]
        except KeyError:
            return default


def check_supported(cfg: Config, client: bool) -> None:
    """Raises NotImplementedError naming the first key that is turned on but that gamenet
    cannot honour."""
    table = dict(_UNSUPPORTED, **(_CLIENT_UNSUPPORTED if client else {}))
    for key, (ok, why) in table.items():
        value = cfg.get(key, ok)
        if value != ok:
            raise NotImplementedError("config %s = %r is not supported by gamenet.peng: %s"
                                      % (key, value, why))


def _gamenet_key(cfg: Config, key: str) -> Any:
    return cfg.get(key, GAMENET_DEFAULTS[key])


class NativeConfig(_Handle):
    """A gamenet_msg_config: packets are registered in it as the program registers them
    (so that gamenet's checks of names and ids apply at once), the rest when the server or
    client starts (apply())."""

    _free = staticmethod(lib.gamenet_msg_config_free)
    _kind = "message-layer configuration"

    def __init__(self) -> None:
        super().__init__(_new(lib.gamenet_msg_config_new))

    def register_packet(self, name: str, pid: int) -> None:
        """Registers packet `name` with id `pid` (64 or more); RegistryError when gamenet
        refuses it (a malformed name, a reserved or taken id), saying why."""
        try:
            check(lib.gamenet_msg_config_register_packet(self._ptr, _text(name, "name"), pid,
                                                         None))
        except GamenetError as e:
            raise errors.RegistryError(e.message) from e

    def apply(self, cfg: Config, host: Optional[str], port: int) -> None:
        """Sets the address, compression, limits, timeouts and threads from `cfg`."""
        p = self._ptr
        check(lib.gamenet_msg_config_set_address(p, _text(host, "host", True), int(port)))
        level = int(cfg["net.compress.level"])
        check(lib.gamenet_msg_config_set_compression(
            p, bool(cfg["net.compress.enabled"]), int(cfg["net.compress.threshold"]),
            6 if level == -1 else level))  # -1: zlib's default level, 6
        check(lib.gamenet_msg_config_set_limits(
            p, int(_gamenet_key(cfg, "net.gamenet.max_frame")),
            int(_gamenet_key(cfg, "net.gamenet.max_decompressed"))))
        check(lib.gamenet_msg_config_set_timeouts(
            p, max(1, int(_gamenet_key(cfg, "net.gamenet.handshake_timeout") * 1000)),
            max(1, int(_gamenet_key(cfg, "net.gamenet.connect_timeout") * 1000))))
        check(lib.gamenet_msg_config_set_threads(p, int(_gamenet_key(cfg,
                                                                     "net.gamenet.threads"))))

    def apply_server(self, conn_types: Iterable[str]) -> None:
        """A server's connection types: "ping" turns gamenet's ping answer on (it is off
        without), deferred: each query comes as an event, answered inside process() (see
        Server._on_ping_query); every other name but "classic" is accepted with the classic
        handshake."""
        types = set(conn_types)
        for t in sorted(types - {"classic", "ping"}):
            check(lib.gamenet_msg_config_add_conn_type(self._ptr, _text(t, "conntype")))
        check(lib.gamenet_msg_config_set_answer_ping(self._ptr, "ping" in types))
        check(lib.gamenet_msg_config_set_defer_ping(self._ptr, "ping" in types))

    def apply_client(self, conn_type: str) -> None:
        """A client's connection type."""
        check(lib.gamenet_msg_config_set_conn_type(self._ptr, _text(conn_type, "conntype")))


class NativeServer(msg.Server):
    """gamenet.msg.Server made from a NativeConfig: it listens from the start."""

    def __init__(self, cfg: NativeConfig) -> None:
        msg._Peer.__init__(self, _new(lib.gamenet_server_new, cfg._ptr))


class NativeClient(msg.Client):
    """gamenet.msg.Client made from a NativeConfig: connects (blocking, within the connect
    timeout; the GIL is released meanwhile)."""

    def __init__(self, cfg: NativeConfig) -> None:
        msg._Peer.__init__(self, _new(lib.gamenet_client_connect, cfg._ptr))


def peer_address(peer: Any) -> Optional[Tuple[str, int]]:
    """A MsgEvent's peer NetAddress as a (host, port) tuple, as socket's accept gives it."""
    if peer is None:
        return None
    return (peer.get_ip_string(), peer.get_port())


def server_host(host: Optional[str]) -> Optional[str]:
    """The host a server listens on: "" (socket's "every address") is None for gamenet,
    which then listens on every IPv4 and IPv6 address."""
    return host or None


def ms(seconds: Optional[float], default: int) -> int:
    """Seconds as milliseconds for C, within 0..2**32-1 (None: default)."""
    if seconds is None:
        return default
    return max(0, min(int(seconds * 1000), 2**32 - 1))

