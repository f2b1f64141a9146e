#!/bin/sh
# The nightly 24-hour watch: start tonight's watch, or resume the one a kill interrupted.
#
# Every scheduler below (systemd timer, cron, Kubernetes CronJob) runs this one script, so
# they agree on the one thing that matters: a watch that was killed (OOM, reboot, node
# drain) is *resumed* with its run id — one timeline, the time it was down recorded as a
# gap — instead of a new watch starting over and forgetting what fired.
#
#   postdeploy-nightly.sh [--resume-only] [postdeploy watch options…]
#
# The current run id lives in $REPORT_DIR/nightly-current. If that run's planned end
# (watch.json: started_at + duration_s) is still ahead, it is resumed; otherwise a new run
# nightly-<UTC time> starts. --resume-only (cron's every-10-minutes line) does nothing when
# there is nothing to resume. One watch at a time: a second copy exits at once (flock).
# Exit code: postdeploy's (0 GO, 1 NO_GO, 2 INCONCLUSIVE, 3 internal error).
#
# Environment: POSTDEPLOY_BIN (default: postdeploy), REPORT_DIR (default: reports),
# NIGHTLY_DURATION (default: 24h), PYTHON (default: python3), and every POSTDEPLOY_*
# setting postdeploy itself reads (target, Prometheus URL, passwords).
set -eu

POSTDEPLOY_BIN=${POSTDEPLOY_BIN:-postdeploy}
REPORT_DIR=${REPORT_DIR:-reports}
NIGHTLY_DURATION=${NIGHTLY_DURATION:-24h}
PYTHON=${PYTHON:-python3}

resume_only=false
if [ "${1:-}" = "--resume-only" ]; then
    resume_only=true
    shift
fi

mkdir -p "$REPORT_DIR"
exec 9>"$REPORT_DIR/nightly.lock"
if ! flock -n 9; then
    echo "postdeploy-nightly: a watch is already running (lock $REPORT_DIR/nightly.lock)" >&2
    exit 0
fi

# The run to resume: the current one, if its planned end is still ahead.
current=""
if [ -f "$REPORT_DIR/nightly-current" ]; then
    candidate=$(cat "$REPORT_DIR/nightly-current")
    plan="$REPORT_DIR/$candidate/watch/watch.json"
    if [ -f "$plan" ] && "$PYTHON" -c '
import json, sys, time
plan = json.load(open(sys.argv[1]))
sys.exit(0 if plan["started_at"] + plan["duration_s"] > time.time() else 1)
' "$plan"; then
        current=$candidate
    fi
fi

if [ -n "$current" ]; then
    echo "postdeploy-nightly: resuming $current" >&2
    run_id=$current
elif [ "$resume_only" = true ]; then
    exit 0
else
    run_id="nightly-$(date -u +%Y%m%dT%H%M%SZ)"
    echo "$run_id" > "$REPORT_DIR/nightly-current"
    echo "postdeploy-nightly: starting $run_id" >&2
fi

# exec: the scheduler's SIGTERM reaches the watch itself, which ends cleanly with a summary.
exec "$POSTDEPLOY_BIN" watch --duration "$NIGHTLY_DURATION" --run-id "$run_id" \
    --report-dir "$REPORT_DIR" "$@"
