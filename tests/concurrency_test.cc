// Tests of dskv::Store used from many threads at once. Each test checks what
// the threads read, not only that nothing crashed, and runs in a few seconds
// under --config=tsan as well.

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::TempDirTest;

using Pairs = std::vector<std::pair<std::string, std::string>>;

class ConcurrencyTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir() + "/db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::unique_ptr<Store> store_;
};

// --- Mixed reads and writes ---
//
// kWorkers threads each own kKeys members in every collection of
// kCollections and Put, Get, Delete, GetAll and Flush at random, each keeping
// a model of the members it owns; they also Get each other's members. A worker
// is the only writer of its members, so Get and GetAll must show it exactly its
// model, except in the doomed collection, which another thread empties with
// DeleteAll over and over. Every value names the member it was written for and
// a version unique to its writer, so any value read, including other workers'
// ones, can be checked to be one that was really written for that member.

constexpr int kWorkers = 8;
constexpr int kKeys = 6;
constexpr int kOpsPerWorker = 1500;
constexpr std::array<std::string_view, 3> kCollections = {"shared0", "shared1",
                                                          "doomed"};
constexpr int kDoomed = 2;  // Index in kCollections.

std::string Member(int worker, int key) {
  return "w" + std::to_string(worker) + ".k" + std::to_string(key);
}

std::string Key(int collection, int worker, int key) {
  return std::string(kCollections[collection]) + "/" + Member(worker, key);
}

// The value `worker` writes at its `version`. Values differ in length, so a
// value torn or mixed up with another shows.
std::string Value(int collection, int worker, int key, std::uint64_t version) {
  std::string value =
      Key(collection, worker, key) + "=v" + std::to_string(version) + ";";
  value.append(version % 61, static_cast<char>('a' + version % 26));
  return value;
}

// Parses a member made by Member() into `*worker` and `*key`.
bool ParseMember(std::string_view member, int* worker, int* key) {
  const char* p = member.data();
  const char* end = member.data() + member.size();
  if (p == end || *p++ != 'w') return false;
  std::from_chars_result r = std::from_chars(p, end, *worker);
  if (r.ec != std::errc() || end - r.ptr < 2 || r.ptr[0] != '.' ||
      r.ptr[1] != 'k') {
    return false;
  }
  r = std::from_chars(r.ptr + 2, end, *key);
  return r.ec == std::errc() && r.ptr == end && *worker >= 0 &&
         *worker < kWorkers && *key >= 0 && *key < kKeys;
}

// Parses the version out of a value made by Value().
std::optional<std::uint64_t> ParseVersion(std::string_view value) {
  std::size_t at = value.find("=v");
  if (at == std::string_view::npos) return std::nullopt;
  std::uint64_t version = 0;
  std::from_chars_result r = std::from_chars(
      value.data() + at + 2, value.data() + value.size(), version);
  if (r.ec != std::errc()) return std::nullopt;
  return version;
}

// The highest version each worker has started to write. A worker raises its
// entry before it calls Put, so any version read is at most the entry.
using Published = std::array<std::atomic<std::uint64_t>, kWorkers>;

// Returns "" if `pairs`, read by GetAll of collection `collection`, is sorted
// by member with no member twice and holds only values that were written for
// their members; otherwise a description of the first problem.
std::string CheckWellFormed(int collection, const Pairs& pairs,
                            const Published& published) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& [member, value] = pairs[i];
    std::string where = "GetAll(" + std::string(kCollections[collection]) +
                        ")[" + std::to_string(i) + "] = {" + member + ", " +
                        value + "}: ";
    if (i > 0 && !(pairs[i - 1].first < member)) {
      return where + "not after previous member " + pairs[i - 1].first;
    }
    int worker, key;
    if (!ParseMember(member, &worker, &key)) {
      return where + "no worker wrote this member";
    }
    std::optional<std::uint64_t> version = ParseVersion(value);
    if (!version || *version == 0 ||
        value != Value(collection, worker, key, *version)) {
      return where + "value was not written for this member";
    }
    if (*version > published[worker].load(std::memory_order_acquire)) {
      return where + "version not written yet";
    }
  }
  return "";
}

// One thread of the mixed test; see above.
class Worker {
 public:
  Worker(Store& store, Published& published, int id)
      : store_(store), published_(published), id_(id), rng_(id + 1) {}

  // Runs kOpsPerWorker random calls, stopping at the first problem.
  void Run() {
    for (int op = 0; op < kOpsPerWorker && error_.empty(); ++op) {
      int collection = static_cast<int>(rng_() % kCollections.size());
      int key = static_cast<int>(rng_() % kKeys);
      int dice = static_cast<int>(rng_() % 200);
      if (dice < 70) {
        Put(collection, key);
      } else if (dice < 110) {
        Get(collection, key);
      } else if (dice < 130) {
        GetOthers(collection, key);
      } else if (dice < 160) {
        Delete(collection, key);
      } else if (dice < 199) {
        GetAll(collection);
      } else {
        Flush();
      }
    }
  }

