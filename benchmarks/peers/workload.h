// The data the workloads store: keys, values and the order they are used
// in, all made on the fly from an index so that the driver's own memory does
// not depend on the number of keys (peer_bench measures the stores' memory).

#ifndef BENCHMARKS_PEERS_WORKLOAD_H_
#define BENCHMARKS_PEERS_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace dskv::peers {

// `status` with "context: " before its message; OK stays OK.
absl::Status Annotate(std::string_view context, const absl::Status& status);

// DataLoss naming `key` and the first differing byte unless actual ==
// expected.
absl::Status CheckValue(std::string_view key, std::string_view actual,
                        std::string_view expected);

// SplitMix64: advances `*state` and returns its next output.
std::uint64_t SplitMix64(std::uint64_t* state);

// A fast generator for one thread.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() { return SplitMix64(&state_); }
  // Uniform in [0, n); n > 0.
  std::uint64_t Uniform(std::uint64_t n);
  // Uniform in [0, 1).
  double UniformDouble();

 private:
  std::uint64_t state_;
};

// Key `index` of the README workload (W1): "bench/key-" and the index in six
// digits, so that byte order is index order, 16 bytes.
inline constexpr std::string_view kBenchCollection = "bench";
inline constexpr std::size_t kBenchKeySize = 16;
std::string BenchKey(std::uint64_t index);

// Key `index` of the large workloads: "cNN/" and the index in 12 digits,
// where NN = index % 100, so 16 bytes spread over 100 collections.
inline constexpr std::size_t kSpreadKeySize = 16;
inline constexpr std::uint64_t kSpreadCollections = 100;
std::string_view SpreadKey(std::uint64_t index, char (&buffer)[kSpreadKeySize]);

// Values: slices of one buffer of random bytes, so that making one costs
// nothing and needs no memory. The slice depends on (index, version):
// values of different keys, and of one key's versions, differ.
class ValuePool {
 public:
  explicit ValuePool(std::size_t max_value_size);

  std::string_view Value(std::uint64_t index, std::uint32_t version,
                         std::size_t size) const;

 private:
  static constexpr std::size_t kOffsets = std::size_t{1} << 20;
  std::string bytes_;
};

// A scattered order of [0, n): At(0), ..., At(n - 1) is a permutation.
// Loads use it so that ordered stores do not get their keys in order.
class Permutation {
 public:
  explicit Permutation(std::uint64_t n);

  std::uint64_t At(std::uint64_t i) const;

 private:
  std::uint64_t n_;
  std::uint64_t stride_;  // Coprime to n_.
};

// Zipfian ranks over [0, n) with exponent `theta` (YCSB's generator, Gray et
// al.), scrambled by a hash so that the popular keys are not neighbours.
// Thread-compatible: share one generator and pass each thread its Random.
class Zipfian {
 public:
  Zipfian(std::uint64_t n, double theta);

  std::uint64_t Next(Random* random) const;

 private:
  std::uint64_t n_;
  double alpha_;
  double zeta_n_;
  double eta_;
  double half_pow_theta_;
};

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_WORKLOAD_H_
