"""The version numbers peng3dnet programs read (peng3dnet.version). They name the
peng3dnet release whose API and protocol gamenet.peng reproduces; gamenet's own version is
gamenet.version() (it is also what a gamenet peer sends in its hello and ping answers)."""

__all__ = ["VERSION", "RELEASE", "PROTOVERSION"]

VERSION = "0.1.3a0"
RELEASE = "0.1.3"
# The protocol version, checked in the handshake by both sides.
PROTOVERSION = 2
