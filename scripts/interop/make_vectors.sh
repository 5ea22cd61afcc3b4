#!/usr/bin/env bash
# Regenerates runtime/tests/data/pynamodb_mate_vectors.json with the real pynamodb_mate packages:
# 6.0.1.1 from the tools venv that scripts/servers.sh installs (next to moto), and 5.5.1.1 from a
# venv of its own, .tools/venv-pm5 (pynamodb 5 and 6 cannot share one environment). Both are
# gitignored and created on first use. The output is deterministic; CI does not run this script,
# the Rust tests read its committed output.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
PM5="$ROOT/.tools/venv-pm5"
PM5_REQS=('pynamodb_mate[encrypt]==5.5.1.1' 'pynamodb==5.5.1' 'pycryptodome==3.24.1' 'boto3==1.44.8')
"$ROOT/scripts/servers.sh" install
if [[ ! -f "$PM5/.dynamate-installed" || "$(<"$PM5/.dynamate-installed")" != "${PM5_REQS[*]}" ]]; then
  rm -rf "$PM5"
  python3 -m venv "$PM5"
  "$PM5/bin/python" -m pip install --disable-pip-version-check --no-input -q "${PM5_REQS[@]}"
  printf '%s' "${PM5_REQS[*]}" >"$PM5/.dynamate-installed"
fi
"$ROOT/.tools/venv/bin/python" "$ROOT/scripts/interop/make_vectors.py" --pm5-python "$PM5/bin/python" \
  >"$ROOT/runtime/tests/data/pynamodb_mate_vectors.json"
