#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs every test suite.
# GUI tests run under Xvfb when no display is present.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
build_dir="${CHARSIM_BUILD_DIR:-$root/build/release}"
cd "$build_dir"
if [[ -z "${DISPLAY:-}" ]]; then
    xvfb-run -a -s "-screen 0 1280x720x24" ctest --output-on-failure "$@"
else
    ctest --output-on-failure "$@"
fi
