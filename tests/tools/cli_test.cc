// The dskv tool end to end, as an operator runs it: help and usage errors,
// ls, get, scan, put, del, delete-all, stats, compact and bench, and what the
// commands do while another process has the store open.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/key.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

const std::vector<std::string> kCommands = {
    "ls",   "get",    "scan",   "put",     "del",        "delete-all", "dump",
    "load", "verify", "repair", "compact", "checkpoint", "stats",      "bench"};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class CliTest : public TempDirTest {
 protected:
  // A store directory inside the test's own, which does not exist yet.
  std::string store() const { return dir() + "/store"; }

  // Opens the store through the API, for setting it up and checking it.
  std::unique_ptr<dskv::Store> OpenStore() {
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        dskv::Store::Open(this->store());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Puts `pairs` through the API and closes the store.
  void MakeStore(
      const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::unique_ptr<dskv::Store> s = OpenStore();
    ASSERT_NE(s, nullptr);
    for (const auto& [key, value] : pairs) {
      ASSERT_TRUE(s->Put(key, value).ok()) << key;
    }
    ASSERT_TRUE(s->Close().ok());
  }
};

// ---------------------------------------------------------------------------
// Help and usage

TEST_F(CliTest, HelpForEveryCommandGoesToStdoutAndExitsZero) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"-h"}, {"help"}}) {
    const ToolRun run = RunDskv(args);
    EXPECT_EQ(run.exit_code, 0) << run;
    EXPECT_TRUE(run.out.starts_with("Usage: dskv COMMAND")) << run;
    for (const std::string& command : kCommands) {
      EXPECT_TRUE(Contains(run.out, "  " + command + " ")) << command;
    }
  }
  for (const std::string& command : kCommands) {
    SCOPED_TRACE(command);
    const ToolRun by_help = RunDskv({"help", command});
    const ToolRun by_flag = RunDskv({command, "--help"});
    const ToolRun by_short_flag = RunDskv({command, "x", "-h"});
    for (const ToolRun* run : {&by_help, &by_flag, &by_short_flag}) {
      EXPECT_EQ(run->exit_code, 0) << *run;
      EXPECT_TRUE(run->out.starts_with("Usage: dskv " + command + " ")) << *run;
      EXPECT_EQ(run->err, "");
    }
    EXPECT_EQ(by_help.out, by_flag.out);
  }
}

TEST_F(CliTest, UsageErrorsExitTwoWithAHintOnStderr) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "Usage: dskv COMMAND"},
      {{"frobnicate"}, "dskv: unknown command \"frobnicate\""},
      {{"--verbose"}, "dskv: unknown flag --verbose"},
      {{"help", "frobnicate"}, "dskv help: no command \"frobnicate\""},
      {{"get", store()}, "dskv get: wrong number of arguments"},
      {{"get", store(), "a/b", "c"}, "dskv get: wrong number of arguments"},
      {{"ls", "--bogus", store()}, "dskv ls: unknown flag --bogus"},
      {{"ls", "--json=yes", store()}, "dskv ls: --json takes no value"},
      {{"dump", store(), "--output"}, "dskv dump: --output needs a value"},
      {{"put", store(), "a/b"}, "dskv put: give the value in exactly one way"},
      {{"put", "--stdin", store(), "a/b", "v"},
       "dskv put: give the value in exactly one way"},
      {{"bench", "--threads=zero"}, "dskv bench: --threads must be"},
      {{"serve", "--threads=0", store()}, "dskv serve: --threads must be"},
      {{"serve", "--threads", "5000", store()},
       "dskv serve: --threads must be at most 1024"},
      {{"serve", "--listen", "nowhere", store()},
       "dskv serve: --listen must be ADDRESS:PORT"},
      {{"serve", "--eviction=lru", "--max-memory=1000", store()},
       "dskv serve: --eviction must be none or soonest-deadline"},
      {{"serve", "--eviction=soonest-deadline", store()},
       "dskv serve: --eviction needs --max-memory"},
      {{"serve", "--max-memory=lots", store()}, "dskv serve: --max-memory"},
  };
  for (const Case& c : cases) {
    const ToolRun run = RunDskv(c.args);
    EXPECT_EQ(run.exit_code, 2) << run;
    EXPECT_EQ(run.out, "") << run;
    EXPECT_TRUE(Contains(run.err, c.message)) << run;
  }
  EXPECT_FALSE(std::filesystem::exists(store()))
      << "a rejected command line created the store";
  const ToolRun run = RunDskv({"ls", store(), "c", "extra"});
  EXPECT_TRUE(Contains(run.err, "Run 'dskv help ls' for usage.")) << run;
}

