"""peng3dnet.net's classes on gamenet: Server, ClientOnServer and Client (they live in
_server.py and _client.py), and the header structs."""
from __future__ import annotations

import struct

from ._client import Client
from ._server import ClientOnServer, Server
from .constants import *  # noqa: F401,F403 (peng3dnet's net module has them too)
from .constants import STRUCT_FORMAT_HEADER, STRUCT_FORMAT_LENGTH32

__all__ = ["STRUCT_HEADER", "STRUCT_LENGTH32", "Server", "ClientOnServer", "Client"]

# The header (packet id, flags) and the length prefix, as struct.Struct objects.
STRUCT_HEADER = struct.Struct(STRUCT_FORMAT_HEADER)
STRUCT_LENGTH32 = struct.Struct(STRUCT_FORMAT_LENGTH32)

# Whether TLS is available: not in gamenet yet (net.ssl.enabled raises NotImplementedError).
HAVE_SSL = False
