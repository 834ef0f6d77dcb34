#!/usr/bin/env bash
# Installs gamenet into a temporary prefix with `make install`, then builds and runs a C
# program against it through pkg-config (shared, and static with --static's libraries)
# and a C++ program through CMake's find_package (gamenet::gamenet and
# gamenet::gamenet_static). Run by test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
make --quiet install PREFIX="$prefix" >/dev/null
test "$(readlink "$prefix/lib/libgamenet.so")" = libgamenet.so.0
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

# C, shared: the program records the SONAME, not the versioned file name.
cc -Wall -Werror $(pkg-config --cflags gamenet) tests/install/app.c \
   $(pkg-config --libs gamenet) -Wl,-rpath,"$prefix/lib" -o "$work/c_shared"
readelf -d "$work/c_shared" | grep -q 'NEEDED.*\[libgamenet.so.0\]'
"$work/c_shared" | grep -qx ok

# C, static: the archive, with the system libraries pkg-config --static lists.
cc -Wall -Werror $(pkg-config --cflags gamenet) tests/install/app.c \
   $(pkg-config --libs-only-L gamenet) -l:libgamenet.a -lpthread -ldl -lm -o "$work/c_static"
pkg-config --static --libs gamenet | grep -q -- '-lpthread -ldl -lm'
! readelf -d "$work/c_static" | grep -q libgamenet
"$work/c_static" | grep -qx ok

# C++, through CMake's package.
cmake -S tests/install -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_RPATH="$prefix/lib" >/dev/null
cmake --build "$work/build" >/dev/null
# A version it is not compatible with is refused (a 0.x minor is a breaking change).
mkdir -p "$work/v"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(v NONE)\nfind_package(gamenet 0.2 REQUIRED)\n' \
  > "$work/v/CMakeLists.txt"
! cmake -S "$work/v" -B "$work/v/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1
"$work/build/app_shared" | grep -qx ok
"$work/build/app_static" | grep -qx ok
! readelf -d "$work/build/app_static" | grep -q libgamenet
echo "install.sh: make install, pkg-config (shared, static) and CMake (shared, static) ok"