// ---------------------------------------------------------------------------
// Reading and writing keys

TEST_F(CliTest, PutTakesTheValueFromArgumentFileOrStdin) {
  const std::string binary("\0\xff\n\x01 binary", 11);
  const std::string file = dir() + "/value";
  WriteBytes(file, binary);
  EXPECT_EQ(RunDskv({"put", store(), "c/arg", "from argument"}).exit_code, 0);
  EXPECT_EQ(RunDskv({"put", "--file=" + file, store(), "c/file"}).exit_code, 0);
  EXPECT_EQ(RunDskv({"put", "--stdin", store(), "c/stdin"}, binary).exit_code,
            0);
  // Larger than the slab's Records, read straight into the store.
  std::string large(3 << 20, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) {
    large[i] = static_cast<char>(i * 7 + i / 4093);
  }
  WriteBytes(file + ".large", large);
  EXPECT_EQ(RunDskv({"put", "--file=" + file + ".large", store(), "c/large"})
                .exit_code,
            0);
  EXPECT_EQ(RunDskv({"put", store(), "c/empty", ""}).exit_code, 0);
  EXPECT_EQ(RunDskv({"put", store(), "--", "c/--dashes", "--x"}).exit_code, 0);

  // Each put flushed before it exited: a fresh Open finds every value.
  std::unique_ptr<dskv::Store> s = OpenStore();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->Get("c/arg").value_or("?"), "from argument");
  EXPECT_EQ(s->Get("c/file").value_or("?"), binary);
  EXPECT_EQ(s->Get("c/stdin").value_or("?"), binary);
  EXPECT_TRUE(s->Get("c/large").value_or("?") == large);
  EXPECT_EQ(s->Get("c/empty").value_or("?"), "");
  EXPECT_EQ(s->Get("c/--dashes").value_or("?"), "--x");
}

TEST_F(CliTest, PutOfAMissingFileFailsAndStoresNothing) {
  const ToolRun run =
      RunDskv({"put", "--file=" + dir() + "/missing", store(), "c/k"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.err, "dskv put: cannot open")) << run;
  EXPECT_FALSE(std::filesystem::exists(store()));
}

