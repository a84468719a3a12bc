#!/usr/bin/env bash
# The Redis benchmark: dskv serve --resp against redis-server itself, under
# redis-benchmark, and what the network costs a dskv::KeyValue user.
#
# 1. Per round, for pipelining P in 1 and 16, for each server, a fresh
#    server on an empty directory, then
#      redis-benchmark -t ping_mbulk ...          (the generator's ceiling)
#      redis-benchmark -t set,get,hset -d 100 -r 1000000 -n N -P P -c 50
#      redis-benchmark -t set,get,hset -d 100 -r 1 -n N/4 ...  (one key: the
#                                          ceiling for each command's shape)
#    (N: 2,000,000 at -P 16, 500,000 at -P 1, which is bound by round trips)
#    Servers: dskv serve --resp --threads=1 --durability=async;
#    redis-server with AOF, appendfsync everysec (the comparable
#    durability); redis-server without persistence. The server runs on CPU
#    1 (taskset -c 1, all its threads and children), redis-benchmark on
#    CPU 0 (taskset -c 0).
# 2. kv_bench (benchmarks/redis/kv_bench.cc): Puts, Gets, a Scan and a Flush
#    through dskv::KeyValue on the embedded store, a redis-server (AOF),
#    dskv serve --resp and a local 3-master/3-replica Redis Cluster; and the
#    time of the KeyValueConformanceTest suites of tests/kv on each backend.
#
# Each run waits for an idle machine, and is measured again if other work
# took CPU during it. Writes results.csv, kv.csv, conformance.csv, cpu.csv,
# run_info and run.log to benchmarks/redis/results, then report.sh writes
# RESULTS.md (medians, ratios, targets) and redis.svg from them. Installs
# gnuplot-nox from Debian if missing (scripts/install_deps.sh --redis);
# builds with bazel -c opt. Servers listen on 127.0.0.1 only, on free
# ports, and are stopped at exit. A full run takes about 14 minutes on an
# idle 2-core machine (longer while other work keeps it busy); --quick 2.
#
#   benchmarks/redis/run.sh [--quick] [--rounds=N] [--results=DIR]
#                           [--scratch=DIR]
#
#   --quick         smoke run: 1 round, -n 200,000; results go to
#                   results/quick/
#   --rounds=N      rounds of every measurement (default 3; the report
#                   shows medians)
#   --results=DIR   where the results go (default benchmarks/redis/results)
#   --scratch=DIR   the servers' directories, the stores and the binaries
#                   (default /var/tmp/dskv_redis, emptied first)
#
# Exits non-zero if a run fails (a generator or test that exits non-zero,
# an error reply, a server that dies); missed speed targets are only
# reported.
set -euo pipefail
script=$(readlink -f "$0")
cd "$(dirname "$0")/../.."
export LC_ALL=C
run_start=$(date +%s)
# The options, the build and the CPU accounting benchmarks/http/run.sh
# shares.
# shellcheck source=benchmarks/lib/run_common.sh
. benchmarks/lib/run_common.sh

quick=0
rounds=
results=
scratch=/var/tmp/dskv_redis
for arg in "$@"; do common_option "$arg"; done
if [ "$quick" = 1 ]; then
  : "${rounds:=1}" "${results:=benchmarks/redis/results/quick}"
  requests_p1=200000
  requests_p16=200000
else
  : "${rounds:=3}" "${results:=benchmarks/redis/results}"
  # -P 1 is bound by round trips, about 50,000 requests/s here: 2,000,000
  # would take 40 s a command, 24 minutes for -P 1 alone.
  requests_p1=500000
  requests_p16=2000000
fi
check_options --rounds="$rounds"

# The workload (the issue's; report.sh has its targets).
pipelines=(1 16)
clients=50
value_size=100
keyspace=1000000
commands=(set get hset)
servers=(dskv redis_aof redis_nopersist)
# kv_bench: keys (each Put and Get), collections; 1 thread, then 4.
kv_keys=20000
kv_collections=16
kv_threads=1,4
kv_backends=(embedded redis dskv cluster)
tests=(store_kv_test redis_kv_test redis_cluster_kv_test)

# --- Dependencies: dskv's own (Redis among them), and gnuplot.
scripts/install_deps.sh --redis

# --- Build, and copy the binaries so that a rebuild during the run (of a
# changing dskv) does not swap them under it.
build_opt benchmarks/redis/results //tools:dskv //benchmarks/redis:kv_bench \
  //tests/kv:store_kv_test //tests/kv:redis_kv_test \
  //tests/kv:redis_cluster_kv_test
