// A server that a test binary starts on first use and stops after its last
// test, for backends whose servers are slow to start (a Redis Cluster takes
// seconds): the tests share it, each in a namespace of its own.

#ifndef DSKV_TESTS_KV_SHARED_SERVER_H_
#define DSKV_TESTS_KV_SHARED_SERVER_H_

#include <cstdlib>
#include <functional>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace dskv_test {

template <typename Server>
class SharedServer : public ::testing::Environment {
 public:
  using Starter = std::function<absl::StatusOr<std::unique_ptr<Server>>()>;

  // Registers with gtest, which calls TearDown after the last test.
  static SharedServer& Make(Starter start) {
    auto* shared = new SharedServer(std::move(start));
    ::testing::AddGlobalTestEnvironment(shared);  // Takes ownership.
    return *shared;
  }

  // Starts the server on the first call (from a test's thread, which
  // outlives it: the servers die with the thread that started them).
  // Aborts the binary if it cannot start: no test of it could run.
  Server& Get() {
    if (server_ == nullptr) {
      absl::StatusOr<std::unique_ptr<Server>> started = start_();
      if (!started.ok()) {
        ADD_FAILURE() << "cannot start the shared server: " << started.status();
        std::abort();
      }
      server_ = *std::move(started);
    }
    return *server_;
  }

  void TearDown() override { server_.reset(); }

 private:
  explicit SharedServer(Starter start) : start_(std::move(start)) {}

  Starter start_;
  std::unique_ptr<Server> server_;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_KV_SHARED_SERVER_H_
