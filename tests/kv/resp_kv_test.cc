// The KeyValue conformance tests through redis:// on `dskv serve --resp`:
// dskv's Redis backend against dskv's own Redis front, unchanged.

#include <atomic>
#include <memory>
#include <string>

#include "dskv/kv.h"
#include "gtest/gtest.h"
#include "tests/kv/kv_conformance.h"
#include "tests/kv/shared_server.h"
#include "tests/tools/resp_test_util.h"

namespace dskv_test {
namespace {

SharedServer<RespServerProcess>& shared_server =
    SharedServer<RespServerProcess>::Make(
        []() -> absl::StatusOr<std::unique_ptr<RespServerProcess>> {
          auto server = std::make_unique<RespServerProcess>();
          const std::string dir = FreshTempDir();
          server->Start(dir + "/store", {"--threads=2"}, dir + ".stderr");
          if (!server->running() || server->port() == 0) {
            return absl::UnavailableError("dskv serve --resp did not start: " +
                                          server->Stderr());
          }
          return server;
        });

const KvBackend kDskvResp{
    .name = "DskvResp",
    .fresh_url =
        [] {
          static std::atomic<int> next{0};
          return "redis://127.0.0.1:" +
                 std::to_string(shared_server.Get().port()) + "/t" +
                 std::to_string(next++);
        },
};

INSTANTIATE_TEST_SUITE_P(DskvResp, KeyValueConformanceTest,
                         ::testing::Values(&kDskvResp), BackendName);

}  // namespace
}  // namespace dskv_test
