// libFuzzer target for ParseCollectionFile, the code that reads every byte
// of every collection file at Open. Aborts when a property of
// parse_invariants.h fails (and libFuzzer reports crashes, leaks and
// AddressSanitizer errors as usual).
//
// Random bytes almost never carry valid checksums, which would keep the
// fuzzer at the header check. So each input is also tried "repaired": with
// the checksums of its header and of every record its sizes delimit
// recomputed, which lets mutations of sizes, types, versions and names reach
// the code behind the checksums.
//
// Build and run: tests/crash/run_fuzzer.sh [seconds]
//
// With DSKV_FUZZ_SKIP_CUT_CHECK=1 in the environment, the fuzzer leaves out
// the check that a cut inside the last record is a torn tail. That check
// fails within seconds while ParseCollectionFile takes bytes inside a torn
// record (in its member or value) for a valid record that follows it (see
// CollectionReaderTest.TornRecordWhoseValueHoldsARecordIsATornTail); the
// variable lets the other checks run meanwhile.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persist/coding.h"
#include "persist/format.h"
#include "tests/crash/parse_invariants.h"

namespace dskv_crash {
namespace {

namespace format = ::dskv::format;

// `contents` with its header's and its records' checksums made valid, as far
// as its sizes delimit them.
std::string RepairChecksums(std::string_view contents) {
  std::string file(contents);
  if (file.size() < format::HeaderSize(0)) return file;
  const std::uint64_t header_size = format::HeaderSize(
      dskv::DecodeFixed<std::uint16_t>(file.data() + format::kNameSizeOffset));
  if (file.size() < header_size) return file;
  dskv::EncodeFixed(
      format::Checksum(std::string_view(file).substr(0, header_size - 8)),
      file.data() + header_size - 8);
  for (std::uint64_t at = header_size;
       file.size() - at >= format::kRecordHeaderSize;) {
    const char* p = file.data() + at;
    const std::uint64_t member_size =
        dskv::DecodeFixed<std::uint32_t>(p + format::kMemberSizeOffset);
    const std::uint64_t value_size =
        dskv::DecodeFixed<std::uint64_t>(p + format::kValueSizeOffset);
    const std::uint64_t room = file.size() - at - format::kRecordHeaderSize;
    if (member_size > room || value_size > room - member_size) break;
    const std::uint64_t size = format::RecordSize(member_size, value_size);
    format::SealRecord(file.data() + at, size);
    at += size;
  }
  return file;
}

bool check_cuts = true;

void Check(std::string_view contents, const char* which) {
  const std::string violation = CheckParseInvariants(contents, check_cuts);
  if (violation.empty()) return;
  std::fprintf(stderr,
               "ParseCollectionFile invariant violated (%s input): %s\n", which,
               violation.c_str());
  std::abort();
}

}  // namespace
}  // namespace dskv_crash

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const char* skip = std::getenv("DSKV_FUZZ_SKIP_CUT_CHECK");
  dskv_crash::check_cuts = skip == nullptr || std::string_view(skip) != "1";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dskv_crash::Check(input, "raw");
  dskv_crash::Check(dskv_crash::RepairChecksums(input), "repaired");
  return 0;
}
