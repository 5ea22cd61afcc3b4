#!/usr/bin/env bash
# Local DynamoDB/S3/KMS servers for dynamate's tests.
#
# This is the single entry point CI, the README and developers use to get real
# servers to test against, so every consumer sees the same versions:
#   * moto_server (moto 5.2.5) - DynamoDB + S3 + KMS in one process
#   * dynalite 4.0.0           - a second DynamoDB implementation that is much
#                                stricter about request/expression validation
#   * scripts/fault_proxy.py   - two fault-injecting proxies (Python stdlib), one in
#                                front of each server, that tests drive through
#                                /__fault/rules to inject throttling, unprocessed
#                                items, 5xx, S3 409/412, dropped connections and
#                                delays (the script's docstring has the control API)
#
# Usage:
#   scripts/servers.sh install              install tools into .tools/ (idempotent)
#   scripts/servers.sh run -- CMD [ARGS..]  start both servers and both fault proxies,
#                                           run CMD with the endpoints exported, stop
#                                           them all, exit with CMD's exit code
#   scripts/servers.sh start                start both servers and both fault proxies
#                                           in the background and print `export` lines
#                                           for them, e.g.
#                                             eval "$(scripts/servers.sh start)"
#   scripts/servers.sh stop                 stop the servers and proxies recorded by `start`
#
# Variables exported to CMD (and printed by `start`):
#   DYNAMATE_TEST_MOTO_ENDPOINT      http://127.0.0.1:PORT (DynamoDB, S3 and KMS)
#   DYNAMATE_TEST_DYNALITE_ENDPOINT  http://127.0.0.1:PORT (DynamoDB only)
#   DYNAMATE_TEST_FAULT_MOTO_ENDPOINT      the fault proxy in front of moto
#   DYNAMATE_TEST_FAULT_DYNALITE_ENDPOINT  the fault proxy in front of dynalite
#   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
#   AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
#     (each AWS_* one only when not already set)
#
# Tunables: DYNAMATE_SERVERS_TIMEOUT (seconds to wait for readiness, default 60).
#
# Everything lives under .tools/ at the repo root (gitignored): the Python venv,
# the npm prefix, logs and the PID file. Nothing needs sudo or docker, and the
# servers only ever listen on 127.0.0.1.

set -euo pipefail

# Resolve the repo root from this file's location so the script works from any
# working directory (CI steps, editors, `cargo` aliases).
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
NODE_PREFIX="$TOOLS/node"
LOG_DIR="$TOOLS/logs"
PID_FILE="$TOOLS/servers.pids"

HOST=127.0.0.1
# flask/flask-cors are what moto_server needs on top of the service extras
# (moto's own [server] extra would also pull cfn-lint, docker, graphql, ... that
# we never use). They are pinned so a new Flask release can't break CI overnight.
PY_REQS=('moto[dynamodb,s3,kms]==5.2.5' 'flask==3.1.3' 'flask-cors==6.0.5')
# The real Python pynamodb_mate (with its `encrypt` extra, pycryptodome) and the pynamodb and
# pycryptodome versions its stored formats were verified with, for the cross-language tests
# and scripts/interop/make_vectors.py (see docs/storage-formats.md, "pynamodb_mate formats").
PY_REQS+=('pynamodb_mate[encrypt]==6.0.1.1' 'pynamodb==6.1.0' 'pycryptodome==3.24.1')
NPM_REQ='dynalite@4.0.0'
# The markers record exactly what was installed; a changed requirement string
# triggers a clean reinstall, an unchanged one skips pip/npm entirely.
VENV_MARKER="$VENV/.dynamate-installed"
NODE_MARKER="$NODE_PREFIX/.dynamate-installed"
MOTO_BIN="$VENV/bin/moto_server"
FAULT_PROXY="$ROOT/scripts/fault_proxy.py"
DYNALITE_CLI="$NODE_PREFIX/node_modules/dynalite/cli.js"

TIMEOUT=${DYNAMATE_SERVERS_TIMEOUT:-60}

# PIDs the EXIT trap must stop. `start` empties this once the servers are up so
# they outlive the script; everything else always cleans up.
CLEANUP_PIDS=()

log() { printf 'servers.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '/^# Usage:/,/^# Everything lives/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"
}

# ---------------------------------------------------------------- install ---

