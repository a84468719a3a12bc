// Tests of the documented behaviour of dskv::Store, one thread at a time.
// concurrency_test.cc covers calls made from many threads at once.

#include "dskv/store.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::Describe;
using ::dskv_test::HasCode;
using ::dskv_test::HasPairs;
using ::dskv_test::HasValue;
using ::dskv_test::IsOk;
using ::dskv_test::MessageOf;
using ::dskv_test::Pairs;
using ::dskv_test::TempDirTest;
using ::std::string_literals::operator""s;

std::string ToLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

// Whether `status` is InvalidArgument with a message that names the broken
// rule, judged by whether it mentions any of `words` (ignoring case).
::testing::AssertionResult IsInvalidArgumentMentioning(
    const absl::Status& status, const std::vector<std::string>& words) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    return ::testing::AssertionFailure()
           << "status is " << status << ", want InvalidArgument";
  }
  std::string message = ToLower(MessageOf(status));
  for (const std::string& word : words) {
    if (message.find(word) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "message " << Describe(MessageOf(status)) << " mentions none of:";
  for (const std::string& word : words) failure << " \"" << word << "\"";
  return failure;
}

// A 255-byte collection name: the longest allowed.
std::string LongestCollection() { return std::string(kMaxCollectionSize, 'c'); }

// A 65,536-byte member: the longest allowed.
std::string LongestMember() { return std::string(kMaxMemberSize, 'm'); }

// Gives each test an open store with default options.
class StoreTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(OpenStore(Options{}, &store_));
  }

  // Opens another store, in a directory of its own, into `*store`.
  void OpenStore(Options options, std::unique_ptr<Store>* store) {
    std::string path = dir() + "/db" + std::to_string(stores_opened_++);
    absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(path, options);
    ASSERT_TRUE(opened.ok()) << "Open(" << path << "): " << opened.status();
    ASSERT_NE(*opened, nullptr);
    *store = *std::move(opened);
  }

  // Fills the store with pairs that a careless implementation could change
  // while rejecting a malformed key or collection name: members of "a" whose
  // keys share a prefix with malformed keys, and the longest allowed
  // collection and member, which a too-long name could be truncated to.
  void Populate() {
    populated_ = {
        {"a", {{"/b", "slash"}, {"x", "1"}, {"y", "2"}}},
        {"c", {{LongestMember(), "longest member"}}},
        {LongestCollection(), {{"m", "longest collection"}}},
    };
    for (const auto& [collection, pairs] : populated_) {
      for (const auto& [member, value] : pairs) {
        ASSERT_TRUE(IsOk(store_->Put(collection + "/" + member, value)));
      }
    }
  }

  // Whether the store still holds exactly what Populate put in it.
  ::testing::AssertionResult HoldsPopulatedPairs() const {
    for (const auto& [collection, pairs] : populated_) {
      ::testing::AssertionResult result =
          HasPairs(store_->GetAll(collection), pairs);
      if (!result) {
        return result << " in collection " << Describe(collection);
      }
    }
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<Store> store_;

 private:
  int stores_opened_ = 0;
  std::vector<std::pair<std::string, Pairs>> populated_;
};

// --- Open ---

using OpenTest = TempDirTest;

TEST_F(OpenTest, CreatesMissingDirectoryWithItsMissingParents) {
  std::string path = dir() + "/a/b/c";

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path);

  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST_F(OpenTest, SucceedsOnExistingEmptyDirectory) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir());

  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_NE(*store, nullptr);
}

TEST_F(OpenTest, FailsWithFailedPreconditionNamingPathThatIsARegularFile) {
  std::string path = dir() + "/file";
  std::ofstream(path) << "not a store";

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path);

  EXPECT_TRUE(HasCode(store, absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(MessageOf(store.status()).find(path), std::string::npos)
      << "message " << Describe(MessageOf(store.status())) << " does not name "
      << path;
  std::ifstream file(path);
  std::string contents((std::istreambuf_iterator<char>(file)),
                       std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "not a store");
}

TEST_F(OpenTest, FailsWhenAParentIsARegularFile) {
  std::string file = dir() + "/file";
  std::ofstream(file) << "not a directory";

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(file + "/db");

  EXPECT_FALSE(store.ok());
}

TEST_F(OpenTest, RejectsEmptyPathWithInvalidArgument) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open("");

  EXPECT_TRUE(HasCode(store, absl::StatusCode::kInvalidArgument));
}

