#!/usr/bin/env bash
# Runs every test. Installs missing dependencies first. Extra arguments go to
# `bazel test`, e.g. scripts/test.sh --config=asan
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
exec bazel test --jobs="$(nproc)" "$@" //...
