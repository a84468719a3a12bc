# What benchmarks/http/run.sh and benchmarks/redis/run.sh share, sourced
# by both (and by benchmarks/redis/report.sh, for its formatting) so that
# their options, their build and the way they account a run's CPU stay the
# same.
#
# Options. common_option ARG handles --quick, --rounds=N, --results=DIR,
# --scratch=DIR and -h/--help (which prints the caller's header comment, up
# to its `set -euo` line, from the file `script` names), and rejects any
# other option; the caller handles its own options first and sets quick,
# rounds, results and scratch to their defaults before. check_options
# OPTION=VALUE... then checks the counts, and that scratch may be emptied.
#
# Build. build_opt RESULTS_DIR TARGET... builds with bazel -c opt and sets
# revision and bazel_bin.
#
# Servers and failures. stop_servers_at_exit has the caller's stop_servers
# run at exit, and at once on INT or TERM; die ends the run; fail_run
# counts a failed run, left out of the results.
#
# CPU accounting. Other work on the machine (a build, another benchmark)
# takes cores from the server and the generator and makes a run slower
# than it is. So run_generator starts a run only once the machine is idle
# (or after a minute of waiting), and measures where the run's CPU went:
# the servers (the processes in acct_pids, their threads, and their
# children such as nginx's workers or Redis's AOF rewrite, live or reaped),
# the generator (this shell's reaped children, from `times`) and the rest.
# A run in which the rest took more than max_other_cores cores (see
# `disturbed`) is for the caller to measure again, up to 3 times.
#
# The caller sets, before the first run_generator:
#   scratch      a directory for a file of the accounting's own (times)
#   log          the run log: each run's command, output and CPU split
#   acct_pids    the pids of the servers to account, separated by spaces
#                (empty: none); set for each run
#   gen_timeout  the seconds after which a generator is stopped
# (log is also die's and fail_run's) and calls run_generator, cpu_sample
# and cpu_end in its own shell, never in $(...): `times` and the servers'
# pids are that shell's.
#
# Sourcing (from the repository's root, where the scripts cd first) sets
# max_other_cores, max_idle_cores, clk_tck, acct_pids (empty) and failures
# (0); run_generator sets out (the generator's output), cpu_line ("wall_s
# server_cores generator_cores other_cores steal_cores"), other_cores and
# steal_cores; fail_run counts a failure in failures.
#
# Report. commas and ratio format figures; other_work_note writes the
# report's note on the CPU other work took.

# The variables the caller sets or reads (script, log, gen_timeout; quick,
# rounds, results, revision, bazel_bin) are unseen by shellcheck here.
# shellcheck shell=bash disable=SC2034,SC2154

# common_option ARG: one of the options every run.sh takes.
common_option() {
  case "$1" in
    --quick) quick=1 ;;
    --rounds=*) rounds=${1#*=} ;;
    --results=*) results=${1#*=} ;;
    --scratch=*) scratch=${1#*=} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
}

# check_options OPTION=VALUE...: each VALUE a whole number of at least 1
# (the message names every OPTION: "--rounds and --duration take whole
# numbers"); and a scratch directory that `rm -rf` may empty.
check_options() {
  local arg names='' verb="takes a whole number"
  for arg in "$@"; do names+=${names:+ and }${arg%%=*}; done
  [ $# -eq 1 ] || verb="take whole numbers"
  for arg in "$@"; do
    case ${arg#*=} in
      ''|*[!0-9]*) echo "run.sh: $names $verb" >&2; exit 2 ;;
    esac
  done
  for arg in "$@"; do
    [ "${arg#*=}" -ge 1 ] ||
      { echo "run.sh: $names must be at least 1" >&2; exit 2; }
  done
  case "$scratch" in
    /|"") echo "run.sh: refusing --scratch=$scratch" >&2; exit 2 ;;
  esac
}

# build_opt RESULTS_DIR TARGET...: bazel build -c opt of the TARGETs, its
# output on stderr and exit 1 if it fails. Sets revision, the commit built
# (others may commit while the benchmark runs; earlier results in
# RESULTS_DIR are not changes to the code), and bazel_bin, -c opt's own
# output tree (bazel-bin follows whichever build ran last).
build_opt() {
  local results_dir=$1 build_log
  shift
  build_log=$(mktemp)
  if ! bazel build -c opt --jobs=2 "$@" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    echo "run.sh: build failed" >&2
    exit 1
  fi
  rm -f "$build_log"
  revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD -- . ":(exclude)$results_dir" 2>/dev/null ||
    revision="$revision + uncommitted changes"
  bazel_bin=$(bazel info -c opt bazel-bin 2>/dev/null)
}

max_other_cores=0.15
max_idle_cores=0.3
clk_tck=$(getconf CLK_TCK)
acct_pids=