// --- Put, Get, Delete ---

TEST_F(StoreTest, GetReturnsWhatPutStored) {
  ASSERT_TRUE(IsOk(store_->Put("artist/daft_punk", "epic")));

  EXPECT_TRUE(HasValue(store_->Get("artist/daft_punk"), "epic"));
}

TEST_F(StoreTest, GetOfMissingKeyIsNotFound) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));

  EXPECT_TRUE(HasCode(store_->Get("a/y"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Get("b/x"), absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, PutReplacesPreviousValue) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "first")));

  ASSERT_TRUE(IsOk(store_->Put("a/x", "second")));

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "second"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"x", "second"}}));
}

// Values large enough to be rewritten in place (512 bytes and more), of the
// same size, rewritten again and again while they wait for the janitor,
// while it writes them and after: readers, shared values and the files see
// every rewrite whole, and the last one survives a reopen.
TEST_F(StoreTest, SameSizeRewritesAreSeenAndPersisted) {
  const std::string dir = this->dir() + "/rewrites";
  auto value = [](int key, int round) {
    return std::string(600 + key, static_cast<char>('a' + (key + round) % 26));
  };
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir);
    ASSERT_TRUE(IsOk(store));
    for (int round = 0; round < 30; ++round) {
      for (int key = 0; key < 20; ++key) {
        ASSERT_TRUE(
            IsOk((*store)->Put("c/" + std::to_string(key), value(key, round))));
      }
      absl::StatusOr<SharedValue> held = (*store)->GetShared("c/3");
      ASSERT_TRUE(IsOk(held));
      ASSERT_TRUE(
          IsOk((*store)->Put("c/3", std::string(603, '#'))));  // Not in place.
      EXPECT_EQ(held->value(), value(3, round));
      ASSERT_TRUE(IsOk((*store)->Put("c/3", value(3, round))));
      for (int key = 0; key < 20; ++key) {
        EXPECT_TRUE(HasValue((*store)->Get("c/" + std::to_string(key)),
                             value(key, round)));
      }
      if (round % 3 == 0) {
        ASSERT_TRUE(IsOk((*store)->Flush()));
      }
    }
  }
  absl::StatusOr<std::unique_ptr<Store>> reopened = Store::Open(dir);
  ASSERT_TRUE(IsOk(reopened));
  for (int key = 0; key < 20; ++key) {
    EXPECT_TRUE(
        HasValue((*reopened)->Get("c/" + std::to_string(key)), value(key, 29)));
  }
}

TEST_F(StoreTest, PutCopiesTheValue) {
  std::string value = "original";
  ASSERT_TRUE(IsOk(store_->Put("a/x", value)));

  std::fill(value.begin(), value.end(), 'X');
  value = "a longer string that needs another buffer";

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "original"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"x", "original"}}));
}

TEST_F(StoreTest, GetIntoBufferCopiesTheValue) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "first value")));
  ASSERT_TRUE(IsOk(store_->Put("a/y", "2")));
  std::string buffer = "previous contents, longer than both values";

  ASSERT_TRUE(IsOk(store_->Get("a/x", &buffer)));
  EXPECT_EQ(buffer, "first value");
  ASSERT_TRUE(IsOk(store_->Get("a/y", &buffer)));
  EXPECT_EQ(buffer, "2");
}

