#!/usr/bin/env bash
# Issue 8's validation table: builds the release test binary and prints, per automated check,
# detection on each kind of degradation and false alarms on clean real photos, tuning photos
# and held-out photos (config/validation.toml) side by side. Usage: scripts/validate.sh
# (PD_VALIDATION_VERBOSE=1 prints every measured value; PD_VALIDATION_THREADS=n, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build build/release --target test_validation -j "${PD_JOBS:-2}"
exec build/release/tests/test_validation --gtest_brief=1
