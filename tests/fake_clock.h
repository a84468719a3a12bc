// FakeClock: a dskv::Clock that moves only when a test moves it, so that
// expiry is tested without sleeping.

#ifndef DSKV_TESTS_FAKE_CLOCK_H_
#define DSKV_TESTS_FAKE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "dskv/store.h"

namespace dskv_test {

class FakeClock final : public dskv::Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::milliseconds(now_ms_.load()));
  }
  void Advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

 private:
  // 2026-12-01, in milliseconds since the Unix epoch.
  std::atomic<std::int64_t> now_ms_{1'796'083'200'000};
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_FAKE_CLOCK_H_
