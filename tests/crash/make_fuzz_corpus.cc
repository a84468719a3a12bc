// Writes seed inputs for collection_reader_fuzzer into a directory:
// collection files made by the real store, plus a torn and a damaged copy.
//
//   bazel run //tests/crash:make_fuzz_corpus -- "$PWD/tests/crash/fuzz_corpus"

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "persist/format.h"

namespace dskv_crash {
namespace {

[[noreturn]] void Fail(std::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "make_fuzz_corpus: %.*s: %s\n",
               static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  std::exit(1);
}

void Check(const absl::Status& status, std::string_view what) {
  if (!status.ok()) Fail(what, status);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (!in) Fail("reading", absl::NotFoundError(path));
  return contents.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) Fail("writing", absl::UnknownError(path));
}

int Run(int argc, char** argv) {
  if (argc != 2) Fail("usage", absl::InvalidArgumentError("OUT_DIR"));
  const std::string out = argv[1];
  char pattern[] = "/tmp/make_fuzz_corpus.XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    Fail("mkdtemp", absl::ErrnoToStatus(errno, pattern));
  }
  const std::string dir = pattern;

  {
    // One write per janitor pass, so each leaves its own record.
    dskv::Options options;
    options.durability = dskv::Durability::kSync;
    absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
        dskv::Store::Open(dir, options);
    if (!opened.ok()) Fail("Open", opened.status());
    dskv::Store& store = **opened;
    // Puts only.
    Check(store.Put("songs/intro", "la la"), "Put");
    Check(store.Put("songs/verse", "the verse"), "Put");
    Check(store.Put("songs/dir/bridge", std::string("\0\x01\xff", 3)), "Put");
    // Overwrites, deletes and an empty value.
    Check(store.Put("edits/x", "first"), "Put");
    Check(store.Put("edits/y", "why"), "Put");
    Check(store.Put("edits/x", "second"), "Put");
    Check(store.Delete("edits/y"), "Delete");
    Check(store.Put("edits/empty", ""), "Put");
    // Rewritten whole by DeleteAll.
    Check(store.Put("cleared/old", "gone"), "Put");
    Check(store.DeleteAll("cleared"), "DeleteAll");
    Check(store.Put("cleared/new", "kept"), "Put");
    Check(store.Close(), "Close");
  }

  std::filesystem::create_directories(out);
  for (const std::string_view collection : {"songs", "edits", "cleared"}) {
    const std::string file =
        ReadFile(dir + "/" + dskv::format::FileName(collection));
    const std::string name = out + "/store_" + std::string(collection);
    WriteFile(name + ".dskv", file);
    if (collection == "edits") {
      WriteFile(name + "_torn.dskv", file.substr(0, file.size() - 5));
      std::string damaged = file;
      damaged[dskv::format::HeaderSize(collection.size()) + 20] ^= 0x40;
      WriteFile(name + "_damaged.dskv", damaged);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace dskv_crash

int main(int argc, char** argv) { return dskv_crash::Run(argc, argv); }
