#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, the header freshness check, the C tests
# and examples under AddressSanitizer and UndefinedBehaviorSanitizer, then fmt and clippy.
set -euo pipefail
cd "$(dirname "$0")"
cargo test 2>&1
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
echo "test.sh: all checks passed"
