// load: puts every key of a dump (tools/dump_format.h) into a store.

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dskv/store.h"
#include "dskv/write_batch.h"
#include "tools/commands.h"
#include "tools/dump_format.h"
#include "tools/errors.h"
#include "tools/io.h"
#include "tools/progress.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

// Records are put in batches of this many, or of this many bytes of keys
// and values, whichever comes first: one Write per batch instead of a call
// per key.
constexpr std::size_t kBatchRecords = 1000;
constexpr std::size_t kBatchBytes = std::size_t{4} << 20;

// Records read and not yet written, with the line each came from.
class PendingRecords {
 public:
  bool full() const {
    return records_.size() >= kBatchRecords || bytes_ >= kBatchBytes;
  }

  // Adds `record` unless its deadline has passed at `now_ms`; returns
  // whether it did.
  bool Add(DumpRecord record, std::string where, std::int64_t now_ms) {
    PutOptions options;
    if (record.expires_ms.has_value()) {
      if (*record.expires_ms <= now_ms) return false;
      options.ttl = std::chrono::milliseconds(*record.expires_ms - now_ms);
    }
    bytes_ +=
        record.collection.size() + record.member.size() + record.value.size();
    records_.push_back({std::move(record), std::move(where), options});
    return true;
  }

  // Writes the records in one batch, counting them in `*loaded`. If the
  // batch fails, puts them one by one, so that the error names its line and
  // the records before it are in.
  absl::Status Write(Store& store, std::uint64_t* loaded) {
    WriteBatch batch;
    for (const Pending& p : records_) {
      batch.Put(p.record.Key(), p.record.value, p.options);
    }
    absl::Status status = store.Write(batch);
    if (status.ok()) {
      *loaded += records_.size();
    } else {
      status = absl::OkStatus();
      for (const Pending& p : records_) {
        status = store.Put(p.record.Key(), p.record.value, p.options);
        if (!status.ok()) {
          status = WithContext(p.where, status);
          break;
        }
        ++*loaded;
      }
    }
    records_.clear();
    bytes_ = 0;
    return status;
  }

 private:
  struct Pending {
    DumpRecord record;
    std::string where;   // The line it came from.
    PutOptions options;  // Its deadline, as a ttl from when it was read.
  };
  std::vector<Pending> records_;
  std::size_t bytes_ = 0;
};

// Puts the records of `input` into `store` in order, counting them in
// `*loaded`, and those whose deadline had passed, which it leaves out, in
// `*expired`. Stops at the first bad line, with an error naming it; the
// records before it are put.
absl::Status PutRecords(LineReader& input, Store& store, std::uint64_t* loaded,
                        std::uint64_t* expired) {
  // A fraction of the input's bytes when its size is known, else a count.
  const bool by_bytes = input.size().has_value();
  Progress progress("load", input.size().value_or(0),
                    by_bytes ? ProgressUnit::kBytes : ProgressUnit::kRecords);
  PendingRecords pending;
  for (std::uint64_t line_number = 1;; ++line_number) {
    absl::StatusOr<std::optional<std::string_view>> line = input.Next();
    absl::Status error = line.status();
    if (error.ok() && !line->has_value()) return pending.Write(store, loaded);
    std::string where = fmt::format("{}:{}", input.name(), line_number);
    absl::StatusOr<DumpRecord> record =
        error.ok() ? DecodeDumpLine(**line) : absl::StatusOr<DumpRecord>(error);
    if (!record.ok()) {
      if (absl::Status s = pending.Write(store, loaded); !s.ok()) return s;
      return line.ok() ? WithContext(where, record.status()) : error;
    }
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count();
    if (!pending.Add(*std::move(record), std::move(where), now_ms)) {
      ++*expired;
    }
    if (pending.full()) {
      if (absl::Status s = pending.Write(store, loaded); !s.ok()) return s;
    }
    progress.Set(by_bytes ? input.bytes_read() : *loaded);
  }
}

absl::Status RunLoad(const Invocation& invocation) {
  const std::string input_path =
      invocation.args().size() > 1 ? invocation.args()[1] : "-";
  absl::StatusOr<LineReader> input = LineReader::Open(input_path);
  if (!input.ok()) return input.status();
  absl::StatusOr<std::unique_ptr<LockedStore>> locked =
      LockedStore::LockAndOpen(invocation.store_dir(), IfMissing::kCreate);
  if (!locked.ok()) return locked.status();

  std::uint64_t loaded = 0;
  std::uint64_t expired = 0;
  const absl::Status status =
      PutRecords(*input, (*locked)->store(), &loaded, &expired);
  // Records put before an error stay: they are flushed with the rest, and
  // the error says how many there are.
  const absl::Status closed = (*locked)->Close();
  if (!status.ok()) {
    return absl::Status(
        status.code(),
        fmt::format("{}; {} before this line {} loaded into {}{}",
                    MessageOf(status), Count(loaded, "record"),
                    loaded == 1 ? "was" : "were", invocation.store_dir(),
                    closed.ok() ? " and flushed"
                                : fmt::format(", but flushing them failed: {}",
                                              MessageOf(closed))));
  }
  if (!closed.ok()) return closed;
  return WriteStdout(fmt::format(
      "loaded {} into {}{}\n", Count(loaded, "record"), invocation.store_dir(),
      expired == 0 ? ""
                   : fmt::format("; left out {} whose deadline had passed",
                                 Count(expired, "record"))));
}

}  // namespace

Command LoadCommand() {
  return {
      .name = "load",
      .summary = "put every key of a dump into a store",
      .synopsis = "load STORE_DIR [FILE|-]",
      .description = fmt::format(
          "Reads JSON Lines in the format 'dskv dump' writes (see 'dskv help\n"
          "dump') from FILE, or from stdin if FILE is \"-\" or missing, and\n"
          "puts each key in order. Keys already in the store are overwritten;\n"
          "keys the input does not name are kept. Creates the store directory"
          "\nif it does not exist. Prints how many records were loaded.\n\n"
          "Reading is strict: each line must be one JSON object with exactly\n"
          "the fields collection, member and value (each possibly with\n"
          "\"_base64\" appended), and expires_ms for a key that expires, in\n"
          "any order, as JSON (RFC 8259) with valid UTF-8. A key whose\n"
          "deadline has passed is left out (and counted); the others keep\n"
          "theirs. Blank lines are errors. At the first bad line, or a key\n"
          "the store rejects, load stops with an error naming the line; the\n"
          "records before it stay loaded, and the message says how many.\n\n"
          "{}",
          kWriteNote),
      .max_args = 2,
      .run = RunLoad,
  };
}

}  // namespace dskv::tool
