// Damages one collection file in every way a single truncation or a single
// flipped byte can, opens the store on it each time, and checks exactly what
// Open makes of it:
//
//   - a file cut anywhere after its header opens as the state after the
//     records it still holds whole (a torn tail is what a crash leaves), and
//     the next write is appended right after them;
//   - a damaged last record is a torn tail too; damage that valid records
//     follow is DataLoss naming its byte offset, and leaves the file as it
//     was; a damaged header is DataLoss;
//   - with Options::salvage, every damaged file opens, without the damaged
//     record (or, for a damaged header, without the file), never with a
//     value that was not written, and the file is rewritten healthy.
//
// The store lives in a MemoryFileSystem, so the thousands of Opens cost no
// disk I/O.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "dskv/store_internal.h"
#include "gtest/gtest.h"
#include "persist/collection_reader.h"
#include "persist/format.h"
#include "tests/crash/file_bytes.h"
#include "tests/crash/memory_file_system.h"
#include "tests/temp_dir.h"

namespace dskv_crash {
namespace {

using ::dskv_test::TempDirTest;
using Pairs = std::vector<std::pair<std::string, std::string>>;
using State = std::map<std::string, std::string>;  // Member -> value.

// The collection whose file is damaged.
constexpr std::string_view kSwept = "songs";

// One operation on a collection: a put, or a delete if `value` is nullopt.
struct Step {
  std::string member;
  std::optional<std::string> value;
};

std::string Bytes(std::size_t size, int first) {
  std::string bytes;
  for (std::size_t i = 0; i < size; ++i) {
    bytes.push_back(static_cast<char>(first + i * 7));
  }
  return bytes;
}

// The swept collection's history: puts, overwrites and deletes of present
// members, with empty, binary and larger values and a member holding '/'.
// Each step leaves exactly one record. About 2 KB.
std::vector<Step> SweptSteps() {
  return {
      {"intro", "la la"},
      {"verse", std::string(300, 'v')},
      {"chorus", ""},
      {"dir/bridge", Bytes(64, 0)},
      {"intro", "la la la"},
      {"outro", std::string(200, 'o')},
      {"verse", std::nullopt},
      {"solo", std::string("\0\xff", 2)},
      {"verse", "back again"},
      {"chorus", std::nullopt},
      {"coda", Bytes(150, 3)},
      {"intro", std::string(150, 'i')},
      {"dir/bridge", std::nullopt},
      {"hook", Bytes(100, 5)},
      {"refrain", std::string(80, 'r')},
      {"solo", Bytes(120, 9)},
      {"outro", std::nullopt},
      {"tag", "t"},
      {"outro", "once more"},
      {"long", std::string(300, 'L')},
      {"last", "the end"},
  };
}

void ApplyStep(const Step& step, State* state) {
  if (step.value.has_value()) {
    (*state)[step.member] = *step.value;
  } else {
    state->erase(step.member);
  }
}

// A value in a failure message: escaped, and cut short if long.
std::string Describe(const std::string& value) {
  constexpr std::size_t kShown = 20;
  return ::testing::PrintToString(value.substr(0, kShown)) +
         (value.size() > kShown
              ? "... (" + std::to_string(value.size()) + " bytes)"
              : "");
}

// How `got` differs from `want`; empty if it does not.
std::string Difference(const Pairs& got, const State& want) {
  std::string out;
  const State got_state(got.begin(), got.end());
  for (const auto& [member, value] : want) {
    const auto it = got_state.find(member);
    if (it == got_state.end()) {
      out += "\n  missing " + member;
    } else if (it->second != value) {
      out += "\n  " + member + " is " + Describe(it->second) + ", not " +
             Describe(value);
    }
  }
  for (const auto& [member, value] : got_state) {
    if (!want.contains(member)) {
      out += "\n  unexpected " + member + " = " + Describe(value);
    }
  }
  if (got_state.size() != got.size()) out += "\n  a member appears twice";
  return out;
}

class CorruptionTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    steps_ = SweptSteps();
    // Other collections, which damage to the swept file must not touch.
    const std::vector<std::pair<std::string, Step>> bystander_steps = {
        {"artists", {"daft punk", "epic"}},
        {"labels", {"warp", "sheffield"}},
        {"artists", {"air", std::string(90, 'a')}},
        {"labels", {"ninja", ""}},
        {"labels", {"warp", std::nullopt}},
    };

