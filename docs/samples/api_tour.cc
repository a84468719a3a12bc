// docs/api.md: every call of dskv::Store, in the order the page shows them,
// on one store. Each region is followed by checks of what the page says it
// does.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"

namespace {

using ::dskv_samples::Expect;

absl::Status OpenTwice(const std::string& path) {
  // [START open_twice]
  absl::StatusOr<std::unique_ptr<dskv::Store>> second = dskv::Store::Open(path);
  if (absl::IsFailedPrecondition(second.status())) {
    // Another store, in this process or another, has the directory open;
    // the message names the holder's pid.
    std::cerr << second.status().message() << "\n";
  }
  // [END open_twice]
  return Expect(absl::IsFailedPrecondition(second.status()),
                "a second Open of an open directory fails");
}

absl::Status Keys(dskv::Store& store) {
  // [START keys]
  // Member "daft_punk" of collection "artist".
  if (absl::Status s = store.Put("artist/daft_punk", "epic"); !s.ok()) return s;
  if (absl::Status s = store.Put("artist/air", "moon safari"); !s.ok()) {
    return s;
  }
  // Split at the first '/': member "/b" of "a", and member "b/c" of "a".
  if (absl::Status s = store.Put("a//b", "1"); !s.ok()) return s;
  if (absl::Status s = store.Put("a/b/c", "2"); !s.ok()) return s;
  // Members and values are bytes: NUL and non-UTF-8 bytes are fine.
  const std::string member("\0\xff", 2);
  if (absl::Status s = store.Put("bin/" + member, std::string(3, '\0'));
      !s.ok()) {
    return s;
  }
  // [END keys]
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> a =
      store.GetAll("a");
  if (!a.ok()) return a.status();
  return Expect(
      a->size() == 2 && (*a)[0].first == "/b" && (*a)[1].first == "b/c",
      "\"a//b\" is member \"/b\" and \"a/b/c\" is member \"b/c\"");
}

absl::Status InvalidKeys(dskv::Store& store) {
  // [START invalid_keys]
  // No '/', an empty collection or member: InvalidArgument, nothing changes.
  for (std::string_view key : {"", "artist", "artist/", "/daft_punk"}) {
    if (!absl::IsInvalidArgument(store.Put(key, "x"))) {
      return absl::InternalError("a malformed key was accepted");
    }
  }
  // Collection names are at most 255 bytes (dskv::kMaxCollectionSize),
  // members at most 65,536 (dskv::kMaxMemberSize).
  const std::string long_name(dskv::kMaxCollectionSize + 1, 'c');
  if (!absl::IsInvalidArgument(store.Put(long_name + "/m", "x"))) {
    return absl::InternalError("a 256-byte collection name was accepted");
  }
  // GetAll and DeleteAll take a collection name, which has no '/'.
  if (!absl::IsInvalidArgument(store.GetAll("artist/daft_punk").status())) {
    return absl::InternalError("GetAll accepted a key");
  }
  // [END invalid_keys]
  return absl::OkStatus();
}

absl::Status Gets(dskv::Store& store) {
  // [START get]
  absl::StatusOr<std::string> value = store.Get("artist/daft_punk");
  if (!value.ok()) return value.status();
  // *value is "epic".

  absl::StatusOr<std::string> missing = store.Get("artist/nobody");
  if (absl::IsNotFound(missing.status())) {
    // No value is stored at the key.
  } else if (!missing.ok()) {
    return missing.status();  // A malformed key, or a closed store.
  }
  // [END get]
  if (absl::Status s = Expect(*value == "epic", "Get returns the value");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Expect(absl::IsNotFound(missing.status()),
                              "Get of a missing key is NotFound");
      !s.ok()) {
    return s;
  }

  // [START get_buffer]
  std::string buffer;  // Reused: no allocation once it is large enough.
  std::size_t total = 0;
  for (std::string_view key : {"artist/daft_punk", "artist/air"}) {
    if (absl::Status s = store.Get(key, &buffer); !s.ok()) return s;
    total += buffer.size();
  }
  // [END get_buffer]
  return Expect(total == 4 + 11, "Get into a buffer copies each value");
}

absl::Status Shared(dskv::Store& store) {
  // [START get_shared]
  absl::StatusOr<dskv::SharedValue> shared =
      store.GetShared("artist/daft_punk");
  if (!shared.ok()) return shared.status();
  std::string_view member = shared->member();  // "daft_punk"
  std::string_view value = shared->value();    // "epic", not copied

  // The handle keeps the bytes it shares, unchanged, even if the key is
  // overwritten or deleted.
  if (absl::Status s = store.Put("artist/daft_punk", "homework"); !s.ok()) {
    return s;
  }
  // value is still "epic", for as long as `shared` lives.
  // [END get_shared]
  if (absl::Status s = Expect(member == "daft_punk" && value == "epic",
                              "a SharedValue is unchanged by an overwrite");
      !s.ok()) {
    return s;
  }

  // [START multi_get]
  const std::vector<std::string_view> keys = {"artist/air", "artist/nobody",
                                              "artist/daft_punk"};
  std::vector<absl::StatusOr<dskv::SharedValue>> values =
      store.MultiGetShared(keys);
  // values[i] answers keys[i]: "moon safari", NotFound, "homework".
  // [END multi_get]
  return Expect(values.size() == 3 && values[0].ok() &&
                    values[0]->value() == "moon safari" &&
                    absl::IsNotFound(values[1].status()) && values[2].ok() &&
                    values[2]->value() == "homework",
                "MultiGetShared answers each key as GetShared does");
}

absl::Status GetAlls(dskv::Store& store) {
  // [START get_all]
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> pairs =
      store.GetAll("artist");
  if (!pairs.ok()) return pairs.status();
  for (const auto& [member, value] : *pairs) {
    std::cout << member << " = " << value << "\n";  // Sorted by member.
  }
  // [END get_all]
  if (absl::Status s =
          Expect(pairs->size() == 2 && (*pairs)[0].first == "air" &&
                     (*pairs)[1].second == "homework",
                 "GetAll returns pairs sorted by member");
      !s.ok()) {
    return s;
  }

  // [START get_all_shared]
  absl::StatusOr<std::vector<dskv::SharedValue>> shared_pairs =
      store.GetAllShared("artist");
  if (!shared_pairs.ok()) return shared_pairs.status();
  std::size_t bytes = 0;
  for (const dskv::SharedValue& pair : *shared_pairs) {
    bytes += pair.member().size() + pair.value().size();
  }
  // [END get_all_shared]
  if (absl::Status s = Expect(bytes == 3 + 11 + 9 + 8,
                              "GetAllShared shares every member and value");
      !s.ok()) {
    return s;
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> none =
      store.GetAll("nothing");
  if (!none.ok()) return none.status();
  return Expect(none->empty(), "GetAll of a missing collection is empty");
}

absl::Status Scans(dskv::Store& store) {
  for (std::string_view key :
       {"track/a01", "track/a02", "track/a03", "track/b01", "track/b02"}) {
    if (absl::Status s = store.Put(key, "t"); !s.ok()) return s;
  }
  // [START scan]
  // Members beginning with "a", two at a time, in order.
  dskv::ScanOptions options;
  options.prefix = "a";
  options.limit = 2;
  std::vector<std::string> members;
  while (true) {
    absl::StatusOr<dskv::ScanPage> page = store.Scan("track", options);
    if (!page.ok()) return page.status();
    for (const auto& [member, value] : page->items) members.push_back(member);
    if (page->next.empty()) break;  // Nothing left in the range.
    options.start = page->next;     // In reverse, options.end instead.
  }
  // members: a01, a02, a03.

  // The last member before "b02": a reverse scan from an exclusive end.
  dskv::ScanOptions last;
  last.end = "b02";
  last.limit = 1;
  last.reverse = true;
  last.members_only = true;  // Values left empty.
  absl::StatusOr<dskv::ScanPage> before = store.Scan("track", last);
  if (!before.ok()) return before.status();
  // before->items[0].first is "b01".
  // [END scan]
  if (absl::Status s =
          Expect(members == std::vector<std::string>{"a01", "a02", "a03"},
                 "paging a prefix returns it in order");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Expect(before->items.size() == 1 && before->items[0].first == "b01" &&
                     before->items[0].second.empty() && !before->next.empty(),
                 "a reverse page from an exclusive end");
      !s.ok()) {
    return s;
  }
  return store.DeleteAll("track");
}

absl::Status List(dskv::Store& store) {
  // [START list_collections]
  absl::StatusOr<std::vector<dskv::CollectionInfo>> collections =
      store.ListCollections();
  if (!collections.ok()) return collections.status();
  for (const dskv::CollectionInfo& info : *collections) {
    std::cout << info.name << ": " << info.keys << " keys, " << info.bytes
              << " bytes\n";  // Sorted by name.
  }
  // [END list_collections]
  return Expect(collections->size() == 3 && (*collections)[0].name == "a" &&
                    (*collections)[1].name == "artist" &&
                    (*collections)[1].keys == 2,
                "ListCollections lists a, artist, bin");
}

absl::Status Deletes(dskv::Store& store) {
  // [START delete]
  if (absl::Status s = store.Delete("artist/air"); !s.ok()) return s;
  // Deleting a missing key, or a missing collection, succeeds.
  if (absl::Status s = store.Delete("artist/air"); !s.ok()) return s;
  // Every member of collection "a".
  if (absl::Status s = store.DeleteAll("a"); !s.ok()) return s;
  // [END delete]
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> a =
      store.GetAll("a");
  if (!a.ok()) return a.status();
  return Expect(
      a->empty() && absl::IsNotFound(store.Get("artist/air").status()),
      "deleted keys are gone");
}

absl::Status FlushCompactStats(dskv::Store& store) {
  // [START flush]
  // Returns once every change made before the call is written and synced.
  if (absl::Status s = store.Flush(); !s.ok()) {
    // An I/O error. The changes stay in memory and the janitor retries;
    // a later Flush that returns OK makes them durable.
    return s;
  }
  // [END flush]

  // [START compact]
  // Rewrites every collection's file without its dead records, e.g. before
  // a backup. Costs a write of the whole store.
  if (absl::Status s = store.Compact(); !s.ok()) return s;
  // [END compact]

  // [START stats]
  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  std::cout << stats->keys << " keys in " << stats->collections
            << " collections, " << stats->bytes << " bytes in memory, "
            << stats->dirty_keys << " changed keys not yet persisted\n";
  if (!stats->last_io_error.ok()) {
    std::cerr << "the janitor's last pass failed: " << stats->last_io_error
              << "\n";
  }
  // [END stats]
  return Expect(stats->keys == 2 && stats->collections == 2 &&
                    stats->dirty_keys == 0 && stats->compactions > 0,
                "the stats count what the store holds");
}

absl::Status Expiry(dskv::Store& store) {
  // [START expiry]
  dskv::PutOptions session;
  session.ttl = std::chrono::minutes(30);
  if (absl::Status s = store.Put("session/abc", "user=7", session); !s.ok()) {
    return s;
  }
  // Half an hour from now "session/abc" reads as absent everywhere.
  absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
      store.Ttl("session/abc");  // About 30 minutes; nullopt: never.
  // Each request pushes the deadline back; Persist takes it off.
  if (absl::Status s = store.Expire("session/abc", std::chrono::minutes(30));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<bool> had_deadline = store.Persist("session/abc");
  // [END expiry]
  if (absl::Status s = Expect(
          left.ok() && left->has_value() && **left > std::chrono::minutes(29) &&
              had_deadline.ok() && *had_deadline,
          "a ttl gives the key a deadline; Persist takes it off");
      !s.ok()) {
    return s;
  }
  return store.Delete("session/abc");
}

absl::Status MemoryLimit(const std::string& path) {
  // [START memory_limit]
  dskv::Options options;
  options.max_memory_bytes = std::uint64_t{1} << 20;  // 1 MiB of keys.
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  dskv::Store& cache = **opened;
  absl::Status s;
  int puts = 0;
  while ((s = cache.Put("cache/" + std::to_string(puts), std::string(100, 'x')))
             .ok()) {
    ++puts;
  }
  // absl::IsResourceExhausted(s) holds, and that put changed nothing.
  // Deletes, and overwrites that do not grow a value, still work.
  if (absl::Status d = cache.Delete("cache/0"); !d.ok()) return d;
  absl::StatusOr<dskv::Stats> stats = cache.GetStats();
  if (!stats.ok()) return stats.status();
  // stats->memory_bytes <= stats->max_memory_bytes, with room for a key.
  // [END memory_limit]
  if (absl::Status e =
          Expect(absl::IsResourceExhausted(s) && puts > 5000 &&
                     stats->memory_bytes <= stats->max_memory_bytes &&
                     cache.Put("cache/new", std::string(100, 'x')).ok(),
                 "a store at its memory limit refuses puts until a delete");
      !e.ok()) {
    return e;
  }
  return cache.Close();
}

absl::Status CloseStore(dskv::Store& store) {
  // [START close]
  // Makes every change durable, stops the janitor, releases the directory.
  if (absl::Status s = store.Close(); !s.ok()) return s;
  // Every later call fails with FailedPrecondition; a second Close is OK.
  absl::StatusOr<std::string> after = store.Get("artist/daft_punk");
  // absl::IsFailedPrecondition(after.status()) holds.
  // [END close]
  return Expect(
      absl::IsFailedPrecondition(after.status()) && store.Close().ok(),
      "calls after Close fail; Close again succeeds");
}

absl::Status Run(const std::string& path) {
  // [START open]
  dskv::Options options;  // The defaults are the recommended settings.
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;  // Owned by `opened`.
  // [END open]
  for (absl::Status (*step)(dskv::Store&) :
       {Keys, InvalidKeys, Gets, Shared, GetAlls, Scans, List, Deletes, Expiry,
        FlushCompactStats}) {
    if (absl::Status s = step(store); !s.ok()) return s;
  }
  if (absl::Status s = OpenTwice(path); !s.ok()) return s;
  if (absl::Status s = MemoryLimit(path + "-limited"); !s.ok()) return s;
  if (absl::Status s = CloseStore(store); !s.ok()) return s;

  // Everything survives a reopen.
  absl::StatusOr<std::unique_ptr<dskv::Store>> reopened =
      dskv::Store::Open(path);
  if (!reopened.ok()) return reopened.status();
  absl::StatusOr<std::string> value = (*reopened)->Get("artist/daft_punk");
  if (!value.ok()) return value.status();
  if (absl::Status s = Expect(*value == "homework", "the last value survives");
      !s.ok()) {
    return s;
  }
  return (*reopened)->Close();
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
