#!/usr/bin/env bash
# Installs the Debian packages hfcpp builds with, when any is missing. Used by the README commands and CI.
set -euo pipefail
packages=(build-essential cmake pkg-config ccache libeigen3-dev libsentencepiece-dev nlohmann-json3-dev
          libdnnl-dev libgtest-dev libutf8proc-dev libpcre2-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "hfcpp: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
