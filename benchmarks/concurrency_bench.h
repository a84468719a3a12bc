// The concurrency benchmark (the dskvs README workload) as a library, so that
// both //benchmarks:concurrency_bench and `dskv bench` run the same code.
// benchmarks/concurrency_bench.cc describes the phases it measures.

#ifndef DSKV_BENCHMARKS_CONCURRENCY_BENCH_H_
#define DSKV_BENCHMARKS_CONCURRENCY_BENCH_H_

#include <string>
#include <string_view>

namespace dskv::bench {

// The --help text; `program` is how the user invokes the benchmark, e.g.
// "concurrency_bench" or "dskv bench".
std::string ConcurrencyBenchUsage(std::string_view program);

// Parses the flags in argv[1..argc-1] (argv[0] is ignored), runs the
// benchmark and prints its results to stdout. Messages are prefixed with
// `program`. Returns the process exit code: 0 on success, 1 if the benchmark
// failed, 2 for a malformed flag.
int RunConcurrencyBench(std::string_view program, int argc, char** argv);

}  // namespace dskv::bench

#endif  // DSKV_BENCHMARKS_CONCURRENCY_BENCH_H_