python_ok() { [[ -x "$VENV/bin/python" && -x "$MOTO_BIN" && -f "$VENV_MARKER" && "$(<"$VENV_MARKER")" == "${PY_REQS[*]}" ]]; }
node_ok() { [[ -f "$DYNALITE_CLI" && -f "$NODE_MARKER" && "$(<"$NODE_MARKER")" == "$NPM_REQ" ]]; }

install_python() {
  need python3 "install Python 3 with the venv module"
  log "installing ${PY_REQS[*]} into ${VENV#"$ROOT"/}"
  # Start from scratch: an interrupted or older install must not leave stray
  # packages behind, and the venv is cheap to recreate.
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q "${PY_REQS[@]}"
  # Written last, so a failed pip run is retried next time.
  printf '%s' "${PY_REQS[*]}" >"$VENV_MARKER"
}

install_node() {
  need node "install Node.js >= 20"
  need npm "install npm (ships with Node.js)"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    die "dynalite 4 needs Node.js >= 20, found $(node --version)"
  log "installing $NPM_REQ into ${NODE_PREFIX#"$ROOT"/}"
  rm -rf "$NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --no-update-notifier \
    --loglevel=error "$NPM_REQ" >&2
  printf '%s' "$NPM_REQ" >"$NODE_MARKER"
}

install_all() {
  # Fast path: nothing to do, no subprocesses, no lock.
  if python_ok && node_ok; then
    return 0
  fi
  mkdir -p "$TOOLS"
  # Serialise concurrent installs in the same checkout (parallel CI jobs, two
  # terminals); flock is absent on macOS, where we just go ahead.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.install.lock"
    flock 9
  fi
  local start=$SECONDS
  python_ok || install_python
  node_ok || install_node
  if command -v flock >/dev/null 2>&1; then
    exec 9>&-
  fi
  log "tools installed in $((SECONDS - start))s"
}

# ---------------------------------------------------------------- servers ---

# Ask the kernel for a free port. There is a small window before the server
# binds it; start_server retries with a fresh port if it loses that race.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A syntactically valid (but unverifiable) SigV4 header: moto routes requests
# by the service in the credential scope, and dynalite refuses requests without
# an Authorization + X-Amz-Date pair. Neither checks the signature itself.
probe() { # probe URL SERVICE [curl args...] -> prints the HTTP status
  local url=$1 service=$2
  shift 2
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20200101/us-east-1/$service/aws4_request, SignedHeaders=host;x-amz-date, Signature=0" \
    -H 'X-Amz-Date: 20200101T000000Z' \
    "$@" "$url" || true
}

ddb_ready() {
  [[ "$(probe "$1" dynamodb -X POST -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' --data '{}')" == 200 ]]
}
s3_ready() { [[ "$(probe "$1/" s3)" == 200 ]]; }

moto_ready() { ddb_ready "$1" && s3_ready "$1"; }
dynalite_ready() { ddb_ready "$1"; }

tail_log() {
  log "last 40 lines of $1:"
  tail -n 40 "$1" >&2 || true
}