TEST_F(StoreTest, GetIntoBufferLeavesItUnchangedOnError) {
  std::string buffer = "kept";
  EXPECT_TRUE(
      HasCode(store_->Get("a/missing", &buffer), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Get("malformed", &buffer),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(buffer, "kept");
}

TEST_F(StoreTest, GetSharedSeesTheValue) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "shared")));
  absl::StatusOr<SharedValue> shared = store_->GetShared("a/x");
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->value(), "shared");
  EXPECT_TRUE(
      HasCode(store_->GetShared("a/missing"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetShared("malformed"),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(SharedValue().value(), "");
}

TEST_F(StoreTest, MultiGetSharedAnswersAsGetSharedDoesForEachKey) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(
        IsOk(store_->Put("a/" + std::to_string(i), "v" + std::to_string(i))));
  }
  ASSERT_TRUE(IsOk(store_->Put("b/x", "bx")));
  ASSERT_TRUE(IsOk(store_->Delete("a/7")));
  // More keys than one group of lookups (16), in no order, with repeats,
  // misses, a deleted key, an unknown collection and malformed keys.
  std::vector<std::string> keys;
  for (int i = 45; i >= 0; i -= 2) keys.push_back("a/" + std::to_string(i));
  for (const char* key :
       {"a/7", "b/x", "a/3", "a/3", "nope/x", "malformed", "a/", "/m", "b/y"}) {
    keys.push_back(key);
  }
  for (int i = 0; i < 40; i += 3) keys.push_back("a/" + std::to_string(i));
  const std::vector<std::string_view> views(keys.begin(), keys.end());

  const std::vector<absl::StatusOr<SharedValue>> values =
      store_->MultiGetShared(views);

  ASSERT_EQ(values.size(), keys.size());
  int found = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const absl::StatusOr<SharedValue> one = store_->GetShared(keys[i]);
    ASSERT_EQ(values[i].status().code(), one.status().code()) << keys[i];
    EXPECT_EQ(values[i].status().message(), one.status().message());
    if (one.ok()) {
      EXPECT_EQ(values[i]->value(), one->value()) << keys[i];
      ++found;
    }
  }
  // The odd members below 40 but a/7 (deleted), b/x, a/3 twice, and the 14
  // multiples of 3.
  EXPECT_EQ(found, 19 + 3 + 14);
  EXPECT_TRUE(store_->MultiGetShared({}).empty());
}

TEST_F(StoreTest, SharedValueIsUnchangedBySameSizeOverwrite) {
  const std::string first(4096, 'a');
  const std::string second(4096, 'b');
  ASSERT_TRUE(IsOk(store_->Put("a/x", first)));
  ASSERT_TRUE(IsOk(store_->Flush()));  // Nothing but the map holds it now.
  absl::StatusOr<SharedValue> shared = store_->GetShared("a/x");
  ASSERT_TRUE(shared.ok()) << shared.status();

  ASSERT_TRUE(IsOk(store_->Put("a/x", second)));

  EXPECT_EQ(shared->value(), first);
  EXPECT_TRUE(HasValue(store_->Get("a/x"), second));
}

TEST_F(StoreTest, GetAllSharedMatchesGetAll) {
  ASSERT_TRUE(IsOk(store_->Put("a/\x80", "high")));
  ASSERT_TRUE(IsOk(store_->Put("a/z", "zed")));
  ASSERT_TRUE(IsOk(store_->Put("a/b", "bee")));
  ASSERT_TRUE(IsOk(store_->Put("other/b", "not this one")));
  absl::StatusOr<std::vector<SharedValue>> shared = store_->GetAllShared("a");
  ASSERT_TRUE(shared.ok()) << shared.status();
  Pairs got;
  for (const SharedValue& v : *shared) {
    got.emplace_back(v.member(), v.value());
  }
  EXPECT_EQ(got, (Pairs{{"b", "bee"}, {"z", "zed"}, {"\x80", "high"}}));
  EXPECT_TRUE(
      HasCode(store_->GetAllShared("a/b"), absl::StatusCode::kInvalidArgument));
  absl::StatusOr<std::vector<SharedValue>> none = store_->GetAllShared("none");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(StoreTest, SharedValueOutlivesOverwriteDeleteAndTheStore) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "v1")));
  ASSERT_TRUE(IsOk(store_->Put("a/y", "y1")));
  absl::StatusOr<SharedValue> x = store_->GetShared("a/x");
  absl::StatusOr<SharedValue> y = store_->GetShared("a/y");
  ASSERT_TRUE(x.ok() && y.ok());
  SharedValue copy = *x;

  ASSERT_TRUE(IsOk(store_->Put("a/x", "v2")));
  ASSERT_TRUE(IsOk(store_->Delete("a/y")));
  EXPECT_EQ(x->value(), "v1");
  EXPECT_EQ(y->value(), "y1");
  EXPECT_TRUE(HasValue(store_->Get("a/x"), "v2"));

  ASSERT_TRUE(IsOk(store_->Close()));
  store_.reset();
  EXPECT_EQ(x->value(), "v1");
  EXPECT_EQ(copy.value(), "v1");
  EXPECT_EQ(y->value(), "y1");
}

