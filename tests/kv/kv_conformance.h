// One body of tests for every backend of dskv::KeyValue (dskv/kv.h): each
// test binary instantiates KeyValueConformanceTest with its backend, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(Embedded, KeyValueConformanceTest,
//                            ::testing::Values(&kEmbeddedBackend),
//                            BackendName);
//
// so the embedded store, a real redis-server, a real Redis Cluster and
// `dskv serve --resp` answer the same tests.

#ifndef DSKV_TESTS_KV_KV_CONFORMANCE_H_
#define DSKV_TESTS_KV_KV_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <string>

#include "dskv/kv.h"
#include "gtest/gtest.h"

namespace dskv_test {

struct KvBackend {
  std::string name;
  // A URL of a fresh, empty key-value space (a new directory, a new
  // namespace), for one test. May start the servers it needs on first use.
  std::function<std::string()> fresh_url;
  // Whether a batch over collections on different Redis Cluster slots is
  // refused unless WriteOptions::allow_non_atomic (Redis Cluster only).
  bool batches_bound_to_one_slot = false;
};

// For INSTANTIATE_TEST_SUITE_P: the backend's name.
std::string BackendName(const ::testing::TestParamInfo<const KvBackend*>& info);

// A directory under $TEST_TMPDIR not used before in this process.
std::string FreshTempDir();

class KeyValueConformanceTest
    : public ::testing::TestWithParam<const KvBackend*> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens another KeyValue on a fresh URL of the same backend.
  std::unique_ptr<dskv::KeyValue> OpenFresh();

  std::string url_;
  std::unique_ptr<dskv::KeyValue> kv_;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_KV_KV_CONFORMANCE_H_
