"""peng3dnet's extensions: ping (query a server's status) and mpgame (empty, as in
peng3dnet 0.1.3)."""

from . import mpgame, ping  # noqa: F401
