// dump and load end to end: the dump format on disk, the round trip of any
// bytes through it, and load's strictness about its input.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// `size` bytes that are almost surely not valid UTF-8.
std::string RandomBytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

class DumpLoadTest : public TempDirTest {
 protected:
  std::string store(std::string_view name = "store") const {
    return dir() + "/" + std::string(name);
  }

  void MakeStore(const std::string& path, const Pairs& pairs) {
    absl::StatusOr<std::unique_ptr<dskv::Store>> s = dskv::Store::Open(path);
    ASSERT_TRUE(s.ok()) << s.status();
    for (const auto& [key, value] : pairs) {
      ASSERT_TRUE((*s)->Put(key, value).ok()) << key;
    }
    ASSERT_TRUE((*s)->Close().ok());
  }

  // Every key and value of the store at `path`, read through the API.
  Pairs Contents(const std::string& path) {
    dskv::Options options;
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<dskv::Store>> s =
        dskv::Store::Open(path, options);
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok()) return {};
    absl::StatusOr<std::vector<dskv::CollectionInfo>> collections =
        (*s)->ListCollections();
    EXPECT_TRUE(collections.ok()) << collections.status();
    if (!collections.ok()) return {};
    Pairs pairs;
    for (const dskv::CollectionInfo& c : *collections) {
      absl::StatusOr<Pairs> members = (*s)->GetAll(c.name);
      EXPECT_TRUE(members.ok()) << members.status();
      if (!members.ok()) return {};
      for (auto& [member, value] : *members) {
        pairs.emplace_back(c.name + "/" + member, std::move(value));
      }
    }
    return pairs;
  }
};

TEST_F(DumpLoadTest, DumpWritesSortedJsonLines) {
  ASSERT_NO_FATAL_FAILURE(
      MakeStore(store(), {{"b/2", "two"},
                          {"a/x", "line\nbreak \"quoted\" tab\t"},
                          {"b/10", ""},
                          {"b/1", std::string("\0\xff", 2)},
                          {"a/dir/file", "日本語 🎵"}}));
  const ToolRun run = RunDskv({"dump", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.err, "") << "no progress bar unless stderr is a terminal";
  EXPECT_EQ(
      run.out,
      R"({"collection":"a","member":"dir/file","value":"日本語 🎵"})"
      "\n"
      R"({"collection":"a","member":"x","value":"line\nbreak \"quoted\" tab\t"})"
      "\n"
      R"({"collection":"b","member":"1","value_base64":"AP8="})"
      "\n"
      R"({"collection":"b","member":"10","value":""})"
      "\n"
      R"({"collection":"b","member":"2","value":"two"})"
      "\n");
}

TEST_F(DumpLoadTest, DeadlinesSurviveDumpAndLoad) {
  {
    absl::StatusOr<std::unique_ptr<dskv::Store>> s = dskv::Store::Open(store());
    ASSERT_TRUE(s.ok()) << s.status();
    dskv::PutOptions hour;
    hour.ttl = std::chrono::hours(1);
    ASSERT_TRUE((*s)->Put("s/expiring", "1", hour).ok());
    ASSERT_TRUE((*s)->Put("s/plain", "2").ok());
    ASSERT_TRUE((*s)->Close().ok());
  }
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const std::int64_t before = now_ms();
  const ToolRun dump = RunDskv({"dump", store()});
  ASSERT_EQ(dump.exit_code, 0) << dump;
  const std::string::size_type at = dump.out.find(R"("expires_ms":")");
  ASSERT_NE(at, std::string::npos) << dump.out;
  const std::int64_t expires = std::stoll(dump.out.substr(at + 14));
  // The deadline set above, give or take the time the test took.
  EXPECT_GT(expires, before + 3'590'000);
  EXPECT_LE(expires, now_ms() + 3'600'000);
  EXPECT_NE(dump.out.find(R"({"collection":"s","member":"plain","value":"2"})"
                          "\n"),
            std::string::npos)
      << dump.out;

  // Loaded back with the deadline; a line whose deadline passed is left
  // out.
  const std::string past =
      R"({"collection":"s","member":"gone","value":"3","expires_ms":"1000"})"
      "\n";
  const ToolRun load = RunDskv({"load", store("copy")}, dump.out + past);
  ASSERT_EQ(load.exit_code, 0) << load;
  EXPECT_EQ(load.out, "loaded 2 records into " + store("copy") +
                          "; left out 1 record whose deadline had passed\n");
  absl::StatusOr<std::unique_ptr<dskv::Store>> copy =
      dskv::Store::Open(store("copy"));
  ASSERT_TRUE(copy.ok()) << copy.status();
  absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
      (*copy)->Ttl("s/expiring");
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_TRUE(left->has_value());
  EXPECT_GT(**left, std::chrono::minutes(59));
  EXPECT_TRUE((*copy)->Get("s/gone").status().code() ==
              absl::StatusCode::kNotFound);
  left = (*copy)->Ttl("s/plain");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_FALSE(left->has_value());
}

