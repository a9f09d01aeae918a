#!/usr/bin/env bash
# Figures for docs/operations.md ("Several nodes", "Sizing"), from the operations tests
# (tests/ops) at full size on this machine:
#   1. ClusterTest.TwoNodesDecideEveryItemOnceThroughAKill9: two photodeskd nodes on one
#      PostgreSQL behind nginx (deploy/nginx/photodesk.conf), 16 reviewers x N items each, 3 s
#      leases, 5% of claims abandoned, node B killed with -9 halfway; exactly-once verified;
#   2. ClusterFigures.OneAndTwoNodes: for 1 and 2 nodes, through nginx and direct, a fresh
#      database of 16 x N items: 15 s paced at R claims/s (claim latency under a working load),
#      then closed loop until the queue is empty (decisions/s at saturation), with the CPU
#      seconds of the nodes, nginx, PostgreSQL and the load tool, and what PostgreSQL's active
#      backends waited on.
# Prints the load average and the busiest processes before and after, since other work on the
# machine changes every figure.
#
# Usage: scripts/ops-load.sh [--items-per-reviewer N (5000)] [--rate R (25)] [--build-dir DIR]
#                            [--only kill|figures]
set -euo pipefail
cd "$(dirname "$0")/.."

per=5000
rate=25
build_dir=""
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --items-per-reviewer) per="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "ops-load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "$build_dir" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target photodeskd test_ops -j "${PD_JOBS:-$(nproc)}"
  build_dir=build/release
else
  cmake --build "$build_dir" --target photodeskd test_ops -j "${PD_JOBS:-$(nproc)}" >/dev/null
fi
test_ops="$PWD/$build_dir/tests/test_ops"

machine() {
  echo "== $1: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); busiest processes now (%CPU over 2 s):"
  top -b -n 2 -d 2 -w 200 | awk '/^top -/ {n++} n == 2 && /^ *[0-9]+ / && $9 > 1 {print "     " $9 "% " $12}' | head -6
}

started=$(date +%s)
machine "before"
if [ -z "$only" ] || [ "$only" = kill ]; then
  echo "== two nodes, 16 x $per items, short leases, abandons, kill -9 of one node halfway"
  PD_OPS_ITEMS_PER_REVIEWER="$per" "$test_ops" --gtest_filter='ClusterTest.TwoNodes*' 2>&1 |
    grep -E '^(two nodes|\[  (FAILED|PASSED|  OK) |.*Failure|  )' || true
  machine "after the kill run"
fi
if [ -z "$only" ] || [ "$only" = figures ]; then
  echo "== one and two nodes, through nginx and direct, 16 x $per items each, paced at $rate claims/s then saturation"
  PD_OPS_FIGURES=1 PD_OPS_ITEMS_PER_REVIEWER="$per" PD_OPS_PACED_RATE="$rate" "$test_ops" \
    --gtest_filter='ClusterFigures.*' 2>&1 | grep -vE '^(Running main|Note: Google|\[-|\[=|$)' || true
  machine "after the figures"
fi
echo "wall time: $(( $(date +%s) - started )) s"
