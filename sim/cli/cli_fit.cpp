// `progsurv fit`: fits the parameters of a fit file to a record of past programmes
// (docs/fitting.md). The sampler is emcee, a Python library, so after checking the
// command line and the record this command runs the Python package's fit command
// (progsurv._fit_command) with the same arguments; the likelihood it samples is the
// C++ RecordLikelihood through progsurv._core.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/io/record.hpp"

namespace progsurv::cli {
namespace {

struct FitArgs {
  std::string fit_file, record, output = "fit.h5";
  std::string steps, walkers, seed, threads;
  bool quiet = false;
};

// The build tree keeps the package in <build>/python next to <build>/sim/progsurv; an
// installed command finds it on the interpreter's own path.
std::string package_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path dir = exe.parent_path().parent_path() / "python";
  return std::filesystem::exists(dir / "progsurv" / "_fit_command.py", ec) ? dir.string()
                                                                           : std::string();
}

int do_fit(const FitArgs& a) {
  // Bad input fails here with the usual message and exit status 2, before Python starts.
  if (!std::filesystem::is_regular_file(a.fit_file))
    throw ScenarioError(a.fit_file, 0, 0, "", "cannot read file: no such file");
  (void)read_record(a.record);
  check_output(a.output, {a.fit_file, a.record}, false);

  if (const std::string dir = package_dir(); !dir.empty()) {
    const char* old = std::getenv("PYTHONPATH");
    const std::string path = old && *old ? dir + ":" + old : dir;
    setenv("PYTHONPATH", path.c_str(), 1);
  }
  std::vector<std::string> argv = {PROGSURV_FIT_PYTHON,
                                   "-m",
                                   "progsurv._fit_command",
                                   a.fit_file,
                                   "--record",
                                   a.record,
                                   "-o",
                                   a.output};
  for (const auto& [flag, value] : {std::pair<const char*, const std::string&>{"--steps", a.steps},
                                    {"--walkers", a.walkers},
                                    {"--seed", a.seed},
                                    {"--threads", a.threads}}) {
    if (value.empty()) continue;
    argv.emplace_back(flag);
    argv.push_back(value);
  }
  if (a.quiet) argv.emplace_back("--quiet");
  std::vector<char*> raw;
  for (std::string& s : argv) raw.push_back(s.data());
  raw.push_back(nullptr);
  std::cout.flush();
  execvp(raw[0], raw.data());
  std::cerr << "progsurv fit: cannot start " << raw[0] << ": " << std::strerror(errno) << "\n";
  return kExitFailure;
}

const Registration reg_fit(60, [](CLI::App& app) {
  auto args = std::make_shared<FitArgs>();
  auto* sub = app.add_subcommand(
      "fit", "Fit scenario parameters to a record of past programmes (emcee) and write HDF5");
  sub->add_option("fit_file", args->fit_file,
                  "Fit YAML: base scenario, parameters with priors, sampler settings "
                  "(docs/fitting.md)")
      ->required();
  sub->add_option("--record", args->record, "Record CSV of past programmes (docs/record-format.md)")
      ->required();
  sub->add_option("-o,--output", args->output, "Output HDF5 fit file")->capture_default_str();
  sub->add_option("--steps", args->steps, "Sampler steps per walker (default: the fit file's)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--walkers", args->walkers, "Walkers (default: the fit file's)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--seed", args->seed, "Sampler seed (default: the fit file's)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--threads", args->threads, "Worker threads; 0 = all cores")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("-q,--quiet", args->quiet, "No progress bar");
  sub->callback([args] { set_action([args] { return do_fit(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
