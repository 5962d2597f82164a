#!/usr/bin/env bash
# The whole test suite, as CI runs it. Builds once in release (the
# simulation and property tests are heavy), then runs every test, then
# checks the dependency rule for the sans-IO crates. --no-fail-fast: a
# failing test binary does not hide the results of the ones after it.
#
# Privileged tests (network namespaces, raw sockets, the differential test
# against Debian's keepalived) run when this is run as root with the tools
# installed (.ci/run installs them); otherwise they print why they skip,
# or fail when KA_REQUIRE_PRIVILEGED=1 is set (as .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
cargo build --release --workspace --all-targets --locked
cargo clippy --release --workspace --all-targets --locked -- -D warnings
cargo test --release --workspace --locked --no-fail-fast
scripts/check-deps.sh
