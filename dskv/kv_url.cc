#include "dskv/kv_url.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace dskv {
namespace {

constexpr std::uint16_t kRedisDefaultPort = 6379;

absl::Status UrlError(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("key-value URL {:?}: {}", url, why));
}

// Namespaces go inside Redis keys and SCAN patterns ("{ns:*"): keep them to
// characters that mean nothing there.
absl::Status ValidateNamespace(std::string_view url, std::string_view ns) {
  constexpr std::size_t kMaxNamespace = 64;
  const bool plain = std::all_of(ns.begin(), ns.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
  if (!plain || ns.size() > kMaxNamespace) {
    return UrlError(
        url, fmt::format("the namespace {:?} must be at most {} letters, "
                         "digits, '_', '-' or '.'",
                         ns, kMaxNamespace));
  }
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> SplitQuery(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const std::size_t amp = std::min(query.find('&'), query.size());
    const std::string_view param = query.substr(0, amp);
    if (!param.empty()) {
      const std::size_t eq = std::min(param.find('='), param.size());
      params.emplace_back(param.substr(0, eq),
                          param.substr(std::min(eq + 1, param.size())));
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return params;
}

// Digits only: from_chars alone would take a sign or stop early.
std::optional<std::uint64_t> ParseWhole(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size() || text.front() == '+' ||
      text.front() == '-') {
    return std::nullopt;
  }
  return n;
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(std::string_view text) {
  const auto error = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        fmt::format("address {:?}: {}", text, why));
  };
  HostPort hp;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return error("lacks its ']'");
    hp.host = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      return error("':' must follow ']'");
    }
    port = rest.empty() ? rest : rest.substr(1);
    if (rest == ":") return error("empty port");
  } else {
    const std::size_t colon = text.rfind(':');
    hp.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return error("empty port");
    }
  }
  if (hp.host.empty()) return error("no host");
  hp.port = kRedisDefaultPort;
  if (!port.empty()) {
    const std::optional<std::uint64_t> n = ParseWhole(port);
    if (!n || *n == 0 || *n > 65535) {
      return error("the port must be 1 to 65535");
    }
    hp.port = static_cast<std::uint16_t>(*n);
  }
  return hp;
}

std::optional<std::string> UrlParams::Take(std::string_view name) {
  std::optional<std::string> value;
  for (auto it = params_.begin(); it != params_.end();) {
    if (it->first == name) {
      value = std::move(it->second);
      it = params_.erase(it);
    } else {
      ++it;
    }
  }
  return value;
}

absl::StatusOr<std::optional<std::uint64_t>> UrlParams::TakeNumber(
    std::string_view name, std::uint64_t min, std::uint64_t max) {
  const std::optional<std::string> text = Take(name);
  if (!text) return std::nullopt;
  const std::optional<std::uint64_t> n = ParseWhole(*text);
  if (!n || *n < min || *n > max) {
    return absl::InvalidArgumentError(
        fmt::format("URL parameter {} must be a whole number from {} to {}, "
                    "not {:?}",
                    name, min, max, *text));
  }
  return *n;
}

absl::StatusOr<std::optional<bool>> UrlParams::TakeBool(std::string_view name) {
  const std::optional<std::string> text = Take(name);
  if (!text) return std::nullopt;
  if (*text == "" || *text == "true") return true;
  if (*text == "false") return false;
  return absl::InvalidArgumentError(fmt::format(
      "URL parameter {} must be true or false, not {:?}", name, *text));
}

absl::Status UrlParams::CheckAllTaken() const {
  if (params_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("unknown URL parameter {:?}", params_.front().first));
}

absl::StatusOr<KeyValueUrl> ParseKeyValueUrl(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return UrlError(url, "expected scheme://..., e.g. dskv:///var/lib/app");
  }
  const std::string_view scheme = url.substr(0, sep);
  std::string_view rest = url.substr(sep + 3);
  const std::size_t question = std::min(rest.find('?'), rest.size());
  KeyValueUrl parsed;
  if (question < rest.size()) {
    parsed.params = UrlParams(SplitQuery(rest.substr(question + 1)));
  }
  rest = rest.substr(0, question);

  if (scheme == "dskv") {
    parsed.scheme = KeyValueUrl::Scheme::kDskv;
    if (!rest.starts_with('/')) {
      return UrlError(url,
                      "dskv URLs name a local directory by its absolute path: "
                      "dskv:///path/to/dir");
    }
    parsed.path = std::string(rest);
    return parsed;
  }
  if (scheme == "redis") {
    parsed.scheme = KeyValueUrl::Scheme::kRedis;
  } else if (scheme == "redis-cluster") {
    parsed.scheme = KeyValueUrl::Scheme::kRedisCluster;
  } else {
    return UrlError(url, fmt::format("unknown scheme {:?}; expected dskv, "
                                     "redis or redis-cluster",
                                     scheme));
  }
  const std::size_t slash = std::min(rest.find('/'), rest.size());
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return UrlError(url, "user names and passwords are not supported");
  }
  if (slash < rest.size()) {
    parsed.ns = std::string(rest.substr(slash + 1));
    if (absl::Status s = ValidateNamespace(url, parsed.ns); !s.ok()) return s;
  }
  std::string_view hosts = authority;
  while (true) {
    const std::size_t comma = std::min(hosts.find(','), hosts.size());
    absl::StatusOr<HostPort> hp = ParseHostPort(hosts.substr(0, comma));
    if (!hp.ok()) return UrlError(url, std::string(hp.status().message()));
    parsed.hosts.push_back(*std::move(hp));
    if (comma == hosts.size()) break;
    hosts.remove_prefix(comma + 1);
  }
  if (parsed.scheme == KeyValueUrl::Scheme::kRedis &&
      parsed.hosts.size() != 1) {
    return UrlError(url,
                    "redis:// takes one host:port; for several, use "
                    "redis-cluster://");
  }
  return parsed;
}

}  // namespace dskv
