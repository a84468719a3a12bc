// docs/api.md, "Tuple keys": members that are encoded tuples, scanned in
// tuple order and by tuple prefix.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"
#include "dskv/tuple.h"

namespace {

using ::dskv_samples::Expect;

absl::Status Run(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;

  // [START tuple_keys]
  // Orders by (customer, year, number): integers sort numerically, negative
  // ones too, and a tuple before its extensions.
  for (const dskv::Tuple& order :
       {dskv::Tuple{"ada", std::int64_t{2024}, std::int64_t{7}},
        dskv::Tuple{"ada", std::int64_t{2025}, std::int64_t{1}},
        dskv::Tuple{"ada", std::int64_t{-1}, std::int64_t{3}},
        dskv::Tuple{"bob", std::int64_t{2025}, std::int64_t{2}}}) {
    if (absl::Status s = store.Put("orders/" + dskv::EncodeTuple(order), "o");
        !s.ok()) {
      return s;
    }
  }

  // Every order of ada's, in tuple order: (-1, 3), (2024, 7), (2025, 1).
  dskv::ScanOptions range = dskv::TupleRange(dskv::Tuple{"ada"});
  absl::StatusOr<dskv::ScanPage> page = store.Scan("orders", range);
  if (!page.ok()) return page.status();
  std::vector<std::int64_t> years;
  for (const auto& [member, value] : page->items) {
    absl::StatusOr<dskv::Tuple> order = dskv::DecodeTuple(member);
    if (!order.ok()) return order.status();  // InvalidArgument: not a tuple.
    years.push_back(std::get<std::int64_t>((*order)[1]));
  }
  // [END tuple_keys]
  if (absl::Status s =
          Expect(years == std::vector<std::int64_t>{-1, 2024, 2025},
                 "ada's orders in year order");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Expect(absl::IsInvalidArgument(dskv::DecodeTuple("\x03").status()),
                 "a byte that is no type code is InvalidArgument");
      !s.ok()) {
    return s;
  }
  return store.Close();
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
