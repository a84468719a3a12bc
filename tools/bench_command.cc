// bench: the concurrency benchmark (//benchmarks:concurrency_bench).

#include <fmt/format.h>

#include "benchmarks/concurrency_bench.h"
#include "tools/commands.h"

namespace dskv::tool {
namespace {

constexpr std::string_view kProgram = "dskv bench";

int RunBench(int argc, char** argv) {
  return bench::RunConcurrencyBench(kProgram, argc, argv);
}

}  // namespace

Command BenchCommand() {
  // The benchmark's own usage, whose first line is "Usage: dskv bench ...".
  std::string usage = bench::ConcurrencyBenchUsage(kProgram);
  const std::size_t first_line_end = usage.find('\n');
  return {
      .name = "bench",
      .summary = "run the concurrency benchmark (Put, Get, GetAll, Delete)",
      .synopsis =
          "bench [--threads=T] [--keys=N] [--value_size=S] [--dir=DIR] "
          "[--json=FILE]",
      .description = fmt::format(
          "Runs the concurrency benchmark of //benchmarks:concurrency_bench:\n"
          "T threads put, rewrite, get, GetAll and delete N keys of S bytes\n"
          "in one collection, and print throughput and latency percentiles.\n"
          "Its flags:\n{}",
          usage.substr(first_line_end + 1)),
      .flags = {},
      .min_args = 0,
      .max_args = 0,
      .run_raw = RunBench,
  };
}

}  // namespace dskv::tool
