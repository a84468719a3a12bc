// The Redis and Redis Cluster backends of dskv/kv.h.

#ifndef DSKV_REDIS_KV_H_
#define DSKV_REDIS_KV_H_

#include <memory>

#include "absl/status/statusor.h"
#include "dskv/kv.h"
#include "dskv/kv_url.h"

namespace dskv {

// For a redis:// or redis-cluster:// URL; takes its timeout_ms and retry_ms.
absl::StatusOr<std::unique_ptr<KeyValue>> OpenRedisKeyValue(KeyValueUrl url);

}  // namespace dskv

#endif  // DSKV_REDIS_KV_H_
