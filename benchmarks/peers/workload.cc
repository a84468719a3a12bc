#include "benchmarks/peers/workload.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace dskv::peers {

absl::Status Annotate(std::string_view context, const absl::Status& status) {
  if (status.ok()) return status;
  // Debian's Abseil has its own string_view, which fmt cannot print.
  const std::string_view message(status.message().data(),
                                 status.message().size());
  return absl::Status(status.code(), fmt::format("{}: {}", context, message));
}

absl::Status CheckValue(std::string_view key, std::string_view actual,
                        std::string_view expected) {
  if (actual == expected) return absl::OkStatus();
  const auto differs = std::mismatch(actual.begin(), actual.end(),
                                     expected.begin(), expected.end());
  return absl::DataLossError(fmt::format(
      "{}: read {} bytes, wrote {}; first difference at byte {}", key,
      actual.size(), expected.size(), differs.first - actual.begin()));
}

std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

std::uint64_t Random::Uniform(std::uint64_t n) {
  // Lemire's multiply-shift: bias below 2^-40 for the n used here.
  return static_cast<std::uint64_t>(
      (static_cast<unsigned __int128>(Next()) * n) >> 64);
}

double Random::UniformDouble() { return (Next() >> 11) * 0x1.0p-53; }

std::string BenchKey(std::uint64_t index) {
  return fmt::format("{}/key-{:06}", kBenchCollection, index);
}

std::string_view SpreadKey(std::uint64_t index,
                           char (&buffer)[kSpreadKeySize]) {
  std::uint64_t collection = index % kSpreadCollections;
  buffer[0] = 'c';
  buffer[1] = static_cast<char>('0' + collection / 10);
  buffer[2] = static_cast<char>('0' + collection % 10);
  buffer[3] = '/';
  for (std::size_t i = kSpreadKeySize; i-- > 4;) {
    buffer[i] = static_cast<char>('0' + index % 10);
    index /= 10;
  }
  return {buffer, kSpreadKeySize};
}

ValuePool::ValuePool(std::size_t max_value_size)
    : bytes_(kOffsets + max_value_size, '\0') {
  std::uint64_t state = 0x5eed;
  for (std::size_t i = 0; i < bytes_.size(); i += sizeof(std::uint64_t)) {
    const std::uint64_t word = SplitMix64(&state);
    std::memcpy(bytes_.data() + i, &word,
                std::min(sizeof(word), bytes_.size() - i));
  }
}

std::string_view ValuePool::Value(std::uint64_t index, std::uint32_t version,
                                  std::size_t size) const {
  std::uint64_t state = index * 0x100000001b3 + version;
  const std::size_t offset = SplitMix64(&state) % kOffsets;
  return std::string_view(bytes_).substr(offset, size);
}

// Multiplying by a number coprime to n permutes the residues mod n.
Permutation::Permutation(std::uint64_t n)
    : n_(n), stride_(n == 0 ? 1 : 0x9e3779b97f4a7c15 % n) {
  while (n_ > 0 && std::gcd(stride_, n_) != 1) ++stride_;
}

std::uint64_t Permutation::At(std::uint64_t i) const {
  return static_cast<std::uint64_t>(
      (static_cast<unsigned __int128>(i) * stride_) % n_);
}

namespace {

double Zeta(std::uint64_t n, double theta) {
  double sum = 0;
  for (std::uint64_t i = 1; i <= n; ++i) sum += std::pow(i, -theta);
  return sum;
}

}  // namespace

Zipfian::Zipfian(std::uint64_t n, double theta)
    : n_(n),
      alpha_(1 / (1 - theta)),
      zeta_n_(Zeta(n, theta)),
      eta_((1 - std::pow(2.0 / n, 1 - theta)) / (1 - Zeta(2, theta) / zeta_n_)),
      half_pow_theta_(std::pow(0.5, theta)) {}

std::uint64_t Zipfian::Next(Random* random) const {
  const double u = random->UniformDouble();
  const double uz = u * zeta_n_;
  std::uint64_t rank;
  if (uz < 1) {
    rank = 0;
  } else if (uz < 1 + half_pow_theta_) {
    rank = 1;
  } else {
    rank =
        static_cast<std::uint64_t>(n_ * std::pow(eta_ * u - eta_ + 1, alpha_));
    if (rank >= n_) rank = n_ - 1;
  }
  std::uint64_t state = rank;
  return SplitMix64(&state) % n_;
}

}  // namespace dskv::peers