TEST_F(DumpLoadTest, DumpOfOneCollectionAndToAFile) {
  ASSERT_NO_FATAL_FAILURE(
      MakeStore(store(), {{"a/1", "x"}, {"b/1", "y"}, {"b/2", "z"}}));
  ToolRun run = RunDskv({"dump", store(), "b"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out,
            "{\"collection\":\"b\",\"member\":\"1\",\"value\":\"y\"}\n"
            "{\"collection\":\"b\",\"member\":\"2\",\"value\":\"z\"}\n");
  EXPECT_EQ(RunDskv({"dump", store(), "missing"}).out, "");

  const std::string file = dir() + "/out.jsonl";
  run = RunDskv({"dump", "--output=" + file, store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(ReadBytes(file), RunDskv({"dump", store()}).out);
}

TEST_F(DumpLoadTest, DumpLoadDumpIsByteIdenticalForAnyBytes) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  const Pairs pairs = {
      {"text/plain", "hello"},
      {"text/empty", ""},
      {"text/with/slashes/", "member with '/' and a trailing one"},
      {"text/unicode é", "日本語 🎵 \u2028"},
      {"text/controls", std::string("\0\x01\x1f\x7f\n\r\t\"\\", 10)},
      {"bin/all bytes", all_bytes},
      {"bin/1 MiB", RandomBytes(1 << 20, 1)},
      {"bin/" + RandomBytes(32, 2), RandomBytes(100, 3)},
      {"\xff\xfe collection/m", "collection not UTF-8"},
      {"日本/語", "unicode collection"},
  };
  const std::string source = store("source");
  ASSERT_NO_FATAL_FAILURE(MakeStore(source, pairs));
  const ToolRun first = RunDskv({"dump", source});
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_EQ(first.err, "");

  const ToolRun load = RunDskv({"load", store("copy")}, first.out);
  ASSERT_EQ(load.exit_code, 0) << load;
  EXPECT_EQ(load.out, "loaded 10 records into " + store("copy") + "\n");

  const ToolRun second = RunDskv({"dump", store("copy")});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_TRUE(first.out == second.out) << "the dumps differ";
  EXPECT_EQ(Contents(store("copy")), Contents(source));
  EXPECT_EQ(Contents(source).size(), pairs.size());
}

TEST_F(DumpLoadTest, LoadReadsAFileAndOverwritesKeysItNames) {
  ASSERT_NO_FATAL_FAILURE(
      MakeStore(store(), {{"c/1", "old"}, {"c/2", "kept"}}));
  const std::string file = dir() + "/in.jsonl";
  WriteBytes(file,
             "{\"collection\":\"c\",\"member\":\"1\",\"value\":\"new\"}\n"
             // Fields in any order, base64 for any of them, whitespace
             // between tokens, and no final newline.
             " { \"value_base64\" : \"AP8=\", \"member\":\"3\", "
             "\"collection_base64\":\"Yw==\" }");
  const ToolRun run = RunDskv({"load", store(), file});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "loaded 2 records into " + store() + "\n");
  EXPECT_EQ(Contents(store()), (Pairs{{"c/1", "new"},
                                      {"c/2", "kept"},
                                      {"c/3", std::string("\0\xff", 2)}}));
  // An empty input loads nothing, and succeeds.
  EXPECT_EQ(RunDskv({"load", store(), "-"}, "").out,
            "loaded 0 records into " + store() + "\n");
}

TEST_F(DumpLoadTest, LoadStopsAtTheFirstBadLineAndSaysWhatItLoaded) {
  const std::string good =
      "{\"collection\":\"c\",\"member\":\"%\",\"value\":\"v\"}\n";
  auto line = [&](char member) {
    std::string l = good;
    l[l.find('%')] = member;
    return l;
  };
  struct Case {
    std::string bad_line;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"\n", "stdin:3: column 1: expected '{'"},
      {"{\"collection\":\"c\",\"member\":\"x\"}\n",
       "stdin:3: missing field \"value\""},
      {"{\"collection\":\"c\",\"member\":\"x\",\"value\":\"\\ud800\"}\n",
       "stdin:3: column 41: high surrogate"},
      {"{\"collection\":\"c\",\"member\":\"x\",\"value\":\"v\",\"x\":\"\"}\n",
       "stdin:3: unknown field \"x\""},
      {"{\"collection\":\"c\",\"member\":\"\",\"value\":\"v\"}\n",
       "stdin:3: "},  // The store rejects an empty member.
      {"[1]\n", "stdin:3: column 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.bad_line);
    const std::string path = store(std::to_string(&c - cases.data()));
    const ToolRun run =
        RunDskv({"load", path}, line('1') + line('2') + c.bad_line + line('4'));
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_TRUE(run.err.starts_with("dskv load: " + c.message)) << run;
    EXPECT_TRUE(Contains(run.err,
                         "; 2 records before this line were loaded "
                         "into " +
                             path + " and flushed\n"))
        << run;
    EXPECT_EQ(Contents(path), (Pairs{{"c/1", "v"}, {"c/2", "v"}}));
  }
}

TEST_F(DumpLoadTest, LoadOfAMissingFileChangesNothing) {
  const ToolRun run = RunDskv({"load", store(), dir() + "/missing.jsonl"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.err, "dskv load: cannot open")) << run;
  EXPECT_FALSE(std::filesystem::exists(store()));
}

}  // namespace
}  // namespace dskv_test
