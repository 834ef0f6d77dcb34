"""peng3dnet's constants, with the same names and values (peng3dnet.constants): connection
states, modes, types, flags, sides, SSL levels and DEFAULT_CONFIG. Like the original it can
be imported with `from gamenet.peng.constants import *` without side effects."""

__all__ = [
    "MAX_PACKETLENGTH",
    "STRUCT_FORMAT_LENGTH32", "STRUCT_FORMAT_HEADER",

    "STATE_INIT",
    "STATE_HANDSHAKE_WAIT1", "STATE_HANDSHAKE_WAIT2",
    "STATE_WAITTYPE", "STATE_HELLOWAIT",
    "STATE_LOGGEDIN",
    "STATE_ACTIVE", "STATE_CLOSED",

    "MODE_NOTSET", "MODE_CLOSED",
    "MODE_PING", "MODE_PLAY", "MODE_CHAT",

    "CONNTYPE_NOTSET", "CONNTYPE_CLASSIC", "CONNTYPE_PING",

    "FLAG_COMPRESSED", "FLAG_ENCRYPTED_AES",

    "SIDE_CLIENT", "SIDE_SERVER",

    "SSLSEC_NONE", "SSLSEC_WRAPPED", "SSLSEC_ENCRYPTED",
    "SSLSEC_SERVERAUTH", "SSLSEC_BOTHAUTH",

    "DEFAULT_CONFIG",
]

# The largest length the 4-byte prefix can say (gamenet's own limit is lower: 16 MiB by
# default, see the "net.gamenet.max_frame" key in gamenet.peng's docstring).
MAX_PACKETLENGTH = 2**32 - 1
# The length prefix and the header (packet id, flags), big-endian.
STRUCT_FORMAT_LENGTH32 = "!I"
STRUCT_FORMAT_HEADER = "!IH"

# Connection states (ClientOnServer.state on the server, Client.remote_state on the client).
STATE_INIT = 0
STATE_HANDSHAKE_WAIT1 = 1
STATE_HANDSHAKE_WAIT2 = 2
STATE_WAITTYPE = 3
STATE_HELLOWAIT = 4
STATE_ACTIVE = 64
STATE_LOGGEDIN = 65
STATE_CLOSED = 128

# Connection modes (the application's; MODE_CLOSED and MODE_PING are set by the library).
MODE_NOTSET = 0
MODE_CLOSED = 1
MODE_PING = 2
MODE_PLAY = 3
MODE_CHAT = 4

# Connection types.
CONNTYPE_NOTSET = "_notset"
CONNTYPE_CLASSIC = "classic"
CONNTYPE_PING = "ping"

# Header flags (gamenet refuses FLAG_ENCRYPTED_AES, as peng3dnet cannot decode it either).
FLAG_COMPRESSED = 1 << 0
FLAG_ENCRYPTED_AES = 1 << 1

# Sides.
SIDE_CLIENT = 0
SIDE_SERVER = 1

# SSL security levels (gamenet has no TLS yet: always SSLSEC_NONE).
SSLSEC_NONE = 0
SSLSEC_WRAPPED = 1
SSLSEC_ENCRYPTED = 2
SSLSEC_SERVERAUTH = 3
SSLSEC_BOTHAUTH = 4

DEFAULT_CONFIG = {
    "net.server.addr": None,
    "net.server.addr.host": "0.0.0.0",
    "net.server.addr.port": 8080,

    "net.client.addr": None,
    "net.client.addr.host": "localhost",
    "net.client.addr.port": 8080,

    "net.compress.enabled": True,
    "net.compress.threshold": 8 * 1024,
    "net.compress.level": 6,

    "net.encrypt.enabled": False,

    "net.ssl.enabled": False,
    "net.ssl.force": True,
    "net.ssl.cafile": None,
    "net.ssl.server.force_verify": True,
    "net.ssl.server.certfile": None,
    "net.ssl.server.keyfile": None,
    "net.ssl.client.check_hostname": False,
    "net.ssl.client.force_verify": False,

    "net.events.enable": "auto",

    "net.debug.print.recv": False,
    "net.debug.print.send": False,
    "net.debug.print.connect": False,
    "net.debug.print.close": False,

    "net.registry.autosync": True,
    "net.registry.missingpacketaction": "closeconnection",
}
