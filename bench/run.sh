#!/usr/bin/env bash
# The side-by-side benchmark harness: builds gamenet, the raw-socket C programs, the ENet
# program and the Panda3D script, runs every workload at least 5 times interleaved, and
# prints one table of medians and ratios. Not part of the tests. Usage: bash bench/run.sh
# (ONLY=text runs only the workloads whose name contains it; RUNS=n sets the runs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/include/enet/enet.h ]; then
  (apt-get update -qq && apt-get install -y -qq libenet-dev) >/dev/null
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import panda3d.core" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
fi
cargo build --release --quiet
mkdir -p target/bench
cc -O2 -o target/bench/raw bench/raw.c -lpthread
cc -O2 -o target/bench/enet_bench bench/enet_bench.c -lenet -lpthread
cc -O2 -Iinclude -o target/bench/gamenet_bench bench/gamenet_bench.c \
   target/release/libgamenet.a -lpthread -ldl -lm
cc -O2 -Iinclude -o target/bench/fair_bench bench/fair_bench.c \
   target/release/libgamenet.a -lpthread -ldl -lm
cc -O2 -Iinclude -o target/bench/msg_bench bench/msg_bench.c \
   target/release/libgamenet.a -lpthread -ldl -lm
exec python3 bench/run.py "${RUNS:-5}"
