// docs/api.md, "Write batches", "Atomic updates", "Content-addressed
// values" and "Values written in place": Write, CompareAndSwap, Increment,
// PutContent and PutFrom.

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"

namespace {

using ::dskv_samples::Expect;

absl::Status Batches(dskv::Store& store) {
  // [START write_batch]
  // A sign-up: the user, the index by e-mail and the counter, all or nothing,
  // and only if the e-mail is not taken.
  dskv::WriteBatch batch;
  batch.Expect("emails/ada@example.com", std::nullopt);
  batch.Put("users/ada", R"({"name":"Ada"})");
  batch.Put("emails/ada@example.com", "ada");
  batch.Put("stats/users", "1");
  absl::Status written = store.Write(batch);
  if (absl::IsAborted(written)) {
    // The condition did not hold: nothing was written.
  } else if (!written.ok()) {
    return written;  // InvalidArgument names the operation; nothing written.
  }
  // [END write_batch]
  absl::Status again = store.Write(batch);
  absl::StatusOr<std::string> user = store.Get("users/ada");
  if (!user.ok()) return user.status();
  return Expect(
      written.ok() && absl::IsAborted(again) && *user == R"({"name":"Ada"})",
      "the batch applies once, then its condition fails");
}

absl::Status Updates(dskv::Store& store) {
  if (absl::Status s = Batches(store); !s.ok()) return s;
  // [START compare_and_swap]
  // Claims a session only if nobody holds it (expected: absent)...
  absl::StatusOr<bool> claimed =
      store.CompareAndSwap("sessions/42", std::nullopt, "owner=ada");
  if (!claimed.ok()) return claimed.status();
  // ...and hands it over only if ada still holds it.
  absl::StatusOr<bool> handed =
      store.CompareAndSwap("sessions/42", "owner=ada", "owner=bob");
  if (!handed.ok()) return handed.status();
  // *claimed and *handed are true; a second claim would return false.
  // [END compare_and_swap]
  absl::StatusOr<bool> again =
      store.CompareAndSwap("sessions/42", std::nullopt, "owner=eve");
  if (!again.ok()) return again.status();
  if (absl::Status s = Expect(*claimed && *handed && !*again,
                              "the claim and the handover swap, a second "
                              "claim does not");
      !s.ok()) {
    return s;
  }

  // [START increment]
  // Counters are decimal text; a missing key counts as 0.
  absl::StatusOr<std::int64_t> views = store.Increment("pages/home", 1);
  if (!views.ok()) return views.status();
  views = store.Increment("pages/home", 10);  // *views is 11.
  if (!views.ok()) return views.status();
  // The key holds "11". A value that is not such a number is
  // InvalidArgument, a sum outside int64 OutOfRange.
  // [END increment]
  absl::StatusOr<std::string> text = store.Get("pages/home");
  if (!text.ok()) return text.status();
  if (absl::Status s =
          Expect(*views == 11 && *text == "11" &&
                     absl::IsInvalidArgument(
                         store.Increment("sessions/42", 1).status()),
                 "counters count in decimal");
      !s.ok()) {
    return s;
  }
  return store.Close();
}

absl::Status PutInPlace(dskv::Store& store) {
  // [START put_from]
  // A value of known size, written by the caller straight into the memory
  // the store keeps it in: here a generated one, in the server a request
  // body read from its socket.
  const std::size_t size = 1 << 20;
  absl::StatusOr<bool> created =
      store.PutFrom("blobs/zeros", size, [](absl::Span<char> value) {
        std::memset(value.data(), 0, value.size());
        return absl::OkStatus();  // An error here leaves the store unchanged.
      });
  if (!created.ok()) return created.status();
  // *created: whether the key was new (true) or a value was replaced.
  // [END put_from]
  absl::StatusOr<std::string> value = store.Get("blobs/zeros");
  if (!value.ok()) return value.status();
  return Expect(*value == std::string(size, '\0'), "the value is in place");
}

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
  if (absl::Status s = PutInPlace(store); !s.ok()) return s;
  return Updates(store);
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
