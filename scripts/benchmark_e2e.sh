#!/usr/bin/env bash
# Time the e2e stage on this machine (not a test: no timing assertions anywhere).
#
# Runs `postdeploy verify --stages e2e` (embedded unimedia, 2 xdist workers, one Chromium
# each) RUNS times and prints, from each run's verdict.json, the e2e stage's duration (the
# stage subprocess: xdist start-up, two Chromium launches, every check) and the whole
# command's wall time (plus starting/stopping the embedded target and writing reports),
# with the load average, since other work on a shared machine skews both.
#
# Usage: scripts/benchmark_e2e.sh [runs]   (default 5; prints min / median / max)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

stats() {  # name, then one duration per line on stdin
    sort -n | awk -v name="$1" '{ a[NR] = $1 } END {
        printf "%-40s runs=%d min=%.1fs median=%.1fs max=%.1fs\n", name, NR, a[1], a[int((NR + 1) / 2)], a[NR] }'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for run in $(seq "$RUNS"); do
    start=$(date +%s%N)
    .venv/bin/postdeploy verify --stages e2e --report-dir "$WORK/reports-$run" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }' >>"$WORK/wall"
    .venv/bin/python - "$WORK/reports-$run/latest/verdict.json" >>"$WORK/stage" <<'PY'
import json, sys
verdict = json.load(open(sys.argv[1]))
(stage,) = [s for s in verdict["stages"] if s["name"] == "e2e"]
print(stage["duration_s"]) if stage["status"] == "passed" else sys.exit(f"e2e {stage['status']}")
PY
done
stats "e2e stage (verdict.json duration_s)" <"$WORK/stage"
stats "postdeploy verify --stages e2e (wall)" <"$WORK/wall"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