  // The first problem found, or "" if none.
  const std::string& error() const { return error_; }

  // The version of `key` that this worker last wrote to `collection`, or
  // nullopt if it deleted the key or never wrote it.
  std::optional<std::uint64_t> model(int collection, int key) const {
    return model_[collection][key];
  }

 private:
  void Put(int collection, int key) {
    std::uint64_t version = ++last_version_;
    published_[id_].store(version, std::memory_order_release);
    absl::Status status = store_.Put(Key(collection, id_, key),
                                     Value(collection, id_, key, version));
    if (!status.ok()) {
      return Fail("Put(" + Key(collection, id_, key) +
                  "): " + status.ToString());
    }
    model_[collection][key] = version;
  }

  void Get(int collection, int key) {
    std::string where = "Get(" + Key(collection, id_, key) + "): ";
    absl::StatusOr<std::string> value = store_.Get(Key(collection, id_, key));
    std::optional<std::uint64_t> want = model_[collection][key];
    if (absl::IsNotFound(value.status())) {
      // DeleteAll may have removed it from the doomed collection.
      if (want && collection != kDoomed) {
        Fail(where + "NotFound, want version " + std::to_string(*want));
      }
      return;
    }
    if (!value.ok()) return Fail(where + value.status().ToString());
    if (!want) return Fail(where + "found " + *value + ", want NotFound");
    if (*value != Value(collection, id_, key, *want)) {
      Fail(where + "found " + *value + ", want " +
           Value(collection, id_, key, *want));
    }
  }

  // Gets `key` of another worker, which may be writing it right now.
  void GetOthers(int collection, int key) {
    int other = static_cast<int>(rng_() % kWorkers);
    std::string where = "Get(" + Key(collection, other, key) + "): ";
    absl::StatusOr<std::string> value = store_.Get(Key(collection, other, key));
    if (absl::IsNotFound(value.status())) return;
    if (!value.ok()) return Fail(where + value.status().ToString());
    std::string problem =
        CheckWellFormed(collection, {{Member(other, key), *value}}, published_);
    if (!problem.empty()) Fail(where + problem);
  }

  void Delete(int collection, int key) {
    absl::Status status = store_.Delete(Key(collection, id_, key));
    if (!status.ok()) {
      return Fail("Delete(" + Key(collection, id_, key) +
                  "): " + status.ToString());
    }
    model_[collection][key] = std::nullopt;
  }

  void GetAll(int collection) {
    std::string where =
        "GetAll(" + std::string(kCollections[collection]) + "): ";
    absl::StatusOr<Pairs> pairs = store_.GetAll(kCollections[collection]);
    if (!pairs.ok()) return Fail(where + pairs.status().ToString());
    std::string problem = CheckWellFormed(collection, *pairs, published_);
    if (!problem.empty()) return Fail(problem);
    // This worker's own members: exactly its model, except that DeleteAll may
    // have removed some from the doomed collection.
    std::array<bool, kKeys> seen = {};
    for (const auto& [member, value] : *pairs) {
      int worker, key;
      if (!ParseMember(member, &worker, &key) || worker != id_) continue;
      seen[key] = true;
      std::optional<std::uint64_t> want = model_[collection][key];
      if (!want) return Fail(where + "found deleted " + member);
      if (value != Value(collection, id_, key, *want)) {
        return Fail(where + "found " + value + ", want " +
                    Value(collection, id_, key, *want));
      }
    }
    if (collection == kDoomed) return;
    for (int key = 0; key < kKeys; ++key) {
      if (model_[collection][key] && !seen[key]) {
        return Fail(where + "missing " + Member(id_, key));
      }
    }
  }

  void Flush() {
    absl::Status status = store_.Flush();
    if (!status.ok()) Fail("Flush: " + status.ToString());
  }

  void Fail(std::string error) {
    if (error_.empty()) error_ = "worker " + std::to_string(id_) + ": " + error;
  }

  Store& store_;
  Published& published_;
  const int id_;
  std::mt19937 rng_;
  std::uint64_t last_version_ = 0;
  std::array<std::array<std::optional<std::uint64_t>, kKeys>,
             kCollections.size()>
      model_;
  std::string error_;
};

