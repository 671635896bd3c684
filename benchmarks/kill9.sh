#!/usr/bin/env bash
# The kill -9 table (issue 12) in one command: tests/test_kill9.py (soak marker) for every
# target, the targets split over PARALLEL pytest processes run at once, each on its own broker,
# store and ports (ACADEMY_KILL9_PORT_BASE + 100 per group), so that one scenario's waits
# (the quiet period that proves "settled", restarts) overlap another's work.
#
#   SUBMISSIONS=300 CLUSTERS=4 PARALLEL=4 PORT_BASE=33000 benchmarks/kill9.sh   # or: make soak
#
# Rows land in .cache/kill9/table.md; each group's output in .cache/kill9/group-<base>.log.
# Exit status: non-zero when any scenario failed (a lost or duplicated effect fails it).
set -uo pipefail
cd "$(dirname "$0")/.."
SUBMISSIONS=${SUBMISSIONS:-300}
CLUSTERS=${CLUSTERS:-4}
PARALLEL=${PARALLEL:-4}
PORT_BASE=${PORT_BASE:-33000}
TIMEOUT=${TIMEOUT:-3600}
TARGETS=(store broker registration selection notification reimbursement documents)
mkdir -p .cache/kill9
rm -f .cache/kill9/table.md
pids=()
for ((g = 0; g < PARALLEL; g++)); do
  picked=()
  for ((i = g; i < ${#TARGETS[@]}; i += PARALLEL)); do picked+=("${TARGETS[i]}"); done
  [ ${#picked[@]} -eq 0 ] && continue
  base=$((PORT_BASE + 100 * g))
  selection=$(printf ' or %s' "${picked[@]}"); selection=${selection# or }
  PYTHONUNBUFFERED=1 ACADEMY_KILL9_PORT_BASE=$base ACADEMY_KILL9_SUBMISSIONS=$SUBMISSIONS \
    ACADEMY_KILL9_CLUSTERS=$CLUSTERS ACADEMY_KILL9_TIMEOUT=$TIMEOUT \
    ${UV:-uv} run pytest -m soak -s tests/test_kill9.py -k "$selection" \
    >".cache/kill9/group-$base.log" 2>&1 &
  pids+=($!)
  echo "group $g (ports $base+): ${picked[*]} -> .cache/kill9/group-$base.log"
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
cat .cache/kill9/table.md
exit $status
