// `progsurv fit`: fits the parameters of a fit file to a record of past programmes
// (docs/fitting.md). The sampler is emcee, a Python library, so after checking the
// command line and the record this command runs the Python package's fit command
// (progsurv._fit_command) with the same arguments; the likelihood it samples is the
// C++ RecordLikelihood through progsurv._core.
#include <cstdint>
#include <filesystem>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv::cli {
namespace {

struct FitArgs {
  std::string fit_file, record, output = "fit.h5";
  // 0 (and no --seed): the fit file's own setting.
  std::int64_t steps = 0, walkers = 0;
  std::uint64_t seed = 0;
  bool seed_given = false;
  int threads = 0;
  bool quiet = false, force = false;
};

int do_fit(const FitArgs& a) {
  // Bad input fails here with the usual message and exit status 2, before Python starts.
  // The record is read by the Python half: its dated rows may need the fit file's as_of.
  if (!std::filesystem::is_regular_file(a.fit_file))
    throw ScenarioError(a.fit_file, 0, 0, "", "cannot read file: no such file");
  if (!std::filesystem::exists(a.record))
    throw ScenarioError(a.record, 0, 0, "", "cannot read file: no such file");
  // The file's type is checked by the Python half, after its inputs (the fit's base
  // scenario, which only it reads), so that a base scenario named as output is called an
  // input.
  check_output(a.output, {a.fit_file, a.record}, a.force, "");

  std::vector<std::string> args = {a.fit_file, "--record", a.record, "-o", a.output};
  if (a.steps > 0) args.insert(args.end(), {"--steps", std::to_string(a.steps)});
  if (a.walkers > 0) args.insert(args.end(), {"--walkers", std::to_string(a.walkers)});
  if (a.seed_given) args.insert(args.end(), {"--seed", std::to_string(a.seed)});
  args.insert(args.end(), {"--threads", std::to_string(a.threads)});
  if (a.quiet) args.emplace_back("--quiet");
  if (a.force) args.emplace_back("--force");
  return run_python_module("progsurv._fit_command", args);
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
  // The fit file's caps (with the memory estimate) apply to these too, in Python.
  add_count_option(sub, "--steps", args->steps,
                   "Sampler steps per walker (default: the fit file's)", 1, std::int64_t{1} << 40)
      ->default_str("");
  add_count_option(sub, "--walkers", args->walkers, "Walkers (default: the fit file's)", 1,
                   std::int64_t{1} << 40)
      ->default_str("");
  add_seed_option(sub, args->seed)
      ->description("Sampler seed, 0 to 2^64 - 1 (default: the fit file's)")
      ->default_str("");
  sub->get_option("--seed")->each([args](const std::string&) { args->seed_given = true; });
  add_threads_option(sub, args->threads, "Worker threads (0 = all cores)");
  sub->add_flag("-q,--quiet", args->quiet, "No progress bar");
  add_force_flag(sub, args->force);
  sub->footer(
      "Under mpirun (mpi4py) the walkers' likelihoods are evaluated on ranks 1..K-1 and rank 0\n"
      "writes the same file a single process would: mpirun -n 3 progsurv fit f.yaml --record "
      "r.csv");
  sub->callback([args] { set_action([args] { return do_fit(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
