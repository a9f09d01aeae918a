#!/usr/bin/env bash
# The main job on a fresh machine: installs what is needed, builds, and opens the reviewer
# workstation on its embedded default: a local photodeskd on 127.0.0.1 (a free port), SQLite
# under ~/.local/share/photodesk/demo, and a demo queue of 240 students made from real photos on
# first run (a progress bar; the queue opens as soon as the first items land). The next run
# reuses the queue; `--demo-reset` builds it again. Extra arguments go to photodesk, e.g.
#   bash scripts/run.sh --demo-reset          a fresh demo queue
#   bash scripts/run.sh --lang en             English (F2 switches at run time)
# Without a display (a server, CI), it starts the workstation on a virtual one, waits for the
# first photo to be drawn, saves a screenshot to out/review.png and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
app=build/release/src/photodesk
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app" --demo "$@"
fi
mkdir -p out
echo "run: no display; starting photodesk on a virtual one (xvfb-run) to show that it works"
xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --demo --size 1600x1000 --probe out/review --exit-when-done "$@"
echo "run: the review view is in $(pwd)/out/review.png (what was drawn: out/review.json)"
