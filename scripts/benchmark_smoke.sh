#!/usr/bin/env bash
# Benchmark the smoke profile on this machine (not a test: no timing assertions anywhere).
#
#   1. `pytest suites -m smoke` against an already running unimedia, beside a plain httpx
#      script replaying the same requests (recorded through a proxy)
#   2. `postdeploy verify --profile smoke`, including starting and stopping the embedded one
#
# Usage: scripts/benchmark_smoke.sh [runs]   (default 5 runs each; prints min / median / max)
# The measurements are bench/smoke.py's (`make bench`); the figures also go to
# bench/results/<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench smoke_vs_httpx verify_smoke --runs "${1:-5}"
