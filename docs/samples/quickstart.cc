// The first program of docs/README.md: open a store, write, read, list,
// delete, make the changes durable and close.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"

namespace {

// [START quickstart]
absl::Status Example(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;

  if (absl::Status s = store.Put("artist/daft_punk", "epic"); !s.ok()) return s;
  absl::StatusOr<std::string> value = store.Get("artist/daft_punk");
  if (!value.ok()) return value.status();  // NotFound if missing.

  // Every (member, value) of a collection, sorted by member.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> all =
      store.GetAll("artist");
  if (!all.ok()) return all.status();

  if (absl::Status s = store.Delete("artist/celine_dion"); !s.ok()) return s;
  if (absl::Status s = store.Flush(); !s.ok()) return s;  // durable barrier
  return store.Close();                                   // flushes, unlocks
}
// [END quickstart]

absl::Status Run(const std::string& path) {
  if (absl::Status s = Example(path); !s.ok()) return s;
  // What Example wrote is there after reopening.
  absl::StatusOr<std::unique_ptr<dskv::Store>> reopened =
      dskv::Store::Open(path);
  if (!reopened.ok()) return reopened.status();
  absl::StatusOr<std::string> value = (*reopened)->Get("artist/daft_punk");
  if (!value.ok()) return value.status();
  if (absl::Status s = dskv_samples::Expect(*value == "epic", "the value");
      !s.ok()) {
    return s;
  }
  return (*reopened)->Close();
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
