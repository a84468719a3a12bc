// The properties ParseCollectionFile must have on every input, however
// damaged: checked by collection_reader_fuzzer on what it generates, and by
// collection_reader_test on its cases and on the fuzzer's seed corpus.

#ifndef DSKV_TESTS_CRASH_PARSE_INVARIANTS_H_
#define DSKV_TESTS_CRASH_PARSE_INVARIANTS_H_

#include <string>
#include <string_view>

namespace dskv_crash {

// Parses `contents` with and without salvage and returns a description of
// the first property violated, or an empty string if none is:
//
//   - it fails only with DataLoss or FailedPrecondition;
//   - on success, valid_size + torn_tail_bytes is the input's size, the
//     header fits in valid_size, the name and the members are valid, and
//     damage is counted only with salvage, each region at least one byte;
//   - parsing the first valid_size bytes again gives the same result with no
//     torn tail (what Open finds after cutting the tail off);
//   - if the strict parse succeeds, salvage gives the same result; a record
//     appended after valid_size (the janitor's next append) and a file
//     rewritten from the members (a compaction) both parse back; and, if
//     `check_cuts`, the last record cut short (a crash during its append)
//     is a torn tail;
//   - if the strict parse fails, salvage either fails the same way (a
//     damaged header) or succeeds counting at least one damaged region.
std::string CheckParseInvariants(std::string_view contents,
                                 bool check_cuts = true);

}  // namespace dskv_crash

#endif  // DSKV_TESTS_CRASH_PARSE_INVARIANTS_H_
