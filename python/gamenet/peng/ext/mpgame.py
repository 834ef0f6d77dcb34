"""peng3dnet.ext.mpgame: empty in peng3dnet 0.1.3, and here."""
