#!/usr/bin/env bash
# Writes RESULTS.md and redis.svg into a results directory of
# benchmarks/redis/run.sh, from the files the run left there: run_info (the
# run's settings and machine), results.csv, kv.csv, conformance.csv and
# cpu.csv. run.sh calls it at its end; run it again to rewrite a run's
# report (after a change to this file) without measuring again.
#
#   benchmarks/redis/report.sh [RESULTS_DIR]
#
# RESULTS_DIR defaults to benchmarks/redis/results. The targets are here:
# dskv serve --resp / redis-server (AOF everysec) at least target_p16 at
# -P 16 and target_p1 at -P 1 on SET, GET and HSET, where a target beyond
# ceiling_fraction of the generator's ceiling is met at that fraction of
# the ceiling (the generator cannot show more).

# The variables of run_info (sourced below) are unseen by shellcheck.
# shellcheck disable=SC2154
set -euo pipefail
script=$(readlink -f "$0")
cd "$(dirname "$0")/../.."
export LC_ALL=C
# For commas, ratio and other_work_note. Sourced before run_info, whose
# values (failures, max_other_cores) are the run's and must win over the
# library's.
# shellcheck source=benchmarks/lib/run_common.sh
. benchmarks/lib/run_common.sh

case "${1:-}" in
  -h|--help) sed -n '2,/^$/p' "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
results=${1:-benchmarks/redis/results}
for file in run_info results.csv kv.csv conformance.csv cpu.csv; do
  [ -f "$results/$file" ] ||
    { echo "report.sh: no $results/$file (run benchmarks/redis/run.sh)" >&2; exit 1; }
done
# Written by run.sh with declare -p: plain assignments and arrays (mode,
# rounds, revision, machine, the workload's settings, the names of the
# servers, commands, backends and tests, ...).
# shellcheck source=/dev/null
. "$results/run_info"
csv=$results/results.csv
kv_csv=$results/kv.csv
tests_csv=$results/conformance.csv
cpu_csv=$results/cpu.csv

target_p16=1.5
target_p1=1.0
ceiling_fraction=0.9

# median FILE KEYCOLS... VALUECOL: the median of column VALUECOL over the
# rows whose columns match, "col=value" pairs; empty if none.
median() {
  local file=$1 value_col=$2
  shift 2
  awk -F, -v col="$value_col" -v conds="$*" '
    BEGIN { n = split(conds, c, " ")
      for (i = 1; i <= n; i++) { split(c[i], kv, "="); want[kv[1]] = kv[2] } }
    NR > 1 { for (k in want) if ($k != want[k]) next; v[m++] = $col + 0 }
    END {
      if (m == 0) exit
      for (i = 0; i < m; i++) for (j = i + 1; j < m; j++)
        if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      x = m % 2 ? v[(m - 1) / 2] : (v[m / 2 - 1] + v[m / 2]) / 2
      printf (x >= 100 ? "%.0f" : "%.3g"), x
    }' "$file"
}
# results.csv columns: 1 round, 2 P, 3 server, 4 command, 5 rps, 6 p50_ms.
rps() { median "$csv" 5 2="$1" 3="$2" 4="$3"; }          # P server command
p50() { median "$csv" 6 2="$1" 3="$2" 4="$3"; }
each_round() {  # P server command: every round's rps, "a / b / c"
  awk -F, -v p="$1" -v s="$2" -v c="$3" '$2 == p && $3 == s && $4 == c {
      printf "%s%.0f", n++ ? " / " : "", $5 }' "$csv"
}
# spread P: "PERCENT SERVER COMMAND", the largest spread of one server's
# rounds for one command at -P P (max / min - 1).
spread() {
  awk -F, -v p="$1" 'NR > 1 && $2 == p { k = $3 " " $4; v = $5 + 0
      if (!(k in lo) || v < lo[k]) lo[k] = v
      if (v > hi[k]) hi[k] = v }
    END { best = -1
      for (k in lo) if (lo[k] > 0 && hi[k] / lo[k] - 1 > best) { best = hi[k] / lo[k] - 1; at = k }
      if (best >= 0) printf "%.0f %s\n", best * 100, at }' "$csv"
}
ceiling() {  # P [COMMAND]: the highest median of the servers (ping_mbulk)
  local s best='' v
  for s in "${servers[@]}"; do
    v=$(rps "$1" "$s" "${2:-ping_mbulk}")
    [ -n "$v" ] || continue
    if [ -z "$best" ] || [ "$v" -gt "$best" ]; then best=$v; fi
  done
  echo "$best"
}
server_label() {
  case $1 in
    dskv) echo "dskv serve --resp" ;;
    redis_aof) echo "redis-server, AOF everysec" ;;
    redis_nopersist) echo "redis-server, no persistence" ;;
  esac
}
# cpu_median RUN COLUMN: the median cores of the kept runs named RUN.
cpu_median() { median "$cpu_csv" "$2" 1="$1" 9=1; }

