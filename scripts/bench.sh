#!/usr/bin/env bash
# The head-to-head benchmark (docs/benchmarks.md, "Head to head"): dynamate, hand-written
# aws-sdk-dynamodb code, pydynox and pynamodb_mate doing the same work against one local moto
# server, and dynamate's bulk runs (batch write of 1k/10k/100k items, a 10k-item query stream).
# Not part of scripts/test.sh; it prints figures and asserts no timings.
#
# Usage: scripts/bench.sh [run.py options]   e.g. --rounds 5, --quick, --no-scale, --current-thread
#
# Installs moto and the two Python ORMs into .tools/bench-venv (gitignored; reinstalled only when
# the pins change), builds tests/benches/head_to_head.rs with the release (bench) profile, then
# scripts/bench/run.py starts moto on 127.0.0.1, runs every client process and stops moto by PID.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
VENV="$ROOT/.tools/bench-venv"
# moto and pynamodb_mate as scripts/servers.sh pins them, plus pydynox (a Rust-core Python ORM).
PY_REQS=('moto[dynamodb,s3,kms]==5.2.5' 'flask==3.1.3' 'flask-cors==6.0.5'
  'pynamodb_mate[encrypt]==6.0.1.1' 'pynamodb==6.1.0' 'pycryptodome==3.24.1' 'pydynox==1.8.0')
MARKER="$VENV/.dynamate-bench-installed"

if [[ ! -f "$MARKER" || "$(<"$MARKER")" != "${PY_REQS[*]}" ]]; then
  echo "bench.sh: installing ${PY_REQS[*]} into ${VENV#"$ROOT"/}" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q "${PY_REQS[@]}"
  printf '%s' "${PY_REQS[*]}" >"$MARKER"
fi

echo "bench.sh: building the Rust benchmark (release)" >&2
BIN=$(cd "$ROOT" && cargo bench --locked -p dynamate-tests --bench head_to_head --no-run \
  --message-format=json |
  "$VENV/bin/python" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "head_to_head" and m.get("executable"):
        print(m["executable"])')
[[ -x "$BIN" ]] || { echo "bench.sh: the bench binary was not built (run: cargo bench -p dynamate-tests --bench head_to_head --no-run)" >&2; exit 1; }

exec "$VENV/bin/python" "$ROOT/scripts/bench/run.py" --bin "$BIN" --venv "$VENV" "$@"
