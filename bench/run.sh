#!/usr/bin/env bash
# Reproduce bench/RESULTS.md (about 1.5 minutes on 2 cores): the per-step CPU
# micro-benchmark, then the HTTP load test against a fresh `tracehound serve` on SQLite.
# Extra arguments go to `loadgen.py all`, e.g. --worker-process or --profile.
set -euo pipefail
cd "$(dirname "$0")/.."
python bench/micro.py --events 6000 | grep -v '^{'
python bench/loadgen.py all "$@"
