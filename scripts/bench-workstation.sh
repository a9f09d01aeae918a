#!/usr/bin/env bash
# The workstation's figures (README, docs/workstation.md): photodesk --bench-review on the demo
# queue under a virtual display, the real window at 1600x1000, N decisions by injected keys.
# Prints, per run: key press -> next item fully drawn (p50, p99, max), UI-thread CPU per frame,
# frame wall time, allocations of a redraw with nothing new, resident memory after 500 and
# after N items, and CPU use when idle.
#   scripts/bench-workstation.sh            500 and 5000 decisions
#   scripts/bench-workstation.sh 300        one run of 300
# Each run uses a throwaway profile (its own demo server, queue and journal).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >/dev/null
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(500 5000)
for n in "${runs[@]}"; do
  home=$(mktemp -d)
  echo "== photodesk --demo --bench-review $n (1600x1000, Xvfb + Mesa llvmpipe, $(nproc) cores)"
  xvfb-run -a -s "-screen 0 1600x1000x24" build/release/src/photodesk --demo --profile "$home" \
    --size 1600x1000 --bench-review "$n" 2>/dev/null | grep -v '^\['
  rm -rf "$home"
done
