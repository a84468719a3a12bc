// The members a ScanOptions selects, as one interval: how Store::Scan and the
// other KeyValue backends (dskv/kv.h) read start, end and prefix alike.

#ifndef DSKV_SCAN_BOUNDS_H_
#define DSKV_SCAN_BOUNDS_H_

#include <string>
#include <string_view>

#include "dskv/store.h"

namespace dskv {

// Members m with lower <= m < upper; an empty upper is no bound. `lower`
// points into the ScanOptions it came from.
struct ScanBounds {
  std::string_view lower;
  std::string upper;

  // Whether no member can be within.
  bool Empty() const { return !upper.empty() && lower >= upper; }
};

// start and prefix make the lower bound; end and the smallest string above
// every one beginning with prefix, the upper.
ScanBounds BoundsOf(const ScanOptions& options);

}  // namespace dskv

#endif  // DSKV_SCAN_BOUNDS_H_
