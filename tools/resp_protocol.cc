#include "tools/resp_protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace dskv::tool {
namespace {

// As C's isspace in the "C" locale, which sdssplitargs uses.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Appends the unescaped contents of the quoted string that starts at
// line[*i] (the quote) to `out`, and moves *i past the closing quote. False
// if it is not closed, or is followed by something other than a space.
bool ReadQuoted(std::string_view line, std::size_t* i, std::string* out) {
  const char quote = line[*i];
  std::size_t at = *i + 1;
  while (true) {
    if (at >= line.size()) return false;
    const char c = line[at];
    if (quote == '"' && c == '\\' && at + 3 < line.size() &&
        line[at + 1] == 'x' && HexValue(line[at + 2]) >= 0 &&
        HexValue(line[at + 3]) >= 0) {
      out->push_back(static_cast<char>(HexValue(line[at + 2]) * 16 +
                                       HexValue(line[at + 3])));
      at += 4;
    } else if (quote == '"' && c == '\\' && at + 1 < line.size()) {
      out->push_back(Unescape(line[at + 1]));
      at += 2;
    } else if (quote == '\'' && c == '\\' && at + 1 < line.size() &&
               line[at + 1] == '\'') {
      out->push_back('\'');
      at += 2;
    } else if (c == quote) {
      ++at;
      if (at < line.size() && !IsSpace(line[at])) return false;
      *i = at;
      return true;
    } else {
      out->push_back(c);
      ++at;
    }
  }
}

}  // namespace

bool SplitInline(std::string_view line, std::string* storage,
                 std::vector<std::string_view>* args) {
  args->clear();
  storage->clear();
  // Unquoted bytes are never more than the line's: views into `storage`
  // stay valid as it grows.
  storage->reserve(line.size());
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) return true;
    const std::size_t start = i;
    while (i < line.size() && !IsSpace(line[i]) && line[i] != '"' &&
           line[i] != '\'') {
      ++i;
    }
    if (i == line.size() || IsSpace(line[i])) {
      args->push_back(line.substr(start, i - start));
      continue;
    }
    // Quotes (anywhere in the argument, as in sdssplitargs): unescaped into
    // `storage`.
    const std::size_t out_start = storage->size();
    storage->append(line.substr(start, i - start));
    while (i < line.size() && !IsSpace(line[i])) {
      if (line[i] == '"' || line[i] == '\'') {
        if (!ReadQuoted(line, &i, storage)) return false;
      } else {
        storage->push_back(line[i++]);
      }
    }
    args->push_back(std::string_view(*storage).substr(
        out_start, storage->size() - out_start));
  }
}

RespParser::Result RespParser::Parse(std::string_view input,
                                     std::size_t* consumed) {
  *consumed = 0;
  while (true) {
    const std::string_view rest = input.substr(*consumed);
    std::size_t used = 0;
    Result result;
    if (count_ < 0 && pos_ == 0) {
      if (rest.empty()) {
        needed_ = 1;
        return Result::kNeedMore;
      }
      result =
          rest[0] == '*' ? ParseArray(rest, &used) : ParseInline(rest, &used);
    } else {
      result = ParseArray(rest, &used);
    }
    if (result != Result::kCommand) return result;
    *consumed += used;
    if (!args_.empty()) return result;
  }
}

RespParser::Result RespParser::ParseInline(std::string_view input,
                                           std::size_t* consumed) {
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos || newline > limits_.max_inline) {
    if (input.size() > limits_.max_inline) {
      return Fail("too big inline request");
    }
    needed_ = input.size() + 1;
    return Result::kNeedMore;
  }
  std::string_view line = input.substr(0, newline);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (!SplitInline(line, &unquoted_, &args_)) {
    return Fail("unbalanced quotes in request");
  }
  *consumed = newline + 1;
  return Result::kCommand;
}