# Stop one server by PID, but only if that PID still belongs to it (a stale PID
# file must never make us kill an unrelated process that reused the number).
stop_pid() { # stop_pid PID PATTERN
  local pid=$1 pattern=$2 args i
  args=$(ps -o args= -p "$pid" 2>/dev/null) || return 0
  [[ "$args" == *"$pattern"* ]] || return 0
  # `start` puts each server in its own session; signal the whole group then,
  # so nothing the server might have spawned survives it.
  if [[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$pattern (pid $pid) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Reap it if it is our child (run mode); harmless otherwise.
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local entry
  for entry in "${CLEANUP_PIDS[@]+"${CLEANUP_PIDS[@]}"}"; do
    stop_pid "${entry%%:*}" "${entry#*:}"
  done
  CLEANUP_PIDS=()
}

# Launch NAME in the background and wait until READY_FN says it serves
# requests. Sets STARTED_PID and STARTED_PORT. $DETACH=1 puts it in its own
# session (for `start`, so it survives the terminal/job that launched it); for
# `run` it stays in our process group so a CI runner killing the group also
# takes the servers down even if our trap never gets to run.
STARTED_PID=
STARTED_PORT=
start_server() { # start_server NAME PATTERN READY_FN -- CMD... (PORT placeholder: @PORT@)
  local name=$1 pattern=$2 ready_fn=$3
  shift 4
  local logf="$LOG_DIR/$name.log" attempt port pid deadline arg
  local -a cmd launcher=()
  if [[ "${DETACH:-0}" == 1 ]] && command -v setsid >/dev/null 2>&1; then
    launcher=(setsid)
  fi
  for attempt in 1 2 3; do
    port=$(free_port)
    cmd=()
    for arg in "$@"; do cmd+=("${arg//@PORT@/$port}"); done
    : >"$logf"
    "${launcher[@]+"${launcher[@]}"}" "${cmd[@]}" </dev/null >>"$logf" 2>&1 &
    pid=$!
    CLEANUP_PIDS+=("$pid:$pattern")
    deadline=$((SECONDS + TIMEOUT))
    while ((SECONDS < deadline)); do
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        break
      fi
      if "$ready_fn" "http://$HOST:$port"; then
        STARTED_PID=$pid
        STARTED_PORT=$port
        log "$name ready on http://$HOST:$port (pid $pid, log ${logf#"$ROOT"/})"
        return 0
      fi
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      tail_log "$logf"
      die "$name did not become ready within ${TIMEOUT}s (see ${logf#"$ROOT"/})"
    fi
    # Died before becoming ready: only a lost port race is worth a retry.
    if grep -qiE 'address already in use|EADDRINUSE' "$logf" && ((attempt < 3)); then
      log "$name: port $port was taken meanwhile, retrying with another one"
      continue
    fi
    tail_log "$logf"
    die "$name exited during startup (see ${logf#"$ROOT"/})"
  done
}

start_all() {
  need curl "used to probe the servers for readiness"
  need python3 "used to pick free ports"
  mkdir -p "$LOG_DIR"
  trap cleanup EXIT
  # A signal only has to end the script; the EXIT trap then stops the servers.
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # Start dynalite first: it only takes ~0.3s, moto a couple of seconds.
  # --host pins it to loopback (it would listen on all interfaces otherwise);
  # no --path means an in-memory store, so every run starts empty.
  start_server dynalite dynalite/cli.js dynalite_ready -- \
    node "$DYNALITE_CLI" --host "$HOST" --port @PORT@
  DYNALITE_PID=$STARTED_PID
  DYNALITE_PORT=$STARTED_PORT

  start_server moto moto_server moto_ready -- \
    "$MOTO_BIN" -H "$HOST" -p @PORT@
  MOTO_PID=$STARTED_PID
  MOTO_PORT=$STARTED_PORT

  # The fault proxies: readiness through them also proves they reach their server.
  start_server fault-moto fault_proxy.py moto_ready -- \
    python3 "$FAULT_PROXY" --host "$HOST" --port @PORT@ --upstream "http://$HOST:$MOTO_PORT"
  FAULT_MOTO_PID=$STARTED_PID
  FAULT_MOTO_PORT=$STARTED_PORT

  start_server fault-dynalite fault_proxy.py dynalite_ready -- \
    python3 "$FAULT_PROXY" --host "$HOST" --port @PORT@ --upstream "http://$HOST:$DYNALITE_PORT"
  FAULT_DYNALITE_PID=$STARTED_PID
  FAULT_DYNALITE_PORT=$STARTED_PORT
}

# Print `export` lines. AWS_* are only printed when unset here so we never echo
# a developer's real credentials or override their region.
print_exports() { # print_exports MOTO_PORT DYNALITE_PORT FAULT_MOTO_PORT FAULT_DYNALITE_PORT
  printf 'export DYNAMATE_TEST_MOTO_ENDPOINT=http://%s:%s\n' "$HOST" "$1"
  printf 'export DYNAMATE_TEST_DYNALITE_ENDPOINT=http://%s:%s\n' "$HOST" "$2"
  printf 'export DYNAMATE_TEST_FAULT_MOTO_ENDPOINT=http://%s:%s\n' "$HOST" "$3"
  printf 'export DYNAMATE_TEST_FAULT_DYNALITE_ENDPOINT=http://%s:%s\n' "$HOST" "$4"
  local var
  for var in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION; do
    [[ -n "${!var:-}" ]] && continue
    case $var in
      AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY) printf 'export %s=testing\n' "$var" ;;
      *) printf 'export %s=us-east-1\n' "$var" ;;
    esac
  done
}

