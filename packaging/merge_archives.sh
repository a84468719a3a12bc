#!/usr/bin/env bash
# Merges static archives into one, for cc_static_archive (packaging.bzl):
#
#   merge_archives.sh AR OUT.a IN.a...
#
# An ar MRI script copies the members as they are; extracting them into a
# directory instead would let two objects of the same name overwrite each
# other. The result is then checked to hold every input member exactly once.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: merge_archives.sh AR OUT.a IN.a..." >&2
  exit 2
fi
ar=$1
out=$2
shift 2

# MRI scripts have no quoting: refuse paths it would misread.
for path in "$out" "$@"; do
  if [[ ! $path =~ ^[A-Za-z0-9_./-]+$ ]]; then
    echo "merge_archives.sh: cannot name '$path' in an ar MRI script" >&2
    exit 1
  fi
done

rm -f "$out"
{
  echo "create $out"
  printf 'addlib %s\n' "$@"
  echo "save"
  echo "end"
} | "$ar" -M

expected=$(for archive in "$@"; do "$ar" t "$archive"; done | sort)
actual=$("$ar" t "$out" | sort)
if [ "$actual" != "$expected" ]; then
  echo "merge_archives.sh: $out does not hold exactly the members of $*:" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
# Linkers take both members of a duplicate name, but `ar x` keeps only one.
duplicates=$(uniq -d <<<"$actual")
if [ -n "$duplicates" ]; then
  echo "merge_archives.sh: objects of the same name in $*:" >&2
  echo "$duplicates" >&2
  echo "Rename one of the source files of each." >&2
  exit 1
fi