rm -rf "$scratch"
mkdir -p "$scratch/bin" "$scratch/lib" "$scratch/servers" "$results"
for target in tools/dskv benchmarks/redis/kv_bench "${tests[@]/#/tests/kv/}"; do
  cp "$bazel_bin/$target" "$scratch/bin/"
  # Test binaries link the repository's libraries dynamically, from
  # bazel-bin's _solib_k8: those are copied too, and found through
  # LD_LIBRARY_PATH.
  ldd "$bazel_bin/$target" | awk '$3 ~ /_solib_/ { print $3 }' |
    xargs -r cp -t "$scratch/lib/"
done
dskv=$scratch/bin/dskv
kv_bench=$scratch/bin/kv_bench

csv=$results/results.csv
kv_csv=$results/kv.csv
tests_csv=$results/conformance.csv
cpu_csv=$results/cpu.csv
log=$results/run.log
rm -f "$csv" "$kv_csv" "$tests_csv" "$cpu_csv" "$log" "$results/run_info" \
  "$results/RESULTS.md" "$results/redis.svg"
: >"$log"
echo "round,P,server,command,rps,p50_ms" >"$csv"
echo "round,backend,phase,threads,ops,seconds,ops_per_s,us_per_op" >"$kv_csv"
echo "round,backend,tests,suite_ms,binary_s" >"$tests_csv"
echo "run,round,attempt,wall_s,server_cores,generator_cores,other_cores,steal_cores,kept" >"$cpu_csv"

# --- The servers, every one of them stopped at exit whatever happens.
server_pids=()
stop_pids() {  # PID...: TERM, then KILL whatever is left after 10 s
  local pid _
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$@" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
stop_servers() {
  stop_pids "${server_pids[@]}"
  server_pids=()
}
stop_servers_at_exit

# Each start function must run in this shell (never in $(...)), so that the
# servers are its children: `wait` and the CPU accounting need that. Each
# sets `port` and `pid`, and appends the pid to server_pids.
port=
pid=

# start_dskv DIR: dskv serve --resp on a fresh store in DIR, ports picked by
# the kernel (read from its "listening on redis://" line).
start_dskv() {
  local dir=$1 _
  mkdir -p "$dir"
  taskset -c 1 "$dskv" serve "$dir/store" --listen=127.0.0.1:0 --resp=0 \
    --threads=1 --durability=async >"$dir/out" 2>"$dir/err" &
  pid=$!
  server_pids+=("$pid")
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's|^dskv serve: listening on redis://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
      "$dir/out")
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  die "dskv serve --resp did not start: $(cat "$dir/err")"
}

# A port nothing listens on (with cluster=1, its bus port +10000 too), below
# the kernel's ephemeral range, so that no outgoing connection takes it.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {  # cluster(0|1): sets port
  local _
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 2700))
    listening "$port" && continue
    [ "$1" = 1 ] && listening $((port + 10000)) && continue
    return 0
  done
  die "no free port found"
}

# start_redis DIR CLUSTER ARG...: redis-server on a free port with DIR as
# its working directory, and ARG... after the port and address; retried
# on another port if that one was taken meanwhile.
start_redis() {
  local dir=$1 cluster=$2 attempt _
  shift 2
  mkdir -p "$dir"
  for attempt in $(seq 10); do
    free_port "$cluster"
    taskset -c 1 redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
      "$@" >"$dir/redis.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if [ "$(redis-cli -p "$port" PING 2>/dev/null)" = PONG ]; then
        server_pids+=("$pid")
        return 0
      fi
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q 'Address already in use' "$dir/redis.log" || break
  done
  die "redis-server did not start: $(tail -5 "$dir/redis.log")"
}

# start_server NAME DIR: one of the servers measured, fresh.
start_server() {
  case $1 in
    dskv) start_dskv "$2" ;;
    redis_aof) start_redis "$2" 0 --save '' --appendonly yes \
      --appendfsync everysec ;;
    redis_nopersist) start_redis "$2" 0 --save '' --appendonly no ;;
  esac
}