    // Every write waits for its own janitor pass, so each step appends one
    // record in order.
    dskv::Options options;
    options.durability = dskv::Durability::kSync;
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        dskv::StoreOpener::Open(dir(), options, &fs_);
    ASSERT_TRUE(store.ok()) << store.status();
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      ASSERT_NO_FATAL_FAILURE(Write(**store, kSwept, steps_[i]));
      if (i % 4 == 0 && i / 4 < bystander_steps.size()) {
        const auto& [collection, step] = bystander_steps[i / 4];
        ASSERT_NO_FATAL_FAILURE(Write(**store, collection, step));
        ApplyStep(step, &bystanders_[collection]);
      }
    }
    ASSERT_TRUE((*store)->Close().ok());

    path_ = dir() + "/" + dskv::format::FileName(kSwept);
    files_ = fs_.GetFiles();
    original_ = files_[path_];

    // The tests below rely on the file being the header and then one record
    // per step, in order: check that rather than assume it.
    std::string expected = Header(kSwept);
    ends_.push_back(expected.size());
    State state;
    states_.push_back(state);
    for (const Step& step : steps_) {
      expected += step.value.has_value() ? PutRecord(step.member, *step.value)
                                         : DeleteRecord(step.member);
      ends_.push_back(expected.size());
      ApplyStep(step, &state);
      states_.push_back(state);
    }
    ASSERT_EQ(original_, expected)
        << "the store did not write one record per step";
  }

  static void Write(dskv::Store& store, std::string_view collection,
                    const Step& step) {
    const std::string key = std::string(collection) + "/" + step.member;
    const absl::Status s = step.value.has_value() ? store.Put(key, *step.value)
                                                  : store.Delete(key);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::size_t header_size() const { return ends_[0]; }
  std::size_t records() const { return steps_.size(); }

  // The record that byte `offset` of the file belongs to; requires
  // offset >= header_size().
  std::size_t RecordAt(std::size_t offset) const {
    return std::upper_bound(ends_.begin(), ends_.end(), offset) -
           ends_.begin() - 1;
  }

  // The swept collection after every step but number `skipped`.
  State StateWithout(std::size_t skipped) const {
    State state;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      if (i != skipped) ApplyStep(steps_[i], &state);
    }
    return state;
  }

  // Opens the store with the swept file holding `contents` and every other
  // file as SetUp left it.
  absl::StatusOr<std::unique_ptr<dskv::Store>> OpenWith(
      const std::string& contents, bool salvage) {
    fs_.SetFiles(files_);
    fs_.SetFile(path_, contents);
    dskv::Options options;
    options.salvage = salvage;
    return dskv::StoreOpener::Open(dir(), options, &fs_);
  }

  // The store holds `swept` in the swept collection, and the other
  // collections as they were written.
  void ExpectContents(const dskv::Store& store, const State& swept) {
    absl::StatusOr<Pairs> all = store.GetAll(kSwept);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(Difference(*all, swept), "") << "collection " << kSwept;
    for (const auto& [collection, state] : bystanders_) {
      all = store.GetAll(collection);
      ASSERT_TRUE(all.ok()) << all.status();
      EXPECT_EQ(Difference(*all, state), "") << "collection " << collection;
    }
  }

  static dskv::Stats StatsOf(const dskv::Store& store) {
    absl::StatusOr<dskv::Stats> stats = store.GetStats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.value_or(dskv::Stats{});
  }

  // Closes `store` and checks that the swept file it leaves is healthy and
  // holds `swept`: what recovery leaves must open without help.
  void ExpectHealthyAfterClose(std::unique_ptr<dskv::Store> store,
                               const State& swept) {
    ASSERT_TRUE(store->Close().ok());
    const std::optional<std::string> file = fs_.GetFile(path_);
    if (!file.has_value()) {
      EXPECT_TRUE(swept.empty()) << "the swept file is gone";
      return;
    }
    absl::StatusOr<dskv::ParsedCollection> parsed =
        dskv::ParseCollectionFile(*file, /*salvage=*/false);
    ASSERT_TRUE(parsed.ok()) << "after Close: " << parsed.status();
    EXPECT_EQ(parsed->torn_tail_bytes, 0);
    EXPECT_EQ(Difference(Pairs(parsed->members.begin(), parsed->members.end()),
                         swept),
              "")
        << "in the file after Close";
  }

  MemoryFileSystem fs_;
  std::vector<Step> steps_;
  std::map<std::string, State> bystanders_;
  MemoryFileSystem::Files files_;  // As SetUp left them.
  std::string path_;               // Of the swept file.
  std::string original_;           // Its contents.
  std::vector<std::size_t> ends_;  // Where the header and each record end.
  std::vector<State> states_;      // states_[k]: after the first k steps.
};

