#!/usr/bin/env bash
# The one split that matters: ImGui, GLFW and OpenGL appear only in the workstation's folder.
# Fails (exit 1) naming every file outside src/workstation/ (and its tests) that includes them.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='#\s*include\s*[<"](imgui[^">]*|GLFW/[^">]*|GL/[^">]*|GLES[^">]*|backends/imgui[^">]*)[">]'
bad=$(grep -rlE "$pattern" src tests bench fuzz 2>/dev/null \
      | grep -vE '^(src/workstation/|tests/workstation/)' || true)
if [ -n "$bad" ]; then
  echo "check-layering: ImGui/GLFW/GL included outside src/workstation/:" >&2
  echo "$bad" | sed 's/^/  /' >&2
  exit 1
fi
echo "check-layering: ok (ImGui, GLFW and GL only in src/workstation/)"