TEST_F(StoreTest, PutCopiesTheKey) {
  std::string key = "a/x";
  ASSERT_TRUE(IsOk(store_->Put(key, "1")));

  key = "b/y";

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "1"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"x", "1"}}));
  EXPECT_TRUE(HasCode(store_->Get("b/y"), absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, DeleteRemovesOnlyThatKey) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->Put("a/y", "2")));

  ASSERT_TRUE(IsOk(store_->Delete("a/x")));

  EXPECT_TRUE(HasCode(store_->Get("a/x"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasValue(store_->Get("a/y"), "2"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"y", "2"}}));
}

TEST_F(StoreTest, DeleteOfMissingKeySucceedsAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  EXPECT_TRUE(IsOk(store_->Delete("a/missing")));
  EXPECT_TRUE(IsOk(store_->Delete("missing/x")));

  EXPECT_TRUE(HoldsPopulatedPairs());
}

TEST_F(StoreTest, PutAfterDeleteStoresAgain) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->Delete("a/x")));

  ASSERT_TRUE(IsOk(store_->Put("a/x", "2")));

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "2"));
}

TEST_F(StoreTest, PutAcceptsEmptyValue) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "")));

  EXPECT_TRUE(HasValue(store_->Get("a/x"), ""));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"x", ""}}));
}

TEST_F(StoreTest, DefaultStoreAcceptsMultiMebibyteValue) {
  std::string value(3 << 20, 'v');
  value.back() = 'w';

  ASSERT_TRUE(IsOk(store_->Put("a/x", value)));

  EXPECT_TRUE(HasValue(store_->Get("a/x"), value));
}

TEST_F(StoreTest, FlushSucceedsAndKeepsData) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));

  EXPECT_TRUE(IsOk(store_->Flush()));

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "1"));
}

// --- Limits on keys and values ---

TEST_F(StoreTest, AcceptsOneByteCollectionAndMember) {
  ASSERT_TRUE(IsOk(store_->Put("a/b", "1")));

  EXPECT_TRUE(HasValue(store_->Get("a/b"), "1"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"b", "1"}}));
}

TEST_F(StoreTest, AcceptsCollectionOfMaximumSize) {
  std::string collection = LongestCollection();
  ASSERT_EQ(collection.size(), 255u);

  ASSERT_TRUE(IsOk(store_->Put(collection + "/m", "1")));

  EXPECT_TRUE(HasValue(store_->Get(collection + "/m"), "1"));
  EXPECT_TRUE(HasPairs(store_->GetAll(collection), {{"m", "1"}}));
  EXPECT_TRUE(IsOk(store_->DeleteAll(collection)));
  EXPECT_TRUE(HasPairs(store_->GetAll(collection), {}));
}

TEST_F(StoreTest, AcceptsMemberOfMaximumSize) {
  std::string member = LongestMember();
  ASSERT_EQ(member.size(), 65536u);

  ASSERT_TRUE(IsOk(store_->Put("c/" + member, "1")));

  EXPECT_TRUE(HasValue(store_->Get("c/" + member), "1"));
  EXPECT_TRUE(HasPairs(store_->GetAll("c"), {{member, "1"}}));
  EXPECT_TRUE(IsOk(store_->Delete("c/" + member)));
  EXPECT_TRUE(HasCode(store_->Get("c/" + member), absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, MemberMayHoldSlashes) {
  ASSERT_TRUE(IsOk(store_->Put("a//b", "1")));
  ASSERT_TRUE(IsOk(store_->Put("a/b/c/", "2")));

  EXPECT_TRUE(HasValue(store_->Get("a//b"), "1"));
  EXPECT_TRUE(HasValue(store_->Get("a/b/c/"), "2"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"/b", "1"}, {"b/c/", "2"}}));
}

TEST_F(StoreTest, KeysAndValuesMayHoldAnyBytes) {
  // Every byte but '/' in the collection; every byte in member and value.
  std::string collection;
  std::string member;
  std::string value;
  for (int byte = 0; byte < 256; ++byte) {
    if (byte != '/' && collection.size() < kMaxCollectionSize) {
      collection.push_back(static_cast<char>(byte));
    }
    member.push_back(static_cast<char>(byte));
    value.push_back(static_cast<char>(255 - byte));
  }
  std::string key = collection + "/" + member;

  ASSERT_TRUE(IsOk(store_->Put(key, value)));

  EXPECT_TRUE(HasValue(store_->Get(key), value));
  EXPECT_TRUE(HasPairs(store_->GetAll(collection), {{member, value}}));
}

