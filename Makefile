# Builds and installs gamenet the way C and C++ libraries are installed:
#   make                                  release build (target/release)
#   make install PREFIX=/usr/local        header, static and shared library (with its
#                                         SONAME and symlinks), pkg-config file, CMake package
#   make install PREFIX=/usr DESTDIR=/tmp/stage   staged, for packaging
# A Makefile because it is what a C user runs without learning the Rust toolchain's ways,
# and it needs nothing beyond cargo and coreutils; the CMake package and the pkg-config
# file let CMake and Make/Meson projects find the result.
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include
SUBST := sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g'

.PHONY: all install uninstall
all:
	cargo build --release

install: all
	install -d $(LIBDIR)/pkgconfig $(LIBDIR)/cmake/gamenet $(INCDIR)
	install -m 644 include/gamenet.h $(INCDIR)/gamenet.h
	install -m 644 target/release/libgamenet.a $(LIBDIR)/libgamenet.a
	strip --strip-debug $(LIBDIR)/libgamenet.a
	install -m 755 target/release/libgamenet.so $(LIBDIR)/libgamenet.so.$(VERSION)
	ln -sf libgamenet.so.$(VERSION) $(LIBDIR)/libgamenet.so.$(MAJOR)
	ln -sf libgamenet.so.$(MAJOR) $(LIBDIR)/libgamenet.so
	$(SUBST) packaging/gamenet.pc.in > $(LIBDIR)/pkgconfig/gamenet.pc
	$(SUBST) packaging/gamenetConfig.cmake.in > $(LIBDIR)/cmake/gamenet/gamenetConfig.cmake
	$(SUBST) packaging/gamenetConfigVersion.cmake.in > $(LIBDIR)/cmake/gamenet/gamenetConfigVersion.cmake

uninstall:
	rm -f $(INCDIR)/gamenet.h $(LIBDIR)/libgamenet.a $(LIBDIR)/libgamenet.so \
	  $(LIBDIR)/libgamenet.so.$(MAJOR) $(LIBDIR)/libgamenet.so.$(VERSION) \
	  $(LIBDIR)/pkgconfig/gamenet.pc $(LIBDIR)/cmake/gamenet/gamenetConfig.cmake \
	  $(LIBDIR)/cmake/gamenet/gamenetConfigVersion.cmake
	-rmdir $(LIBDIR)/cmake/gamenet 2>/dev/null
