#!/usr/bin/env bash
# Benchmark the smoke profile on this machine (not a test: no timing assertions anywhere).
#
#   1. `pytest suites -m smoke` against an already running unimedia
#   2. `postdeploy verify --profile smoke`, including starting and stopping the embedded one
#
# Usage: scripts/benchmark_smoke.sh [runs]   (default 5 runs each; prints min / median / max)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
PY=.venv/bin/python
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A target that is already running, with known passwords.
cat > "$WORK/accounts.json" <<JSON
{"accounts": [{"username": "alice", "password": "bench-a", "role": "user"},
              {"username": "bob", "password": "bench-b", "role": "user"},
              {"username": "admin", "password": "bench-c", "role": "admin"}]}
JSON
$PY -m unimedia serve --host 127.0.0.1 --port 0 --data "$WORK/data" \
    --accounts "$WORK/accounts.json" >"$WORK/url" 2>"$WORK/unimedia.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
URL="$(head -1 "$WORK/url")"

summary() {  # label, then one figure per line on stdin
    sort -n | awk -v name="$1" '{ a[NR] = $1 } END {
        printf "%-48s runs=%d min=%.2fs median=%.2fs max=%.2fs\n", name, NR, a[1], a[int((NR + 1) / 2)], a[NR] }'
}
stats() {  # name, then "wall cpu" seconds per line on stdin (cpu: user + sys, children too)
    local runs; runs="$(cat)"
    cut -d' ' -f1 <<<"$runs" | summary "$1"
    cut -d' ' -f2 <<<"$runs" | summary "  CPU (user+sys, with children)"
}
# Wall time and CPU time: on a shared machine the wall figure mostly measures the neighbours;
# the CPU seconds (this command and its children) are what the command itself costs.
elapsed() { local TIMEFORMAT='%R %U %S'
            { time "$@" >/dev/null 2>&1 || true; } 2>&1 | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'; }

for _ in $(seq "$RUNS"); do
    POSTDEPLOY_TARGET="$URL" POSTDEPLOY_EXPECTED_VERSION=2.0.0 POSTDEPLOY_PASSWORD_ALICE=bench-a \
    POSTDEPLOY_PASSWORD_BOB=bench-b POSTDEPLOY_PASSWORD_ADMIN=bench-c \
        elapsed $PY -m pytest suites -m smoke -q -p no:cacheprovider
done | stats "pytest suites -m smoke (running target)"

for _ in $(seq "$RUNS"); do
    elapsed .venv/bin/postdeploy verify --profile smoke --report-dir "$WORK/reports"
done | stats "postdeploy verify --profile smoke (embedded)"
echo "machine: $(uptime | sed "s/.*load average/load average/")"