TEST_F(CorruptionTest, EveryTruncationOpensAsThePrefixOfWholeRecords) {
  ASSERT_GT(original_.size(), 1500);
  for (std::size_t size = 0; size <= original_.size(); ++size) {
    SCOPED_TRACE("file cut to " + std::to_string(size) + " of " +
                 std::to_string(original_.size()) + " bytes");
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        OpenWith(original_.substr(0, size), /*salvage=*/false);
    if (size < header_size()) {
      // Collection files are created whole by a rename, so a crash never
      // leaves one without its header.
      EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
      if (HasFailure()) return;
      continue;
    }
    const std::size_t whole = RecordAt(size);
    ASSERT_TRUE(store.ok()) << store.status();
    ExpectContents(**store, states_[whole]);
    const dskv::Stats stats = StatsOf(**store);
    EXPECT_EQ(stats.torn_tails_truncated, size == ends_[whole] ? 0 : 1);
    EXPECT_EQ(stats.torn_bytes_truncated, size - ends_[whole]);
    EXPECT_EQ(fs_.GetFile(path_), original_.substr(0, ends_[whole]))
        << "Open did not cut the torn tail off the file";

    // The next record goes right after the cut.
    ASSERT_TRUE((*store)->Put(std::string(kSwept) + "/new", "after").ok());
    ASSERT_TRUE((*store)->Close().ok());
    EXPECT_EQ(fs_.GetFile(path_),
              original_.substr(0, ends_[whole]) + PutRecord("new", "after"));
    if (HasFailure()) return;
  }
}

TEST_F(CorruptionTest, EveryFlippedByteIsATornTailOrDataLoss) {
  for (const unsigned char pattern : {0x01, 0xFF}) {
    for (std::size_t offset = 0; offset < original_.size(); ++offset) {
      SCOPED_TRACE("byte " + std::to_string(offset) + " XOR " +
                   std::to_string(pattern));
      std::string damaged = original_;
      damaged[offset] = static_cast<char>(damaged[offset] ^ pattern);
      absl::StatusOr<std::unique_ptr<dskv::Store>> store =
          OpenWith(damaged, /*salvage=*/false);
      if (offset < header_size()) {
        EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
        EXPECT_EQ(fs_.GetFile(path_), damaged) << "Open changed the file";
      } else if (const std::size_t record = RecordAt(offset);
                 record == records() - 1) {
        // Damage to the last record looks like a torn write: cut off.
        ASSERT_TRUE(store.ok()) << store.status();
        ExpectContents(**store, states_[records() - 1]);
        EXPECT_EQ(StatsOf(**store).torn_bytes_truncated,
                  original_.size() - ends_[record]);
      } else {
        EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
        EXPECT_NE(store.status().message().find(
                      "byte offset " + std::to_string(ends_[record]) + ":"),
                  std::string_view::npos)
            << "the error does not name the damaged record's offset: "
            << store.status();
        EXPECT_NE(store.status().message().find(path_), std::string_view::npos)
            << "the error does not name the file: " << store.status();
        EXPECT_EQ(fs_.GetFile(path_), damaged) << "Open changed the file";
      }
      if (HasFailure()) return;
    }
  }
}

