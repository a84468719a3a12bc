// docs/kv.md: one KeyValue, its backend chosen by a URL. The sample runs on
// the embedded store (dskv:///...); tests/kv runs the same calls on Redis and
// a Redis Cluster.

#include "dskv/kv.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/write_batch.h"

namespace {

using ::dskv_samples::Expect;

// [START kv]
// The application's code: it neither knows nor cares where the data lives.
absl::Status SignUp(dskv::KeyValue& kv, const std::string& user) {
  dskv::WriteBatch batch;
  batch.Expect("users/" + user, std::nullopt);  // Not taken yet.
  batch.Put("users/" + user, "{}");
  batch.Put("users/" + user + "/settings", "{}");
  // One collection: atomic on every backend. A batch over collections that
  // a Redis Cluster keeps on different slots fails with InvalidArgument
  // instead of being applied in parts.
  return kv.Write(batch);
}

absl::Status Run(const std::string& url) {
  // "dskv:///var/lib/app" in development; "redis-cluster://10.0.0.1:7000,
  // 10.0.0.2:7000/app" in production. The rest of the code is the same.
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv = dskv::OpenKeyValue(url);
  if (!kv.ok()) return kv.status();
  if (absl::Status s = SignUp(**kv, "ada"); !s.ok()) return s;
  absl::StatusOr<dskv::ScanPage> page = (*kv)->Scan("users", {.limit = 100});
  if (!page.ok()) return page.status();
  // Close flushes: on disk for dskv://, acknowledged by the replicas for
  // redis-cluster:// (docs/kv.md, "Durability").
  return (*kv)->Close();
}
// [END kv]

absl::Status Sample(const std::string& dir) {
  if (absl::Status s = Run("dskv://" + dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv =
      dskv::OpenKeyValue("dskv://" + dir);
  if (!kv.ok()) return kv.status();
  absl::StatusOr<std::string> user = (*kv)->Get("users/ada");
  if (absl::Status s = Expect(user.ok() && *user == "{}", "ada signed up");
      !s.ok()) {
    return s;
  }
  // Again: the condition fails, nothing is written.
  absl::Status again = SignUp(**kv, "ada");
  return Expect(absl::IsAborted(again), "a second sign-up is refused");
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Sample); }
