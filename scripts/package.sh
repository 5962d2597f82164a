#!/usr/bin/env bash
# Builds the Debian package: target/debian/keepalived-rs_VERSION_ARCH.deb.
# Needs cargo-deb (`cargo install cargo-deb --version 3.8.0 --locked`, as
# .ci/run does). The binary is built in release and stripped; the man
# pages come from docs/man (keepalived-rs.conf.5 is generated: see
# crates/keepalived-rs/src/man_conf.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deb --version >/dev/null 2>&1; then
    echo "package.sh: cargo-deb is missing: cargo install cargo-deb --version 3.8.0 --locked" >&2
    exit 1
fi
cargo build --release --locked -p keepalived-rs --bin keepalived-rs
cargo deb -p keepalived-rs --no-build --strip --output target/debian/ "$@"
