#include "tools/glob_match.h"

#include <cstddef>
#include <utility>

namespace dskv::tool {
namespace {

// Whether the one-byte element of `pattern` at `p` (not a `*`) matches `c`;
// sets *next to where the element after it starts.
bool MatchOne(std::string_view pattern, std::size_t p, unsigned char c,
              std::size_t* next) {
  const auto at = [&](std::size_t i) {
    return static_cast<unsigned char>(pattern[i]);
  };
  if (pattern[p] == '?') {
    *next = p + 1;
    return true;
  }
  if (pattern[p] == '\\' && p + 1 < pattern.size()) {
    *next = p + 2;
    return at(p + 1) == c;
  }
  if (pattern[p] != '[') {
    *next = p + 1;
    return at(p) == c;
  }
  std::size_t q = p + 1;
  const bool negate = q < pattern.size() && pattern[q] == '^';
  if (negate) ++q;
  bool matched = false;
  while (q < pattern.size()) {
    if (pattern[q] == ']') {
      ++q;
      break;
    }
    if (pattern[q] == '\\' && q + 1 < pattern.size()) {
      matched |= at(q + 1) == c;
      q += 2;
    } else if (q + 2 < pattern.size() && pattern[q + 1] == '-') {
      unsigned char low = at(q), high = at(q + 2);
      if (low > high) std::swap(low, high);
      matched |= c >= low && c <= high;
      q += 3;
    } else {
      matched |= at(q) == c;
      ++q;
    }
  }
  *next = q;
  return matched != negate;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t p = 0, i = 0;
  // After the latest `*`: where the pattern resumes, and the text position
  // it was tried at. A mismatch retries with the `*` taking one more byte;
  // an earlier `*` never needs to take more (the classic greedy matcher).
  std::size_t star_p = kNone, star_i = 0;
  while (i < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      star_p = p;
      star_i = i;
      continue;
    }
    std::size_t next = 0;
    if (p < pattern.size() &&
        MatchOne(pattern, p, static_cast<unsigned char>(text[i]), &next)) {
      p = next;
      ++i;
      continue;
    }
    if (star_p == kNone) return false;
    p = star_p;
    i = ++star_i;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace dskv::tool
