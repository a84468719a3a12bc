// The concurrency benchmark as a program of its own; see concurrency_bench.h.

#include "benchmarks/concurrency_bench.h"

int main(int argc, char** argv) {
  return dskv::bench::RunConcurrencyBench("concurrency_bench", argc, argv);
}