TEST_F(CliTest, GetWritesTheRawValueOrJson) {
  const std::string binary("\0\xff\x80z", 4);
  ASSERT_NO_FATAL_FAILURE(MakeStore(
      {{"c/text", "héllo\n"}, {"c/bin", binary}, {"c/a/b", "slash"}}));

  ToolRun run = RunDskv({"get", store(), "c/bin"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, binary);
  EXPECT_EQ(RunDskv({"get", store(), "c/text"}).out, "héllo\n");
  EXPECT_EQ(RunDskv({"get", store(), "c/a/b"}).out, "slash");

  run = RunDskv({"get", "--json", store(), "c/text"});
  EXPECT_EQ(
      run.out,
      "{\"collection\":\"c\",\"member\":\"text\",\"value\":\"héllo\\n\"}\n");
  run = RunDskv({"get", store(), "c/bin", "--json"});
  EXPECT_EQ(run.out,
            "{\"collection\":\"c\",\"member\":\"bin\",\"value_base64\":"
            "\"AP+Aeg==\"}\n");
}

TEST_F(CliTest, GetOfAMissingKeyExitsOne) {
  ASSERT_NO_FATAL_FAILURE(MakeStore({{"c/k", "v"}}));
  const ToolRun run = RunDskv({"get", store(), "c/missing"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "dskv get: no value at key \"c/missing\"\n");
}

// A KEY or COLLECTION argument the library would reject is a usage error in
// every command, told in the library's words, before the store is opened.
TEST_F(CliTest, MalformedKeysAndCollectionNamesExitTwo) {
  ASSERT_NO_FATAL_FAILURE(MakeStore({{"c/k", "v"}}));
  const DirectoryContents files_before = ReadDirectory(store());
  const std::string missing_store = dir() + "/missing";
  const std::string too_long(dskv::kMaxCollectionSize + 1, 'c');
  struct Case {
    std::vector<std::string> args;  // After the command and STORE_DIR.
    absl::Status expected;          // What the library says.
  };
  std::vector<std::pair<std::string, Case>> cases;
  for (const std::string& key :
       std::vector<std::string>{"nokey", "/m", "c/", too_long + "/m"}) {
    const absl::Status error = dskv::ParseKey(key).status();
    cases.push_back({"get", {{key}, error}});
    cases.push_back({"del", {{key}, error}});
    cases.push_back({"put", {{key, "value"}, error}});
    cases.push_back({"put", {{"--stdin", key}, error}});
  }
  for (const std::string& collection :
       std::vector<std::string>{"user42/x", "", too_long}) {
    const absl::Status error = dskv::ValidateCollection(collection);
    cases.push_back({"delete-all", {{collection}, error}});
    cases.push_back({"dump", {{collection}, error}});
  }
  for (const auto& [command, c] : cases) {
    ASSERT_TRUE(absl::IsInvalidArgument(c.expected)) << c.expected;
    const std::string expected_err =
        "dskv " + command + ": " + std::string(c.expected.message()) +
        "\nRun 'dskv help " + command + "' for usage.\n";
    for (const std::string& target : {store(), missing_store}) {
      std::vector<std::string> args = {command, target};
      args.insert(args.end(), c.args.begin(), c.args.end());
      const ToolRun run = RunDskv(args);
      EXPECT_EQ(run.exit_code, 2) << run;
      EXPECT_EQ(run.out, "") << run;
      EXPECT_EQ(run.err, expected_err) << run;
    }
  }
  EXPECT_EQ(ReadDirectory(store()), files_before);
  EXPECT_FALSE(std::filesystem::exists(missing_store))
      << "put created a store for a malformed key";
}

TEST_F(CliTest, OnlyPutAndLoadCreateAMissingStore) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"ls", store()},
        {"get", store(), "c/k"},
        {"dump", store()},
        {"stats", store()},
        {"del", store(), "c/k"},
        {"delete-all", store(), "c"},
        {"compact", store()},
        {"repair", store()}}) {
    const ToolRun run = RunDskv(args);
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_TRUE(run.err.starts_with("dskv " + args[0] + ": ")) << run;
  }
  EXPECT_FALSE(std::filesystem::exists(store()));
}

