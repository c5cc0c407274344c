#!/usr/bin/env bash
# Installs what building and testing need and is missing: Debian packages (libcurl with
# OpenSSL, jansson, OpenSSL, zlib, pkg-config, CMake, Ninja, and libuv and libevent for the
# event-loop adapter examples in examples/adapters) and, in .venv, the Python
# packages of Tests/python/requirements.txt. Safe to run again: it installs only what is absent.
set -euo pipefail

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! command -v swift >/dev/null 2>&1; then
  echo "error: swift is not on PATH; install the Swift toolchain (6.0 or later) first." >&2
  exit 1
fi

apt_packages=(libcurl4-openssl-dev libjansson-dev libssl-dev zlib1g-dev pkg-config cmake ninja-build libuv1-dev libevent-dev)
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

# Python packages go into the project's own virtualenv, so the machine's packages are left
# alone and every machine tests against the same versions.
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
requirements="$root/Tests/python/requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    say "Installing python3-venv"
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-venv >/dev/null
  fi
  say "Installing Python packages into .venv (pytest, boto3, langchain-aws, h2)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
fi
