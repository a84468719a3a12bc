#!/usr/bin/env bash
# Builds collection_reader_fuzzer (libFuzzer + AddressSanitizer, with clang)
# and runs it for a bounded time on a copy of its seed corpus. Exits non-zero
# if it finds a crash, and leaves the crashing input where it says.
#
#   tests/crash/run_fuzzer.sh [seconds]     # default 30
#
# Extra libFuzzer flags can be given in FUZZER_FLAGS, e.g. FUZZER_FLAGS=-jobs=2.
# DSKV_FUZZ_SKIP_CUT_CHECK=1 leaves out one check; see
# collection_reader_fuzzer.cc.
#
# The fuzz build uses clang where the normal build uses gcc, and Bazel 4 keeps
# both in the same output directories, so each would throw the other's build
# away. It therefore gets an output base of its own, DSKV_FUZZ_OUTPUT_BASE
# (default ~/.cache/dskv-fuzz-bazel).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:-30}"
output_base="${DSKV_FUZZ_OUTPUT_BASE:-$HOME/.cache/dskv-fuzz-bazel}"
bazel=(bazel --output_base="$output_base" --max_idle_secs=600)
# Leave the workspace's bazel-* links to the normal build.
build_flags=(--config=fuzz --jobs=2 --symlink_prefix=/)

"${bazel[@]}" build "${build_flags[@]}" //tests/crash:collection_reader_fuzzer
fuzzer="$("${bazel[@]}" info "${build_flags[@]}" bazel-bin)/tests/crash/collection_reader_fuzzer"

work="$(mktemp -d "${TMPDIR:-/tmp}/dskv-fuzz.XXXXXX")"
mkdir "$work/corpus" "$work/artifacts"
cp tests/crash/fuzz_corpus/* "$work/corpus/"

status=0
# shellcheck disable=SC2086  # FUZZER_FLAGS holds several flags.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 ${FUZZER_FLAGS:-} \
  "$work/corpus" || status=$?

if [[ "$status" -ne 0 || -n "$(ls -A "$work/artifacts")" ]]; then
  echo "run_fuzzer.sh: the fuzzer failed (exit status $status); inputs in" \
    "$work/artifacts:" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
rm -rf "$work"
echo "run_fuzzer.sh: no crash in $seconds s"
