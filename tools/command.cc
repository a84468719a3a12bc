#include "tools/command.h"

#include <fmt/format.h>

#include <algorithm>

#include "dskv/key.h"
#include "tools/errors.h"

namespace dskv::tool {
namespace {

const FlagSpec* FindFlag(const Command& command, std::string_view name) {
  const auto it =
      std::find_if(command.flags.begin(), command.flags.end(),
                   [&](const FlagSpec& flag) { return flag.name == name; });
  return it == command.flags.end() ? nullptr : &*it;
}

absl::Status CheckArgument(ArgKind kind, std::string_view arg) {
  switch (kind) {
    case ArgKind::kAny:
      return absl::OkStatus();
    case ArgKind::kKey:
      return ParseKey(arg).status();
    case ArgKind::kCollection:
      return ValidateCollection(arg);
  }
  return absl::OkStatus();
}

}  // namespace

bool AsksForHelp(std::span<const std::string> args) {
  const auto end_of_flags = std::find(args.begin(), args.end(), "--");
  return std::any_of(args.begin(), end_of_flags, [](std::string_view arg) {
    return arg == "--help" || arg == "-h";
  });
}

std::optional<std::string> Invocation::Value(std::string_view name) const {
  const auto it = flags_.find(name);
  if (it == flags_.end()) return std::nullopt;
  return it->second;
}

std::string Command::Usage() const {
  return fmt::format("Usage: dskv {}\n\n{}", synopsis, description);
}

absl::StatusOr<Invocation> ParseCommandLine(const Command& command,
                                            std::span<const std::string> args) {
  const auto end_of_flags = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> flags;
  for (auto it = args.begin(); it != args.end(); ++it) {
    const std::string_view arg = *it;
    if (it > end_of_flags || !arg.starts_with("--")) {
      positional.emplace_back(arg);
      continue;
    }
    if (it == end_of_flags) continue;
    const std::size_t equals = arg.find('=');
    const std::string_view name = arg.substr(2, equals - 2);
    const FlagSpec* spec = FindFlag(command, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(fmt::format("unknown flag --{}", name));
    }
    if (flags.contains(name)) {
      return absl::InvalidArgumentError(
          fmt::format("--{} is given twice", name));
    }
    if (!spec->takes_value && equals != std::string_view::npos) {
      return absl::InvalidArgumentError(
          fmt::format("--{} takes no value", name));
    }
    std::string value;
    if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (spec->takes_value) {
      // "--flag VALUE", as well as "--flag=VALUE".
      if (it + 1 >= end_of_flags) {
        return absl::InvalidArgumentError(fmt::format(
            "--{} needs a value: --{}=VALUE or --{} VALUE", name, name, name));
      }
      value = *++it;
    }
    flags.emplace(name, std::move(value));
  }
  if (positional.size() < command.min_args ||
      positional.size() > command.max_args) {
    return absl::InvalidArgumentError(fmt::format(
        "wrong number of arguments; usage: dskv {}", command.synopsis));
  }
  const std::size_t kinds =
      std::min(positional.size(), command.arg_kinds.size());
  for (std::size_t i = 0; i < kinds; ++i) {
    if (absl::Status s = CheckArgument(command.arg_kinds[i], positional[i]);
        !s.ok()) {
      return s;
    }
  }
  return Invocation(command.name, std::move(positional), std::move(flags));
}

}  // namespace dskv::tool
