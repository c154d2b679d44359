#!/usr/bin/env bash
# Reproduce bench/RESULTS.md (about 1.5 minutes on 2 cores): the per-step CPU
# micro-benchmark, then the HTTP load test against a fresh `tracehound serve` on SQLite
# (its digest in serve's child worker process, the default set-up).
# Extra arguments go to `loadgen.py all`, e.g. --thread-worker, --worker-process or
# --profile. With --server-pythonpath DIR (a clean clone of a commit, say), the
# micro-benchmark imports tracehound from DIR too.
set -euo pipefail
cd "$(dirname "$0")/.."
pythonpath=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --server-pythonpath) pythonpath="${args[i + 1]:-}" ;;
    --server-pythonpath=*) pythonpath="${args[i]#*=}" ;;
  esac
done
if [[ -n "$pythonpath" ]]; then
  PYTHONPATH="$pythonpath" python bench/micro.py --events 6000 | grep -v '^{'
else
  python bench/micro.py --events 6000 | grep -v '^{'
fi
python bench/loadgen.py all "$@"
