// progsurv._core: the compiled half of the Python package `progsurv` (bindings/progsurv/).
// Each bound concept registers itself from its own register_*.cpp (see register.hpp).
#include <pybind11/pybind11.h>

#include "progsurv/io/version.hpp"
#include "register.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  using namespace progsurv::python;
  m.doc() = "progsurv engine bindings; use the package `progsurv`, not this module directly";
  m.attr("__version__") = progsurv::version_string();
  m.attr("build_info") = progsurv::build_string();
  // Run files (run, exact) and sweep/attribution files are versioned separately.
  m.attr("format_version") =
      py::make_tuple(progsurv::kRunFormatVersionMajor, progsurv::kRunFormatVersionMinor);
  m.attr("sweep_format_version") =
      py::make_tuple(progsurv::kSweepFormatVersionMajor, progsurv::kSweepFormatVersionMinor);
  m.attr("attribution_format_version") =
      py::make_tuple(progsurv::kFormatVersionMajor, progsurv::kFormatVersionMinor);
  m.attr("run_filetype") = progsurv::kRunFiletype;
  m.attr("fit_filetype") = progsurv::kFitFiletype;
  m.attr("fit_format_version") =
      py::make_tuple(progsurv::kFitFormatVersionMajor, progsurv::kFitFormatVersionMinor);

  // In dependency order: a register_* may use the types of those above it. One per line,
  // so adding one is a one-line change.
  using Registrar = void (*)(py::module_&);
  // clang-format off
  const Registrar registrars[] = {
      register_errors,
      register_scenario,
      register_run,
      register_result_file,
      register_exact,
      register_sweep,
      register_docs,
      register_compare,
      register_likelihood,
      register_portfolio,
      register_output_file,
      register_limits,
      register_goal,
      register_seek,
      register_remedies,
      register_portfolio_attribution,
  };
  // clang-format on
  for (const Registrar registrar : registrars) registrar(m);
}
