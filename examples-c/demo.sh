#!/usr/bin/env bash
# Builds gamenet and the C echo examples, then runs the server and the client against each
# other on loopback. Usage: bash examples-c/demo.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10}"
cargo build --release --quiet
for prog in echo_server echo_client; do
  cc -std=c11 -Wall -Wextra -O2 -Iinclude "examples-c/$prog.c" target/release/libgamenet.a \
     -lpthread -ldl -lm -o "target/$prog"
done
out=$(mktemp)
server=
trap 'rm -f "$out"; [ -n "$server" ] && kill "$server" 2>/dev/null; true' EXIT
./target/echo_server 0 1 >"$out" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
[ -n "$port" ] || { echo "demo: the server did not start" >&2; cat "$out" >&2; exit 1; }
./target/echo_client "$port" "$count"
wait "$server"
server=
cat "$out"
