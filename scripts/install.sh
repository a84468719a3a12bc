#!/usr/bin/env bash
# Builds dskv (bazel build -c opt) and installs it for use from any C++ build
# as a relocatable tree: DIR may be moved or copied anywhere afterwards.
#
#   scripts/install.sh --prefix=DIR [--tarball=FILE]
#
#   DIR/include/dskv/            the public headers (store.h, write_batch.h,
#                                put_options.h, tuple.h), and nothing else
#   DIR/lib/libdskv.a            all of dskv's objects, one static archive
#   DIR/lib/pkgconfig/dskv.pc    pkg-config --cflags --libs dskv
#   DIR/lib/cmake/dskv/          find_package(dskv): target dskv::dskv
#                                (dskvConfig.cmake, dskvConfigVersion.cmake)
#   DIR/bin/dskv                 the command-line tool (tools/README.md); it
#                                loads Debian's Abseil, fmt and xxHash shared
#                                libraries when it runs
#
# packaging/BUILD (install_tarball) builds this tree; this script unpacks it.
#
# --tarball=FILE also writes the tree to FILE as a .tar.gz whose one top
# directory is dskv-<version> (the version is in VERSION). Installing again
# replaces what an earlier installation put in DIR. Installs missing Debian
# packages first. examples/README.md shows the tree in use.
set -euo pipefail

die() {
  echo "install.sh: $*" >&2
  exit 1
}

prefix=
tarball=
for arg in "$@"; do
  case "$arg" in
    --prefix=?*) prefix=$(realpath -m -- "${arg#*=}") ;;
    --tarball=?*) tarball=$(realpath -m -- "${arg#*=}") ;;
    --prefix= | --tarball=) die "$arg needs a path" ;;
    -h | --help)
      sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done
[ -n "$prefix" ] || die "--prefix=DIR is required (see --help)"

cd "$(dirname "$0")/.."
scripts/install_deps.sh

# The tree is assembled by Bazel (packaging/BUILD); this script only unpacks
# it, so the tarball and DIR cannot differ.
bazel build -c opt --jobs=2 //packaging:dskv >&2
built=$(bazel info -c opt bazel-bin)/packaging/dskv.tar.gz
[ -f "$built" ] || die "bazel built no $built"

# dskv owns these directories: empty them, so that a header or CMake file
# dropped since an earlier installation does not linger.
mkdir -p "$prefix"
rm -rf "$prefix/include/dskv" "$prefix/lib/cmake/dskv"
tar -xzf "$built" -C "$prefix" --strip-components=1
echo "Installed dskv $(<VERSION) in $prefix" >&2

if [ -n "$tarball" ]; then
  mkdir -p "$(dirname "$tarball")"
  # Bazel's outputs are read-only; the copy should be an ordinary file.
  install -m 644 "$built" "$tarball"
  echo "Wrote $tarball" >&2
fi
