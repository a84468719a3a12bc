// A program that embeds dskv: it stores a few keys, closes the store, opens it
// again and checks that the values survived. The three example projects
// (bazel/, make/, cmake/) build this same file.
//
//   example [DIR]    DIR defaults to a new temporary directory
//
// Exits non-zero, with a message, on any error.

#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"

namespace {

// Keys are "collection/member".
const std::vector<std::pair<std::string, std::string>> kAlbums = {
    {"album/air", "Moon Safari"},
    {"album/daft_punk", "Discovery"},
    {"album/justice", "Cross"},
};

// Checks that `store` holds every key of kAlbums with its value.
absl::Status CheckAlbums(const dskv::Store& store, const char* what) {
  for (const auto& [key, expected] : kAlbums) {
    absl::StatusOr<std::string> value = store.Get(key);
    if (!value.ok()) return value.status();
    if (*value != expected) {
      return absl::DataLossError(key + " holds \"" + *value + "\"");
    }
    std::cout << what << " " << key << " = " << *value << "\n";
  }
  return absl::OkStatus();
}

absl::Status PutAndClose(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> store = dskv::Store::Open(dir);
  if (!store.ok()) return store.status();
  for (const auto& [key, value] : kAlbums) {
    if (absl::Status s = (*store)->Put(key, value); !s.ok()) return s;
  }
  if (absl::Status s = CheckAlbums(**store, "put"); !s.ok()) return s;
  // Close makes every change durable: the next Open of `dir` loads it.
  return (*store)->Close();
}

absl::Status ReopenAndCheck(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> store = dskv::Store::Open(dir);
  if (!store.ok()) return store.status();
  if (absl::Status s = CheckAlbums(**store, "reopened"); !s.ok()) return s;
  return (*store)->Close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: " << argv[0] << " [DIR]\n";
    return 2;
  }
  std::string dir;
  if (argc == 2) {
    dir = argv[1];
  } else {
    dir = (std::filesystem::temp_directory_path() / "dskv-example-XXXXXX")
              .string();
    if (mkdtemp(dir.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
  }
  std::cout << "store in " << dir << "\n";

  absl::Status status = PutAndClose(dir);
  if (status.ok()) status = ReopenAndCheck(dir);
  if (!status.ok()) {
    std::cerr << "error: " << status << "\n";
    return 1;
  }
  std::cout << "ok: " << kAlbums.size() << " keys survived a reopen\n";
  return 0;
}
