#!/usr/bin/env bash
# The binaries run on any x86-64 CPU: AVX (VEX-encoded v* instructions, ymm/zmm registers)
# appears only in the HOG detector's AVX2 copy, whose symbols private_copy.cmake prefixed with
# pd_copy_, and its entry point detect_avx2, which detect_fastest calls only when the CPU has
# AVX2. Fails (exit 1) naming any other function that uses them, as a leaked template
# instantiation of the copy would.
# Usage: scripts/check-isa.sh [BUILD_DIR] (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build/release}"
status=0
for bin in "$dir/src/photodesk" "$dir/src/photodeskd" "$dir/src/photodesk-cli"; do
  [ -x "$bin" ] || { echo "check-isa: $bin not built" >&2; exit 1; }
  bad=$(objdump -d --no-show-raw-insn "$bin" |
        awk '/^[0-9a-f]+ <.*>:$/ { fn = $2 } /:\tv[a-z]/ || /%[yz]mm/ { n[fn]++ } END { for (f in n) print f }' |
        grep -v -e '^<pd_copy_' -e 'detect_avx2' || true)
  copy=$(objdump -d --no-show-raw-insn "$bin" | grep -c '^[0-9a-f]* <pd_copy_' || true)
  if [ -n "$bad" ]; then
    echo "check-isa: $bin uses AVX outside the AVX2 copy:" >&2
    echo "$bad" | head -20 | sed 's/^/  /' >&2
    status=1
  else
    echo "check-isa: $(basename "$bin") ok ($copy functions in the AVX2 copy, AVX nowhere else)"
  fi
done
exit $status
