#!/usr/bin/env bash
# The main job on a fresh machine: installs what is needed, builds, standardizes the sample
# photos into out/ (spec photo, JSON report and check overlay for each), then starts the
# review-queue server on 127.0.0.1:8420 with a demo queue (SQLite in out/demo-data, the sample
# photos ingested from assets/demo/roster.csv) and prints a token per role. Ctrl-C stops it.
# (The workstation takes this command over once it exists.)
#   PHOTODESK_LISTEN=HOST:PORT   another address (default 127.0.0.1:8420)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
cli=build/release/src/photodesk-cli
daemon=build/release/src/photodeskd

mkdir -p out
inputs=(/usr/lib/python3/dist-packages/skimage/data/astronaut.png)
if [ -d ../shared/data/portraits ]; then inputs+=(../shared/data/portraits/*.jpg); fi
"$cli" standardize "${inputs[@]}" -O out --jobs "$(nproc)" || true
for f in "${inputs[@]}"; do
  name=$(basename "${f%.*}")
  "$cli" check "$f" --overlay "out/$name.overlay.png" || true
done
echo "run: spec photos, reports and overlays are in $(pwd)/out"

# The demo queue: one photo per roster row, named by student number (D001 ...).
data=out/demo-data
photos=out/demo-photos
mkdir -p "$photos"
i=1
for f in "${inputs[@]}"; do
  [ $i -le 6 ] || break
  cp -f "$f" "$photos/D00$i.${f##*.}"
  i=$((i + 1))
done
if [ ! -f "$data/tokens.txt" ]; then
  mkdir -p "$data"
  for u in admin:admin supervisor:supervisor ingest:ingest reviewer:reviewer; do
    echo "${u%%:*} $("$daemon" user add "${u%%:*}" --role "${u##*:}" --data "$data" 2>/dev/null)"
  done >"$data/tokens.txt"
  "$daemon" ingest --data "$data" --roster assets/demo/roster.csv --photos "$photos" \
    --report "$data/ingest-report.csv" || true
fi
listen=${PHOTODESK_LISTEN:-127.0.0.1:8420}
echo "run: demo queue in $data; tokens (also in $data/tokens.txt):"
sed 's/^/  /' "$data/tokens.txt"
echo "run: try  curl -s -H \"Authorization: Bearer \$(awk '/^reviewer/{print \$2}' $data/tokens.txt)\" -d '{\"n\":5}' http://$listen/v1/leases/claim"
exec "$daemon" serve --data "$data" --listen "$listen"
