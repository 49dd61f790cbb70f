// Option parsers and output checks shared by every subcommand: whole numbers that really
// are whole, seeds that do not wrap, finite numbers, a thread cap, and output paths checked
// before any work (docs/robustness.md).
#include <cerrno>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <set>

#include "cli/cli.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/output_file.hpp"

namespace progsurv::cli {

namespace {

// Short text for a limit, so a message never prints a 309-digit number.
std::string limit_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::int64_t parse_count(const std::string& option, const std::string& text, std::int64_t min,
                         std::int64_t max) {
  const std::string t = trimmed(text);
  const bool digits = !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
  const bool negative =
      t.size() > 1 && t[0] == '-' && t.find_first_not_of("0123456789", 1) == std::string::npos;
  if (!digits && !negative) {
    double v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    const bool number = r.ec == std::errc() && r.ptr == t.data() + t.size();
    throw CLI::ValidationError(
        option, "expected a whole number, got '" + text + "'" +
                    (number && std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e18
                         ? " (write it out: " + std::to_string(static_cast<long long>(v)) + ")"
                         : ""));
  }
  std::int64_t v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec == std::errc::result_out_of_range || v < min || v > max)
    throw CLI::ValidationError(option, "must be between " + std::to_string(min) + " and " +
                                           std::to_string(max) + ", got " + text);
  return v;
}

std::uint64_t parse_seed(const std::string& option, const std::string& text) {
  const std::string t = trimmed(text);
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos)
    throw CLI::ValidationError(
        option, "expected a whole number from 0 to 18446744073709551615, got '" + text + "'");
  std::uint64_t v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec == std::errc::result_out_of_range)
    throw CLI::ValidationError(option, "is larger than 18446744073709551615 (2^64 - 1): " + text);
  return v;
}

double parse_number(const std::string& option, const std::string& text, double min, double max) {
  const std::string t = trimmed(text);
  double v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || r.ec == std::errc::invalid_argument || r.ptr != t.data() + t.size())
    throw CLI::ValidationError(option, "expected a number, got '" + text + "'");
  if (r.ec == std::errc::result_out_of_range || !std::isfinite(v))
    throw CLI::ValidationError(option, "expected a finite number, got '" + text + "'");
  if (v < min || v > max)
    throw CLI::ValidationError(
        option, "must be between " + limit_text(min) + " and " + limit_text(max) + ", got " + text);
  return v;
}

CLI::Option* add_count_option(CLI::App* sub, const std::string& names, std::int64_t& target,
                              const std::string& help, std::int64_t min, std::int64_t max) {
  const std::string option = names.substr(names.rfind(',') + 1);
  auto* o = sub->add_option_function<std::string>(
      names,
      [&target, option, min, max](const std::string& s) {
        target = parse_count(option, s, min, max);
      },
      help);
  o->type_name("INT")->default_str(std::to_string(target));
  return o;
}

CLI::Option* add_seed_option(CLI::App* sub, std::uint64_t& seed) {
  auto* o = sub->add_option_function<std::string>(
      "--seed", [&seed](const std::string& s) { seed = parse_seed("--seed", s); },
      "Random seed (0 to 2^64 - 1)");
  o->type_name("UINT")->default_str(std::to_string(seed));
  return o;
}

void add_long_run_options(CLI::App* sub, LongRunArgs& a, const std::string& n_names,
                          const std::string& n_help, std::int64_t n_min,
                          const std::string& threads_help) {
  a.replications_option =
      add_count_option(sub, n_names, a.replications, n_help, n_min, kMaxReplications);
  a.seed_option = add_seed_option(sub, a.seed);
  add_threads_option(sub, a.threads, threads_help);
  sub->add_flag("-q,--quiet", a.quiet, "No progress bar");
}

CLI::Option* add_threads_option(CLI::App* sub, int& threads, const std::string& help) {
  auto* o = sub->add_option_function<std::string>(
      "--threads",
      [&threads](const std::string& s) {
        threads = static_cast<int>(parse_count("--threads", s, 0, kMaxThreads));
      },
      // "Worker threads (0 = all cores)" -> "... (0 = all cores, at most 1024)"
      !help.empty() && help.back() == ')'
          ? help.substr(0, help.size() - 1) + ", at most " + std::to_string(kMaxThreads) + ")"
          : help + " (at most " + std::to_string(kMaxThreads) + ")");
  o->type_name("INT")->default_str(std::to_string(threads));
  return o;
}

CLI::Option* add_number_option(CLI::App* sub, const std::string& names, double& target,
                               const std::string& help, double min, double max) {
  const std::string option = names.substr(names.rfind(',') + 1);
  auto* o = sub->add_option_function<std::string>(
      names,
      [&target, option, min, max](const std::string& s) {
        target = parse_number(option, s, min, max);
      },
      help);
  o->type_name("FLOAT");
  return o;
}

CLI::Option* add_force_flag(CLI::App* sub, bool& force) {
  return sub->add_flag("--force", force,
                       "Replace the output even when it is write-protected or holds another "
                       "kind of file");
}

namespace {
std::set<std::string>& replaced_outputs() {
  static std::set<std::string> paths;
  return paths;
}
}  // namespace

void check_output(const std::string& path, const std::vector<std::string>& inputs, bool force,
                  const std::string& filetype) {
  OutputCheck check;
  check.inputs = inputs;
  check.force = force;
  check.filetype = filetype;
  check_output_path(path, check);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) replaced_outputs().insert(path);
}

std::string default_output(const std::string& name, const std::string& suffix,
                           const std::vector<ValueChange>& changes) {
  std::string stem = name;
  for (const ValueChange& c : changes) stem += "-" + c.path + "=" + c.value;
  return default_output_name(stem, suffix);
}

void print_written(const std::string& path) {
  std::cout << "written: " << path
            << (replaced_outputs().count(path) ? " (replaced the file that was there)" : "")
            << "\n";
}

}  // namespace progsurv::cli