TEST_F(StoreTest, NamesThatDifferOnlyAfterANulByteAreDistinct) {
  ASSERT_TRUE(IsOk(store_->Put("a/m"s, "1")));
  ASSERT_TRUE(IsOk(store_->Put("a\0b/m"s, "2")));
  ASSERT_TRUE(IsOk(store_->Put("a\0c/m"s, "3")));
  ASSERT_TRUE(IsOk(store_->Put("\0/m\0x"s, "4")));
  ASSERT_TRUE(IsOk(store_->Put("\0/m\0y"s, "5")));

  EXPECT_TRUE(HasValue(store_->Get("a/m"s), "1"));
  EXPECT_TRUE(HasValue(store_->Get("a\0b/m"s), "2"));
  EXPECT_TRUE(HasValue(store_->Get("a\0c/m"s), "3"));
  EXPECT_TRUE(HasPairs(store_->GetAll("a\0b"s), {{"m", "2"}}));
  EXPECT_TRUE(
      HasPairs(store_->GetAll("\0"s), {{"m\0x"s, "4"}, {"m\0y"s, "5"}}));
  EXPECT_TRUE(HasCode(store_->Get("\0/m"s), absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, AcceptsValueOfExactlyMaxValueSize) {
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(OpenStore(Options{.max_value_size = 1000}, &store));
  std::string value(1000, 'v');

  ASSERT_TRUE(IsOk(store->Put("a/x", value)));

  EXPECT_TRUE(HasValue(store->Get("a/x"), value));
}

TEST_F(StoreTest, RejectsValueLargerThanMaxValueSize) {
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(OpenStore(Options{.max_value_size = 1000}, &store));

  absl::Status status = store->Put("a/x", std::string(1001, 'v'));

  EXPECT_TRUE(IsInvalidArgumentMentioning(status, {"value"}));
  EXPECT_TRUE(HasCode(store->Get("a/x"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasPairs(store->GetAll("a"), {}));
}

TEST_F(StoreTest, RejectedOversizedValueKeepsPreviousValue) {
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(OpenStore(Options{.max_value_size = 1000}, &store));
  ASSERT_TRUE(IsOk(store->Put("a/x", "previous")));

  absl::Status status = store->Put("a/x", std::string(1001, 'v'));

  EXPECT_TRUE(IsInvalidArgumentMentioning(status, {"value"}));
  EXPECT_TRUE(HasValue(store->Get("a/x"), "previous"));
}

TEST_F(StoreTest, EmptyValueIsAllowedEvenWhenMaxValueSizeIsZero) {
  std::unique_ptr<Store> store;
  ASSERT_NO_FATAL_FAILURE(OpenStore(Options{.max_value_size = 0}, &store));

  EXPECT_TRUE(IsOk(store->Put("a/x", "")));
  EXPECT_TRUE(IsInvalidArgumentMentioning(store->Put("a/y", "v"), {"value"}));

  EXPECT_TRUE(HasPairs(store->GetAll("a"), {{"x", ""}}));
}

TEST(OptionsTest, DefaultMaxValueSizeIs256MiB) {
  EXPECT_EQ(Options{}.max_value_size, std::size_t{256} * 1024 * 1024);
}

// A key that breaks the rules, and words of which a message explaining why
// should mention at least one.
struct MalformedKey {
  std::string name;  // Names the test case.
  std::string key;
  std::vector<std::string> words;
};

// Shows the case's name, not its bytes, in test output.
void PrintTo(const MalformedKey& malformed, std::ostream* out) {
  *out << malformed.name;
}

std::vector<MalformedKey> MalformedKeys() {
  // A key without a '/' breaks a rule that may be explained in many ways.
  std::vector<std::string> no_slash = {"key", "/", "collection", "member",
                                       "separator"};
  return {
      {"Empty", "", no_slash},
      {"WithoutSlash", "a", no_slash},
      {"WithNulInsteadOfSlash", "a\0b"s, no_slash},
      {"OnlySlash", "/", {"collection", "member"}},
      {"EmptyCollection", "/a", {"collection"}},
      {"EmptyMember", "a/", {"member"}},
      {"EmptyMemberOfLongestCollection", LongestCollection() + "/", {"member"}},
      {"CollectionOneByteTooLong", LongestCollection() + "c/m", {"collection"}},
      {"MemberOneByteTooLong", "c/" + LongestMember() + "m", {"member"}},
  };
}

class MalformedKeyTest : public StoreTest,
                         public ::testing::WithParamInterface<MalformedKey> {};

INSTANTIATE_TEST_SUITE_P(
    Keys, MalformedKeyTest, ::testing::ValuesIn(MalformedKeys()),
    [](const ::testing::TestParamInfo<MalformedKey>& info) {
      return info.param.name;
    });

TEST_P(MalformedKeyTest, PutIsRejectedAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  absl::Status status = store_->Put(GetParam().key, "new value");

  EXPECT_TRUE(IsInvalidArgumentMentioning(status, GetParam().words));
  EXPECT_TRUE(HoldsPopulatedPairs());
}

TEST_P(MalformedKeyTest, GetIsRejected) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  absl::StatusOr<std::string> value = store_->Get(GetParam().key);

  EXPECT_TRUE(IsInvalidArgumentMentioning(value.status(), GetParam().words));
}

TEST_P(MalformedKeyTest, DeleteIsRejectedAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  absl::Status status = store_->Delete(GetParam().key);

  EXPECT_TRUE(IsInvalidArgumentMentioning(status, GetParam().words));
  EXPECT_TRUE(HoldsPopulatedPairs());
}

// --- GetAll, DeleteAll ---

TEST_F(StoreTest, GetAllSortsMembersByUnsignedBytes) {
  // Sorted by bytes, as unsigned: not by length first, not with signed
  // chars (which would put "\x80" and "\xff" first), not by locale.
  Pairs sorted = {{"\x01", "1"},      {"A", "2"},     {"a", "3"},
                  {"a\0"s, "4"},      {"a\x01", "5"}, {"ab", "6"},
                  {"z", "7"},         {"\x7f", "8"},  {"\x80", "9"},
                  {"\xc3\xa9", "10"}, {"\xff", "11"}};
  for (std::size_t i : {7, 2, 10, 0, 5, 8, 3, 1, 9, 6, 4}) {
    ASSERT_TRUE(IsOk(store_->Put("c/" + sorted[i].first, sorted[i].second)));
  }

  EXPECT_TRUE(HasPairs(store_->GetAll("c"), sorted));
}

TEST_F(StoreTest, GetAllReturnsOnlyThatCollection) {
  ASSERT_TRUE(IsOk(store_->Put("a/1", "v1")));
  ASSERT_TRUE(IsOk(store_->Put("a//2", "v2")));
  ASSERT_TRUE(IsOk(store_->Put("ab/3", "v3")));
  ASSERT_TRUE(IsOk(store_->Put("a\0/4"s, "v4")));
  ASSERT_TRUE(IsOk(store_->Put("b/5", "v5")));
  ASSERT_TRUE(IsOk(store_->Put("A/6", "v6")));

  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"/2", "v2"}, {"1", "v1"}}));
  EXPECT_TRUE(HasPairs(store_->GetAll("ab"), {{"3", "v3"}}));
  EXPECT_TRUE(HasPairs(store_->GetAll("a\0"s), {{"4", "v4"}}));
}

