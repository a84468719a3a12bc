// A 1 GiB value through `dskv serve` and back, with curl: PUT streamed from
// a file, GET to a file, a Range from its end, and the value still there
// after SIGTERM and reopen. It also checks that the server holds the value
// once: its peak resident memory stays well under twice the value.
//
// Manual (it writes 3 GiB of files and takes about half a minute):
//   bazel test //tests/tools:serve_gigabyte_test --test_output=streamed

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tools/serve_test_util.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

// The peak resident memory of process `pid` (VmHWM), in bytes; 0 if unknown.
std::uint64_t PeakResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::uint64_t kib = 0;
      fields >> kib;
      return kib << 10;
    }
  }
  return 0;
}

class ServeGigabyteTest : public ServeTestBase {};

TEST_F(ServeGigabyteTest, OneGibibyteValueRoundTrips) {
  const std::string sent = dir() + "/sent.bin";
  {
    // Random words, so that nothing along the way can shortcut zeros.
    std::ofstream out(sent, std::ios::binary);
    std::mt19937_64 random(1);
    std::vector<std::uint64_t> block(1 << 17);  // 1 MiB.
    for (std::uint64_t written = 0; written < kGiB;
         written += block.size() * 8) {
      for (std::uint64_t& word : block) word = random();
      out.write(reinterpret_cast<const char*>(block.data()),
                static_cast<std::streamsize>(block.size() * 8));
    }
    ASSERT_TRUE(out.good());
  }
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--max-value-size=" + std::to_string(kGiB)}));

  HttpResponse r = Curl({"-T", sent, Url("/big/value")});
  EXPECT_EQ(r.status, 201) << r;
  const std::uint64_t peak = PeakResidentBytes(server_.pid());
  std::cout << "server's peak resident memory after the PUT: " << (peak >> 20)
            << " MiB\n";
  EXPECT_LT(peak, kGiB + kGiB / 2)
      << "the body was held twice (a staging copy besides the value)";

  const std::string value = ReadBytes(sent);
  r = Curl({Url("/big/value")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(kGiB));
  EXPECT_TRUE(r.body == value) << "the value read differs from the one sent";

  r = Curl({"-r", "-16", Url("/big/value")});
  EXPECT_EQ(r.status, 206) << r;
  EXPECT_EQ(r.Header("Content-Range"), "bytes " + std::to_string(kGiB - 16) +
                                           "-" + std::to_string(kGiB - 1) +
                                           "/" + std::to_string(kGiB));
  EXPECT_EQ(r.body.size(), 16u);

  // SIGTERM persists it; a new server serves it from the file.
  StopServer();
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--max-value-size=" + std::to_string(kGiB)}));
  r = Curl({Url("/big/value")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_TRUE(r.body == value)
      << "the value read after a restart differs from the one sent";
  StopServer();
}

}  // namespace
}  // namespace dskv_test
