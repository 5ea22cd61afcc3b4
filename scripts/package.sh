#!/usr/bin/env bash
# Packages both crates as `cargo publish` would (`cargo package`, which also builds each packaged
# crate on its own), then runs each packaged crate's own tests from its extracted `.crate`, outside
# the workspace: they may use only files inside the package. The runtime's tests reach moto, so
# they run under scripts/servers.sh like the rest of the suite.
#
# Usage: scripts/package.sh        (scripts/test.sh runs it last)
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"

cargo package --locked -p dynamate-codegen -p dynamate

scratch="$TARGET/package-check"
rm -rf -- "$scratch"
mkdir -p -- "$scratch"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
for crate in dynamate-codegen dynamate; do
  tar -xzf "$TARGET/package/$crate-$version.crate" -C "$scratch"
done
# The packaged runtime lacks the workspace's `opt-level = 3` for argon2 (passphrase keys would take
# seconds each in unoptimized tests); a user's workspace sets it the same way (docs/keys.md).
argon2_fast=(--config 'profile.dev.package.argon2.opt-level=3')
# cargo does not put a path crate's location in its build hash, and the extracted files keep
# their mtimes: with a reused target dir, test binaries of an earlier run (with that run's
# CARGO_MANIFEST_DIR baked in) would count as fresh. Rebuild the two crates (not their deps).
for crate in dynamate-codegen dynamate; do
  cargo clean --quiet --manifest-path "$scratch/$crate-$version/Cargo.toml" -p "$crate"
done
cargo test "${argon2_fast[@]}" --manifest-path "$scratch/dynamate-codegen-$version/Cargo.toml" --all-features
scripts/servers.sh run -- \
  cargo test "${argon2_fast[@]}" --manifest-path "$scratch/dynamate-$version/Cargo.toml" --all-features
