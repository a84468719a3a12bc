// Opening a store on a file system other than the real one. Not part of the
// public API: dskv's fault-injection and corruption tests use it, and the
// dskv tool, which hands the store a directory lock it took first.

#ifndef DSKV_STORE_INTERNAL_H_
#define DSKV_STORE_INTERNAL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "persist/file_system.h"

namespace dskv {

class StoreOpener {
 public:
  // As Store::Open, with every file read and written through `fs`, which
  // must outlive the store.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     Options options,
                                                     FileSystem* fs);
};

}  // namespace dskv

#endif  // DSKV_STORE_INTERNAL_H_
