#include "tools/store_json.h"

#include "tools/json.h"

namespace dskv::tool {

std::string CollectionsJson(const std::vector<CollectionInfo>& collections) {
  std::vector<std::string> elements;
  elements.reserve(collections.size());
  for (const CollectionInfo& c : collections) {
    elements.push_back(JsonObject()
                           .AddBytes("name", c.name)
                           .AddNumber("keys", c.keys)
                           .AddNumber("bytes", c.bytes)
                           .Build());
  }
  return JsonArray(elements) + "\n";
}

std::string StatsJson(const Stats& stats) {
  const auto us = [](std::chrono::microseconds d) {
    return static_cast<std::uint64_t>(d.count());
  };
  return JsonObject()
             .AddNumber("keys", stats.keys)
             .AddNumber("collections", stats.collections)
             .AddNumber("bytes", stats.bytes)
             .AddNumber("dirty_keys", stats.dirty_keys)
             .AddNumber("dirty_bytes", stats.dirty_bytes)
             .AddNumber("oldest_dirty_age_us", us(stats.oldest_dirty_age))
             .AddNumber("write_stalls", stats.write_stalls)
             .AddNumber("write_stall_time_us", us(stats.write_stall_time))
             .AddNumber("bytes_written", stats.bytes_written)
             .AddNumber("syncs", stats.syncs)
             .AddNumber("compactions", stats.compactions)
             .AddNumber("janitor_passes", stats.janitor_passes)
             .AddNumber("failed_janitor_passes", stats.failed_janitor_passes)
             .AddBytes("last_io_error", stats.last_io_error.ok()
                                            ? std::string()
                                            : stats.last_io_error.ToString())
             .AddNumber("torn_tails_truncated", stats.torn_tails_truncated)
             .AddNumber("torn_bytes_truncated", stats.torn_bytes_truncated)
             .AddNumber("corrupt_regions_skipped",
                        stats.corrupt_regions_skipped)
             .AddNumber("corrupt_bytes_skipped", stats.corrupt_bytes_skipped)
             .AddNumber("corrupt_files_set_aside",
                        stats.corrupt_files_set_aside)
             .Build() +
         "\n";
}

}  // namespace dskv::tool
