// Options::max_memory_bytes and Options::eviction: which writes a full store
// refuses and which it still takes, batches as a whole, Stats, reopening
// over the limit, and evicting the soonest deadlines.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"
#include "gtest/gtest.h"
#include "tests/fake_clock.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::FakeClock;
using ::dskv_test::HasCode;
using ::dskv_test::HasValue;
using ::dskv_test::IsOk;
using ::dskv_test::TempDirTest;
using ::std::chrono::seconds;

constexpr std::uint64_t kLimit = std::uint64_t{1} << 20;
const std::string kValue(100, 'v');

PutOptions Ttl(seconds ttl) {
  PutOptions options;
  options.ttl = ttl;
  return options;
}

std::string KeyOf(int i) { return "c/key" + std::to_string(i); }

class MemoryLimitTest : public TempDirTest {
 protected:
  ::testing::AssertionResult Open(std::uint64_t limit,
                                  Eviction eviction = Eviction::kNone) {
    store_.reset();
    Options options;
    options.clock = &clock_;
    options.max_memory_bytes = limit;
    options.eviction = eviction;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir(), options);
    if (!store.ok()) return ::testing::AssertionFailure() << store.status();
    store_ = *std::move(store);
    return ::testing::AssertionSuccess();
  }

  Stats StatsNow() {
    absl::StatusOr<Stats> stats = store_->GetStats();
    EXPECT_TRUE(IsOk(stats));
    return stats.ok() ? *stats : Stats();
  }

  // Puts KeyOf(0), KeyOf(1), ... with kValue (and `options`) until a put
  // fails; expects that failure to be the limit's. Returns how many fit.
  int Fill(const PutOptions& options = PutOptions()) {
    for (int i = 0;; ++i) {
      absl::Status s = store_->Put(KeyOf(i), kValue, options);
      if (!s.ok()) {
        EXPECT_TRUE(HasCode(s, absl::StatusCode::kResourceExhausted));
        EXPECT_TRUE(HasCode(store_->Get(KeyOf(i)), absl::StatusCode::kNotFound))
            << "a refused put changed nothing";
        return i;
      }
      if (i > 1'000'000) {
        ADD_FAILURE() << "no limit reached";
        return i;
      }
    }
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(MemoryLimitTest, StatsCountMemoryWithoutALimit) {
  ASSERT_TRUE(Open(0));
  EXPECT_EQ(StatsNow().memory_bytes, 0u);
  ASSERT_TRUE(IsOk(store_->Put("c/a", kValue)));
  const Stats one = StatsNow();
  // The value, the member, the record's header and a table slot.
  EXPECT_GE(one.memory_bytes, kValue.size() + 1);
  EXPECT_LE(one.memory_bytes, kValue.size() + 64);
  EXPECT_EQ(one.max_memory_bytes, 0u);
  // A deadline costs its bytes and an index entry.
  ASSERT_TRUE(IsOk(store_->Put("c/a", kValue, Ttl(seconds(60)))));
  EXPECT_GT(StatsNow().memory_bytes, one.memory_bytes + 8);
  ASSERT_TRUE(IsOk(store_->Delete("c/a")));
  EXPECT_EQ(StatsNow().memory_bytes, 0u);
}

TEST_F(MemoryLimitTest, WritesThatAddMemoryFailAtTheLimit) {
  ASSERT_TRUE(Open(kLimit));
  const int fitted = Fill();
  const Stats full = StatsNow();
  EXPECT_EQ(full.max_memory_bytes, kLimit);
  EXPECT_LE(full.memory_bytes, kLimit);
  // Within one key of the limit.
  EXPECT_GE(full.memory_bytes, kLimit - (kValue.size() + 64));
  EXPECT_EQ(full.keys, static_cast<std::uint64_t>(fitted));
  EXPECT_EQ(full.memory_refusals, 1u);

  // Then empty values, the smallest keys, until the room left is less
  // than one of them takes.
  int tiny = 0;
  while (store_->Put("t/" + std::to_string(tiny), "").ok()) ++tiny;
  EXPECT_GT(tiny, 0);
  absl::Status refused = store_->Put("c/new", kValue);
  EXPECT_TRUE(HasCode(refused, absl::StatusCode::kResourceExhausted));
  EXPECT_NE(refused.message().find("max_memory_bytes"), std::string::npos)
      << refused;
  // A larger value for a key that exists, a counter, a content id, a
  // deadline: each adds memory.
  // (What is left is less than a new key's memory, not less than 100.)
  EXPECT_TRUE(HasCode(store_->Put(KeyOf(0), kValue + kValue + kValue),
                      absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(HasValue(store_->Get(KeyOf(0)), kValue));
  EXPECT_TRUE(HasCode(store_->Increment("c/a-counter-with-a-long-name", 1),
                      absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(HasCode(store_->PutContent("c", kValue + "x"),
                      absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(HasCode(store_->Expire(KeyOf(0), seconds(10)),
                      absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(HasCode(store_->Ttl(KeyOf(0)), absl::StatusCode::kOk));
  EXPECT_FALSE(store_->Ttl(KeyOf(0))->has_value());

  // Overwrites of the same size or smaller, and deletes, still work.
  EXPECT_TRUE(IsOk(store_->Put(KeyOf(0), std::string(kValue.size(), 'w'))));
  EXPECT_TRUE(IsOk(store_->Put(KeyOf(1), "short")));
  EXPECT_TRUE(HasValue(store_->Get(KeyOf(1)), "short"));
  ASSERT_TRUE(IsOk(store_->Delete(KeyOf(2))));
  // What they freed makes room for a new key.
  EXPECT_TRUE(IsOk(store_->Put("c/new", kValue)));
  EXPECT_LE(StatsNow().memory_bytes, kLimit);
}

TEST_F(MemoryLimitTest, DeleteAllEmptiesAFullStore) {
  ASSERT_TRUE(Open(kLimit));
  const int fitted = Fill();
  ASSERT_TRUE(IsOk(store_->DeleteAll("c")));
  EXPECT_EQ(StatsNow().memory_bytes, 0u);
  EXPECT_EQ(Fill(), fitted);
}

TEST_F(MemoryLimitTest, ExpiredAndDeletedKeysGiveTheirMemoryBack) {
  ASSERT_TRUE(Open(kLimit));
  const int fitted = Fill(Ttl(seconds(10)));
  clock_.Advance(seconds(10));
  const Stats expired = StatsNow();  // Removes what expired.
  EXPECT_EQ(expired.keys, 0u);
  EXPECT_EQ(expired.memory_bytes, 0u);
  // The limit counts it back too: as many fit again, with deadlines or
  // without, and a DeleteAll of keys with deadlines frees them all.
  EXPECT_EQ(Fill(Ttl(seconds(100))), fitted);
  ASSERT_TRUE(IsOk(store_->DeleteAll("c")));
  EXPECT_EQ(StatsNow().memory_bytes, 0u);
  EXPECT_GT(Fill(), fitted);
}

TEST_F(MemoryLimitTest, PersistWorksAtTheLimit) {
  ASSERT_TRUE(Open(kLimit));
  Fill(Ttl(seconds(600)));
  const std::uint64_t full = StatsNow().memory_bytes;
  // Taking a deadline off frees its bytes and its index entry.
  absl::StatusOr<bool> had = store_->Persist(KeyOf(0));
  ASSERT_TRUE(IsOk(had));
  EXPECT_TRUE(*had);
  EXPECT_LT(StatsNow().memory_bytes, full);
}

TEST_F(MemoryLimitTest, ABatchIsAdmittedByItsNetGrowth) {
  ASSERT_TRUE(Open(kLimit));
  const int fitted = Fill();
  // Adds two keys: refused whole.
  WriteBatch grows;
  grows.Put("c/x", kValue);
  grows.Put("c/y", kValue);
  grows.Delete(KeyOf(0));
  absl::Status refused = store_->Write(grows);
  EXPECT_TRUE(HasCode(refused, absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(HasCode(store_->Get("c/x"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasValue(store_->Get(KeyOf(0)), kValue));

  // Replaces two keys by two of the same size: net nothing, admitted
  // though each put alone would be refused.
  WriteBatch swaps;
  swaps.Put("c/x", kValue.substr(1));
  swaps.Put("c/y", kValue.substr(1));
  swaps.Delete(KeyOf(0));
  swaps.Delete(KeyOf(1));
  EXPECT_TRUE(IsOk(store_->Write(swaps)));
  EXPECT_TRUE(HasValue(store_->Get("c/x"), kValue.substr(1)));

  // A put followed by a delete of the same key adds nothing.
  WriteBatch undone;
  undone.Put("c/z", kValue);
  undone.Delete("c/z");
  EXPECT_TRUE(IsOk(store_->Write(undone)));

  // Emptying the collection first makes room for what follows.
  WriteBatch refill;
  refill.DeleteAll("c");
  for (int i = 0; i < fitted / 2; ++i) refill.Put(KeyOf(i), kValue);
  EXPECT_TRUE(IsOk(store_->Write(refill)));
  EXPECT_EQ(StatsNow().keys, static_cast<std::uint64_t>(fitted / 2));
}

TEST_F(MemoryLimitTest, OpenLoadsAStoreLargerThanTheLimit) {
  ASSERT_TRUE(Open(0));
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(IsOk(store_->Put(KeyOf(i), kValue)));
  }
  ASSERT_TRUE(IsOk(store_->Close()));
  ASSERT_TRUE(Open(kLimit));
  const Stats loaded = StatsNow();
  EXPECT_EQ(loaded.keys, 20'000u);
  EXPECT_GT(loaded.memory_bytes, kLimit);
  EXPECT_TRUE(
      HasCode(store_->Put("c/new", "1"), absl::StatusCode::kResourceExhausted));
  // Until deletes bring it under the limit.
  for (int i = 0; i < 20'000 && StatsNow().memory_bytes > kLimit - 4096; ++i) {
    ASSERT_TRUE(IsOk(store_->Delete(KeyOf(i))));
  }
  EXPECT_TRUE(IsOk(store_->Put("c/new", "1")));
}

TEST_F(MemoryLimitTest, EvictionNeedsALimit) {
  Options options;
  options.eviction = Eviction::kSoonestDeadline;
  EXPECT_TRUE(
      HasCode(Store::Open(dir(), options), absl::StatusCode::kInvalidArgument));
}

TEST_F(MemoryLimitTest, EvictionRemovesTheSoonestDeadlinesFirst) {
  ASSERT_TRUE(Open(kLimit, Eviction::kSoonestDeadline));
  // Keys without deadlines take a quarter; the rest have deadlines, the
  // later keys' later.
  int plain = 0;
  while (StatsNow().memory_bytes < kLimit / 4) {
    ASSERT_TRUE(IsOk(store_->Put("p/key" + std::to_string(plain++), kValue)));
  }
  constexpr int kExpiring = 20'000;  // Far more than fit.
  for (int i = 0; i < kExpiring; ++i) {
    ASSERT_TRUE(IsOk(store_->Put(KeyOf(i), kValue, Ttl(seconds(1000 + i)))))
        << i;
  }
  const Stats stats = StatsNow();
  EXPECT_LE(stats.memory_bytes, kLimit);
  EXPECT_GT(stats.evicted_keys, 0u);
  EXPECT_EQ(stats.memory_refusals, 0u);
  EXPECT_EQ(stats.keys + stats.evicted_keys,
            static_cast<std::uint64_t>(plain + kExpiring));
  // Every key without a deadline is there; of the others, the latest.
  for (int i = 0; i < plain; ++i) {
    ASSERT_TRUE(IsOk(store_->Get("p/key" + std::to_string(i)))) << i;
  }
  const int evicted = static_cast<int>(stats.evicted_keys);
  // Each write evicts the map's soonest deadlines (the shard that holds the
  // soonest, up to the next shard's soonest), so the evicted keys are
  // exactly the first ones.
  for (int i = 0; i < kExpiring; ++i) {
    EXPECT_EQ(store_->Get(KeyOf(i)).ok(), i >= evicted) << i;
  }

  // Evictions are deletes: persisted.
  ASSERT_TRUE(IsOk(store_->Close()));
  ASSERT_TRUE(Open(kLimit, Eviction::kSoonestDeadline));
  EXPECT_EQ(StatsNow().keys, stats.keys);
  EXPECT_TRUE(HasCode(store_->Get(KeyOf(0)), absl::StatusCode::kNotFound));
}

// A session store at its limit: pushing back the deadline of the key that
// expires soonest, or overwriting a key with a value no larger, costs
// nothing, and must evict nothing (least of all that key).
TEST_F(MemoryLimitTest, MovingADeadlineAtTheLimitEvictsNothing) {
  ASSERT_TRUE(Open(kLimit, Eviction::kSoonestDeadline));
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(IsOk(store_->Put(KeyOf(i), kValue, Ttl(seconds(1000 + i)))));
  }
  const Stats full = StatsNow();
  const int soonest = static_cast<int>(full.evicted_keys);  // The first left.
  ASSERT_TRUE(IsOk(store_->Get(KeyOf(soonest))));
  ASSERT_TRUE(IsOk(store_->Expire(KeyOf(soonest), seconds(100'000))));
  EXPECT_TRUE(HasValue(store_->Get(KeyOf(soonest)), kValue));
  EXPECT_EQ(StatsNow().evicted_keys, full.evicted_keys);
  // Nor does an overwrite that does not grow a key, with a ttl or without.
  const std::string same(kValue.size(), 'w');
  ASSERT_TRUE(IsOk(store_->Put(KeyOf(soonest + 1), same, Ttl(seconds(5)))));
  ASSERT_TRUE(IsOk(store_->Put(KeyOf(soonest + 2), "short", Ttl(seconds(9)))));
  EXPECT_EQ(StatsNow().evicted_keys, full.evicted_keys);
  EXPECT_TRUE(HasValue(store_->Get(KeyOf(soonest + 1)), same));
  // A deadline for a key without one costs memory: the soonest go.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(IsOk(store_->Put("p/" + std::to_string(i), kValue)));
  }
  const std::uint64_t before = StatsNow().evicted_keys;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(IsOk(store_->Expire("p/" + std::to_string(i), seconds(50))));
  }
  EXPECT_GT(StatsNow().evicted_keys, before);
  EXPECT_LE(StatsNow().memory_bytes, kLimit);
}

TEST_F(MemoryLimitTest, EvictionWithoutDeadlinesRefuses) {
  ASSERT_TRUE(Open(kLimit, Eviction::kSoonestDeadline));
  Fill();
  const Stats stats = StatsNow();
  EXPECT_EQ(stats.evicted_keys, 0u);
  EXPECT_GE(stats.memory_refusals, 1u);
}

TEST_F(MemoryLimitTest, EvictionMakesRoomForBatches) {
  ASSERT_TRUE(Open(kLimit, Eviction::kSoonestDeadline));
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(IsOk(store_->Put(KeyOf(i), kValue, Ttl(seconds(1000 + i)))));
  }
  WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.Put("b/key" + std::to_string(i), kValue);
  }
  EXPECT_TRUE(IsOk(store_->Write(batch)));
  EXPECT_TRUE(IsOk(store_->Get("b/key99")));
  EXPECT_LE(StatsNow().memory_bytes, kLimit);
}

// Writers racing at the limit: each may pass it by one key at most, and
// with eviction none is refused while keys with deadlines are left.
TEST_F(MemoryLimitTest, ConcurrentWritersStayWithinTheLimit) {
  for (Eviction eviction : {Eviction::kNone, Eviction::kSoonestDeadline}) {
    ASSERT_TRUE(Open(kLimit, eviction));
    ASSERT_TRUE(IsOk(store_->DeleteAll("c")));
    constexpr int kThreads = 4;
    constexpr int kPuts = 5'000;  // Each; together far more than fit.
    std::atomic<int> refused{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kPuts; ++i) {
          const std::string key = KeyOf(t * kPuts + i);
          // Half the keys with deadlines, half without, overwrites too.
          absl::Status s = i % 2 == 0
                               ? store_->Put(key, kValue, Ttl(seconds(100 + i)))
                               : store_->Put(key, kValue);
          if (!s.ok()) {
            EXPECT_TRUE(HasCode(s, absl::StatusCode::kResourceExhausted));
            refused.fetch_add(1);
          }
          if (i % 7 == 0) {
            EXPECT_TRUE(IsOk(store_->Put(KeyOf(t * kPuts), kValue.substr(1))));
          }
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    const Stats stats = StatsNow();
    EXPECT_LE(stats.memory_bytes, kLimit + kThreads * (kValue.size() + 300));
    EXPECT_GT(refused.load(), 0);
    EXPECT_EQ(stats.memory_refusals, static_cast<std::uint64_t>(refused));
    if (eviction == Eviction::kSoonestDeadline) {
      // The keys without deadlines alone pass the limit: refusals come in
      // the end, but only after evictions.
      EXPECT_GT(stats.evicted_keys, 0u);
    }
    ASSERT_TRUE(IsOk(store_->Close()));
  }
}

// Stats::memory_bytes against what the process's resident memory grows by
// for the same keys: an estimate, but a close one. Sanitizers change how
// memory is allocated.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
std::uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST_F(MemoryLimitTest, MemoryBytesTracksResidentMemory) {
  ASSERT_TRUE(Open(0));
  const std::uint64_t before = ResidentBytes();
  constexpr int kKeys = 300'000;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(IsOk(store_->Put(KeyOf(i), kValue)));
  }
  ASSERT_TRUE(IsOk(store_->Flush()));  // No backlog of the janitor's left.
  const std::uint64_t grown = ResidentBytes() - before;
  const std::uint64_t counted = StatsNow().memory_bytes;
  // Resident memory also holds the slab's partly used chunks and the
  // janitor's buffers.
  EXPECT_GT(counted, grown * 6 / 10)
      << "counted " << counted << ", grown " << grown;
  EXPECT_LT(counted, grown * 12 / 10)
      << "counted " << counted << ", grown " << grown;
}
#endif

}  // namespace
}  // namespace dskv
