#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (including interop with the real
# Panda3D), the header freshness check, the C tests and examples under AddressSanitizer
# and UndefinedBehaviorSanitizer, the install (make install, pkg-config, CMake), the
# Python package's tests (pytest), then cargo fmt and clippy.
set -euo pipefail
cd "$(dirname "$0")"

# The Python side of the interop tests: a virtual environment with requirements-dev.txt.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import panda3d.core, pytest" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
export GAMENET_PYTHON="$PWD/.venv/bin/python"

cargo test 2>&1

# The install story: make install into a temporary prefix, then pkg-config and CMake
# (installed here when missing) find and link it, shared and static.
if ! command -v cmake >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq cmake) >/dev/null
fi
bash tests/install.sh 2>&1

# The Python package, against the library cargo test just built.
export GAMENET_LIBRARY="$PWD/target/debug/deps/libgamenet.so"
.venv/bin/python -m pytest -q --timeout=300 --timeout-method=thread python/tests 2>&1

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
echo "test.sh: all checks passed"