# start_cluster DIR: six redis-servers, then redis-cli --cluster create
# (three masters, a replica each); returns once every node says
# cluster_state:ok, every master has its replica and every replica's link
# is up (kv_bench's Flush waits for the replicas). Sets cluster_seeds.
cluster_seeds=
start_cluster() {
  local dir=$1 i nodes=() ok info _
  for i in 1 2 3 4 5 6; do
    start_redis "$dir/node$i" 1 --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 1000 \
      --repl-diskless-sync-delay 0 --repl-ping-replica-period 1 \
      --appendonly yes --save ''
    nodes+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 \
    --cluster-yes >>"$log" 2>&1 || die "redis-cli --cluster create failed (see $log)"
  for _ in $(seq 300); do
    ok=1
    for node in "${nodes[@]}"; do
      info=$(redis-cli -p "${node#*:}" cluster info 2>/dev/null; \
        redis-cli -p "${node#*:}" info replication 2>/dev/null) || true
      info=${info//$'\r'/}
      grep -qx 'cluster_state:ok' <<<"$info" &&
        grep -qx 'cluster_known_nodes:6' <<<"$info" &&
        { grep -qx 'connected_slaves:1' <<<"$info" ||
          grep -qx 'master_link_status:up' <<<"$info"; } || { ok=0; break; }
    done
    if [ "$ok" = 1 ]; then
      cluster_seeds=$(IFS=,; echo "${nodes[*]}")
      return 0
    fi
    sleep 0.1
  done
  die "the cluster did not form within 30 s"
}

# --- CPU accounting (run_common.sh): each run waits for an idle machine,
# and where its CPU went is measured, the servers being those of acct_pids
# (their threads, and their children such as redis's AOF rewrite, live or
# reaped). A run in which other work took more than $max_other_cores cores
# is measured again, up to 3 times. run_generator's generators and tests
# get 15 minutes each.
gen_timeout=900

# record_cpu RUN ROUND ATTEMPT KEPT [CPU_LINE]: a run's CPU split (the last
# run's without CPU_LINE), for cpu.csv; RUN without commas or spaces. KEPT:
# 1 if its figures are in the results.
record_cpu() {
  local line=${5:-$cpu_line}
  echo "$1,$2,$3,${line// /,},$4" >>"$cpu_csv"
}

# keep_run RUN ROUND ATTEMPT: whether the run just made counts (other work
# left it alone, or it is the last attempt); records its CPU split, and
# says so when it is to be made again.
keep_run() {
  local kept=1
  disturbed && [ "$3" -lt 3 ] && kept=0
  record_cpu "$1" "$2" "$3" "$kept"
  [ "$kept" = 1 ] && return 0
  echo "(other work took $other_cores cores: again)" >&2
  return 1
}

# redis_benchmark NAME P TESTS N [KEYS]: one redis-benchmark run against
# port, pinned to CPU 0, over KEYS random keys (default $keyspace); sets
# rows to "COMMAND rps p50" lines, empty on failure.
rows=
redis_benchmark() {
  local name=$1 pipeline=$2 which=$3 requests=$4 keys=${5:-$keyspace} want got
  rows=
  run_generator "$name" taskset -c 0 redis-benchmark -h 127.0.0.1 -p "$port" \
    -t "$which" -d "$value_size" -r "$keys" -n "$requests" \
    -P "$pipeline" -c "$clients" --csv || return 0
  if grep -qi 'error' <<<"$out"; then
    fail_run "$name: $(grep -i -m1 'error' <<<"$out")"
    return 0
  fi
  # "SET","123.45","avg","min","p50",...: the rate and the median latency.
  rows=$(tr -d '"' <<<"$out" | awk -F, '$1 ~ /^[A-Z_]+$/ && $1 != "test" &&
    $2 > 0 { print $1, $2, $5 }')
  want=$(tr 'a-z,' 'A-Z\n' <<<"$which" | sort | tr '\n' ' ')
  got=$(awk '{ print $1 }' <<<"$rows" | sort | tr '\n' ' ')
  if [ "$want" != "$got" ]; then
    fail_run "$name: results for ${got:-nothing}, expected $want"
    rows=
  elif ! kill -0 "$pid" 2>/dev/null; then
    fail_run "$name: the server died"
    rows=
  fi
}

# measure_server ROUND P SERVER: on a fresh server, the ceiling (PING_MBULK),
# then SET, GET and HSET, then the three again on one key (-r 1: the least
# work a server can do for each, so what the generator drives of each
# request and reply; recorded as set_1key and so on); all again on another
# fresh server if other work disturbed a run. Appends to the CSV.
measure_server() {
  local round=$1 pipeline=$2 server=$3 attempt requests dir ping kept command
  local again ping_cpu commands_cpu one_key main_rows
  requests=$requests_p1
  [ "$pipeline" = 1 ] || requests=$requests_p16
  for attempt in 1 2 3; do
    dir=$scratch/servers/$server-P$pipeline-r$round-a$attempt
    start_server "$server" "$dir"
    acct_pids=$pid
    printf '%-16s -P %-2s round %s ' "$server" "$pipeline" "$round" >&2
    redis_benchmark "$server P$pipeline ping round $round" "$pipeline" \
      ping_mbulk "$requests"
    ping=$rows
    ping_cpu=$cpu_line
    again=0
    disturbed && again=1
    commands_cpu=
    if [ -n "$ping" ]; then
      redis_benchmark "$server P$pipeline set,get,hset round $round" \
        "$pipeline" "$(IFS=,; echo "${commands[*]}")" "$requests"
      commands_cpu=$cpu_line
      disturbed && again=1
    fi
    one_key=
    if [ -n "$rows" ]; then
      main_rows=$rows
      redis_benchmark "$server P$pipeline one key round $round" \
        "$pipeline" "$(IFS=,; echo "${commands[*]}")" $((requests / 4)) 1
      disturbed && again=1
      one_key=$(awk '{ print $1 "_1KEY", $2, $3 }' <<<"$rows")
      rows=$main_rows
      [ -n "$one_key" ] || rows=
    fi
    # The server's own log: dskv's errors, or Redis's, with its AOF
    # rewrites.
    if [ "$server" = dskv ]; then
      { echo "=== dskv serve stderr"; cat "$dir/err"; } >>"$log"
    else
      { echo "=== redis-server log"; cat "$dir/redis.log"; } >>"$log"
    fi
    stop_pids "$pid"
    server_pids=()
    acct_pids=
    rm -rf "$dir"
    kept=1
    [ -n "$ping" ] && [ -n "$rows" ] || kept=0
    [ "$again" = 0 ] || [ "$attempt" = 3 ] || kept=0
    record_cpu "${server}_P${pipeline}_ping" "$round" "$attempt" "$kept" "$ping_cpu"
    [ -z "$commands_cpu" ] ||
      record_cpu "${server}_P${pipeline}_commands" "$round" "$attempt" "$kept" "$commands_cpu"
    if [ -z "$ping" ] || [ -z "$rows" ]; then
      echo "(failed)" >&2
      return 0
    fi
    if [ "$kept" = 0 ]; then
      echo "(other work took more than $max_other_cores cores: again)" >&2
      echo "disturbed: measuring again on a fresh server" >>"$log"
      continue
    fi
    printf '%s\n%s\n%s\n' "$ping" "$rows" "$one_key" |
      while read -r command rps p50; do
        echo "$round,$pipeline,$server,$(tr 'A-Z' 'a-z' <<<"$command"),$rps,$p50"
      done >>"$csv"
    printf '%s\n%s\n' "$ping" "$rows" |
      awk '{ printf "%s %.0f  ", $1, $2 } END { print "" }' >&2
    return 0
  done
}

echo "redis-benchmark: -d $value_size -r $keyspace -c $clients, -n $requests_p1 at -P 1, $requests_p16 at -P 16; server on CPU 1, generator on CPU 0" >>"$log"
for round in $(seq "$rounds"); do
  for pipeline in "${pipelines[@]}"; do
    for server in "${servers[@]}"; do
      measure_server "$round" "$pipeline" "$server"
    done
  done
done

# --- What the network costs a dskv::KeyValue user: kv_bench on each
# backend, each round in a namespace (or store) of its own. Servers on CPU
# 1 and kv_bench on CPU 0 as above; on the embedded store kv_bench is the
# server too, on both cores.
start_redis "$scratch/servers/kv-redis" 0 --save '' --appendonly yes \
  --appendfsync everysec
kv_redis_port=$port
kv_redis_pid=$pid
start_dskv "$scratch/servers/kv-dskv"
kv_dskv_port=$port
kv_dskv_pid=$pid
start_cluster "$scratch/servers/kv-cluster"
cluster_pids=("${server_pids[@]:2}")
echo "kv_bench servers: redis-server 127.0.0.1:$kv_redis_port, dskv serve --resp 127.0.0.1:$kv_dskv_port, cluster $cluster_seeds" >>"$log"

measure_kv() {  # ROUND BACKEND
  local round=$1 backend=$2 attempt ns url pin=(taskset -c 0)
  for attempt in 1 2 3; do
    ns=bench_r${round}a$attempt
    case $backend in
      embedded)
        url=dskv://$scratch/kvstore/$ns
        # shellcheck disable=SC2054  # "0,1" is taskset's list of CPUs.
        pin=(taskset -c 0,1)
        acct_pids= ;;
      redis)
        url=redis://127.0.0.1:$kv_redis_port/$ns
        acct_pids=$kv_redis_pid ;;
      dskv)
        url=redis://127.0.0.1:$kv_dskv_port/$ns
        acct_pids=$kv_dskv_pid ;;
      cluster)
        url=redis-cluster://$cluster_seeds/$ns
        acct_pids="${cluster_pids[*]}" ;;
    esac
    printf 'kv_bench %-9s round %s ' "$backend" "$round" >&2
    if ! run_generator "kv_bench $backend round $round" "${pin[@]}" \
      "$kv_bench" --url="$url" --label="$backend" --keys="$kv_keys" \
      --collections="$kv_collections" --threads="$kv_threads"; then
      echo "(failed)" >&2
      return 0
    fi
    keep_run "kv_bench_$backend" "$round" "$attempt" || continue
    grep "^$backend," <<<"$out" | sed "s/^/$round,/" >>"$kv_csv"
    awk -F, '$2 == "put" || $2 == "get" { printf "%s/%s %.0f  ", $2, $3, $6 }
      END { print "ops/s" }' <<<"$out" >&2
    return 0
  done
}

