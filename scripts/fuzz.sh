#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (preset `fuzz`) and runs each for N seconds
# (default 60) on a seed corpus generated from the test photos. Exit non-zero on a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake --preset fuzz >/dev/null
targets=$(sed -n 's/^add_executable(\(fuzz_[a-z_]*\).*/\1/p' fuzz/CMakeLists.txt)
cmake --build --preset fuzz -j "${PD_JOBS:-$(nproc)}" --target $targets
seeds=build/fuzz/seeds
mkdir -p "$seeds"
# Seeds: small real images of every format we decode (made by the test photo's own PNG).
cp /usr/lib/python3/dist-packages/skimage/data/astronaut.png "$seeds/" 2>/dev/null || true
cp /usr/lib/python3/dist-packages/skimage/data/truncated.jpg "$seeds/" 2>/dev/null || true
for f in /usr/lib/python3/dist-packages/skimage/data/*.{jpg,png}; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 200000 ] && cp "$f" "$seeds/"
done
for t in $targets; do
  echo "fuzz: $t for ${seconds}s"
  corpus=build/fuzz/corpus-$t
  mkdir -p "$corpus"
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
    "build/fuzz/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 "$corpus" "$seeds" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  # Any one kind is a failure (`ls a* b*` fails when one pattern matches nothing, so it only
  # caught a run that left all four kinds: an out-of-memory input went unreported).
  found=$(ls -d crash-* leak-* timeout-* oom-* 2>/dev/null || true)
  if [ -n "$found" ]; then
    echo "fuzz: $t found a failing input:" >&2; echo "$found" >&2; exit 1
  fi
done
