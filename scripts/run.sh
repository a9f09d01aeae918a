#!/usr/bin/env bash
# The main job on a fresh machine: installs what is needed, builds, and standardizes the
# sample photos (astronaut.png and ../shared/data/portraits when present) into out/, with a
# JSON report and a check overlay for each. (The workstation takes this command over once it
# exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
cli=build/release/src/photodesk-cli
mkdir -p out
inputs=(/usr/lib/python3/dist-packages/skimage/data/astronaut.png)
if [ -d ../shared/data/portraits ]; then inputs+=(../shared/data/portraits/*.jpg); fi
"$cli" standardize "${inputs[@]}" -O out --jobs "$(nproc)" || true
for f in "${inputs[@]}"; do
  name=$(basename "${f%.*}")
  "$cli" check "$f" --overlay "out/$name.overlay.png" || true
done
echo "run: spec photos, reports and overlays are in $(pwd)/out"
