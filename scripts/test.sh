#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (`.ci/run` calls this script):
#   formatting, module layers, clippy with warnings denied, docs without warnings (broken
#   intra-doc links fail), committed generated code up to date, then every
#   test of the workspace against real local servers (moto and dynalite, installed and started
#   by scripts/servers.sh, stopped by PID afterwards), and last `scripts/package.sh`: both crates
#   packaged as for crates.io, each tested from its .crate with only its own files.
# Needs only a Rust toolchain (with rustfmt and clippy), python3 and node/npm: everything else is
# installed on first use.
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "runtime module layers have no cycle"
python3 scripts/check-layers.py

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo doc: both crates' docs build without warnings (broken intra-doc links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p dynamate --all-features
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p dynamate-codegen

step "generated/ is up to date with schemas/"
cargo run --quiet --locked -p dynamate-codegen --features cli -- diff schemas --out generated

step "cargo test against local moto and dynalite"
scripts/servers.sh run -- cargo test --workspace --locked

step "cargo package: both crates package, build and pass their own tests outside the workspace"
scripts/package.sh
