#!/usr/bin/env bash
# Installs what building and testing need and is missing: Debian packages (libcurl with
# OpenSSL, jansson, OpenSSL, zlib, pkg-config, CMake, Ninja) and Python packages (pytest,
# boto3/botocore). Safe to run again: it installs only what is absent.
set -euo pipefail

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! command -v swift >/dev/null 2>&1; then
  echo "error: swift is not on PATH; install the Swift toolchain (6.0 or later) first." >&2
  exit 1
fi

apt_packages=(libcurl4-openssl-dev libjansson-dev libssl-dev zlib1g-dev pkg-config cmake ninja-build)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
pip_missing=()
"$python" -c "import pytest" 2>/dev/null || pip_missing+=(pytest)
"$python" -c "import boto3, botocore" 2>/dev/null || pip_missing+=(boto3)
if [ ${#pip_missing[@]} -gt 0 ]; then
  say "Installing Python packages: ${pip_missing[*]}"
  "$python" -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}"
fi
