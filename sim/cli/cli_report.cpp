// `progsurv report` and `progsurv export`: written in Python (bindings/progsurv/report.py,
// export.py: matplotlib, Jinja2, pandas, openpyxl); this runs them with the package this
// binary was built with.
#include <memory>

#include "cli/cli.hpp"

namespace progsurv::cli {
namespace {

const Registration reg_report(70, [](CLI::App& app) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand(
      "report",
      "Write one self-contained HTML report (figures embedded) of a run, exact, sweep, "
      "attribution, fit, remedies, seek, comparison, portfolio or portfolio attribution file, "
      "or of a scenario or portfolio YAML after running it");
  // Every argument, --help included, goes to report.py, which documents them.
  sub->prefix_command();
  sub->set_help_flag();
  sub->callback([sub, args] {
    *args = sub->remaining();
    set_action([args] { return run_python_module("progsurv.report", *args); });
  });
});

const Registration reg_export(80, [](CLI::App& app) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand(
      "export", "Write the tables of any progsurv file as tidy CSV files or one xlsx workbook");
  sub->prefix_command();
  sub->set_help_flag();
  sub->callback([sub, args] {
    *args = sub->remaining();
    set_action([args] { return run_python_module("progsurv.export", *args); });
  });
});

}  // namespace
}  // namespace progsurv::cli
