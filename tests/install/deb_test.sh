#!/usr/bin/env bash
# tests/install/deb_test.sh: the Debian packages, installed as a user installs them.
#
# 1. Builds the library and the command (default preset: RelWithDebInfo) and their packages with
#    ./dev (cpack: querysafe, querysafe-dev, and querysafe-dbgsym with the debug info split off;
#    cmake/packaging.cmake).
# 2. Starts from a clean Debian 13 root: debootstrap's minbase plus a compiler, make, cmake and
#    pkg-config for the consumers, and nothing of querysafe's dependencies, so that apt has to find
#    every one of them from the packages' Depends. That root is cached (below) and each run works
#    on a throwaway overlay of it: the cache never sees the packages.
# 3. In the overlay: `apt-get install ./querysafe_*.deb ./querysafe-dev_*.deb`; the installed
#    `querysafe translate` and `querysafe explain` on examples/medical-records must print exactly
#    what examples/medical-records/expected.txt holds; the C consumer (tests/install/consumer)
#    builds with nothing but `pkg-config --cflags --libs querysafe`, the C and C++ consumers with
#    find_package(querysafe); all three run.
# 4. Prints the installed sizes (library, command, packages).
#
# usage: tests/install/deb_test.sh          (as root: debootstrap, chroot and mounts need it; .ci/run)
# Environment:
#   QUERYSAFE_DEB_TEST_ROOT  the cached clean root (default /var/cache/querysafe/deb-test-trixie)
#   QUERYSAFE_MIRROR         the Debian mirror (default http://deb.debian.org/debian)
#
# The cached root is made again when it is missing, unfinished or its tool list below changed, and
# upgraded (apt-get upgrade, with trixie-updates and trixie-security) when it is older than a day,
# so the packages are always tried against today's Debian 13.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BASE=${QUERYSAFE_DEB_TEST_ROOT:-/var/cache/querysafe/deb-test-trixie}
MIRROR=${QUERYSAFE_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
# What the consumers need to build; deliberately none of querysafe's dependencies.
TOOLS="g++ make cmake pkg-config"
MARKER=.querysafe-deb-test  # inside the root: "$TOOLS" once it is complete
MAX_AGE=86400

say() { printf 'deb_test: %s\n' "$*" >&2; }
die() {
  say "FAILED: $*"
  exit 1
}

# in_root DIR CMD...: CMD in DIR with /proc, /dev and DNS, in a private mount namespace (nothing
# stays mounted when it ends, however it ends).
in_root() {
  local dir=$1
  shift
  # shellcheck disable=SC2016  # the script expands its own positional parameters
  unshare --mount --propagation private -- bash -euc '
    dir=$1
    shift
    mount -t proc proc "$dir/proc"
    mount --rbind /dev "$dir/dev"
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
    exec chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  ' in_root "$dir" "$@"
}

make_base() {
  local new=$BASE.new
  say "making the clean Debian 13 root at $BASE (debootstrap minbase + $TOOLS)"
  rm -rf "$new"
  debootstrap --variant=minbase "$SUITE" "$new" "$MIRROR" >"$new.log" 2>&1 ||
    { tail -20 "$new.log" >&2; die "debootstrap"; }
  rm -f "$new.log"
  cat >"$new/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://security.debian.org/debian-security $SUITE-security main
EOF
  # shellcheck disable=SC2086  # $TOOLS is a list of packages
  in_root "$new" sh -ec "apt-get -qq update && apt-get -qq -y upgrade >/dev/null &&
    apt-get -qq -y install --no-install-recommends $TOOLS >/dev/null && apt-get clean"
  echo "$TOOLS" >"$new/$MARKER"
  rm -rf "$BASE"
  mv "$new" "$BASE"
}

upgrade_base() {
  say "upgrading the clean root (older than a day)"
  in_root "$BASE" sh -ec 'apt-get -qq update
    apt-get -y upgrade >/tmp/upgrade.log
    grep -E "^(Unpacking|[0-9]+ upgraded)" /tmp/upgrade.log || true
    rm /tmp/upgrade.log
    apt-get clean'
  touch "$BASE/$MARKER"
}

# The checks, run inside the overlay root (deb_test.sh --inside) from /test, which holds the
# packages, the example app, its keys and the consumer sources.
inside() {
  cd /test
  apt-get -qq update
  apt-get -y install --no-install-recommends ./querysafe_*.deb ./querysafe-dev_*.deb >apt.log 2>&1 ||
    { cat apt.log; die "apt-get install of the packages"; }
  say "apt installed $(grep -c "^Setting up" apt.log) packages (the packages, their Depends and theirs)"
  local lib
  lib=$(dpkg -L querysafe | grep '/libquerysafe\.so\.0$') || die "the querysafe package has no libquerysafe.so.0"
  [ -x /usr/bin/querysafe ] || die "the querysafe package has no /usr/bin/querysafe"
  # Debian's multiarch layout: where the README tells drivers to find libquerysafe_crypt_v1.so.
  local multiarch
  multiarch=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
  for f in libquerysafe.so.0 libquerysafe_crypt_v1.so; do
    dpkg -L querysafe | grep -qx "/usr/lib/$multiarch/$f" ||
      die "the querysafe package has no /usr/lib/$multiarch/$f: $(dpkg -L querysafe | grep "/$f\$")"
  done
  dpkg -L querysafe-dev | grep -qx "/usr/lib/$multiarch/pkgconfig/querysafe.pc" ||
    die "querysafe-dev has no /usr/lib/$multiarch/pkgconfig/querysafe.pc"
  if ldd /usr/bin/querysafe "$lib" | grep "not found"; then
    die "a shared library that the packages do not depend on"
  fi

  # The command, from the example's directory as expected.txt was made: same bytes on stdout.
  cd /test/medical-records
  local q='Patient.objects.get(patient_record__ssn="987-65-4320")' cmd want got
  for cmd in "querysafe translate --schema schema.json '$q'" \
    "querysafe explain --schema schema.json --key-vault ../keys/vault.json --kms-local-key @../keys/local-master.key '$q'"; do
    want=$(awk -v c="\$ $cmd" '$0 == c { getline; getline; print; exit }' expected.txt)
    [ -n "$want" ] || die "expected.txt has no \"\$ $cmd\""
    got=$(eval "$cmd") || die "$cmd exited $?"
    [ "$got" = "$want" ] || die "$cmd printed
$got
expected.txt has
$want"
    say "ok: ${cmd%% --*} (the installed command prints what expected.txt holds)"
  done

  # pkg-config alone, then find_package(querysafe), as tests/install/consumer_test.sh does on a
  # `cmake --install` prefix.
  cd /test
  # shellcheck disable=SC2046  # the flags are words
  cc -std=c11 -Wall -Werror -o consumer_pc consumer/consumer.c $(pkg-config --cflags --libs querysafe)
  ./consumer_pc medical.json
  cmake -S consumer -B consumer-build >cmake.log 2>&1 || { cat cmake.log; die "cmake configure"; }
  cmake --build consumer-build >>cmake.log 2>&1 || { cat cmake.log; die "cmake build"; }
  consumer-build/consumer_c medical.json
  consumer-build/consumer_cxx medical.json
  say "ok: consumers (pkg-config, find_package)"

  say "installed sizes: $(stat -L -c '%n %s bytes' "$lib" /usr/bin/querysafe | paste -sd, |
    sed 's/,/, /g'); package Installed-Size: $(dpkg-query -W -f '${Installed-Size}' querysafe) KiB"
}