TEST_F(ConcurrencyTest, MixedCallsSeeConsistentValues) {
  Published published = {};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int id = 0; id < kWorkers; ++id) {
    workers.push_back(std::make_unique<Worker>(*store_, published, id));
  }
  std::latch start(kWorkers + 1);
  std::atomic<bool> workers_done = false;
  std::string deleter_error;
  int delete_alls = 0;

  // Empties the doomed collection while the workers write to it.
  std::thread deleter([&] {
    start.arrive_and_wait();
    do {
      absl::Status status = store_->DeleteAll(kCollections[kDoomed]);
      if (!status.ok()) {
        deleter_error = "DeleteAll: " + status.ToString();
        break;
      }
      ++delete_alls;
      absl::StatusOr<Pairs> pairs = store_->GetAll(kCollections[kDoomed]);
      if (!pairs.ok()) {
        deleter_error = "GetAll: " + pairs.status().ToString();
        break;
      }
      deleter_error = CheckWellFormed(kDoomed, *pairs, published);
    } while (deleter_error.empty() &&
             !workers_done.load(std::memory_order_acquire));
  });
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&start, &worker] {
      start.arrive_and_wait();
      worker->Run();
    });
  }
  for (std::thread& thread : threads) thread.join();
  workers_done.store(true, std::memory_order_release);
  deleter.join();

  for (const auto& worker : workers) EXPECT_EQ(worker->error(), "");
  EXPECT_EQ(deleter_error, "");
  EXPECT_GT(delete_alls, 0);
  // Untouched by DeleteAll: exactly what the workers' models say.
  for (int collection = 0; collection < kDoomed; ++collection) {
    Pairs want;
    for (int id = 0; id < kWorkers; ++id) {
      for (int key = 0; key < kKeys; ++key) {
        std::optional<std::uint64_t> version =
            workers[id]->model(collection, key);
        absl::StatusOr<std::string> got = store_->Get(Key(collection, id, key));
        if (version) {
          std::string value = Value(collection, id, key, *version);
          want.emplace_back(Member(id, key), value);
          EXPECT_TRUE(got.ok() && *got == value)
              << Key(collection, id, key) << ": " << got.status() << " "
              << got.value_or("") << ", want " << value;
        } else {
          EXPECT_TRUE(absl::IsNotFound(got.status()))
              << Key(collection, id, key) << ": " << got.status() << " "
              << got.value_or("") << ", want NotFound";
        }
      }
    }
    std::sort(want.begin(), want.end());
    absl::StatusOr<Pairs> got = store_->GetAll(kCollections[collection]);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, want);
  }
  // The doomed collection: any member left holds the last value written.
  absl::StatusOr<Pairs> doomed = store_->GetAll(kCollections[kDoomed]);
  ASSERT_TRUE(doomed.ok()) << doomed.status();
  EXPECT_EQ(CheckWellFormed(kDoomed, *doomed, published), "");
  for (const auto& [member, value] : *doomed) {
    int id, key;
    ASSERT_TRUE(ParseMember(member, &id, &key)) << member;
    std::optional<std::uint64_t> version = workers[id]->model(kDoomed, key);
    EXPECT_TRUE(version && value == Value(kDoomed, id, key, *version))
        << member << " holds " << value << " after its last write "
        << (version ? Value(kDoomed, id, key, *version) : "(deleted)");
  }
}

// --- Close racing with other calls ---

// Makes one random call other than Close and returns its status. Sets
// `*is_get` to whether it was Get, the only call that may return NotFound.
absl::Status RandomCall(Store& store, std::mt19937& rng, bool* is_get) {
  std::string collection = "c" + std::to_string(rng() % 3);
  std::string key = collection + "/m" + std::to_string(rng() % 8);
  int dice = static_cast<int>(rng() % 100);
  *is_get = false;
  if (dice < 30) return store.Put(key, "value of " + key);
  if (dice < 45) return store.Delete(key);
  if (dice < 60) return store.GetAll(collection).status();
  if (dice < 70) return store.DeleteAll(collection);
  if (dice < 72) return store.Flush();
  *is_get = true;
  return store.Get(key).status();
}

// Returns "" if every method of `store` but Close returns FailedPrecondition;
// otherwise the first one that does not.
std::string CheckAllFailPrecondition(Store& store) {
  std::vector<std::pair<std::string, absl::Status>> calls = {
      {"Get", store.Get("c0/m0").status()},
      {"GetAll", store.GetAll("c0").status()},
      {"Put", store.Put("c0/m0", "value")},
      {"Delete", store.Delete("c0/m0")},
      {"DeleteAll", store.DeleteAll("c0")},
      {"Flush", store.Flush()},
  };
  for (const auto& [name, status] : calls) {
    if (!absl::IsFailedPrecondition(status)) {
      return name + " after Close returned " + status.ToString();
    }
  }
  return "";
}

