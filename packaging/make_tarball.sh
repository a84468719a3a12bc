#!/usr/bin/env bash
# Lays files out under dskv-VERSION/ and writes that directory as a .tar.gz,
# for install_tarball (packaging.bzl):
#
#   make_tarball.sh VERSION_FILE OUT.tar.gz [HOW SOURCE DEST]...
#
# HOW is "copy", or "configure" to replace @DSKV_VERSION@ in a text file.
# Files under bin/ get mode 755, everything else 644 (Bazel marks all of its
# outputs executable, so the sources' modes say nothing). Every file belongs
# to root, so that extracting as root does not hand them to the builder's uid.
set -euo pipefail
umask 022

if [ $# -lt 2 ] || [ $(($# % 3)) -ne 2 ]; then
  echo "usage: make_tarball.sh VERSION_FILE OUT.tar.gz [HOW SOURCE DEST]..." >&2
  exit 2
fi
version=$(<"$1")
if [[ ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "make_tarball.sh: $1 holds '$version', not MAJOR.MINOR.PATCH" >&2
  exit 1
fi
out=$2
shift 2

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top=dskv-$version
while [ $# -gt 0 ]; do
  how=$1 source=$2 path=$3 dest=$stage/$top/$3
  shift 3
  mkdir -p "$(dirname "$dest")"
  case "$how" in
    copy) cp "$source" "$dest" ;;
    configure)
      text=$(<"$source")
      printf '%s\n' "${text//@DSKV_VERSION@/$version}" >"$dest"
      ;;
    *)
      echo "make_tarball.sh: unknown HOW '$how' for $source" >&2
      exit 2
      ;;
  esac
  case "$path" in
    bin/*) chmod 755 "$dest" ;;
    *) chmod 644 "$dest" ;;
  esac
done

tar --sort=name --owner=0 --group=0 --numeric-owner -C "$stage" -cf - "$top" |
  gzip -9n >"$out"
