#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job on the
# embedded default assets: the window when a display is present, a headless run otherwise.
# Arguments are passed to charsim (for example: scripts/run.sh run --headless --seconds 20).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
charsim="${CHARSIM_BUILD_DIR:-$root/build/release}/charsim"
if [[ $# -gt 0 ]]; then
    exec "$charsim" "$@"
elif [[ -n "${DISPLAY:-}" ]]; then
    exec "$charsim"
else
    echo "run: no display, running headless (scripts/run.sh run --headless --help for options)"
    exec "$charsim" run --headless --seconds 20 --starts 10
fi
