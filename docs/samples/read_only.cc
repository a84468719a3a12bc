// docs/limits.md: a read-only store beside a writer, and what it sees.

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
  dskv::Store& writer = **opened;
  if (absl::Status s = writer.Put("config/mode", "on"); !s.ok()) return s;
  if (absl::Status s = writer.Flush(); !s.ok()) return s;

  // [START read_only]
  dskv::Options options;
  options.read_only = true;
  // Takes no lock: opens even while another store, in this process or
  // another, has the directory open for writing.
  absl::StatusOr<std::unique_ptr<dskv::Store>> reader =
      dskv::Store::Open(path, options);
  if (!reader.ok()) return reader.status();
  // Holds what the files held when it was opened.
  absl::StatusOr<std::string> mode = (*reader)->Get("config/mode");  // "on"
  // [END read_only]
  if (!mode.ok()) return mode.status();
  if (absl::Status s = Expect(*mode == "on", "the reader sees flushed data");
      !s.ok()) {
    return s;
  }

  // [START snapshot]
  // A change the writer makes later is not seen, even once it is flushed.
  if (absl::Status s = writer.Put("config/mode", "off"); !s.ok()) return s;
  if (absl::Status s = writer.Flush(); !s.ok()) return s;
  mode = (*reader)->Get("config/mode");  // Still "on": open again to see it.

  // Put, Delete, DeleteAll and Compact fail with FailedPrecondition; Flush
  // has nothing to do and returns OK.
  absl::Status denied = (*reader)->Put("config/mode", "reader");
  // absl::IsFailedPrecondition(denied) holds.
  // [END snapshot]
  if (!mode.ok()) return mode.status();
  if (absl::Status s =
          Expect(*mode == "on" && absl::IsFailedPrecondition(denied) &&
                     (*reader)->Flush().ok(),
                 "the reader is a snapshot and cannot write");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = (*reader)->Close(); !s.ok()) return s;
  return writer.Close();
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
