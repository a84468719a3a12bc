// Clock::Real, declared in dskv/store.h.

#include <chrono>

#include "dskv/store.h"

namespace dskv {
namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace

const Clock& Clock::Real() {
  static const SystemClock* const clock = new SystemClock();
  return *clock;
}

}  // namespace dskv
