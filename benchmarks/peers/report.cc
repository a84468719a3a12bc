// report: turns the CSV rows of peer_bench runs into results/RESULTS.md, the
// data files of the charts (w1.dat, w2.dat, read by plot.gp) and
// results.json.
//
//   report --csv=raw.csv --describe=describe.tsv --out=DIR
//
// describe.tsv holds `peer_bench --describe` and any lines "machine\tkey\t
// value" that run.sh adds (git revision, disk speed, run mode).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "benchmarks/json_string.h"
#include "benchmarks/latency_stats.h"
#include "fmt/format.h"

namespace dskv::peers {
namespace {

// ---------------------------------------------------------------------------
// Input

std::vector<std::string> Split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, separator);) {
    fields.push_back(field);
  }
  return fields;
}

struct StoreRow {
  std::string name, version, settings, durable, get_all;
};

struct Input {
  std::vector<std::pair<std::string, std::string>> machine;
  std::vector<StoreRow> stores;  // dskv first.
  // (workload, store, threads, phase, metric) -> value.
  std::map<std::tuple<std::string, std::string, std::string, std::string,
                      std::string>,
           double>
      values;
  std::vector<std::vector<std::string>> rows;  // For the JSON copy.
};

bool ReadInput(const std::string& csv, const std::string& describe,
               Input* input) {
  std::ifstream tsv(describe);
  std::ifstream rows(csv);
  if (!tsv || !rows) {
    fmt::print(stderr, "report: cannot read {} or {}\n", describe, csv);
    return false;
  }
  for (std::string line; std::getline(tsv, line);) {
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() == 3 && f[0] == "machine") {
      input->machine.emplace_back(f[1], f[2]);
    } else if (f.size() == 6 && f[0] == "store") {
      input->stores.push_back({f[1], f[2], f[3], f[4], f[5]});
    }
  }
  for (std::string line; std::getline(rows, line);) {
    std::vector<std::string> f = Split(line, ',');
    if (f.size() != 6 || f[0] == "workload") continue;
    input->values[{f[0], f[1], f[2], f[3], f[4]}] =
        std::strtod(f[5].c_str(), nullptr);
    input->rows.push_back(std::move(f));
  }
  return true;
}

// ---------------------------------------------------------------------------
// Formatting

// 3 significant digits with k/M: "254k", "1.02M", "950".
std::string Rate(double x) {
  auto three = [](double v, const char* suffix) {
    const int decimals = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
    return fmt::format("{:.{}f}{}", v, decimals, suffix);
  };
  if (x >= 999.5e3) return three(x / 1e6, "M");
  if (x >= 999.5) return three(x / 1e3, "k");
  return three(x, "");
}

std::string Time(double seconds) {
  return bench::FormatDuration(seconds * 1e9);
}

std::string Mib(double mib) { return fmt::format("{:.0f} MiB", mib); }

// How a row's numbers compare: higher is better for rates, lower for times
// and sizes.
enum class Kind { kRate, kTime, kSize };

std::string Format(Kind kind, double x) {
  switch (kind) {
    case Kind::kRate:
      return Rate(x);
    case Kind::kTime:
      return Time(x);
    case Kind::kSize:
      return Mib(x);
  }
  return "";
}

bool Better(Kind kind, double a, double b) {
  return kind == Kind::kRate ? a > b : a < b;
}

// ---------------------------------------------------------------------------
// Tables

struct Row {
  std::string label;
  std::string workload, threads, phase, metric;
  Kind kind;
  bool compare = true;  // Whether to give the best peer and the ratio.
};

// Within this factor of each other, two figures are a tie: closer than
// run-to-run noise allows to tell apart.
constexpr double kTie = 1.03;

// `text` made safe for a Markdown table cell.
std::string Cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

struct Loss {
  std::string what;
  std::string peer;
  std::string dskv_value, peer_value;
  double factor;  // How many times better the peer is.
};

class Report {
 public:
  explicit Report(const Input& input) : input_(input) {}

  std::optional<double> Value(const Row& row, const std::string& store) const {
    auto it = input_.values.find(
        {row.workload, store, row.threads, row.phase, row.metric});
    if (it == input_.values.end()) return std::nullopt;
    return it->second;
  }

