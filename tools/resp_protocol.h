// The Redis serialization protocol, version 2 (RESP2), with no I/O: a
// parser that takes commands out of a connection's read buffer without
// copying their arguments, and functions that append replies to an output
// buffer. `dskv serve --resp` (docs/resp.md) reads and writes the bytes.

#ifndef DSKV_TOOLS_RESP_PROTOCOL_H_
#define DSKV_TOOLS_RESP_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace dskv::tool {

// A command's arguments, the command's name first.
using RespArgs = absl::Span<const std::string_view>;

// Parses the commands a client sends: arrays of bulk strings ("*2\r\n$3\r\n
// GET\r\n$1\r\na\r\n", what client libraries send) and inline commands
// ("GET a\r\n", what telnet and some redis-cli modes send, with Redis's
// quoting rules). One parser per connection; it keeps its memory from one
// command to the next.
//
// The caller hands Parse the bytes from the start of the next command on.
// When a command is incomplete, Parse returns kNeedMore; the caller calls it
// again, once more bytes came, with the same bytes at the start: the parser
// goes on where it stopped rather than reading them again, so a large
// command arriving in many pieces costs no more than one that arrives whole.
class RespParser {
 public:
  struct Limits {
    // Longest bulk string (a value, a key); longer is a protocol error.
    std::size_t max_bulk = std::size_t{512} << 20;
    // Most arguments of one command.
    std::size_t max_args = std::size_t{1} << 20;
    // Longest inline command, and longest "*N" or "$N" line.
    std::size_t max_inline = std::size_t{64} << 10;
    // Most bytes of one command in all (Redis's client-query-buffer-limit).
    std::size_t max_command = std::size_t{1} << 30;
  };

  enum class Result {
    kCommand,   // args() is a command of `consumed` bytes.
    kNeedMore,  // The input ends within a command.
    kError,     // A protocol error (error()); the connection must close.
  };

  RespParser() : RespParser(Limits{}) {}
  explicit RespParser(const Limits& limits) : limits_(limits) {}

  // Parses the next command of `input`. Empty commands (blank lines, "*0")
  // are skipped and counted in `*consumed`. After kCommand, args() points
  // into `input` (or, for quoted inline arguments, into the parser) until
  // the next call.
  Result Parse(std::string_view input, std::size_t* consumed);

  RespArgs args() const { return args_; }
  // "Protocol error: ...", as Redis words it, after kError.
  const std::string& error() const { return error_; }
  // After kNeedMore: the fewest bytes the input must have for the command
  // to be complete, as far as the parser knows (to size a read buffer).
  std::size_t needed() const { return needed_; }

 private:
  Result ParseInline(std::string_view input, std::size_t* consumed);
  Result ParseArray(std::string_view input, std::size_t* consumed);
  // Reads the "<prefix><number>\r\n" line at pos_; kCommand with *value.
  Result ReadLength(std::string_view input, char prefix, std::int64_t* value);
  Result Fail(std::string message);
  void Reset();

  const Limits limits_;
  std::vector<std::string_view> args_;
  std::string error_;
  std::size_t needed_ = 0;

  // Where an incomplete array command stopped: the offset in it of the next
  // thing to read, how many arguments it has (-1: not read yet), the
  // arguments so far (offset, size), and the size of the bulk string whose
  // header was read (-1: none).
  std::size_t pos_ = 0;
  std::int64_t count_ = -1;
  std::int64_t bulk_ = -1;
  std::vector<std::pair<std::size_t, std::size_t>> spans_;
  // Quoted inline arguments, unescaped.
  std::string unquoted_;
};

// Splits an inline command line as Redis does (sdssplitargs): arguments
// separated by spaces; "double quotes" with \n \r \t \b \a \\ \" \xHH
// escapes, 'single quotes' with \'. Unquoted arguments point into `line`,
// quoted ones into `*storage` (cleared). False if the quotes are unbalanced.
bool SplitInline(std::string_view line, std::string* storage,
                 std::vector<std::string_view>* args);

// Replies, appended to `out`.
namespace resp {

void Simple(std::string& out, std::string_view text);  // +text
void Ok(std::string& out);                             // +OK
// -message; `message` starts with the error's code ("ERR ...").
// Line breaks in it become spaces.
void Error(std::string& out, std::string_view message);
void Integer(std::string& out, std::int64_t value);     // :value
void Bulk(std::string& out, std::string_view bytes);    // $n bytes
void NullBulk(std::string& out);                        // $-1
void ArrayHeader(std::string& out, std::size_t count);  // *n
void NullArray(std::string& out);                       // *-1

}  // namespace resp

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_PROTOCOL_H_