TEST_F(CliTest, LsListsCollectionsSortedWithTotals) {
  ASSERT_NO_FATAL_FAILURE(MakeStore({{"zeta/1", "abc"},
                                     {"alpha/1", "1"},
                                     {"alpha/2", "22"},
                                     {"with space/x", ""},
                                     {std::string("bin\xff/k"), "v"}}));
  ToolRun run = RunDskv({"ls", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  // Names that are not plain printable text are quoted; the name column is
  // as wide as the widest.
  EXPECT_EQ(run.out,
            "collection          keys         bytes\n"
            "alpha                  2             5\n"
            "\"bin\\xff\"              1             2\n"
            "\"with space\"           1             1\n"
            "zeta                   1             4\n"
            "4 collections, 5 keys, 12 B\n");

  run = RunDskv({"ls", "--json", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out,
            "[{\"name\":\"alpha\",\"keys\":2,\"bytes\":5},"
            "{\"name_base64\":\"Ymlu/w==\",\"keys\":1,\"bytes\":2},"
            "{\"name\":\"with space\",\"keys\":1,\"bytes\":1},"
            "{\"name\":\"zeta\",\"keys\":1,\"bytes\":4}]\n");
}

TEST_F(CliTest, LsWithACollectionListsItsMembersInOrder) {
  ASSERT_NO_FATAL_FAILURE(
      MakeStore({{"c/b", "2"}, {"c/a", "1"}, {"c/x y", "3"}, {"d/z", "4"}}));
  ToolRun run = RunDskv({"ls", store(), "c"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "a\nb\n\"x y\"\n");
  run = RunDskv({"ls", "--json", store(), "c"});
  EXPECT_EQ(run.out,
            "[{\"member\":\"a\"},{\"member\":\"b\"},"
            "{\"member\":\"x y\"}]\n");
  run = RunDskv({"ls", store(), "missing"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "");
}

TEST_F(CliTest, ScanSelectsRangesAndPages) {
  ASSERT_NO_FATAL_FAILURE(MakeStore({{"c/a", "1"},
                                     {"c/ab", "2"},
                                     {"c/b", "3"},
                                     {"c/c", "4"},
                                     {std::string("c/\xff"), "5"}}));
  ToolRun run = RunDskv({"scan", store(), "c"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "a\t1\nab\t2\nb\t3\nc\t4\n\"\\xff\"\t5\n");
  EXPECT_EQ(run.err, "");

  run = RunDskv({"scan", "--limit=2", store(), "c"});
  EXPECT_EQ(run.out, "a\t1\nab\t2\n");
  EXPECT_TRUE(Contains(run.err, "next: b")) << run;
  run = RunDskv({"scan", "--limit=2", "--start=b", store(), "c"});
  EXPECT_EQ(run.out, "b\t3\nc\t4\n");

  run = RunDskv({"scan", "--prefix=a", "--members-only", store(), "c"});
  EXPECT_EQ(run.out, "a\nab\n");
  run = RunDskv({"scan", "--start=ab", "--end=c", store(), "c"});
  EXPECT_EQ(run.out, "ab\t2\nb\t3\n");

  run = RunDskv({"scan", "--reverse", "--limit=2", "--json", store(), "c"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out,
            "{\"items\":[{\"member_base64\":\"/w==\",\"value\":\"5\"},"
            "{\"member\":\"c\",\"value\":\"4\"}],\"next\":\"c\"}\n");
  run = RunDskv({"scan", "--reverse", "--end=c", "--json", store(), "c"});
  EXPECT_EQ(run.out,
            "{\"items\":[{\"member\":\"b\",\"value\":\"3\"},"
            "{\"member\":\"ab\",\"value\":\"2\"},"
            "{\"member\":\"a\",\"value\":\"1\"}],\"next\":\"\"}\n");

  run = RunDskv({"scan", "--limit=-1", store(), "c"});
  EXPECT_EQ(run.exit_code, 2) << run;
  EXPECT_TRUE(Contains(run.err, "--limit")) << run;
  run = RunDskv({"scan", store(), "a/b"});
  EXPECT_EQ(run.exit_code, 2) << run;
}

TEST_F(CliTest, DelAndDeleteAll) {
  ASSERT_NO_FATAL_FAILURE(
      MakeStore({{"a/1", "x"}, {"a/2", "y"}, {"a/3", "z"}, {"b/1", "w"}}));
  ToolRun run = RunDskv({"del", store(), "a/1"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "");
  // Deleting a missing key succeeds, as Store::Delete does.
  EXPECT_EQ(RunDskv({"del", store(), "a/missing"}).exit_code, 0);

  run = RunDskv({"delete-all", store(), "a"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "deleted 2 keys of collection a\n");
  run = RunDskv({"delete-all", store(), "a"});
  EXPECT_EQ(run.out, "deleted 0 keys of collection a\n");

  std::unique_ptr<dskv::Store> s = OpenStore();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->GetAll("a")->empty());
  EXPECT_EQ(s->Get("b/1").value_or("?"), "w");
}

// ---------------------------------------------------------------------------
// The lock

TEST_F(CliTest, WriteCommandsNameTheProcessHoldingTheLock) {
  ASSERT_NO_FATAL_FAILURE(MakeStore({{"c/old", "1"}}));
  // This process holds the lock. flock locks belong to an open file
  // description, so the child sees the store locked although the holder is
  // its parent.
  std::unique_ptr<dskv::Store> holder = OpenStore();
  ASSERT_NE(holder, nullptr);
  ASSERT_TRUE(holder->Put("c/new", "2").ok());
  ASSERT_TRUE(holder->Flush().ok());
  const DirectoryContents files_before = ReadDirectory(store());

  const std::string message =
      "store \"" + store() + "\" is already open (locked by pid " +
      std::to_string(::getpid()) + "); close that process first";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"put", store(), "c/k", "v"},
        {"del", store(), "c/old"},
        {"delete-all", store(), "c"},
        {"compact", store()},
        {"repair", store()}}) {
    const ToolRun run = RunDskv(args);
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_EQ(run.err, "dskv " + args[0] + ": " + message + "\n") << run;
  }
  const ToolRun load = RunDskv({"load", store()},
                               "{\"collection\":\"c\",\"member\":\"k\","
                               "\"value\":\"v\"}\n");
  EXPECT_EQ(load.exit_code, 1) << load;
  EXPECT_EQ(load.err, "dskv load: " + message + "\n");

  // Read-only commands need no lock, and see what the holder flushed.
  ToolRun run = RunDskv({"get", store(), "c/new"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "2");
  run = RunDskv({"ls", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.out, "1 collection, 2 keys")) << run;
  EXPECT_EQ(RunDskv({"dump", store()}).exit_code, 0);
  EXPECT_EQ(RunDskv({"stats", store()}).exit_code, 0);
  EXPECT_EQ(RunDskv({"verify", store()}).exit_code, 0);

  // Nothing changed, not even the holder's pid in LOCK.
  EXPECT_EQ(ReadDirectory(store()), files_before);
  EXPECT_EQ(holder->Get("c/old").value_or("?"), "1");
}

// ---------------------------------------------------------------------------
// Progress

TEST_F(CliTest, ProgressShowsOnATerminalOnlyAndIsClearedAfter) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 100; ++i) {
    pairs.emplace_back("c/" + std::to_string(i), std::string(100, 'v'));
  }
  ASSERT_NO_FATAL_FAILURE(MakeStore(pairs));
  const std::string dump = dir() + "/dump.jsonl";
  struct Case {
    std::vector<std::string> args;
    std::string shown;
  };
  const std::vector<Case> cases = {
      {{"dump", "--output=" + dump, store()}, "dump ["},
      // The commands that load the whole store read-only say so meanwhile.
      {{"ls", store()}, "ls: loading " + store() + " ... "},
      {{"stats", store()}, "stats: loading " + store() + " ... "},
      {{"load", dir() + "/copy", dump}, "load ["},
      {{"verify", store()}, "verify ["},
      {{"compact", store()}, "loading and rewriting 1 collection file ("},
  };
  for (const Case& c : cases) {
    const ToolRun on_terminal = RunDskvOnTerminal(c.args);
    EXPECT_EQ(on_terminal.exit_code, 0) << on_terminal;
    EXPECT_TRUE(Contains(on_terminal.err, "\r" + c.shown)) << on_terminal;
    // The last thing written clears the line for what the shell prints.
    EXPECT_TRUE(on_terminal.err.ends_with("\r\x1b[K")) << on_terminal;

    const ToolRun piped = RunDskv(c.args);
    EXPECT_EQ(piped.exit_code, 0) << piped;
    EXPECT_EQ(piped.err, "") << piped;
  }
  const ToolRun run = RunDskvOnTerminal({"dump", "--output=" + dump, store()});
  EXPECT_TRUE(Contains(run.err, "100% 100/100 records")) << run;
  // First the store loads, then its records are written.
  const std::size_t loading =
      run.err.find("\rdump: loading " + store() + " ... ");
  ASSERT_NE(loading, std::string::npos) << run;
  EXPECT_LT(loading, run.err.find("\rdump [")) << run;
}

// ---------------------------------------------------------------------------
// stats, compact, bench

TEST_F(CliTest, StatsCountsKeysAndFiles) {
  ASSERT_NO_FATAL_FAILURE(MakeStore({{"a/1", "xy"}, {"b/1", "z"}}));
  const std::uint64_t file_bytes =
      std::filesystem::file_size(CollectionFilePath(store(), "a")) +
      std::filesystem::file_size(CollectionFilePath(store(), "b"));
  ToolRun run = RunDskv({"stats", "--json", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out,
            "{\"store\":\"" + store() +
                "\",\"keys\":2,\"collections\":2,\"bytes\":5,"
                "\"collection_files\":2,\"collection_file_bytes\":" +
                std::to_string(file_bytes) +
                ",\"other_files\":1,\"other_file_bytes\":" +
                std::to_string(std::filesystem::file_size(store() + "/LOCK")) +
                ",\"torn_tails\":0,\"torn_bytes\":0}\n");
  run = RunDskv({"stats", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.out, "keys               2\n")) << run;
  EXPECT_TRUE(Contains(run.out, "collection files   2 (")) << run;
}

TEST_F(CliTest, CompactShrinksFilesAndReportsBothSizes) {
  {
    std::unique_ptr<dskv::Store> s = OpenStore();
    ASSERT_NE(s, nullptr);
    // Each flushed overwrite appends a record; all but the last are dead.
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(s->Put("c/k", std::string(1000, 'a' + i)).ok());
      ASSERT_TRUE(s->Flush().ok());
    }
    ASSERT_TRUE(s->Close().ok());
  }
  const std::string file = CollectionFilePath(store(), "c");
  const std::uint64_t before = std::filesystem::file_size(file);
  ToolRun run = RunDskv({"compact", "--json", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  const std::uint64_t after = std::filesystem::file_size(file);
  EXPECT_LT(after, before / 10);
  EXPECT_EQ(run.out, "{\"store\":\"" + store() +
                         "\",\"collection_files\":1,\"bytes_before\":" +
                         std::to_string(before) +
                         ",\"bytes_after\":" + std::to_string(after) + "}\n");
  run = RunDskv({"compact", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.out, "compacted " + store() +
                                    ": 1 collection file, " +
                                    std::to_string(after) + " bytes"))
      << run;
  EXPECT_EQ(RunDskv({"get", store(), "c/k"}).out, std::string(1000, 't'));
}

TEST_F(CliTest, CheckpointWritesACopyThatVerifies) {
  {
    std::unique_ptr<dskv::Store> s = OpenStore();
    ASSERT_NE(s, nullptr);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(s->Put("c/k" + std::to_string(i), "v").ok());
      ASSERT_TRUE(s->Put("d/k" + std::to_string(i), "w").ok());
    }
    ASSERT_TRUE(s->Close().ok());
  }
  const std::string copy = dir() + "/copy";
  ToolRun run = RunDskv({"checkpoint", "--json", store(), copy});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "{\"store\":\"" + store() + "\",\"checkpoint\":\"" + copy +
                         "\",\"keys\":100,\"collections\":2}\n");
  run = RunDskv({"verify", copy});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(RunDskv({"get", copy, "d/k7"}).out, "w");
  // Never over an existing directory.
  run = RunDskv({"checkpoint", store(), copy});
  EXPECT_NE(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.err, "exists")) << run;
}

TEST_F(CliTest, BenchRunsTheConcurrencyBenchmark) {
  const ToolRun run = RunDskv({"bench", "--threads=2", "--keys=16",
                               "--value_size=8", "--dir=" + store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  for (const char* phase : {"Put (first time)", "Put (rewrite)", "Get",
                            "GetAll (shared)", "Delete"}) {
    EXPECT_TRUE(Contains(run.out, phase)) << phase << "\n" << run;
  }
}

}  // namespace
}  // namespace dskv_test