  // A table with a column per store, the best peer and dskv ÷ best peer.
  void Table(const std::vector<Row>& rows, const std::string& section) {
    out_ += "| | threads |";
    for (const StoreRow& store : input_.stores) out_ += " " + store.name + " |";
    out_ += " best peer | dskv ÷ best peer |\n|---|---|";
    for (std::size_t i = 0; i < input_.stores.size(); ++i) out_ += "---:|";
    out_ += "---|---:|\n";
    for (const Row& row : rows) {
      out_ += fmt::format("| {} | {} |", row.label, row.threads);
      std::optional<double> best;
      std::string best_name;
      for (const StoreRow& store : input_.stores) {
        const std::optional<double> v = Value(row, store.name);
        out_ += v ? " " + Format(row.kind, *v) + " |" : " — |";
        if (v && store.name != "dskv" &&
            (!best || Better(row.kind, *v, *best))) {
          best = v;
          best_name = store.name;
        }
      }
      const std::optional<double> dskv = Value(row, "dskv");
      if (!row.compare || !best || !dskv || *best == 0 || *dskv == 0) {
        out_ += " — | — |\n";
        continue;
      }
      const double ratio = *dskv / *best;
      const bool tie = ratio < kTie && ratio > 1 / kTie;
      const bool wins = !Better(row.kind, *best, *dskv);
      out_ += fmt::format(" {} | {:.2f} ({}) |\n", best_name, ratio,
                          tie    ? "tie"
                          : wins ? "wins"
                                 : "loses");
      if (!wins && !tie) {
        losses_.push_back(
            {fmt::format("{}: {}, {} thread{}", section, row.label, row.threads,
                         row.threads == "1" ? "" : "s"),
             best_name, Format(row.kind, *dskv), Format(row.kind, *best),
             row.kind == Kind::kRate ? 1 / ratio : ratio});
      }
    }
    out_ += "\n";
  }

  // Cells "p50 / p99" of `phase` for every store.
  void LatencyTable(const std::vector<Row>& rows) {
    out_ += "| | threads |";
    for (const StoreRow& store : input_.stores) out_ += " " + store.name + " |";
    out_ += "\n|---|---|";
    for (std::size_t i = 0; i < input_.stores.size(); ++i) out_ += "---:|";
    out_ += "\n";
    for (const Row& row : rows) {
      out_ += fmt::format("| {} | {} |", row.label, row.threads);
      for (const StoreRow& store : input_.stores) {
        Row p50 = row, p99 = row;
        p50.metric = "p50_ns";
        p99.metric = "p99_ns";
        const std::optional<double> a = Value(p50, store.name);
        const std::optional<double> b = Value(p99, store.name);
        out_ += a && b ? fmt::format(" {} / {} |", bench::FormatDuration(*a),
                                     bench::FormatDuration(*b))
                       : " — |";
      }
      out_ += "\n";
    }
    out_ += "\n";
  }

  // A gnuplot data file: a line per row, a column per store, "?" if missing.
  std::string ChartData(const std::vector<Row>& rows) const {
    std::string data = "label";
    for (const StoreRow& store : input_.stores) data += " " + store.name;
    data += "\n";
    for (const Row& row : rows) {
      data += fmt::format("\"{} ({}t)\"", row.label, row.threads);
      for (const StoreRow& store : input_.stores) {
        const std::optional<double> v = Value(row, store.name);
        data += v ? fmt::format(" {:.6g}", *v) : " ?";
      }
      data += "\n";
    }
    return data;
  }

  std::string& out() { return out_; }
  const std::vector<Loss>& losses() const { return losses_; }

 private:
  const Input& input_;
  std::string out_;
  std::vector<Loss> losses_;
};

std::vector<Row> Rows(const std::string& workload,
                      const std::vector<std::string>& threads,
                      const std::vector<std::pair<std::string, std::string>>&
                          phases,  // (phase, label)
                      const std::string& metric, Kind kind) {
  std::vector<Row> rows;
  for (const auto& [phase, label] : phases) {
    for (const std::string& t : threads) {
      rows.push_back({label, workload, t, phase, metric, kind});
    }
  }
  return rows;
}

std::string MachineValue(const Input& input, std::string_view key) {
  for (const auto& [k, v] : input.machine) {
    if (k == key) return v;
  }
  return "?";
}

const std::vector<std::pair<std::string, std::string>> kW1Phases = {
    {"put_first", "Put (first time)"},
    {"put_rewrite", "Put (rewrite)"},
    {"get", "Get"},
    {"delete", "Delete"}};
