// dskv serve end to end, driven by curl: the status codes and headers of
// docs/http.md for single keys, and SIGTERM closing the store with every
// acknowledged write in it.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

// What curl got.
struct Reply {
  int status = 0;
  std::string headers;
  std::string body;

  bool HasHeader(std::string_view line) const {
    return headers.find(std::string(line) + "\r\n") != std::string::npos;
  }
};

std::ostream& operator<<(std::ostream& os, const Reply& reply) {
  return os << reply.status << "\n" << reply.headers << reply.body;
}

// A running `dskv serve`, stopped with SIGTERM.
class Server {
 public:
  Server(const std::string& store, std::vector<std::string> flags) {
    int out[2];
    if (::pipe(out) != 0) {
      ADD_FAILURE() << "pipe";
      return;
    }
    std::vector<std::string> args = {ToolPath(), "serve",
                                     "--listen=127.0.0.1:0"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(store);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    // The line that says where it listens.
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    const std::string prefix = "dskv serve: listening on ";
    if (line.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << "the server said " << line;
      return;
    }
    url_ = line.substr(prefix.size());
  }

  ~Server() {
    if (pid_ > 0) Stop();
  }

  // SIGTERM; returns the exit status.
  int Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

class ServeCurlTest : public TempDirTest {
 protected:
  std::string store() const { return dir() + "/store"; }

  // Runs curl with `args` (shell words, already quoted as needed).
  Reply Curl(const std::string& args) const {
    const std::string headers = dir() + "/headers";
    const std::string body = dir() + "/body";
    const std::string command = "curl -s -o '" + body + "' -D '" + headers +
                                "' -w '%{http_code}' " + args;
    Reply reply;
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "cannot run " << command;
      return reply;
    }
    if (std::fscanf(pipe, "%d", &reply.status) != 1) reply.status = -1;
    ::pclose(pipe);
    reply.headers = ReadFileOrEmpty(headers);
    reply.body = ReadFileOrEmpty(body);
    return reply;
  }

  static std::string ReadFileOrEmpty(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }
};

TEST_F(ServeCurlTest, KeysAnswerAsDocumented) {
  Server server(store(), {"--max-value-size=1000"});
  const std::string& url = server.url();
  ASSERT_FALSE(url.empty());

  // The minikeyvalue seed's first command, under a collection.
  EXPECT_EQ(Curl("-X PUT -d bigswag " + url + "/songs/wehave").status, 201);
  EXPECT_EQ(Curl("-X PUT -d bigswag2 " + url + "/songs/wehave").status, 204);

  Reply get = Curl(url + "/songs/wehave");
  EXPECT_EQ(get.status, 200) << get;
  EXPECT_EQ(get.body, "bigswag2");
  EXPECT_TRUE(get.HasHeader("Content-Length: 8")) << get;
  EXPECT_TRUE(get.HasHeader("Content-Type: application/octet-stream")) << get;
  const std::size_t etag_at = get.headers.find("ETag: \"");
  ASSERT_NE(etag_at, std::string::npos) << get;
  const std::string etag = get.headers.substr(etag_at + 6, 34);

  // curl -I writes the headers where the body would go: there is none.
  Reply head = Curl("-I " + url + "/songs/wehave");
  EXPECT_EQ(head.status, 200) << head;
  EXPECT_TRUE(head.HasHeader("Content-Length: 8")) << head;
  EXPECT_EQ(head.body, head.headers);

  EXPECT_EQ(
      Curl("-H 'If-None-Match: " + etag + "' " + url + "/songs/wehave").status,
      304);
  EXPECT_EQ(
      Curl("-H 'If-None-Match: \"other\"' " + url + "/songs/wehave").status,
      200);

  Reply range = Curl("-H 'Range: bytes=1-3' " + url + "/songs/wehave");
  EXPECT_EQ(range.status, 206) << range;
  EXPECT_EQ(range.body, "igs");
  EXPECT_TRUE(range.HasHeader("Content-Range: bytes 1-3/8")) << range;
  EXPECT_EQ(Curl("-H 'Range: bytes=-2' " + url + "/songs/wehave").body, "g2");
  Reply unsatisfiable = Curl("-H 'Range: bytes=8-' " + url + "/songs/wehave");
  EXPECT_EQ(unsatisfiable.status, 416) << unsatisfiable;
  EXPECT_TRUE(unsatisfiable.HasHeader("Content-Range: bytes */8"))
      << unsatisfiable;

  Reply missing = Curl(url + "/songs/nothere");
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_TRUE(missing.HasHeader("Content-Length: 0")) << missing;

  EXPECT_EQ(Curl("-X DELETE " + url + "/songs/wehave").status, 204);
  EXPECT_EQ(Curl("-X DELETE " + url + "/songs/wehave").status, 404);

  Reply post = Curl("-X POST -d x " + url + "/songs/k");
  EXPECT_EQ(post.status, 405) << post;
  EXPECT_TRUE(post.HasHeader("Allow: GET, HEAD, PUT, DELETE")) << post;
  Reply slash = Curl(url + "/a%2Fb/k");
  EXPECT_EQ(slash.status, 400) << slash;
  EXPECT_NE(slash.body.find("'/'"), std::string::npos) << slash;
  EXPECT_EQ(Curl("'" + url + "/c/%zz'").status, 400);
  EXPECT_EQ(Curl(url + "/_health").status, 200);
  Reply stats = Curl(url + "/_stats");
  EXPECT_EQ(stats.status, 200) << stats;
  EXPECT_TRUE(stats.HasHeader("Content-Type: application/json")) << stats;

  Reply too_large =
      Curl("-X PUT --data-binary @/dev/null -H 'Content-Length: 1001' " + url +
           "/songs/big");
  EXPECT_EQ(too_large.status, 413) << too_large;
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(ServeCurlTest, SigtermClosesTheStoreWithEveryAcknowledgedWrite) {
  const std::string file = dir() + "/upload";
  std::string large(3 << 20, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) {
    large[i] = static_cast<char>(i * 13 + i / 1021);
  }
  std::ofstream(file, std::ios::binary) << large;
  {
    Server server(store(), {});
    ASSERT_FALSE(server.url().empty());
    EXPECT_EQ(
        Curl("-X PUT --data-binary 'one' " + server.url() + "/c/1").status,
        201);
    // Any bytes in a member, percent-encoded.
    EXPECT_EQ(
        Curl("-X PUT -d bin '" + server.url() + "/c/%00%FF%2Fx+y'").status,
        201);
    EXPECT_EQ(Curl("-T '" + file + "' " + server.url() + "/files/large").status,
              201);
    EXPECT_EQ(Curl(server.url() + "/files/large").body == large, true);
    EXPECT_EQ(server.Stop(), 0);
  }
  absl::StatusOr<std::unique_ptr<dskv::Store>> reopened =
      dskv::Store::Open(store());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Get("c/1").value_or("?"), "one");
  EXPECT_EQ((*reopened)->Get(std::string("c/\0\xff/x+y", 8)).value_or("?"),
            "bin");
  EXPECT_TRUE((*reopened)->Get("files/large").value_or("?") == large);
}

}  // namespace
}  // namespace dskv_test
