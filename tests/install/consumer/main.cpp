// Runs a small scenario through the installed library and prints P(completed), which
// must be a probability; exit 1 otherwise.
#include <cstdio>

#include "progsurv/engine/run.hpp"
#include "progsurv/scenario/scenario.hpp"

int main() {
  const progsurv::Scenario s = progsurv::Scenario::from_yaml(
      "sponsor_levels: {vp: {tenure: {dist: exponential, mean: 20}}}\n"
      "sponsor: vp\n"
      "succession: {adoption: 0}\n"
      "silos: {a: {break_prob: 0.1}}\n"
      "phases: [{steps: [{silo: a, work: {dist: exponential, mean: 6}}]}]\n",
      "consumer");
  progsurv::RunOptions options;
  options.replications = 2000;
  options.threads = 1;
  const progsurv::RunResult r = progsurv::run(s, options);
  const double p = static_cast<double>(r.tally.count(progsurv::EndCategory::Completed)) / r.tally.n;
  std::printf("P(completed) = %.3f over %lld replications\n", p, static_cast<long long>(r.tally.n));
  return p > 0.0 && p < 1.0 ? 0 : 1;
}