TEST_F(ConcurrencyTest, CloseRacingWithOtherCallsIsSafe) {
  constexpr int kCallers = 4;
  constexpr int kCallsBeforeClose = 200;  // By each caller.
  std::latch start(kCallers + 1);
  std::latch warmed_up(kCallers);
  std::atomic<bool> close_returned = false;
  std::vector<std::string> errors(kCallers);
  std::vector<std::thread> callers;
  for (int id = 0; id < kCallers; ++id) {
    callers.emplace_back([&, id] {
      std::mt19937 rng(id + 1);
      std::string& error = errors[id];
      start.arrive_and_wait();
      for (int calls = 0;; ++calls) {
        if (calls == kCallsBeforeClose) warmed_up.count_down();
        bool after_close = close_returned.load(std::memory_order_acquire);
        bool is_get;
        absl::Status status = RandomCall(*store_, rng, &is_get);
        bool allowed = status.ok() || absl::IsFailedPrecondition(status) ||
                       (is_get && absl::IsNotFound(status));
        if (!allowed) {
          error = "call while closing returned " + status.ToString();
        } else if (after_close) {
          error = CheckAllFailPrecondition(*store_);
        }
        if (!error.empty() || after_close) {
          if (calls < kCallsBeforeClose) warmed_up.count_down();
          return;
        }
      }
    });
  }
  start.arrive_and_wait();
  warmed_up.wait();

  absl::Status closed = store_->Close();
  close_returned.store(true, std::memory_order_release);
  for (std::thread& caller : callers) caller.join();

  EXPECT_TRUE(closed.ok()) << closed;
  for (int id = 0; id < kCallers; ++id) {
    EXPECT_EQ(errors[id], "") << "caller " << id;
  }
  EXPECT_EQ(CheckAllFailPrecondition(*store_), "");
}

TEST_F(ConcurrencyTest, ConcurrentClosesAllSucceed) {
  constexpr int kClosers = 4;
  ASSERT_TRUE(store_->Put("c0/m0", "value").ok());
  std::latch start(kClosers);
  std::vector<absl::Status> statuses(kClosers);
  std::vector<std::thread> closers;
  for (int id = 0; id < kClosers; ++id) {
    closers.emplace_back([&, id] {
      start.arrive_and_wait();
      statuses[id] = store_->Close();
    });
  }
  for (std::thread& closer : closers) closer.join();

  for (int id = 0; id < kClosers; ++id) {
    EXPECT_TRUE(statuses[id].ok()) << "closer " << id << ": " << statuses[id];
  }
  EXPECT_EQ(CheckAllFailPrecondition(*store_), "");
}

// Readers hold SharedValues and copy into reused buffers while writers
// overwrite and delete the same keys: every value read must be one that was
// written, whole, and stay unchanged while held.
TEST_F(ConcurrencyTest, SharedValuesStayIntactUnderOverwrites) {
  constexpr int kWriters = 2;
  constexpr int kReaders = 2;
  constexpr int kRounds = 2000;
  constexpr int kKeyCount = 4;
  // A value is its version repeated: any torn or reused buffer shows.
  auto make_value = [](int version) {
    return std::string(100 + version % 50,
                       static_cast<char>('a' + version % 26));
  };
  auto well_formed = [](std::string_view v) {
    return v.size() >= 100 && v.find_first_not_of(v.front()) == v.npos;
  };
  std::latch start(kWriters + kReaders);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int i = 0; i < kRounds; ++i) {
        const std::string key = "shared/k" + std::to_string(i % kKeyCount);
        absl::Status s = (i + w) % 7 == 0 ? store_->Delete(key)
                                          : store_->Put(key, make_value(i + w));
        if (!s.ok()) ++bad;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      start.arrive_and_wait();
      std::vector<SharedValue> held;
      std::string buffer;
      for (int i = 0; i < kRounds; ++i) {
        const std::string key =
            "shared/k" + std::to_string((i + r) % kKeyCount);
        absl::StatusOr<SharedValue> shared = store_->GetShared(key);
        if (shared.ok()) {
          if (!well_formed(shared->value())) ++bad;
          held.push_back(*std::move(shared));
        } else if (!absl::IsNotFound(shared.status())) {
          ++bad;
        }
        absl::Status s = store_->Get(key, &buffer);
        if (s.ok() ? !well_formed(buffer) : !absl::IsNotFound(s)) ++bad;
        const std::string next =
            "shared/k" + std::to_string((i + r + 1) % kKeyCount);
        for (absl::StatusOr<SharedValue>& many :
             store_->MultiGetShared({key, next, key})) {
          if (many.ok()) {
            if (!well_formed(many->value())) ++bad;
            held.push_back(*std::move(many));
          } else if (!absl::IsNotFound(many.status())) {
            ++bad;
          }
        }
        if (held.size() > 16) {
          for (const SharedValue& v : held) {
            if (!well_formed(v.value())) ++bad;
          }
          held.clear();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace dskv
