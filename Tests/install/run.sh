#!/usr/bin/env bash
# Install tests: builds the self-contained release libbedrock (scripts/build-release.sh),
# installs it into a temporary prefix, and checks what a user gets:
#   - the install tree: lib/libbedrock.so.X.Y.Z with its symlinks, include/bedrock.h and
#     bedrock_jansson.h,
#     lib/pkgconfig/bedrock.pc, lib/cmake/Bedrock/BedrockConfig{,Version}.cmake;
#   - the library: exports exactly the functions bedrock.h declares (nm -D), SONAME
#     libbedrock.so.X (readelf -d), no RUNPATH but $ORIGIN, needs only system libraries and
#     no Swift runtime (readelf -d, ldd), stripped;
#   - the C tests (ctest) against that stripped release library;
#   - a program outside the source tree, built through find_package(Bedrock) and through
#     pkg-config with a poisoned <jansson.h> on its include path (bedrock.h needs no jansson),
#     one that uses bedrock_jansson.h, the event-loop adapter examples (examples/adapters:
#     epoll, and libuv and libevent where pkg-config finds them), and a ctypes script, each
#     run with a bare environment (env -i) and chatting with the emulator; and, where
#     unshare(1) may mount, the same with the Swift toolchain's directory hidden under an
#     empty tmpfs.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
failures=0
passes=0
pass() { echo "ok:   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

python=$root/.venv/bin/python
[ -x "$python" ] || python=python3
system_python=$(command -v python3)
work=$(mktemp -d)
prefix=$work/prefix
emulator_state=$work/emulator
cleanup() {
  "$python" tools/emulator/ctl.py stop --state-dir "$emulator_state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

say "Building the self-contained release libbedrock and installing it into a temporary prefix"
library=$(scripts/build-release.sh --prefix "$prefix" --with-tests)
libdir=$(dirname "$library")
version=$(sed -n 's/^#define BEDROCK_VERSION "\(.*\)"$/\1/p' include/bedrock.h)
major=${version%%.*}

say "The install tree"
check "lib/libbedrock.so.$version is a file" test -f "$libdir/libbedrock.so.$version" -a ! -L "$libdir/libbedrock.so.$version"
check "libbedrock.so.$major -> libbedrock.so.$version" test "$(readlink "$libdir/libbedrock.so.$major")" = "libbedrock.so.$version"
check "libbedrock.so -> libbedrock.so.$major" test "$(readlink "$libdir/libbedrock.so")" = "libbedrock.so.$major"
check "include/bedrock.h is the source header" cmp -s include/bedrock.h "$prefix/include/bedrock.h"
check "include/bedrock_jansson.h is the source header" cmp -s include/bedrock_jansson.h "$prefix/include/bedrock_jansson.h"
check "lib/pkgconfig/bedrock.pc" test -f "$libdir/pkgconfig/bedrock.pc"
check "lib/cmake/Bedrock/BedrockConfig.cmake and BedrockConfigVersion.cmake" \
  test -f "$libdir/cmake/Bedrock/BedrockConfig.cmake" -a -f "$libdir/cmake/Bedrock/BedrockConfigVersion.cmake"

say "The library's exports, SONAME and dependencies"
# The C API is the functions declared at the start of a line in the two headers.
declared=$(cat include/bedrock.h include/bedrock_jansson.h | grep -E '^[a-z]' | grep -v '^typedef' |
  grep -oE '\bbedrock_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u)
# Upper-case nm types are global symbols. (The version script also leaves some LOCAL
# entries in .dynsym, shown in lower case; the dynamic linker never binds to those.)
exported=$(nm -D --defined-only "$library" | awk '$2 ~ /^[A-Z]$/ { print $3 }' | sort -u)
if [ "$exported" = "$declared" ]; then
  pass "exports exactly the $(echo "$declared" | wc -l) functions bedrock.h and bedrock_jansson.h declare"
else
  fail "exports differ from bedrock.h's functions (< exported, > declared):"
  diff <(echo "$exported") <(echo "$declared") >&2 || true
fi
dynamic=$(readelf -d "$library")
soname=$(echo "$dynamic" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "SONAME is libbedrock.so.$major (got '$soname')" test "$soname" = "libbedrock.so.$major"
runpath=$(echo "$dynamic" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
check "no RUNPATH but \$ORIGIN (got '${runpath}')" test -z "$runpath" -o "$runpath" = '$ORIGIN'
needed=$(echo "$dynamic" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
allowed='^(libc|libm|libdl|libpthread|librt|libcurl|libcrypto|libjansson|libz|libstdc\+\+|libgcc_s|ld-linux-[a-z0-9_-]+)\.so\.[0-9.]+$'
unexpected=$(echo "$needed" | grep -vE "$allowed" || true)
check "needs only system libraries: $(echo $needed)" test -z "$unexpected"
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
loaded=$(env -i PATH=/usr/bin:/bin ldd "$library")
check "ldd lists no Swift runtime library and nothing under $toolchain" \
  sh -c '! echo "$1" | grep -qE "libswift|libFoundation|libdispatch|libBlocksRuntime|$2/"' sh "$loaded" "$toolchain"
check "ldd finds every library" sh -c '! echo "$1" | grep -q "not found"' sh "$loaded"
check "stripped (no .symtab)" sh -c '! readelf -S "$1" | grep -q "\.symtab"' sh "$library"
echo "size: $(stat -c %s "$library") bytes"

say "C tests (ctest) against the stripped release library"
if ctest --test-dir build-release --output-on-failure; then pass "ctest in build-release"; else fail "ctest in build-release"; fi

say "Starting the emulator for the out-of-tree programs"
url=$("$python" tools/emulator/ctl.py start --state-dir "$emulator_state")
echo "emulator at $url"

# A bare environment: no LD_LIBRARY_PATH, no PATH into the toolchain, no AWS settings.
bare=(env -i PATH=/usr/bin:/bin HOME="$work")

# A <jansson.h> that fails the build if anything includes it: a program that uses bedrock.h
# alone must compile without jansson's headers.
poison=$work/poison
mkdir -p "$poison"
echo '#error "bedrock.h must not need jansson.h"' >"$poison/jansson.h"

say "An out-of-tree CMake project: find_package(Bedrock) + Bedrock::bedrock and Bedrock::bedrock_jansson"
consumer_cmake=$work/consumer-cmake
if cmake -S Tests/install/consumer -B "$consumer_cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
     -DPOISON_INCLUDE_DIR="$poison" >"$work/cmake.log" 2>&1 &&
   cmake --build "$consumer_cmake" >>"$work/cmake.log" 2>&1; then
  pass "configured and built against $prefix, bedrock.h alone with jansson.h poisoned"
  check "runs with env -i and chats with the emulator" "${bare[@]}" "$consumer_cmake/consumer" "$url"
  check "Bedrock::bedrock_jansson: bedrock_chat_j chats with the emulator" \
    "${bare[@]}" "$consumer_cmake/consumer_jansson" "$url"
  linked=$(readelf -d "$consumer_cmake/consumer" | sed -n 's/.*(NEEDED).*\[\(libbedrock.*\)\]/\1/p')
  check "the program records NEEDED $linked (the SONAME)" test "$linked" = "libbedrock.so.$major"
else
  cat "$work/cmake.log" >&2
  fail "find_package(Bedrock) consumer did not build"
fi

say "An out-of-tree program built with pkg-config --cflags --libs bedrock"
export PKG_CONFIG_PATH=$libdir/pkgconfig
check "pkg-config --modversion bedrock is $version" test "$(pkg-config --modversion bedrock)" = "$version"
flags=$(pkg-config --cflags --libs bedrock)
echo "pkg-config --cflags --libs bedrock: $flags"
check "jansson is a private requirement" sh -c 'pkg-config --print-requires-private bedrock | grep -q "^jansson"'
check "bedrock's flags name no jansson" sh -c '! echo "$1" | grep -q jansson' sh "$flags"
if cc -I"$poison" -o "$work/consumer-pkgconfig" Tests/install/consumer/consumer.c $flags -Wl,-rpath,"$libdir"; then
  pass "compiled with pkg-config's flags and jansson.h poisoned, and linked"
  check "runs with env -i and chats with the emulator" "${bare[@]}" "$work/consumer-pkgconfig" "$url"
else
  fail "pkg-config consumer did not build"
fi
if cc -o "$work/consumer-jansson-pkgconfig" Tests/install/consumer/consumer_jansson.c \
     $(pkg-config --cflags --libs bedrock jansson) -Wl,-rpath,"$libdir"; then
  pass "bedrock_jansson.h compiled and linked with pkg-config --cflags --libs bedrock jansson"
  check "bedrock_chat_j chats with the emulator" "${bare[@]}" "$work/consumer-jansson-pkgconfig" "$url"
else
  fail "pkg-config jansson consumer did not build"
fi

say "The event-loop adapter examples (examples/adapters), built with pkg-config against the install"
adapter_prompts=("[[fault:token_delay:50]] first stream says one two three four five"
                 "[[fault:token_delay:50]] second stream says six seven eight nine ten")
for example in epoll_chat: uv_chat:libuv libevent_chat:libevent_core; do
  name=${example%%:*} module=${example#*:}
  if [ -n "$module" ] && ! pkg-config --exists "$module"; then
    echo "skipped $name: no $module.pc (scripts/ensure-deps.sh installs it)"
    continue
  fi
  # shellcheck disable=SC2046,SC2086
  if cc -Iexamples/adapters -o "$work/$name" "examples/adapters/$name.c" \
       $(pkg-config --cflags --libs bedrock jansson $module) -Wl,-rpath,"$libdir"; then
    pass "$name compiled and linked with pkg-config --cflags --libs bedrock jansson $module"
    if "${bare[@]}" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEMULATOR AWS_SECRET_ACCESS_KEY=emulator/secret/key \
         "$work/$name" --check --endpoint "$url" "${adapter_prompts[@]}" >"$work/$name.log" 2>&1; then
      pass "$name streams at once from its loop, each final message equal to its deltas (env -i)"
    else
      cat "$work/$name.log" >&2
      fail "$name --check against the emulator"
    fi
  else
    fail "$name did not build against the install"
  fi
done

say "Python ctypes loading the installed library"
check "loads and converses with env -i" \
  "${bare[@]}" "$system_python" Tests/install/consumer/consumer.py "$library" "$version" "$url"

say "With the Swift toolchain hidden ($toolchain under an empty tmpfs)"
# Mount an empty tmpfs over the toolchain in a private mount namespace, so nothing of it can
# be found at all. That needs permission to mount (root, or unprivileged user namespaces);
# without it the env -i runs above are the check.
hidden() { "${hide[@]}" sh -c 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"' sh "$toolchain" "$@"; }
hide=()
if [ "$toolchain" != /usr ] && [ "$toolchain" != / ]; then
  for candidate in "unshare -m --propagation private" "unshare -r -m"; do
    read -ra hide <<<"$candidate"
    hidden true 2>/dev/null && break
    hide=()
  done
fi
if [ ${#hide[@]} -eq 0 ]; then
  echo "skipped: cannot mount over $toolchain here (needs unshare -m, or a toolchain outside /usr)"
else
  check "the toolchain is gone inside the namespace" hidden sh -c '! command -v swift && ! ls "$1"/lib/swift 2>/dev/null' sh "$toolchain"
  check "the find_package consumer chats with the emulator" hidden "${bare[@]}" "$consumer_cmake/consumer" "$url"
  check "the pkg-config consumer chats with the emulator" hidden "${bare[@]}" "$work/consumer-pkgconfig" "$url"
  check "ctypes loads and converses" \
    hidden "${bare[@]}" "$system_python" Tests/install/consumer/consumer.py "$library" "$version" "$url"
fi

echo "install: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
