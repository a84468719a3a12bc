#!/usr/bin/env bash
# Installs the Debian packages dskv needs, if any are missing. Idempotent and
# quiet: prints nothing when everything is already installed.
#
#   scripts/install_deps.sh             # build, test and benchmark dependencies
#   scripts/install_deps.sh --fuzz      # also clang and libFuzzer's runtime
#   scripts/install_deps.sh --examples  # also g++, make, pkg-config and CMake
#   scripts/install_deps.sh --peers     # also the peer stores and gnuplot
#                                       # (benchmarks/peers/run.sh)
#   scripts/install_deps.sh --http      # also nginx, hey, wrk and gnuplot
#                                       # (benchmarks/http/run.sh)
#   scripts/install_deps.sh --redis     # also gnuplot (benchmarks/redis/run.sh;
#                                       # Redis itself is in the base list)
set -euo pipefail

# libboost-dev: Boost.Beast and Boost.Asio (header-only) for dskv serve;
# curl drives it in the tests. libhiredis-dev: the Redis backend of
# dskv/kv.h; redis-server and redis-tools (redis-cli, redis-benchmark): the
# real servers and clients its tests and dskv serve --resp's run against.
packages=(bazel-bootstrap libabsl-dev libfmt-dev libxxhash-dev libgtest-dev
  libbenchmark-dev git libboost-dev curl libhiredis-dev redis-server
  redis-tools)
for arg in "$@"; do
  case "$arg" in
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --examples) packages+=(g++ make pkgconf cmake) ;;
    --peers) packages+=(librocksdb-dev libleveldb-dev liblmdb-dev libtkrzw-dev
      libkyotocabinet-dev gnuplot-nox) ;;
    # nginx-light may start Debian's own nginx on port 80; the benchmark
    # runs its own on a free loopback port.
    --http) packages+=(nginx-light hey wrk gnuplot-nox) ;;
    --redis) packages+=(gnuplot-nox) ;;
    *) echo "install_deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "Installing ${missing[*]} ..." >&2
log=$(mktemp)
if ! { "${sudo[@]}" apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "install_deps.sh: apt-get failed" >&2
  exit 1
fi
rm -f "$log"