# conformance ROUND TEST: the KeyValueConformanceTest suite's time as gtest
# reports it (its XML, since --gtest_brief prints no suite times). The
# servers start in the binary's first tests, outside that suite.
conformance() {
  local round=$1 test=$2 attempt xml tests_run suite_ms binary_s
  for attempt in 1 2 3; do
    xml=$scratch/tests/$test.xml
    rm -rf "$scratch/tests"
    mkdir -p "$scratch/tests"
    acct_pids=
    printf '%-21s round %s ' "$test" "$round" >&2
    if ! run_generator "$test round $round" env TEST_TMPDIR="$scratch/tests" \
      LD_LIBRARY_PATH="$scratch/lib" "$scratch/bin/$test" --gtest_brief=1 \
      --gtest_output="xml:$xml"; then
      echo "(failed)" >&2
      return 0
    fi
    keep_run "$test" "$round" "$attempt" || continue
    # <testsuite name="Redis/KeyValueConformanceTest" tests="13" ... time="0.033"
    read -r tests_run suite_ms < <(sed -n \
      's|.*<testsuite name="[^"]*/KeyValueConformanceTest" tests="\([0-9]*\)".* time="\([0-9.]*\)".*|\1 \2|p' \
      "$xml" | awk '{ printf "%s %.0f\n", $1, $2 * 1000 }')
    [ -n "${suite_ms:-}" ] || { fail_run "$test: no KeyValueConformanceTest suite in $xml"; return 0; }
    # The binary's wall time, from the CPU accounting (without the wait
    # for an idle machine).
    binary_s=${cpu_line%% *}
    echo "$round,$test,$tests_run,$suite_ms,$binary_s" >>"$tests_csv"
    echo "$tests_run tests in $suite_ms ms (binary ${binary_s} s)" >&2
    return 0
  done
}

