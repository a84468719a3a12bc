#!/usr/bin/env bash
# Runs the concurrency benchmark against an embedded store in an optimized
# build. Installs missing dependencies first. Extra arguments go to the
# benchmark, e.g. scripts/bench.sh --threads=2 --json=out.json
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
bazel build -c opt --jobs="$(nproc)" //benchmarks:concurrency_bench >&2
exec bazel-bin/benchmarks/concurrency_bench "$@"
