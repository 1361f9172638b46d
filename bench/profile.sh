#!/usr/bin/env bash
# Profiles gunicorn and the workers with py-spy while bench/e2e.py loads them, and prints
# where each spends its CPU (bench/profile_summary.py). py-spy is not a dependency of the
# project: install it apart (python3 -m venv /tmp/tools && /tmp/tools/bin/pip install py-spy).
#
#   bench/profile.sh OUT_DIR [e2e.py arguments]     e.g. bench/profile.sh /tmp/prof --workflows one --seconds 20
#
# DATABASE_URL and REDIS_URL as for bench/e2e.py. The recording starts PROFILE_DELAY
# seconds (default 12) into the run, once the saturation phase runs, and lasts
# PROFILE_SECONDS (default 10).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYSPY=${PYSPY:-$(command -v py-spy || echo /tmp/tools/bin/py-spy)}
OUT=$1; shift
mkdir -p "$OUT"
"$ROOT/.venv/bin/python" "$ROOT/bench/e2e.py" "$@" > "$OUT/e2e.log" 2>&1 &
E2E=$!
sleep "${PROFILE_DELAY:-12}"
for part in gunicorn workers; do
  if [ $part = gunicorn ]; then pid=$(pgrep -o -f 'gunicorn.*ticketflower.wsgi'); else pid=$(pgrep -o -f 'ticketflower worker'); fi
  "$PYSPY" record --pid "$pid" --subprocesses --gil --format raw --rate 200 \
    --duration "${PROFILE_SECONDS:-10}" -o "$OUT/$part.txt" > /dev/null 2>&1 &
done
wait
for part in gunicorn workers; do
  echo "== $part"
  "$ROOT/.venv/bin/python" "$ROOT/bench/profile_summary.py" "$OUT/$part.txt" 60
done