for round in $(seq "$rounds"); do
  for backend in "${kv_backends[@]}"; do
    measure_kv "$round" "$backend"
  done
done
{
  echo "=== kv_bench dskv serve stderr"
  cat "$scratch/servers/kv-dskv/err"
} >>"$log"
# The tests start servers of their own; ours would only take CPU.
stop_servers
for round in $(seq "$rounds"); do
  for test in "${tests[@]}"; do
    conformance "$round" "$test"
  done
done
acct_pids=

# --- The report, from the files above: report.sh writes RESULTS.md and
# redis.svg (and can again, from the same files, without measuring).
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
machine="$(nproc) cores, ${cpu:-unknown CPU}, $(free -g | awk '/^Mem:/ { print $2 }') GiB, Linux $(uname -r)"
versions="$(redis-server --version | sed 's/ sha=.*//'), redis-benchmark $(redis-benchmark --version | awk '{ print $2 }')"
if [ "$quick" = 1 ]; then mode="quick (smoke run)"; else mode=full; fi
run_minutes=$(awk -v s=$(($(date +%s) - run_start)) 'BEGIN { printf "%.1f", s / 60 }')
invocation="benchmarks/redis/run.sh${*:+ $*}"
declare -p mode rounds invocation revision machine versions run_minutes \
  requests_p1 requests_p16 clients value_size keyspace kv_keys \
  kv_collections failures max_other_cores pipelines commands servers \
  kv_backends tests >"$results/run_info"
benchmarks/redis/report.sh "$results"
rm -rf "$scratch"
echo "wrote $results/RESULTS.md ($run_minutes minutes)" >&2
if [ "$failures" -gt 0 ]; then
  echo "run.sh: $failures run(s) failed; see $log" >&2
  exit 1
fi
