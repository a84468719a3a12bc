#include "persist/directory_layout.h"

#include <fmt/format.h>

#include <algorithm>

#include "persist/file_system.h"
#include "persist/format.h"

namespace dskv {
namespace {

// Collection files are named by a 128-bit hash in lower-case hex
// (format::FileName).
constexpr std::size_t kHashDigits = 32;

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Whether `s` is a decimal number without a leading zero, as SetAsideName
// writes them.
bool IsCounter(std::string_view s) {
  return !s.empty() && s.front() != '0' &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// What the suffix `rest` makes of a collection file's or the journal's name
// (`file`): the file itself, its temporary file, a copy set aside, or none.
StoreFileKind ClassifySuffix(std::string_view rest, StoreFileKind file) {
  if (rest.empty()) return file;
  if (rest == format::kTempSuffix) return StoreFileKind::kTemporary;
  if (rest.starts_with(format::kSetAsideSuffix)) {
    rest.remove_prefix(format::kSetAsideSuffix.size());
    if (rest.empty() || (rest.front() == '.' && IsCounter(rest.substr(1)))) {
      return StoreFileKind::kSetAside;
    }
  }
  return StoreFileKind::kForeign;
}

}  // namespace

StoreFileKind ClassifyStoreFile(std::string_view name) {
  if (name == kLockFileName) return StoreFileKind::kLock;
  if (name.starts_with(format::kJournalFileName)) {
    return ClassifySuffix(name.substr(format::kJournalFileName.size()),
                          StoreFileKind::kJournal);
  }
  if (name.size() < kHashDigits + format::kFileSuffix.size() ||
      !std::all_of(name.begin(), name.begin() + kHashDigits, IsLowerHex)) {
    return StoreFileKind::kForeign;
  }
  std::string_view rest = name.substr(kHashDigits);
  if (!rest.starts_with(format::kFileSuffix)) return StoreFileKind::kForeign;
  return ClassifySuffix(rest.substr(format::kFileSuffix.size()),
                        StoreFileKind::kCollection);
}

std::string SetAsideName(std::string_view file_name,
                         const std::function<bool(std::string_view)>& taken) {
  std::string name = fmt::format("{}{}", file_name, format::kSetAsideSuffix);
  for (int n = 1; taken(name); ++n) {
    name = fmt::format("{}{}.{}", file_name, format::kSetAsideSuffix, n);
  }
  return name;
}

}  // namespace dskv