export_env() { # export_env MOTO_PORT DYNALITE_PORT FAULT_MOTO_PORT FAULT_DYNALITE_PORT
  export DYNAMATE_TEST_MOTO_ENDPOINT="http://$HOST:$1"
  export DYNAMATE_TEST_DYNALITE_ENDPOINT="http://$HOST:$2"
  export DYNAMATE_TEST_FAULT_MOTO_ENDPOINT="http://$HOST:$3"
  export DYNAMATE_TEST_FAULT_DYNALITE_ENDPOINT="http://$HOST:$4"
  # Dummy credentials: the AWS SDK refuses to sign without some, and tests must
  # never pick up real ones. Pre-set values win (e.g. a region someone needs).
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
}

# ---------------------------------------------------------------- commands ---

# Reads $PID_FILE (lines: NAME PID PORT PATTERN); returns 0 if every server and
# proxy is recorded (a file from an older checkout may lack the proxies), still
# alive and the process we started.
recorded_alive() {
  [[ -f "$PID_FILE" ]] || return 1
  local name pid port pattern args
  for name in moto dynalite fault-moto fault-dynalite; do
    [[ -n "$(recorded_port "$name")" ]] || return 1
  done
  while read -r name pid port pattern; do
    args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
    [[ "$args" == *"$pattern"* ]] || return 1
  done <"$PID_FILE"
}

recorded_port() { awk -v n="$1" '$1 == n { print $3 }' "$PID_FILE"; }

cmd_run() {
  [[ "${1:-}" == -- ]] && shift
  (($# > 0)) || { usage; die "run: missing command (scripts/servers.sh run -- CMD [ARGS...])"; }
  install_all
  start_all
  export_env "$MOTO_PORT" "$DYNALITE_PORT" "$FAULT_MOTO_PORT" "$FAULT_DYNALITE_PORT"
  # Not `exec`: we must outlive the command to stop the servers. It stays in the
  # foreground so it keeps the terminal (stdin, Ctrl-C) as if run directly.
  local status=0
  "$@" || status=$?
  cleanup
  exit "$status"
}

cmd_start() {
  install_all
  if recorded_alive; then
    log "servers already running (pids in ${PID_FILE#"$ROOT"/}); 'scripts/servers.sh stop' to stop them"
    print_exports "$(recorded_port moto)" "$(recorded_port dynalite)" \
      "$(recorded_port fault-moto)" "$(recorded_port fault-dynalite)"
    return 0
  fi
  # Anything half-alive from an earlier start is stopped before starting anew.
  cmd_stop 2>/dev/null
  DETACH=1 start_all
  printf '%s %s %s %s\n' \
    moto "$MOTO_PID" "$MOTO_PORT" moto_server \
    dynalite "$DYNALITE_PID" "$DYNALITE_PORT" dynalite/cli.js \
    fault-moto "$FAULT_MOTO_PID" "$FAULT_MOTO_PORT" fault_proxy.py \
    fault-dynalite "$FAULT_DYNALITE_PID" "$FAULT_DYNALITE_PORT" fault_proxy.py >"$PID_FILE"
  # Hand the servers over to the PID file: the EXIT trap must not stop them now.
  CLEANUP_PIDS=()
  log "servers running; stop them with: scripts/servers.sh stop"
  print_exports "$MOTO_PORT" "$DYNALITE_PORT" "$FAULT_MOTO_PORT" "$FAULT_DYNALITE_PORT"
}

cmd_stop() {
  if [[ ! -f "$PID_FILE" ]]; then
    log "no ${PID_FILE#"$ROOT"/}; nothing to stop"
    return 0
  fi
  local name pid port pattern
  while read -r name pid port pattern; do
    log "stopping $name (pid $pid, port $port)"
    stop_pid "$pid" "$pattern"
  done <"$PID_FILE"
  rm -f "$PID_FILE"
}

main() {
  local sub=${1:-}
  (($# > 0)) && shift
  case $sub in
    install) install_all ;;
    run) cmd_run "$@" ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    -h | --help | help) usage ;;
    *)
      usage
      die "unknown command '${sub}'"
      ;;
  esac
}

main "$@"
