// docs/api.md, "Content-addressed values": PutContent names a value by its
// digest, and a second put of the same bytes changes nothing.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"

namespace {

using ::dskv_samples::Expect;

absl::Status Run(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;

  // [START put_content]
  absl::StatusOr<std::string> id = store.PutContent("blobs", "some bytes");
  if (!id.ok()) return id.status();
  // *id is 32 lower-case hex digits, the XXH3-128 digest of the bytes; the
  // value is at "blobs/" + *id. The same bytes again: the same id, and
  // nothing new to write.
  absl::StatusOr<std::string> again = store.PutContent("blobs", "some bytes");
  if (!again.ok()) return again.status();
  // [END put_content]
  absl::StatusOr<std::string> value = store.Get("blobs/" + *id);
  if (!value.ok()) return value.status();
  if (absl::Status s =
          Expect(*again == *id && id->size() == 32 && *value == "some bytes",
                 "the id names the value");
      !s.ok()) {
    return s;
  }
  return store.Close();
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