TEST_F(StoreTest, GetAllOfMissingCollectionIsEmpty) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));

  EXPECT_TRUE(HasPairs(store_->GetAll("b"), {}));
}

TEST_F(StoreTest, GetAllOfEmptiedCollectionIsEmpty) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->Delete("a/x")));

  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {}));
}

TEST_F(StoreTest, DeleteAllRemovesOnlyThatCollection) {
  ASSERT_TRUE(IsOk(store_->Put("a/1", "v1")));
  ASSERT_TRUE(IsOk(store_->Put("a//2", "v2")));
  ASSERT_TRUE(IsOk(store_->Put("ab/3", "v3")));
  ASSERT_TRUE(IsOk(store_->Put("a\0/4"s, "v4")));
  ASSERT_TRUE(IsOk(store_->Put("b/5", "v5")));

  ASSERT_TRUE(IsOk(store_->DeleteAll("a")));

  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {}));
  EXPECT_TRUE(HasCode(store_->Get("a/1"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Get("a//2"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasPairs(store_->GetAll("ab"), {{"3", "v3"}}));
  EXPECT_TRUE(HasPairs(store_->GetAll("a\0"s), {{"4", "v4"}}));
  EXPECT_TRUE(HasPairs(store_->GetAll("b"), {{"5", "v5"}}));
}

TEST_F(StoreTest, DeleteAllOfMissingCollectionSucceedsAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  EXPECT_TRUE(IsOk(store_->DeleteAll("missing")));

  EXPECT_TRUE(HoldsPopulatedPairs());
}

TEST_F(StoreTest, PutAfterDeleteAllStoresAgain) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->DeleteAll("a")));

  ASSERT_TRUE(IsOk(store_->Put("a/y", "2")));

  EXPECT_TRUE(HasPairs(store_->GetAll("a"), {{"y", "2"}}));
}

