#!/usr/bin/env bash
# Cold build of dynamate-codegen as a build-dependency, as a build.rs user sees it: a tiny crate
# in a temp dir whose only dependency is `[build-dependencies] dynamate-codegen` (path to this
# checkout, default features), built with a fresh CARGO_TARGET_DIR. Prints the wall time, the
# number of crates compiled (`Compiling` lines) and the load average, since the figure depends on
# what else the machine is doing.
#   scripts/bench-codegen-build.sh [extra cargo build args, e.g. --features cli]
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/user/src" "$tmp/user/schemas"
cat >"$tmp/user/Cargo.toml" <<TOML
[package]
name = "bench-codegen-user"
version = "0.0.0"
edition = "2024"
publish = false

[build-dependencies]
dynamate-codegen = { path = "$root/codegen" }

[workspace]
TOML
echo 'fn main() {}' >"$tmp/user/src/main.rs"
echo 'fn main() {}' >"$tmp/user/build.rs"
# Same dependency versions as the workspace, so before/after compare the same crates.
cp "$root/Cargo.lock" "$tmp/user/Cargo.lock"
cd "$tmp/user"
cargo fetch --quiet 2>/dev/null || true
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s.%N)
CARGO_TARGET_DIR="$tmp/target" cargo build --offline "$@" 2>"$tmp/log"
end=$(date +%s.%N)
crates=$(grep -c '^ *Compiling ' "$tmp/log")
printf 'cold build: %.1f s, %d crates compiled (nproc %s, load average before %s, after %s)\n' \
  "$(echo "$end - $start" | bc)" "$crates" "$(nproc)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