# The clean root: made when missing, unfinished or made for another tool list; upgraded when
# older than a day.
prepare_root() {
  if [ ! -f "$BASE/$MARKER" ] || [ "$(cat "$BASE/$MARKER")" != "$TOOLS" ]; then
    make_base
  elif [ $(($(date +%s) - $(stat -c %Y "$BASE/$MARKER"))) -gt $MAX_AGE ]; then
    upgrade_base
  fi
}

case "${1:-}" in
  --inside)
    inside
    exit 0
    ;;
  --root | '') ;;
  *)
    say "usage: tests/install/deb_test.sh [--root]   (--root: only make or refresh the clean root)"
    exit 2
    ;;
esac

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, chroot, mounts)"; exit 2; }
command -v debootstrap >/dev/null || PATH=$PATH:/usr/sbin
command -v debootstrap >/dev/null || { say "needs debootstrap (apt-get install debootstrap)"; exit 2; }
start=$SECONDS
if [ "${1:-}" = --root ]; then
  prepare_root
  say "clean root ready in $((SECONDS - start)) s"
  exit 0
fi

# 1. The packages.
pkgdir=$REPO/build/default/packages
"$REPO/dev" build default querysafe querysafe_cli
rm -rf "$pkgdir"
"$REPO/dev" shell cpack --config "$REPO/build/default/CPackConfig.cmake" -B "$pkgdir" >&2
debs=("$pkgdir"/querysafe_*.deb "$pkgdir"/querysafe-dev_*.deb)
dbgsym=("$pkgdir"/querysafe-dbgsym_*.ddeb)
for deb in "${debs[@]}" "${dbgsym[@]}"; do
  [ -f "$deb" ] || die "cpack made no $(basename "$deb")"
  say "$(basename "$deb"): $(stat -c %s "$deb") bytes; Depends: $(dpkg-deb -f "$deb" Depends)"
done
say "packages built in $((SECONDS - start)) s"

# 2. The clean root.
step=$SECONDS
prepare_root
say "clean root ready in $((SECONDS - step)) s"

# 3. An overlay of it, thrown away afterwards.
step=$SECONDS
work=$(mktemp -d /var/tmp/querysafe-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/upper" "$work/work" "$work/merged"
# shellcheck disable=SC2016  # the script expands its own positional parameters
unshare --mount --propagation private -- bash -euc '
  base=$1 work=$2 repo=$3
  shift 3
  m=$work/merged
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/work" "$m"
  mkdir "$m/test"
  cp "$@" "$repo/tests/install/deb_test.sh" "$repo/tests/data/conformance/schemas/medical.json" "$m/test/"
  cp -r "$repo/examples/medical-records" "$repo/examples/keys" "$repo/tests/install/consumer" "$m/test/"
  mount -t proc proc "$m/proc"
  mount --rbind /dev "$m/dev"
  cp -L /etc/resolv.conf "$m/etc/resolv.conf"
  exec chroot "$m" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash /test/deb_test.sh --inside
' deb_test "$BASE" "$work" "$REPO" "${debs[@]}"
say "install and checks in $((SECONDS - step)) s; all in $((SECONDS - start)) s"
say "PASSED"
