// libFuzzer target for the scenario parser: Scenario::from_yaml on arbitrary bytes.
// The only acceptable exception is progsurv::ScenarioError (a message for the user);
// anything else escapes, and libFuzzer reports it like a crash or a sanitizer finding.
// Build and run: cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_scenario,
// or .ci/test-sanitize, which runs it for a bounded time from fuzz/corpus.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "progsurv/analysis/exact.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_scenario: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  progsurv::Scenario scenario;
  try {
    scenario = progsurv::Scenario::from_yaml(text, "<fuzz>");
  } catch (const progsurv::ScenarioError&) {
    return 0;  // refused with a message: the expected outcome for most inputs
  }
  // Whatever parsed must write itself out and read back to the same text (to_yaml is
  // documented to parse back to an identical scenario).
  const std::string canonical = scenario.to_yaml();
  std::string again;
  try {
    again = progsurv::Scenario::from_yaml(canonical, "<fuzz: to_yaml>").to_yaml();
  } catch (const progsurv::ScenarioError& e) {
    fail("to_yaml() of an accepted scenario does not parse back", e.what() + ("\n" + canonical));
  }
  if (again != canonical)
    fail("to_yaml() does not round-trip", canonical + "\n--- read back as ---\n" + again);
  // The exact solver's subset check must cope with any scenario the parser accepts.
  (void)progsurv::markov_violations(scenario);
  return 0;
}