const std::vector<std::pair<std::string, std::string>> kW2Phases = {
    {"load", "load"},
    {"get_uniform", "get, uniform"},
    {"get_zipf", "get, zipfian 0.99"},
    {"mix", "50% get / 50% put"}};

std::string BuildMarkdown(const Input& input, Report* report) {
  std::string& out = report->out();
  out += "# dskv and its peers, side by side\n\n";
  out +=
      "Written by `benchmarks/peers/run.sh` from the raw rows in "
      "`raw.csv` (also `results.json`); charts `w1.svg`, `w2.svg`.\n\n";
  out += "| | |\n|---|---|\n";
  for (const auto& [key, value] : input.machine) {
    out += fmt::format("| {} | {} |\n", Cell(key), Cell(value));
  }
  out +=
      "\n## The stores\n\nEach with the settings its authors advise for "
      "this kind of workload; writes are never synced one by one (dskv's "
      "default, kAsync, is the model), and \"sync\" makes every earlier "
      "write durable. Peers have no collections: keys are "
      "\"collection/member\" as they are.\n\n";
  out +=
      "| store | version | settings | durable when | GetAll of a "
      "collection |\n|---|---|---|---|---|\n";
  for (const StoreRow& s : input.stores) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", Cell(s.name),
                       Cell(s.version), Cell(s.settings), Cell(s.durable),
                       Cell(s.get_all));
  }
  out +=
      "\n\"dskv ÷ best peer\" divides dskv's figure by the best peer's: "
      "for ops/s above 1 means dskv is faster, for times and memory below "
      "1 means dskv is better; (wins) or (loses) says which, (tie) if "
      "they are within 3%. — marks a run that failed or did not run (see "
      "run.log). Figures from one run on a shared 2-core machine move by "
      "10-30% from run to run.\n\n";

  const std::string between_phases = MachineValue(input, "Between phases");
  out += fmt::format(
      "## W1: the dskvs README workload\n\n2048 keys \"bench/key-NNNNNN\" "
      "in one collection, 10,000-byte values; threads take key indices "
      "from a shared atomic counter. Values read are checked after the "
      "clock stops. Between phases: {}. A pass "
      "takes tens of milliseconds, so each run makes 5 passes, each on a "
      "fresh store, and reports the median pass. Cells are ops/s (MB/s = "
      "ops/s × 0.01); GetAll is the median time of one call returning all "
      "2048 pairs (3 calls a pass, on one thread).\n\n",
      between_phases);
  out +=
      "Get reads each value into a buffer of its own, allocated and "
      "touched before the clock starts; every store copies the value into "
      "it (dskv with Store::Get(key, &buffer)).\n\n";
  std::vector<Row> w1 =
      Rows("w1", {"2", "10"}, kW1Phases, "ops_per_sec", Kind::kRate);
  std::vector<Row> w1_all = w1;
  for (Row& row : Rows("w1", {"2", "10"}, {{"getall", "GetAll (one call)"}},
                       "seconds", Kind::kTime)) {
    w1_all.push_back(row);
  }
  report->Table(w1_all, "W1");
  out += "Latency per call, median / 99th percentile:\n\n";
  report->LatencyTable(w1);

  out +=
      "## W2: small values\n\n16-byte keys (\"cNN/\" and 12 digits, "
      "100 collections), 100-byte values. The load puts every key once, "
      "in a scattered order; each read phase does as many operations as "
      "there are keys, on keys chosen uniformly or by a scrambled "
      "zipfian(0.99) law; the mix puts new values half the time. Threads "
      "take indices 256 at a time. Cells are ops/s. Memory is VmRSS of a "
      "fresh process (one per store) after the load; between phases: " +
      between_phases + ".\n\n";
  {
    auto data = input.values.find({"w2", "dskv", "1", "memory", "data_mib"});
    out += fmt::format("Keys: {}; keys and values together: {}.\n\n",
                       MachineValue(input, "W2 keys"),
                       data == input.values.end() ? "?" : Mib(data->second));
  }
  std::vector<Row> w2 =
      Rows("w2", {"1", "2"}, kW2Phases, "ops_per_sec", Kind::kRate);
  report->Table(w2, "W2");
  report->Table(
      {{"VmRSS after load", "w2", "1", "memory", "rss_mib", Kind::kSize},
       {"VmRSS after load", "w2", "2", "memory", "rss_mib", Kind::kSize},
       {"of which anonymous (heap)", "w2", "1", "memory", "rss_anon_mib",
        Kind::kSize, false},
       {"of which mapped files", "w2", "1", "memory", "rss_file_mib",
        Kind::kSize, false},
       {"before opening (baseline)", "w2", "1", "memory", "baseline_rss_mib",
        Kind::kSize, false}},
      "W2 memory");

  out +=
      "## W3: durability\n\nOne thread. \"small\": 100,000 puts of "
      "100-byte values, then one sync. \"large\": values of 10 KiB "
      "(count below), loaded, synced, closed; reopened with the files in "
      "the page cache; closed, every file fdatasynced and dropped from "
      "the page cache (posix_fadvise DONTNEED), reopened cold; then "
      "1,000 gets of random keys (values checked after the clock).\n\n";
  out += fmt::format("Large store: {} values. Disk: {}.\n\n",
                     MachineValue(input, "W3 large values"),
                     MachineValue(input, "Disk"));
  out +=
      "dskv and tkrzw-tiny read the whole store when they open; the others "
      "read what a get needs, so their cold cost is in the gets: the "
      "reopen rows give no ratio; compare the last row. RocksDB and LevelDB "
      "replay their log on the first "
      "reopen (into a new table file), so their cold reopen has none left "
      "to replay.\n\n";
  report->Table(
      {{"small: 100,000 puts + sync, total", "w3", "1", "small_total",
        "seconds", Kind::kTime},
       {"small: the sync alone", "w3", "1", "small_sync", "seconds",
        Kind::kTime},
       {"large: load (puts/s)", "w3", "1", "large_load", "ops_per_sec",
        Kind::kRate},
       {"large: sync", "w3", "1", "large_sync", "seconds", Kind::kTime},
       {"large: load + sync, total", "w3", "1", "large_durable", "seconds",
        Kind::kTime},
       {"large: close", "w3", "1", "large_close", "seconds", Kind::kTime},
       {"large: files on disk", "w3", "1", "large_files", "mib", Kind::kSize},
       {"large: reopen, page cache", "w3", "1", "reopen_warm", "seconds",
        Kind::kTime, false},
       {"large: reopen, cold", "w3", "1", "reopen_cold", "seconds", Kind::kTime,
        false},
       {"large: 1,000 gets after cold reopen (gets/s)", "w3", "1", "cold_gets",
        "ops_per_sec", Kind::kRate, false},
       {"large: cold reopen + the 1,000 gets", "w3", "1", "cold_total",
        "seconds", Kind::kTime}},
      "W3");

  out +=
      "## dskv's janitor: does it keep up?\n\nOne thread puts distinct "
      "keys with 10 KiB values at full speed for a fixed time (or until "
      "the store holds a memory cap), then calls Flush. bytes_written "
      "counts the janitor's file writes (records with their framing).\n\n";
  auto janitor = [&](const char* metric) {
    auto it = input.values.find({"janitor", "dskv", "1", "janitor", metric});
    return it == input.values.end() ? std::nullopt
                                    : std::optional<double>(it->second);
  };
  auto show = [](std::optional<double> v, auto format) {
    return v ? format(*v) : std::string("—");
  };
  auto mbs = [](double v) { return fmt::format("{:.0f} MB/s", v); };
  out += "| | |\n|---|---|\n";
  out += fmt::format(
      "| puts, time | {} in {}{} |\n", show(janitor("puts"), Rate),
      show(janitor("put_seconds"), Time),
      janitor("hit_memory_cap").value_or(0) > 0
          ? fmt::format(" (stopped at the memory cap, {:.0f} MiB of values)",
                        janitor("memory_cap_mib").value_or(0))
          : "");
  out += fmt::format("| offered (values put) | {} |\n",
                     show(janitor("offered_mb_per_sec"), mbs));
  out += fmt::format("| persisted while putting (bytes_written) | {} |\n",
                     show(janitor("persisted_mb_per_sec"), mbs));
  out += fmt::format("| disk's sequential write speed | {} |\n",
                     show(janitor("disk_mb_per_sec"), mbs));
  out +=
      fmt::format("| persisted ÷ disk speed | {} |\n",
                  janitor("persisted_mb_per_sec") && janitor("disk_mb_per_sec")
                      ? fmt::format("{:.2f}", *janitor("persisted_mb_per_sec") /
                                                  *janitor("disk_mb_per_sec"))
                      : "—");
  out += fmt::format("| unwritten when Flush starts | {} |\n",
                     show(janitor("unwritten_mb"), [](double v) {
                       return fmt::format("{:.0f} MB", v);
                     }));
  out += fmt::format("| final Flush | {} |\n",
                     show(janitor("final_flush_seconds"), Time));
  out += fmt::format(
      "| its floor: unwritten ÷ disk speed + one fdatasync ({}) | {} |\n",
      show(janitor("fsync_seconds"), Time),
      show(janitor("predicted_flush_seconds"), Time));
  out += fmt::format(
      "| final Flush ÷ floor | {} |\n\n",
      janitor("final_flush_seconds") && janitor("predicted_flush_seconds")
          ? fmt::format("{:.2f}", *janitor("final_flush_seconds") /
                                      *janitor("predicted_flush_seconds"))
          : "—");

  out += "## Where dskv loses\n\n";
  if (report->losses().empty()) out += "Nowhere in this run.\n";
  std::vector<Loss> losses = report->losses();
  std::sort(losses.begin(), losses.end(),
            [](const Loss& a, const Loss& b) { return a.factor > b.factor; });
  for (const Loss& loss : losses) {
    out +=
        fmt::format("- {}: {} {} vs dskv {} ({:.2f}× better)\n", loss.what,
                    loss.peer, loss.peer_value, loss.dskv_value, loss.factor);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Output

using ::dskv::bench::JsonString;

std::string BuildJson(const Input& input) {
  std::string json = "{\n  \"machine\": {";
  for (std::size_t i = 0; i < input.machine.size(); ++i) {
    json += fmt::format("{}{}: {}", i == 0 ? "" : ", ",
                        JsonString(input.machine[i].first),
                        JsonString(input.machine[i].second));
  }
  json += "},\n  \"stores\": [\n";
  for (std::size_t i = 0; i < input.stores.size(); ++i) {
    const StoreRow& s = input.stores[i];
    json += fmt::format(
        "    {{\"name\": {}, \"version\": {}, \"settings\": {}, \"durable\": "
        "{}, \"get_all\": {}}}{}\n",
        JsonString(s.name), JsonString(s.version), JsonString(s.settings),
        JsonString(s.durable), JsonString(s.get_all),
        i + 1 < input.stores.size() ? "," : "");
  }
  json += "  ],\n  \"results\": [\n";
  for (std::size_t i = 0; i < input.rows.size(); ++i) {
    const std::vector<std::string>& r = input.rows[i];
    json += fmt::format(
        "    {{\"workload\": {}, \"store\": {}, \"threads\": {}, \"phase\": "
        "{}, \"metric\": {}, \"value\": {}}}{}\n",
        JsonString(r[0]), JsonString(r[1]), r[2], JsonString(r[3]),
        JsonString(r[4]), r[5], i + 1 < input.rows.size() ? "," : "");
  }
  return json + "  ]\n}\n";
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream file(path);
  file << contents;
  file.close();
  if (!file) {
    fmt::print(stderr, "report: cannot write {}\n", path);
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  std::string csv, describe, out_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--csv=")) {
      csv = arg.substr(6);
    } else if (arg.starts_with("--describe=")) {
      describe = arg.substr(11);
    } else if (arg.starts_with("--out=")) {
      out_dir = arg.substr(6);
    } else {
      fmt::print(stderr,
                 "usage: report --csv=FILE --describe=FILE --out=DIR\n");
      return 2;
    }
  }
  if (csv.empty() || describe.empty() || out_dir.empty()) {
    fmt::print(stderr, "usage: report --csv=FILE --describe=FILE --out=DIR\n");
    return 2;
  }
  Input input;
  if (!ReadInput(csv, describe, &input)) return 1;
  Report report(input);
  const std::string markdown = BuildMarkdown(input, &report);
  std::vector<Row> w1_chart =
      Rows("w1", {"2", "10"}, kW1Phases, "ops_per_sec", Kind::kRate);
  std::vector<Row> w2_chart =
      Rows("w2", {"1", "2"}, kW2Phases, "ops_per_sec", Kind::kRate);
  const bool ok = WriteFile(out_dir + "/RESULTS.md", markdown) &&
                  WriteFile(out_dir + "/w1.dat", report.ChartData(w1_chart)) &&
                  WriteFile(out_dir + "/w2.dat", report.ChartData(w2_chart)) &&
                  WriteFile(out_dir + "/results.json", BuildJson(input));
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace dskv::peers

int main(int argc, char** argv) { return dskv::peers::Main(argc, argv); }
