#!/usr/bin/env bash
# Builds the self-contained release libbedrock and installs it with its header, bedrock.pc
# and CMake package into a prefix (default: dist/ in this checkout):
#
#   PREFIX/lib/libbedrock.so.X.Y.Z      the library: Swift runtime linked in statically, only
#   PREFIX/lib/libbedrock.so.X          bedrock_* exported, SONAME libbedrock.so.X, stripped
#   PREFIX/lib/libbedrock.so            (both symlinks)
#   PREFIX/include/bedrock.h, bedrock_jansson.h
#   PREFIX/lib/pkgconfig/bedrock.pc
#   PREFIX/lib/cmake/Bedrock/BedrockConfig.cmake, BedrockConfigVersion.cmake
#
# Progress goes to stderr; the only line on stdout is the library's absolute path, so
# packaging can take it with `lib=$(scripts/build-release.sh)` (copy it with `cp -L`, or copy
# that file, which is not a symlink). The CMake build tree is build-release/ (reused, so a
# second run is incremental); SwiftPM builds in build-release/swiftpm/.
#
# usage: scripts/build-release.sh [--prefix DIR] [--build-dir DIR] [--with-tests]
#   --with-tests also builds the C tests in the build tree, to run with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

prefix=dist
build_dir=build-release
testing=OFF
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --with-tests) testing=ON; shift ;;
    *) echo "usage: $0 [--prefix DIR] [--build-dir DIR] [--with-tests]" >&2; exit 2 ;;
  esac
done
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

# The prefix is given at configure time too, so GNUInstallDirs picks the right libdir for it
# (lib/x86_64-linux-gnu under /usr on Debian, lib elsewhere).
configure=(-DCMAKE_BUILD_TYPE=Release -DBEDROCK_SELF_CONTAINED=ON -DBUILD_TESTING=$testing
           -DCMAKE_INSTALL_PREFIX="$prefix")
[ "$testing" = ON ] && [ -x .venv/bin/python ] && configure+=(-DPython3_EXECUTABLE="$PWD/.venv/bin/python")
say "Configuring the self-contained release build ($build_dir)"
cmake -S . -B "$build_dir" -G Ninja "${configure[@]}" >&2

start=$(date +%s)
say "Building libbedrock in release with the Swift runtime linked in (30-60 s from scratch)"
cmake --build "$build_dir" >&2
say "Built in $(( $(date +%s) - start )) s"

say "Installing into $prefix"
cmake --install "$build_dir" --prefix "$prefix" >&2

libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
case "$libdir" in /*) ;; *) libdir="$prefix/$libdir" ;; esac
library=$(cd "$build_dir/lib" && ls libbedrock.so.*.*.*)
echo "$libdir/$library"