report=$results/RESULTS.md
{
  echo "# dskv serve --resp against redis-server, and what the network costs dskv::KeyValue"
  echo
  echo "Written by \`benchmarks/redis/run.sh\` and its \`report.sh\` (see benchmarks/redis/README.md)."
  echo
  echo "- Run: $mode, $rounds round(s), $run_minutes minutes: \`$invocation\`"
  echo "- dskv revision: $revision"
  echo "- Machine: $machine"
  echo "- Peer and generator: $versions"
  echo "- Workload: \`redis-benchmark -h 127.0.0.1 -p PORT -t set,get,hset -d $value_size -r $keyspace -n N -P P -c $clients --csv\`,"
  echo "  N = $(commas "$requests_p1") at -P 1 and $(commas "$requests_p16") at -P 16; each server fresh (empty"
  echo "  directory) for each P and round. The ceilings, what the generator drives"
  echo "  on its core: \`-t ping_mbulk\` with the same -n, -P and -c against each"
  echo "  server (PING as a multibulk, the least work a server can do a request),"
  echo "  and each command on one key (\`-r 1\`, -n N/4, after the run above: the"
  echo "  least work a server can do for that command, with its request and reply"
  echo "  sizes); each ceiling is the highest of the three servers'. A target"
  echo "  beyond ${ceiling_fraction}× of the command's one-key ceiling is met at ${ceiling_fraction}× of it."
  echo "- Servers: \`dskv serve STORE --listen=127.0.0.1:0 --resp=0 --threads=1 --durability=async\`;"
  echo "  \`redis-server --save '' --appendonly yes --appendfsync everysec\` (AOF);"
  echo "  \`redis-server --save '' --appendonly no\` (no persistence). All on 127.0.0.1."
  echo "- Pinning: the server on CPU 1 (\`taskset -c 1\`: every thread and child"
  echo "  process, i.e. dskv's io threads and janitor, Redis's main thread, its"
  echo "  background fsync threads and its AOF rewrite child), redis-benchmark on"
  echo "  CPU 0 (\`taskset -c 0\`)."
  for pipeline in "${pipelines[@]}"; do
    if [ "$pipeline" = 1 ]; then target=$target_p1; else target=$target_p16; fi
    ceil=$(ceiling "$pipeline")
    echo
    echo "## -P $pipeline: requests/s, median of the rounds"
    echo
    echo "| command | dskv serve --resp | redis AOF everysec | redis no persistence | dskv / redis AOF | dskv / redis no persistence | one-key ceiling | dskv / ceiling | target: ≥ ${target}× redis AOF |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for command in "${commands[@]}"; do
      d=$(rps "$pipeline" dskv "$command")
      a=$(rps "$pipeline" redis_aof "$command")
      n=$(rps "$pipeline" redis_nopersist "$command")
      # Runs from before the one-key ceilings have PING's only.
      c=$(ceiling "$pipeline" "${command}_1key")
      [ -n "$c" ] || c=$ceil
      verdict="**no data**"
      if [ -n "$d" ] && [ -n "$a" ]; then
        goal=$(awk -v a="$a" -v t="$target" 'BEGIN { printf "%.0f", a * t }')
        note="${target}× = $(commas "$goal")"
        if [ -n "$c" ] && awk -v g="$goal" -v c="$c" -v f="$ceiling_fraction" \
          'BEGIN { exit !(g > f * c) }'; then
          goal=$(awk -v c="$c" -v f="$ceiling_fraction" 'BEGIN { printf "%.0f", f * c }')
          note+=", beyond ${ceiling_fraction}× the ceiling: goal $(commas "$goal")"
        fi
        if [ "$d" -ge "$goal" ]; then verdict="met ($note)"; else verdict="**not met** ($note)"; fi
      fi
      echo "| $(tr 'a-z' 'A-Z' <<<"$command") | $(commas "$d") | $(commas "$a") | $(commas "$n") | $(ratio "$d" "$a") | $(ratio "$d" "$n") | $(commas "$c") | $(ratio "$d" "$c") | $verdict |"
    done
    d=$(rps "$pipeline" dskv ping_mbulk)
    a=$(rps "$pipeline" redis_aof ping_mbulk)
    n=$(rps "$pipeline" redis_nopersist ping_mbulk)
    echo "| PING_MBULK (the ceiling: $(commas "$ceil")) | $(commas "$d") | $(commas "$a") | $(commas "$n") | $(ratio "$d" "$a") | $(ratio "$d" "$n") | $(commas "$ceil") | $(ratio "$d" "$ceil") | – |"
    echo
    echo "Median latency (p50, ms, from redis-benchmark):"
    echo
    echo "| command | dskv serve --resp | redis AOF everysec | redis no persistence |"
    echo "| --- | ---: | ---: | ---: |"
    for command in "${commands[@]}" ping_mbulk; do
      echo "| $(tr 'a-z' 'A-Z' <<<"$command") | $(p50 "$pipeline" dskv "$command") | $(p50 "$pipeline" redis_aof "$command") | $(p50 "$pipeline" redis_nopersist "$command") |"
    done
    echo
    echo "CPU during SET, GET and HSET (median cores; the server has CPU 1, the generator CPU 0):"
    echo
    echo "| server | server | redis-benchmark |"
    echo "| --- | ---: | ---: |"
    for server in "${servers[@]}"; do
      echo "| $(server_label "$server") | $(cpu_median "${server}_P${pipeline}_commands" 5) | $(cpu_median "${server}_P${pipeline}_commands" 6) |"
    done
  done
  echo
  echo "![requests/s](redis.svg)"
  echo
  echo "Every round (requests/s):"
  echo
  echo "| P | command | dskv serve --resp | redis AOF everysec | redis no persistence |"
  echo "| ---: | --- | --- | --- | --- |"
  for pipeline in "${pipelines[@]}"; do
    for command in "${commands[@]}" ping_mbulk "${commands[@]/%/_1key}"; do
      echo "| $pipeline | $(tr 'a-z' 'A-Z' <<<"$command") | $(each_round "$pipeline" dskv "$command") | $(each_round "$pipeline" redis_aof "$command") | $(each_round "$pipeline" redis_nopersist "$command") |"
    done
  done

  echo
  echo "## What the network costs a dskv::KeyValue user"
  echo
  echo "\`kv_bench\` (benchmarks/redis/kv_bench.cc) through \`dskv::OpenKeyValue(url)\`:"
  echo "$(commas "$kv_keys") Puts of $value_size-byte values over $kv_collections collections, then"
  echo "$(commas "$kv_keys") Gets (each value compared), with 1 thread and again with 4"
  echo "(new collections); then one thread Scans every collection in pages of"
  echo "100 and one Flush. Operations/s, median of the rounds; in brackets the"
  echo "mean time of one call in one thread (µs). Backends: the embedded store"
  echo "(\`dskv:///...\`, kv_bench on both cores, no server); redis-server with"
  echo "AOF everysec (\`redis://\`); \`dskv serve --resp --threads=1"
  echo "--durability=async\` (\`redis://\`); a local Redis Cluster of 3 masters"
  echo "and 3 replicas, AOF, everysec (\`redis-cluster://\`). Servers on CPU 1,"
  echo "kv_bench on CPU 0."
  echo
  echo "| phase | embedded | redis-server | dskv serve --resp | Redis Cluster (3+3) |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for entry in put:1 get:1 put:4 get:4 scan:1 flush:1; do
    phase=${entry%:*}
    threads=${entry#*:}
    case $phase in
      scan) label="Scan, pages of 100 (members/s)" ;;
      flush) label="Flush (ms)" ;;
      *) label="$(tr 'pg' 'PG' <<<"${phase:0:1}")${phase:1}, $threads thread"
        [ "$threads" = 1 ] || label+=s ;;
    esac
    line="| $label |"
    for backend in "${kv_backends[@]}"; do
      # kv.csv columns: 1 round, 2 backend, 3 phase, 4 threads, 5 ops,
      # 6 seconds, 7 ops_per_s, 8 us_per_op.
      if [ "$phase" = flush ]; then
        s=$(median "$kv_csv" 6 2="$backend" 3=flush)
        cell=$([ -n "$s" ] && awk -v s="$s" 'BEGIN { printf "%.1f", s * 1000 }' || echo "–")
      else
        o=$(median "$kv_csv" 7 2="$backend" 3="$phase" 4="$threads")
        u=$(median "$kv_csv" 8 2="$backend" 3="$phase" 4="$threads")
        cell="$(commas "$o") ($u µs)"
      fi
      line+=" $cell |"
    done
    echo "$line"
  done
  echo
  echo "The same conformance tests on each backend: the"
  echo "\`*/KeyValueConformanceTest\` suite of tests/kv (the same 13 tests on each),"
  echo "its time as gtest reports it (median of the rounds). The servers start"
  echo "in each binary's first tests, outside the suite. The last column is the"
  echo "whole binary: the servers' start and the binary's other tests too (the"
  echo "cluster's: two clusters formed, a slot migration, a failover). Run"
  echo "directly, \`--gtest_brief=1\`, built -c opt."
  echo
  echo "| backend | tests | suite time (ms) | whole binary (s) |"
  echo "| --- | ---: | ---: | ---: |"
  for test in "${tests[@]}"; do
    case $test in
      store_kv_test) label="embedded (store_kv_test)" ;;
      redis_kv_test) label="redis-server (redis_kv_test)" ;;
      redis_cluster_kv_test) label="Redis Cluster 3+3 (redis_cluster_kv_test)" ;;
    esac
    echo "| $label | $(median "$tests_csv" 3 2="$test") | $(median "$tests_csv" 4 2="$test") | $(median "$tests_csv" 5 2="$test") |"
  done

  echo
  echo "## Notes"
  echo
  echo "- Durability differs: redis-server with \`appendfsync everysec\` writes each"
  echo "  command to its append-only file before replying, so an acknowledged"
  echo "  write survives a kill -9 of the server (up to about 1 s may be lost"
  echo "  on a power loss). \`dskv serve --durability=async\` acknowledges from"
  echo "  memory; its janitor starts writing within \`Options::flush_interval\`"
  echo "  (100 ms) and syncs each pass: a kill -9 of dskv loses the writes of"
  echo "  about the last 100 ms plus one janitor pass, where Redis normally loses none;"
  echo "  on a power loss dskv loses about the same (plus that pass's sync),"
  echo "  Redis up to about 1 s. A client that needs a write on disk sends"
  echo "  \`WAIT 0 0\` (Store::Flush) to dskv."
  echo "- A ceiling is what redis-benchmark on one core drives: a target"
  echo "  beyond ${ceiling_fraction}× of the command's one-key ceiling is met at ${ceiling_fraction}× of it (this"
  echo "  machine cannot show more). Both the ratio target and that goal are shown."
  echo "- Redis's AOF rewrite (its default auto-aof-rewrite, at 100% growth"
  echo "  past 64 MB) forks during long SET and HSET runs; the child runs on"
  echo "  CPU 1 with the server and is counted as the server's. It slows"
  echo "  Redis's writes: the AOF figures include it, as a Redis with AOF would."
  if [ "$rounds" -gt 1 ]; then
    echo "- Rounds differ, at most (one server, one command):"
    widest=0
    for pipeline in "${pipelines[@]}"; do
      read -r pct server command <<<"$(spread "$pipeline")"
      [ -n "${pct:-}" ] || continue
      [ "$pct" -le "$widest" ] || widest=$pct
      echo "  at -P $pipeline by $pct%, $(server_label "$server"), $(tr 'a-z' 'A-Z' <<<"$command"): $(each_round "$pipeline" "$server" "$command")."
    done
    if [ "$widest" -gt 15 ]; then
      echo "  Rates move between rounds on this machine, for every server alike,"
      echo "  by more than some of the ratios above: a ratio within that spread"
      echo "  says little, and more rounds (\`--rounds\`) narrow it. At -P 1 every"
      echo "  server is bound by round trips (redis-benchmark uses its whole core,"
      echo "  the servers less than theirs)."
    fi
  fi
  # cpu.csv columns: 1 run, 2 round, 7 other_cores, 8 steal_cores, 9 kept.
  awk -F, 'NR > 1 && $9 == 1 { print $1 "," $2 "," $7 "," $8 }' "$cpu_csv" |
    other_work_note 'cpu.csv\n  and run.log have every attempt'
  if [ "$failures" -gt 0 ]; then
    echo "- **$failures run(s) failed** and are left out; see run.log."
  fi
} >"$report"

dat=$(mktemp -d)
trap 'rm -rf "$dat"' EXIT
# The chart: per P, one group per command, one bar per server ('?' where
# a figure is missing).
for pipeline in "${pipelines[@]}"; do
  {
    echo '"command" "dskv serve --resp" "redis-server, AOF everysec" "redis-server, no persistence"'
    for command in "${commands[@]}" ping_mbulk; do
      label=$(tr 'a-z' 'A-Z' <<<"$command")
      [ "$command" != ping_mbulk ] || label="PING (ceiling)"
      line="\"$label\""
      for server in "${servers[@]}"; do
        v=$(rps "$pipeline" "$server" "$command")
        line+=" ${v:-?}"
      done
      echo "$line"
    done
  } >"$dat/p$pipeline.dat"
done
gnuplot -e "p1='$dat/p1.dat'; p16='$dat/p16.dat'; outfile='$results/redis.svg'; chart_title='redis-benchmark -c $clients -d $value_size, server on CPU 1, generator on CPU 0 ($mode, median of $rounds)'" \
  benchmarks/redis/plot.gp