RespParser::Result RespParser::ParseArray(std::string_view input,
                                          std::size_t* consumed) {
  if (count_ < 0) {
    std::int64_t count = 0;
    if (Result r = ReadLength(input, '*', &count); r != Result::kCommand) {
      return r;
    }
    if (count > static_cast<std::int64_t>(limits_.max_args)) {
      return Fail("invalid multibulk length");
    }
    spans_.clear();
    if (count <= 0) {
      // As Redis: an empty command, skipped.
      args_.clear();
      *consumed = pos_;
      Reset();
      return Result::kCommand;
    }
    count_ = count;
    spans_.reserve(std::min<std::size_t>(count, 1024));
  }
  while (spans_.size() < static_cast<std::size_t>(count_)) {
    if (bulk_ < 0) {
      if (pos_ >= input.size()) {
        needed_ = pos_ + 1;
        return Result::kNeedMore;
      }
      if (input[pos_] != '$') {
        return Fail(fmt::format("expected '$', got '{}'", input[pos_]));
      }
      std::int64_t size = 0;
      if (Result r = ReadLength(input, '$', &size); r != Result::kCommand) {
        return r;
      }
      if (size < 0 || static_cast<std::uint64_t>(size) > limits_.max_bulk) {
        return Fail("invalid bulk length");
      }
      if (pos_ + size + 2 > limits_.max_command) {
        return Fail(
            fmt::format("the command passes the {}-byte limit of one command",
                        limits_.max_command));
      }
      bulk_ = size;
    }
    const std::size_t end = pos_ + static_cast<std::size_t>(bulk_);
    if (input.size() < end + 2) {
      needed_ = end + 2;
      return Result::kNeedMore;
    }
    if (input[end] != '\r' || input[end + 1] != '\n') {
      return Fail("a bulk string must be followed by \\r\\n");
    }
    spans_.emplace_back(pos_, static_cast<std::size_t>(bulk_));
    pos_ = end + 2;
    bulk_ = -1;
  }
  args_.clear();
  for (const auto& [offset, size] : spans_) {
    args_.push_back(input.substr(offset, size));
  }
  *consumed = pos_;
  Reset();
  return Result::kCommand;
}

RespParser::Result RespParser::ReadLength(std::string_view input, char prefix,
                                          std::int64_t* value) {
  const std::string_view kind = prefix == '*' ? "mbulk" : "bulk";
  const std::size_t cr = input.find('\r', pos_);
  if (cr == std::string_view::npos || cr + 1 >= input.size()) {
    if (input.size() - pos_ > limits_.max_inline) {
      return Fail(fmt::format("too big {} count string", kind));
    }
    needed_ = std::max(input.size() + 1, pos_ + 4);
    return Result::kNeedMore;
  }
  const char* first = input.data() + pos_ + 1;
  const char* last = input.data() + cr;
  const std::string_view what =
      prefix == '*' ? "invalid multibulk length" : "invalid bulk length";
  if (input[cr + 1] != '\n' || first == last) return Fail(std::string(what));
  const auto [end, ec] = std::from_chars(first, last, *value);
  if (ec != std::errc() || end != last) return Fail(std::string(what));
  pos_ = cr + 2;
  return Result::kCommand;
}

RespParser::Result RespParser::Fail(std::string message) {
  error_ = "Protocol error: " + message;
  Reset();
  return Result::kError;
}

void RespParser::Reset() {
  pos_ = 0;
  count_ = -1;
  bulk_ = -1;
  spans_.clear();
}

namespace resp {
namespace {

// Appends `marker`, `number` and "\r\n".
void Line(std::string& out, char marker, std::int64_t number) {
  char text[24];
  text[0] = marker;
  char* end = std::to_chars(text + 1, text + sizeof text - 2, number).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(text, end);
}

}  // namespace

void Simple(std::string& out, std::string_view text) {
  out += '+';
  out += text;
  out += "\r\n";
}

void Ok(std::string& out) { out += "+OK\r\n"; }

void Error(std::string& out, std::string_view message) {
  out += '-';
  const std::size_t start = out.size();
  out += message;
  std::replace_if(
      out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
      [](char c) { return c == '\r' || c == '\n'; }, ' ');
  out += "\r\n";
}

void Integer(std::string& out, std::int64_t value) { Line(out, ':', value); }

void Bulk(std::string& out, std::string_view bytes) {
  Line(out, '$', static_cast<std::int64_t>(bytes.size()));
  out += bytes;
  out += "\r\n";
}

void NullBulk(std::string& out) { out += "$-1\r\n"; }

void ArrayHeader(std::string& out, std::size_t count) {
  Line(out, '*', static_cast<std::int64_t>(count));
}

void NullArray(std::string& out) { out += "*-1\r\n"; }

}  // namespace resp

}  // namespace dskv::tool