TEST_F(CorruptionTest, SalvageOpensEveryFlippedFileWithoutTheDamage) {
  // Each case opens the store twice; every seventh offset is enough for the
  // second pattern.
  for (const auto& [pattern, stride] :
       {std::pair<unsigned char, int>{0x01, 1},
        std::pair<unsigned char, int>{0xFF, 7}}) {
    for (std::size_t offset = 0; offset < original_.size(); offset += stride) {
      SCOPED_TRACE("byte " + std::to_string(offset) + " XOR " +
                   std::to_string(pattern));
      std::string damaged = original_;
      damaged[offset] = static_cast<char>(damaged[offset] ^ pattern);
      absl::StatusOr<std::unique_ptr<dskv::Store>> store =
          OpenWith(damaged, /*salvage=*/true);
      ASSERT_TRUE(store.ok()) << store.status();
      const dskv::Stats stats = StatsOf(**store);
      State expected;
      if (offset < header_size()) {
        // The collection is unknown without its header: the file is set
        // aside for a person to look at.
        EXPECT_EQ(stats.corrupt_files_set_aside, 1);
        EXPECT_EQ(fs_.GetFile(path_), std::nullopt);
        EXPECT_EQ(fs_.GetFile(path_ + ".corrupt"), damaged);
      } else if (const std::size_t record = RecordAt(offset);
                 record == records() - 1) {
        expected = states_[records() - 1];
        EXPECT_EQ(stats.torn_tails_truncated, 1);
        EXPECT_EQ(stats.corrupt_regions_skipped, 0);
      } else {
        expected = StateWithout(record);
        EXPECT_EQ(stats.corrupt_regions_skipped, 1);
        EXPECT_EQ(stats.corrupt_bytes_skipped,
                  ends_[record + 1] - ends_[record]);
      }
      ExpectContents(**store, expected);
      // Salvage rewrote the file without the damage.
      ExpectHealthyAfterClose(*std::move(store), expected);
      if (HasFailure()) return;
    }
  }
}

// Values may hold any bytes, including those of a whole record (a value that
// is itself a dskv file). A crash that tears the record of such a value must
// still leave a torn tail, which Open cuts off: the documented promise is
// that a crash never makes Open fail.
TEST_F(CorruptionTest, TornRecordWhoseValueHoldsARecordIsCutOff) {
  // The bytes the store appends for Put("songs/blob", ValueHoldingARecord()),
  // torn after the inner record, one byte short of the end.
  std::string file = original_ + PutRecord("blob", ValueHoldingARecord());
  file.resize(file.size() - 1);

  absl::StatusOr<std::unique_ptr<dskv::Store>> store =
      OpenWith(file, /*salvage=*/false);
  ASSERT_TRUE(store.ok()) << store.status();
  ExpectContents(**store, states_.back());
  EXPECT_EQ(StatsOf(**store).torn_bytes_truncated,
            file.size() - original_.size());
}

// Salvage may lose writes, but must not invent one: the record inside a
// damaged record's value is not a record of the file.
TEST_F(CorruptionTest, SalvageNeverReturnsAMemberThatWasNotWritten) {
  // A damaged record whose value holds a record, then a valid record.
  std::string damaged = PutRecord("blob", ValueHoldingARecord());
  damaged[0] ^= 0x01;  // Its checksum.
  const std::string file = original_ + damaged + PutRecord("after", "a");

  absl::StatusOr<std::unique_ptr<dskv::Store>> store =
      OpenWith(file, /*salvage=*/true);
  ASSERT_TRUE(store.ok()) << store.status();
  State expected = states_.back();
  expected["after"] = "a";
  ExpectContents(**store, expected);
}

}  // namespace
}  // namespace dskv_crash
