#!/usr/bin/env bash
# Installs every Debian package that charsim's build, tests and app need. Idempotent: when all
# packages are present it prints nothing and touches nothing. Needs root (or sudo) for apt-get.
set -euo pipefail

packages=(
    cmake g++ make pkg-config
    libbullet-dev libeigen3-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libstb-dev
    libglfw3-dev libimgui-dev libglm-dev python3-glad libgl1-mesa-dev
    doctest-dev
    xvfb xauth libgl1-mesa-dri mesa-utils
)
# PyTorch is used only by tools/ (golden files, reference models, benchmarks); the app never needs
# it. Install it with CHARSIM_WITH_TORCH=1.
if [[ "${CHARSIM_WITH_TORCH:-0}" == "1" ]]; then
    packages+=(python3-torch python3-numpy libopenblas0)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
