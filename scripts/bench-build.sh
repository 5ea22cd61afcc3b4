#!/usr/bin/env bash
# build.rs cost in a downstream crate (build.rs-template/): a no-op rebuild must not re-run the
# build script or recompile anything; a schema edit re-runs generation.
# Usage: scripts/bench-build.sh
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

build() { cargo build --locked -p dynamate-example -v 2>&1; }

build >/dev/null
start=$(date +%s.%N); log=$(build); end=$(date +%s.%N)
echo "no-op rebuild: $(echo "$end - $start" | bc) s"
if grep -q 'Running .*dynamate-example.*build-script-build' <<<"$log"; then
  echo "FAIL: the build script ran again on a no-op rebuild"; exit 1
fi
if grep -q 'Compiling dynamate-example' <<<"$log"; then
  echo "FAIL: dynamate-example was recompiled on a no-op rebuild"; exit 1
fi
echo "no-op rebuild: build script not re-run, nothing recompiled"

touch build.rs-template/schemas/shop.toml
start=$(date +%s.%N); log=$(build); end=$(date +%s.%N)
echo "rebuild after touching a schema (same content): $(echo "$end - $start" | bc) s"
grep -q 'Running .*build-script-build' <<<"$log" && echo "  build script re-ran (schema mtime changed), as expected"
grep -q 'Compiling dynamate-example' <<<"$log" && echo "  crate recompiled" || true
