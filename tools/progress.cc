#include "tools/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "tools/text.h"

namespace dskv::tool {
namespace {

constexpr int kBarWidth = 30;
constexpr std::chrono::milliseconds kRedrawInterval{100};

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string FormatAmount(std::uint64_t amount, ProgressUnit unit) {
  return unit == ProgressUnit::kBytes ? FormatBytes(amount)
                                      : fmt::format("{}", amount);
}

std::string_view UnitSuffix(ProgressUnit unit) {
  switch (unit) {
    case ProgressUnit::kBytes:
      return "";
    case ProgressUnit::kRecords:
      return " records";
    case ProgressUnit::kFiles:
      return " files";
  }
  return "";
}

// Overwrites the current line of the terminal with `line`; "\x1b[K" clears
// what a longer earlier line left to its right.
void ShowLine(std::string_view line) {
  fmt::print(stderr, "\r{}\x1b[K", line);
  std::fflush(stderr);
}

void ClearLine() {
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
}

}  // namespace

std::string RenderProgress(std::string_view label, std::uint64_t done,
                           std::uint64_t total, ProgressUnit unit, int width) {
  if (total == 0) {
    return fmt::format("{} {}{}", label, FormatAmount(done, unit),
                       UnitSuffix(unit));
  }
  done = std::min(done, total);
  const double fraction = static_cast<double>(done) / total;
  const int filled = static_cast<int>(fraction * width);
  return fmt::format("{} [{}{}] {:3}% {}/{}{}", label, std::string(filled, '#'),
                     std::string(width - filled, '.'),
                     static_cast<int>(fraction * 100), FormatAmount(done, unit),
                     FormatAmount(total, unit), UnitSuffix(unit));
}

Progress::Progress(std::string label, std::uint64_t total, ProgressUnit unit)
    : enabled_(StderrIsTerminal()),
      label_(std::move(label)),
      total_(total),
      unit_(unit) {
  if (enabled_) Draw();
}

Progress::~Progress() {
  if (enabled_) ClearLine();
}

void Progress::Set(std::uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  if (std::chrono::steady_clock::now() - last_draw_ >= kRedrawInterval ||
      (total_ != 0 && done_ >= total_)) {
    Draw();
  }
}

void Progress::Draw() {
  last_draw_ = std::chrono::steady_clock::now();
  ShowLine(RenderProgress(label_, done_, total_, unit_, kBarWidth));
}

Activity::Activity(std::string label) : label_(std::move(label)) {
  if (StderrIsTerminal()) thread_ = std::thread([this] { Run(); });
}

Activity::~Activity() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  done_cv_.notify_one();
  thread_.join();
  ClearLine();
}

void Activity::Run() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  do {
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - start);
    ShowLine(fmt::format("{} ... {} s", label_, elapsed.count()));
  } while (!done_cv_.wait_for(lock, std::chrono::seconds(1),
                              [this] { return done_; }));
}

}  // namespace dskv::tool