// A collection name that breaks the rules.
struct MalformedCollection {
  std::string name;  // Names the test case.
  std::string collection;
};

void PrintTo(const MalformedCollection& malformed, std::ostream* out) {
  *out << malformed.name;
}

std::vector<MalformedCollection> MalformedCollections() {
  return {
      {"Empty", ""},
      {"OnlySlash", "/"},
      {"EndsInSlash", "a/"},
      {"IsAKey", "a/x"},
      {"StartsWithSlash", "/a"},
      {"OneByteTooLong", LongestCollection() + "c"},
  };
}

class MalformedCollectionTest
    : public StoreTest,
      public ::testing::WithParamInterface<MalformedCollection> {};

INSTANTIATE_TEST_SUITE_P(
    Collections, MalformedCollectionTest,
    ::testing::ValuesIn(MalformedCollections()),
    [](const ::testing::TestParamInfo<MalformedCollection>& info) {
      return info.param.name;
    });

TEST_P(MalformedCollectionTest, GetAllIsRejected) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  absl::StatusOr<Pairs> pairs = store_->GetAll(GetParam().collection);

  EXPECT_TRUE(IsInvalidArgumentMentioning(pairs.status(), {"collection"}));
}

TEST_P(MalformedCollectionTest, DeleteAllIsRejectedAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Populate());

  absl::Status status = store_->DeleteAll(GetParam().collection);

  EXPECT_TRUE(IsInvalidArgumentMentioning(status, {"collection"}));
  EXPECT_TRUE(HoldsPopulatedPairs());
}

// --- Close ---

// Gives each test a store that held "a/x" when it was closed.
class ClosedStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
    ASSERT_TRUE(IsOk(store_->Close()));
  }
};

TEST_F(ClosedStoreTest, GetFailsWithFailedPrecondition) {
  EXPECT_TRUE(
      HasCode(store_->Get("a/x"), absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(store_->Get("a/y"), absl::StatusCode::kFailedPrecondition));
  std::string buffer;
  EXPECT_TRUE(HasCode(store_->Get("a/x", &buffer),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(store_->GetShared("a/x"), absl::StatusCode::kFailedPrecondition));
  const std::vector<std::string_view> keys = {"a/x", "a/y", "malformed"};
  const std::vector<absl::StatusOr<SharedValue>> values =
      store_->MultiGetShared(keys);
  ASSERT_EQ(values.size(), 3);
  EXPECT_TRUE(HasCode(values[0], absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(values[1], absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(values[2], absl::StatusCode::kInvalidArgument));
}

TEST_F(ClosedStoreTest, GetAllFailsWithFailedPrecondition) {
  EXPECT_TRUE(
      HasCode(store_->GetAll("a"), absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(store_->GetAll("b"), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClosedStoreTest, PutFailsWithFailedPrecondition) {
  EXPECT_TRUE(
      HasCode(store_->Put("a/y", "2"), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClosedStoreTest, DeleteFailsWithFailedPrecondition) {
  EXPECT_TRUE(
      HasCode(store_->Delete("a/x"), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClosedStoreTest, DeleteAllFailsWithFailedPrecondition) {
  EXPECT_TRUE(
      HasCode(store_->DeleteAll("a"), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClosedStoreTest, FlushFailsWithFailedPrecondition) {
  EXPECT_TRUE(HasCode(store_->Flush(), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClosedStoreTest, CloseAgainSucceeds) {
  EXPECT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(
      HasCode(store_->Get("a/x"), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ClosedStoreTest, CanBeDestroyed) { store_.reset(); }

TEST_F(StoreTest, OpenStoreCanBeDestroyedWithoutClose) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));

  store_.reset();
}

}  // namespace
}  // namespace dskv
