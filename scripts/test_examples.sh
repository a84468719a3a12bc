#!/usr/bin/env bash
# Proves that dskv embeds in other builds. Makes a fresh install tree and
# tarball with scripts/install.sh, unpacks the tarball in another directory
# and deletes the original tree, so that only a relocated copy is left. Then,
# against that copy:
#   - include/ must hold exactly the public headers (the hdrs of //dskv), and
#     each must compile on its own as C++17 without warnings;
#   - every object of libdskv.a must link (--whole-archive) with the libraries
#     pkg-config names: none missing, none defined twice;
#   - examples/make (pkg-config) and examples/cmake (find_package) must build,
#     and run successfully, and the installed bin/dskv must read the store
#     the first one made.
# Last, examples/bazel must build against the source tree and run. Stops at
# the first failure with a non-zero exit. Installs missing Debian packages
# first.
#
#   scripts/test_examples.sh
set -euo pipefail
trap 'echo "test_examples.sh: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

scripts/install_deps.sh --examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() {
  echo "-- $*"
}

step "install tree and tarball"
scripts/install.sh --prefix="$work/installed" --tarball="$work/dskv.tar.gz"
mkdir "$work/relocated"
tar -xzf "$work/dskv.tar.gz" -C "$work/relocated"
prefix=$work/relocated/dskv-$(<VERSION)
diff -r "$work/installed" "$prefix"
rm -rf "$work/installed"  # Nothing may still point at it.
echo "relocated to $prefix"

step "include/ holds the public headers only, and each compiles alone"
public=$(bazel query 'labels(hdrs, //dskv:dskv)' | sed 's|^//||; s|:|/|' | sort)
installed=$(cd "$prefix/include" && find . ! -type d | sed 's|^\./||' | sort)
if [ "$installed" != "$public" ]; then
  printf 'include/ holds:\n%s\nbut the public headers are:\n%s\n' \
    "$installed" "$public" >&2
  false
fi
for header in $installed; do
  echo "#include <$header>" |
    g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
      -I"$prefix/include" -x c++ -
  echo "$header"
done

step "every object of libdskv.a links with pkg-config's libraries"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion dskv)" = "$(<VERSION)" ]
read -ra libs <<<"$(pkg-config --libs dskv)"  # Flags, split at spaces.
echo 'int main() { return 0; }' >"$work/empty.cc"
g++ -o "$work/whole_archive" "$work/empty.cc" -Wl,--whole-archive \
  "$prefix/lib/libdskv.a" -Wl,--no-whole-archive "${libs[@]}"
echo "$(ar t "$prefix/lib/libdskv.a" | wc -l) objects"

step "examples/make (pkg-config)"
cp -rL examples/make "$work/make"
make -C "$work/make"
"$work/make/example" "$work/store-make"
# Once more without a directory: the program makes one under TMPDIR.
TMPDIR=$work "$work/make/example"

step "bin/dskv reads the example's store"
"$prefix/bin/dskv" --help >/dev/null
"$prefix/bin/dskv" verify "$work/store-make"
[ "$("$prefix/bin/dskv" get "$work/store-make" album/air)" = "Moon Safari" ]
"$prefix/bin/dskv" ls "$work/store-make"

step "examples/cmake (find_package)"
cmake -S examples/cmake -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix"
grep -qx "dskv_DIR:PATH=$prefix/lib/cmake/dskv" "$work/cmake/CMakeCache.txt"
cmake --build "$work/cmake"
"$work/cmake/example" "$work/store-cmake"

step "examples/bazel (@dskv from the source tree)"
# A workspace of its own, with its own output base. --symlink_prefix=/ keeps
# bazel-* links out of the source tree; --batch leaves no server running.
(cd examples/bazel && bazel --batch run --jobs=2 --symlink_prefix=/ \
  //:example -- "$work/store-bazel")

echo "examples against a fresh install tree: all passed in ${SECONDS}s"
