#!/bin/bash
# consumer_test.sh BUILD_DIR CONSUMER_SRC SCHEMA CC CXX: installs the build into a temporary
# prefix and builds and runs the consumer project against it, with CMake and with pkg-config.
set -euo pipefail
build_dir=$1 consumer_src=$2 schema=$3 cc=$4 cxx=$5

work=$(mktemp -d "${TMPDIR:-/tmp}/querysafe-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log"
# The libraries' directory: lib/<multiarch> on Debian (CMakeLists.txt says why).
lib=$(dirname "$(find "$prefix" -name 'libquerysafe.so.0')")

# The installed command finds the installed library by itself (its RUNPATH is relative to it).
"$prefix/bin/querysafe" version >/dev/null ||
  { echo "the installed querysafe command does not run from $prefix/bin" >&2; exit 1; }

# CMake: find_package(querysafe) through CMAKE_PREFIX_PATH only.
cmake -S "$consumer_src" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
LD_LIBRARY_PATH=$lib "$work/build/consumer_c" "$schema"
LD_LIBRARY_PATH=$lib "$work/build/consumer_cxx" "$schema"

# pkg-config: the flags alone must be enough.
libdir=$(dirname "$(find "$prefix" -name querysafe.pc)")
flags=$(PKG_CONFIG_PATH=$libdir pkg-config --cflags --libs querysafe)
# shellcheck disable=SC2086  # the flags are words
"$cc" -std=c11 -Wall -Werror -o "$work/consumer_pc" "$consumer_src/consumer.c" $flags
LD_LIBRARY_PATH=$lib "$work/consumer_pc" "$schema"
echo "install.consumer: CMake package and pkg-config both work"
