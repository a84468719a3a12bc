#!/usr/bin/env bash
# Compares dskv with its peers (tkrzw, LMDB, RocksDB, LevelDB, Kyoto
# Cabinet) on workloads W1-W3 and dskv's janitor test, and writes
# benchmarks/peers/results/RESULTS.md with charts w1.svg and w2.svg and the
# raw rows (raw.csv, results.json). Installs the peers from Debian if they
# are missing; builds with bazel -c opt. A full run takes about 15 minutes on
# 2 cores; --quick about one.
#
#   benchmarks/peers/run.sh [--quick] [--scratch=DIR] [--results=DIR]
#                           [--stores="dskv rocksdb ..."]
#                           [--sync_between_phases]
#
#   --quick         smoke run: W2 with 100,000 keys, a 100 MiB W3 store, a
#                   2 s janitor test; results go to results/quick/
#   --scratch=DIR   where the stores live while they run (default
#                   /var/tmp/dskv_peers, emptied first; the disk speed is
#                   measured there)
#   --results=DIR   where the results go (default benchmarks/peers/results)
#   --stores=LIST   the stores to run, separated by spaces (default: every
#                   store peer_bench knows, dskv first)
#   --sync_between_phases
#                   W1, W2: an untimed Sync after each writing phase (by
#                   default phases follow at once, as a program's calls do)
#
# Exits non-zero if any run failed; the report still shows the others, and
# results/run.log holds every run's output.
set -euo pipefail
cd "$(dirname "$0")/../.."
export LC_ALL=C

quick=0
scratch=/var/tmp/dskv_peers
results=
stores=  # Default: every store peer_bench knows.
phase_flags=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --sync_between_phases) phase_flags=(--sync_between_phases) ;;
    --scratch=*) scratch=${arg#*=} ;;
    --results=*) results=${arg#*=} ;;
    --stores=*) stores=${arg#*=} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$results" ]; then
  results=benchmarks/peers/results
  [ "$quick" = 1 ] && results=$results/quick
fi

# --- Dependencies: dskv's own, then the peers and gnuplot, only if missing.
scripts/install_deps.sh --peers

# --- Build, and copy the binaries so that a rebuild during the run (of a
# changing dskv) does not swap them under it.
build_log=$(mktemp)
if ! bazel build -c opt --jobs=2 //benchmarks/peers:peer_bench \
  //benchmarks/peers:report >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  echo "run.sh: build failed" >&2
  exit 1
fi
rm -f "$build_log"
bin_dir=$(bazel info -c opt bazel-bin 2>/dev/null)/benchmarks/peers
rm -rf "$scratch"
mkdir -p "$scratch/bin" "$results"
cp "$bin_dir/peer_bench" "$bin_dir/report" "$scratch/bin/"
peer_bench=$scratch/bin/peer_bench
[ -n "$stores" ] ||
  stores=$("$peer_bench" --describe |
    awk -F'\t' '$1 == "store" { printf "%s ", $2 }')

raw=$results/raw.csv
log=$results/run.log
describe=$results/describe.tsv
rm -f "$raw" "$log" "$describe" "$results"/*.svg "$results"/*.dat \
  "$results/results.json" "$results/RESULTS.md"

# --- The disk's sequential write speed: 1 GiB (quick: 256 MiB) of 1 MiB
# writes, then fdatasync.
disk_mib=1024
[ "$quick" = 1 ] && disk_mib=256
disk_mb_per_sec=$(dd if=/dev/zero of="$scratch/disk.scratch" bs=1M \
  count=$disk_mib conv=fdatasync 2>&1 |
  awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") s = $(i - 1);
                  printf "%.0f", $1 / s / 1e6 }')
rm -f "$scratch/disk.scratch"
echo "disk: ${disk_mb_per_sec} MB/s sequential write" >&2

revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# Earlier results in the results directory are not changes to the code.
git diff --quiet HEAD -- . ":(exclude)benchmarks/peers/results" 2>/dev/null ||
  revision="$revision + uncommitted changes"
quick_flag=()
if [ "$quick" = 1 ]; then
  quick_flag=(--quick)
  mode="quick (smoke run, smaller sizes)"
  w2_keys=100,000
  w3_values="10,000 (100 MiB)"
else
  mode=full
  w2_keys=1,000,000
  w3_values="100,000 (1 GiB)"
fi
{
  "$peer_bench" --describe
  printf 'machine\tdskv revision\t%s\n' "$revision"
  printf 'machine\tRun\t%s: benchmarks/peers/run.sh %s\n' "$mode" "$*"
  printf 'machine\tDisk\tsequential write %s MB/s (dd: %s MiB of 1 MiB writes + fdatasync, in %s)\n' \
    "$disk_mb_per_sec" "$disk_mib" "$scratch"
  if [ ${#phase_flags[@]} -gt 0 ]; then
    printf 'machine\tBetween phases\tan untimed sync after each writing phase (--sync_between_phases)\n'
  else
    printf 'machine\tBetween phases\tnothing: each phase starts as the one before ends\n'
  fi
  printf 'machine\tW2 keys\t%s\n' "$w2_keys"
  printf 'machine\tW3 large values\t%s\n' "$w3_values"
} >"$describe"

# --- The runs, each in a process of its own.
failures=0
run() {
  local start=$SECONDS
  printf '%-40s' "$*" >&2
  if timeout 900 "$peer_bench" "$@" "${quick_flag[@]}" "${phase_flags[@]}" \
    --dir="$scratch" \
    --csv="$raw" >>"$log" 2>&1; then
    echo " ok ($((SECONDS - start)) s)" >&2
  else
    echo " FAILED (see $log)" >&2
    echo "FAILED: peer_bench $*" >>"$log"
    failures=$((failures + 1))
  fi
}
for store in $stores; do
  for threads in 2 10; do run --workload=w1 --store="$store" --threads=$threads; done
done
for store in $stores; do
  for threads in 1 2; do run --workload=w2 --store="$store" --threads=$threads; done
done
for store in $stores; do run --workload=w3 --store="$store" --threads=1; done
case " $stores " in
  *" dskv "*) run --workload=janitor --threads=1 --disk_mb_per_sec="$disk_mb_per_sec" ;;
esac

# --- The report and its charts.
"$scratch/bin/report" --csv="$raw" --describe="$describe" --out="$results"
for w in w1 w2; do
  case $w in
    w1) title="W1: 2048 keys, 10,000-byte values (ops/s)" ;;
    w2) title="W2: $w2_keys keys of 16 bytes, 100-byte values (ops/s)" ;;
  esac
  gnuplot -e "datafile='$results/$w.dat'; outfile='$results/$w.svg'; chart_title='$title'" \
    benchmarks/peers/plot.gp
done
rm -rf "$scratch"
echo "wrote $results/RESULTS.md" >&2
if [ "$failures" -gt 0 ]; then
  echo "run.sh: $failures run(s) failed; see $log" >&2
  exit 1
fi
