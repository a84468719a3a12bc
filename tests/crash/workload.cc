#include "tests/crash/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace dskv_crash {
namespace {

// SplitMix64's finalizer: a fixed, portable mixing function, so that runs are
// reproducible from their seed everywhere.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

std::uint64_t Mix(std::uint64_t a, std::uint64_t b) { return Mix(Mix(a) ^ b); }

// FNV-1a: turns a key into a number to mix.
std::uint64_t HashBytes(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325;
  for (const char c : bytes) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3;
  }
  return h;
}

// Uniform in [lo, hi).
std::uint64_t Between(std::uint64_t random, std::uint64_t lo,
                      std::uint64_t hi) {
  return lo + random % (hi - lo);
}

}  // namespace

std::string Op::Key() const { return collection + "/" + member; }

bool Op::Affects(std::string_view key) const {
  if (kind == OpKind::kDeleteAll) {
    return key.size() > collection.size() && key.starts_with(collection) &&
           key[collection.size()] == '/';
  }
  return key == Key();
}

const std::vector<WorkloadCollection>& WorkloadCollections() {
  static const auto* const collections = new std::vector<WorkloadCollection>{
      {"big", 40},
      {"users", 20},
      {std::string(kClearedCollection), 6},
  };
  return *collections;
}

std::string WorkloadMember(int index) {
  // Members may hold '/': the key splits at the first one only.
  return index % 7 == 3 ? fmt::format("dir/m{}", index)
                        : fmt::format("m{}", index);
}

std::vector<std::string> WorkloadKeys() {
  std::vector<std::string> keys;
  for (const WorkloadCollection& c : WorkloadCollections()) {
    for (int i = 0; i < c.members; ++i) {
      keys.push_back(c.name + "/" + WorkloadMember(i));
    }
  }
  return keys;
}

Op WorkloadOp(std::uint64_t seed, std::uint64_t version) {
  const std::uint64_t r = Mix(seed, version);
  Op op;
  op.version = version;
  const std::uint64_t kind = Between(r, 0, 1000);
  if (kind < 15) {
    op.kind = OpKind::kDeleteAll;
    op.collection = std::string(kClearedCollection);
    return op;
  }
  op.kind = kind < 165 ? OpKind::kDelete : OpKind::kPut;
  // Half the operations go to the first collection, to pile up overwrites.
  const auto& collections = WorkloadCollections();
  const std::uint64_t pick = Between(Mix(r, 1), 0, 10);
  const WorkloadCollection& c = collections[pick < 5 ? 0 : pick < 8 ? 1 : 2];
  op.collection = c.name;
  op.member =
      WorkloadMember(static_cast<int>(Between(Mix(r, 2), 0, c.members)));
  return op;
}

std::string WorkloadValue(std::string_view key, std::uint64_t version) {
  std::uint64_t r = Mix(HashBytes(key), version);
  std::size_t size;
  switch (Between(r, 0, 10)) {
    case 0:
      size = 0;
      break;
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
      size = Between(Mix(r, 1), 1, 100);
      break;
    case 6:
    case 7:
    case 8:
      size = Between(Mix(r, 1), 100, 2000);
      break;
    default:
      size = Between(Mix(r, 1), 2000, 20480);
      break;
  }
  std::string value = fmt::format("{}@{}:", key, version);
  value.reserve(size);
  // Every byte value occurs: values are binary.
  for (std::uint64_t i = 0; value.size() < size; ++i) {
    r = Mix(r, i);
    for (int b = 0; b < 8 && value.size() < size; ++b) {
      value.push_back(static_cast<char>(r >> (8 * b)));
    }
  }
  value.resize(size);
  return value;
}

std::string BatchCollection(int index) { return fmt::format("b{}", index); }

std::vector<std::string> BatchMembers() {
  std::vector<std::string> members = {"k"};
  for (int i = 0; i + 1 < kBatchMembers; ++i) {
    members.push_back(fmt::format("m{}", i));
  }
  return members;
}

std::vector<std::string> BatchKeys() {
  std::vector<std::string> keys;
  for (int c = 0; c < kBatchCollections; ++c) {
    for (const std::string& member : BatchMembers()) {
      keys.push_back(BatchCollection(c) + "/" + member);
    }
  }
  return keys;
}

std::optional<int> BatchClearedCollection(std::uint64_t version) {
  if (version % kBatchClearEvery != 0) return std::nullopt;
  return static_cast<int>(version / kBatchClearEvery % kBatchCollections);
}

std::string BatchValue(std::uint64_t version) {
  std::string value = fmt::format("{}", version);
  value.resize(std::max(value.size(), kBatchValueSize), 'x');
  return value;
}

std::optional<std::uint64_t> ParseBatchValue(std::string_view value) {
  std::uint64_t version = 0;
  const std::from_chars_result parsed =
      std::from_chars(value.data(), value.data() + value.size(), version);
  // Only the exact bytes BatchValue writes: no leading zeros, no other
  // padding, no other size.
  if (parsed.ec != std::errc() || value != BatchValue(version)) {
    return std::nullopt;
  }
  return version;
}

}  // namespace dskv_crash