busy_jiffies() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
wait_idle() {
  local waited=0 before after
  while :; do
    before=$(busy_jiffies)
    sleep 1
    after=$(busy_jiffies)
    awk -v d=$((after - before)) -v hz="$clk_tck" -v m="$max_idle_cores" \
      'BEGIN { exit !(d / hz < m) }' && return
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      echo "machine still busy after 60 s of waiting; measuring anyway" >>"$log"
      return
    fi
  done
}
# Jiffies of the processes in acct_pids, with their reaped children, and of
# their live children. The command name may hold spaces: fields are counted
# after its closing parenthesis (utime is the 12th there).
server_jiffies() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pids="$acct_pids" '
    BEGIN { n = split(pids, p, " "); for (i = 1; i <= n; i++) ours[p[i]] = 1 }
    { pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      if (pid in ours) s += f[12] + f[13] + f[14] + f[15]
      else if (f[2] in ours) s += f[12] + f[13] }
    END { print s + 0 }'
}
# Sets sample to "wall_ns busy_jiffies steal_jiffies server_jiffies
# children_ms". `times` runs in this shell, not in a $(...) subshell, whose
# reaped children would be its own.
sample=
cpu_sample() {
  local now stat servers children
  times >"$scratch/times"
  now=$(date +%s%N)
  stat=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $9; exit }' /proc/stat)
  servers=$(server_jiffies)
  children=$(awk 'NR == 2 { s = 0
      for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60000 + a[2] * 1000 }
      printf "%.0f", s }' "$scratch/times")
  sample="$now $stat $servers $children"
}
# Sets cpu_line, other_cores and steal_cores for the span since
# cpu_before, and logs them.
cpu_before=
cpu_line=
other_cores=
steal_cores=
cpu_end() {
  local wall servers_cores gen_cores
  cpu_sample
  cpu_line="$(awk -v hz="$clk_tck" -v b="$cpu_before" -v a="$sample" 'BEGIN {
      split(b, x, " "); split(a, y, " ")
      wall = (y[1] - x[1]) / 1e9
      busy = (y[2] - x[2]) / hz; steal = (y[3] - x[3]) / hz
      servers = (y[4] - x[4]) / hz; gen = (y[5] - x[5]) / 1000
      other = busy - servers - gen; if (other < 0) other = 0
      printf "%.2f %.2f %.2f %.2f %.2f", wall, servers / wall, gen / wall, other / wall, steal / wall
    }')"
  read -r wall servers_cores gen_cores other_cores steal_cores <<<"$cpu_line"
  echo "cpu: ${wall} s; cores used by the servers ${servers_cores}, the generator ${gen_cores}, other work ${other_cores}; steal ${steal_cores}" >>"$log"
}
# disturbed: whether other work took more than max_other_cores in the run
# just ended.
disturbed() {
  awk -v o="$other_cores" -v m="$max_other_cores" 'BEGIN { exit !(o > m) }'
}

# stop_servers_at_exit: the caller's stop_servers runs at exit whatever
# happens; on INT or TERM at once rather than after the running generator:
# the rest of the run would only fail against the servers.
stop_servers_at_exit() {
  trap stop_servers EXIT
  trap 'trap - EXIT; stop_servers; echo "run.sh: interrupted" >&2; exit 130' INT
  trap 'trap - EXIT; stop_servers; echo "run.sh: terminated" >&2; exit 143' TERM
}

# die MESSAGE: a failure that ends the run (a server that does not start,
# a check before the measurements).
die() {
  echo "run.sh: $*" >&2
  echo "FAILED: $*" >>"$log"
  exit 1
}
# A failed run, in contrast, is left out of the results and makes the
# script exit non-zero at its end, after the report of the others.
failures=0
fail_run() {
  echo " FAILED: $1 (see $log)" >&2
  echo "FAILED: $1" >>"$log"
  failures=$((failures + 1))
}

# run_generator NAME COMMAND...: runs a generator (or test) after waiting
# for an idle machine, its output in out and the log, the CPU accounting
# around it. Non-zero if it failed.
out=
run_generator() {
  local name=$1 status=0
  shift
  wait_idle
  echo "=== $name: $*" >>"$log"
  cpu_sample
  cpu_before=$sample
  out=$(timeout "$gen_timeout" "$@" 2>&1) || status=$?
  cpu_end
  echo "$out" >>"$log"
  [ "$status" -eq 0 ] || { fail_run "$name: exited with status $status"; return 1; }
}

# Thousands separators, which LC_ALL=C's printf does not give.
commas() {
  [ -n "$1" ] || { echo "–"; return; }
  sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"
}
ratio() {  # a b: a/b with 2 decimals, or a dash
  [ -n "$1" ] && [ -n "$2" ] || { echo "–"; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# other_work_note WHERE <ROWS: the report's note on the CPU that other work
# took during the runs kept, from ROWS "run,round,other_cores,steal_cores"
# on stdin; WHERE ends the sentence on the retries ("run.log\n  has every
# attempt": \n breaks the line). Prints nothing without rows.
other_work_note() {
  awk -F, -v m="$max_other_cores" -v where="$1" '{ n++; sum += $3; steal += $4
      if ($3 > max) { max = $3; at = $1 " round " $2 } }
    END {
      if (n == 0) exit
      printf "- Other work on the machine during the runs (CPU used by neither\n"
      printf "  server nor generator): %.2f cores on average, at most %.2f (%s);\n", sum / n, max, at
      printf "  hypervisor steal %.2f cores on average.", steal / n
      printf "\n  Each run waited for an idle machine, and one in which other work\n"
      printf "  took more than %s cores was measured again (up to 3 times; %s).", m, where
      if (max > m)
        printf " **Some runs kept sharing the machine: they are slower\n  than they should be.**"
      printf "\n"
    }'
}
