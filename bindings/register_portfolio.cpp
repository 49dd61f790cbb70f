// Portfolio mode (docs/model.md) for Python: _core.Portfolio, run_portfolio(), the raw
// _core.PortfolioResult with its _core.PortfolioTally, summarize() into a
// _core.PortfolioSummary, and the portfolio file (read/write_portfolio_result).
//
// As for the run Result (register_run.cpp), arrays are zero-copy, read-only views whose
// .base is the object that owns the data: the tally's arrays belong to the tally, which
// keeps its PortfolioResult alive (reference_internal); the summary's to the summary.
// Vectors of Estimate are (n, 3) arrays (estimate, lower, upper); vectors of Moments are
// (n, 2) arrays (sum, sum of squares). The Python class progsurv.PortfolioResult
// (bindings/progsurv/_portfolio.py) builds DataFrames and plots on top of them.
#include <Python.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "interrupt.hpp"
#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/portfolio_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"
#include "progsurv/portfolio/portfolio_tally.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

static_assert(sizeof(Estimate) == 3 * sizeof(double), "Estimate must be three packed doubles");
static_assert(sizeof(Moments) == 2 * sizeof(double), "Moments must be two packed doubles");
constexpr auto kDouble = static_cast<py::ssize_t>(sizeof(double));

// (n, 3) view of estimates: columns estimate, lower, upper.
py::array estimate_view(py::handle owner, const Estimate* data, std::size_t n) {
  return readonly_view<double>(owner, data ? &data->estimate : nullptr,
                               {static_cast<py::ssize_t>(n), 3},
                               {static_cast<py::ssize_t>(sizeof(Estimate)), kDouble});
}
// (n, 2) view of moments: columns sum, sum of squares.
py::array moments_view(py::handle owner, const Moments* data, std::size_t n) {
  return readonly_view<double>(owner, data ? &data->sum : nullptr, {static_cast<py::ssize_t>(n), 2},
                               {static_cast<py::ssize_t>(sizeof(Moments)), kDouble});
}
// Row-major (rows, cols) view of a flat vector.
template <class T>
py::array matrix_view(py::handle owner, const std::vector<T>& v, std::size_t cols) {
  const std::size_t rows = cols == 0 ? 0 : v.size() / cols;
  if (rows * cols != v.size()) throw std::logic_error("matrix_view: size is not rows * cols");
  return readonly_view<T>(
      owner, v.data(), {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)},
      {static_cast<py::ssize_t>(cols * sizeof(T)), static_cast<py::ssize_t>(sizeof(T))});
}

// Rows of kEndCategoryCount packed Estimates (a share per end category) as a read-only
// [rows, 8, 3] view: ranks' and templates' shares.
py::array category_share_view(py::handle owner,
                              const std::vector<std::array<Estimate, kEndCategoryCount>>& v) {
  constexpr auto kRow = static_cast<py::ssize_t>(sizeof(v[0]));
  static_assert(sizeof(v[0]) == kEndCategoryCount * sizeof(Estimate), "packed rows");
  return readonly_view<double>(owner, v.empty() ? nullptr : &v[0][0].estimate,
                               {static_cast<py::ssize_t>(v.size()), kEndCategoryCount, 3},
                               {kRow, static_cast<py::ssize_t>(sizeof(Estimate)), kDouble});
}

py::tuple estimate_tuple(const Estimate& e) { return py::make_tuple(e.estimate, e.lower, e.upper); }
py::tuple moments_tuple(const Moments& m) { return py::make_tuple(m.sum, m.sumsq); }

const PortfolioTally& tally_of(py::handle self) { return self.cast<const PortfolioTally&>(); }
const PortfolioSummary& summary_of(py::handle self) { return self.cast<const PortfolioSummary&>(); }

std::size_t category_index(const py::object& category) {
  if (py::isinstance<py::str>(category)) {
    const std::string name = category.cast<std::string>();
    for (int k = 0; k < kEndCategoryCount; ++k)
      if (name == to_string(static_cast<EndCategory>(k))) return static_cast<std::size_t>(k);
    throw py::key_error("unknown end category '" + name + "'");
  }
  const int k = category.cast<int>();
  if (k < 0 || k >= kEndCategoryCount) throw py::index_error("end category index out of range");
  return static_cast<std::size_t>(k);
}

py::dict roster_dict(const Portfolio& p) {
  py::dict d;
  for (std::size_t l = 0; l < p.level_names.size() && l < p.roster.size(); ++l)
    d[py::str(p.level_names[l])] = p.roster[l];
  return d;
}

py::dict cynicism_dict(const CynicismSettings& c) {
  py::dict d;
  d["initial"] = c.initial;
  d["rise"] = c.rise;
  d["relief"] = c.relief;
  d["half_life"] = c.half_life;
  d["effect.break"] = c.effect_break;
  d["effect.pickup"] = c.effect_pickup;
  d["effect.approval"] = c.effect_approval;
  return d;
}

py::dict sharing_dict(const Sharing& s) {
  py::dict d;
  d["cynicism"] = s.cynicism;
  d["trust"] = s.trust;
  d["posts"] = s.posts;
  d["budget"] = s.budget;
  return d;
}

// Runs organisations without the GIL, Python's progress and Ctrl-C between batches
// (python_progress.hpp).
PortfolioResult run_portfolio_engine(const Portfolio& portfolio, RunOptions options,
                                     const Sharing& sharing, const py::object& progress) {
  return run_without_gil(options, progress,
                         [&] { return run_portfolio(portfolio, options, sharing); });
}

void register_portfolio_class(py::module_& m) {
  py::class_<Portfolio>(m, "Portfolio", R"doc(
A resolved portfolio (portfolio mode, docs/model.md): one organisation's sponsor posts,
review calendar, budget, cynicism and customer trust, and the programmes it launches over
the years. Immutable: with_values() returns a new portfolio.

Make one with Portfolio.load(path) or Portfolio.from_yaml(text); run it with
progsurv.portfolio().
)doc")
      .def_static(
          "load", [](const std::filesystem::path& path) { return Portfolio::load(path.string()); },
          py::arg("path"),
          "Read and check a portfolio YAML file and the programme templates it names. Returns "
          "a Portfolio; raises ScenarioError naming the file, line and key of a bad entry.")
      .def_static("from_yaml", &Portfolio::from_yaml, py::arg("text"),
                  py::arg("source") = "<string>",
                  "Parse portfolio YAML text; `source` names it in error messages and template "
                  "paths are relative to the working folder. Returns a Portfolio.")
      .def(
          "with_values",
          [](const Portfolio& p, const py::object& values) {
            return p.with_values(key_value_overrides(values));
          },
          py::arg("values"), R"doc(
A copy with values replaced by key path, as Scenario.with_values does, e.g.
  portfolio.with_values({"cynicism.effect.break": 0, "roster.vp": 4, "max_live": 2})
A programme template's keys are "programmes.NAME.<scenario key path>" (a template given as
a file is written inline first). `values` is a mapping or an iterable of (path, value) pairs. Returns a new Portfolio; an unknown path or
an invalid value raises ScenarioError naming the path.
)doc")
      .def_property_readonly(
          "name", [](const Portfolio& p) { return p.name; }, "The portfolio's name.")
      .def_property_readonly("label", &Portfolio::label,
                             "The name with the values changed since the file was read "
                             "(with_values, --set) as a variant label: 'ten-years "
                             "[roster.vp=4]'; the name when none was.")
      .def_property_readonly(
          "changes", [](const Portfolio& p) { return changes_list(p.changes); },
          "The values changed since the file was read, in order: (key path, value as given, "
          "the value before as YAML text, '' when the file lacked it).")
      .def_property_readonly(
          "description", [](const Portfolio& p) { return p.description; },
          "The portfolio's description (may be empty).")
      .def_property_readonly(
          "source", [](const Portfolio& p) { return p.source; },
          "Where the portfolio came from: a file path or '<string>'.")
      .def_property_readonly(
          "yaml_text", [](const Portfolio& p) { return p.yaml_text; },
          "The text the portfolio was parsed from.")
      .def_property_readonly(
          "horizon", [](const Portfolio& p) { return p.horizon; }, "H, months.")
      .def_property_readonly(
          "grid", [](const Portfolio& p) { return p.grid; },
          "The time grid of the outputs over time, months (a list).")
      .def_property_readonly(
          "level_names", [](const Portfolio& p) { return p.level_names; },
          "Sponsor level names, in the order of the templates.")
      .def_property_readonly("roster", &roster_dict, "Sponsor posts per level {level: posts}.")
      .def_property_readonly(
          "post_count", [](const Portfolio& p) { return p.post_count(); }, "Sponsor posts in all.")
      .def_property_readonly(
          "template_names", [](const Portfolio& p) { return p.template_names; },
          "The programme templates' names, in the order of the file.")
      .def_property_readonly(
          "template_sources", [](const Portfolio& p) { return p.template_sources; },
          "The file of each template, or 'inline'.")
      .def_property_readonly(
          "templates", [](const Portfolio& p) { return p.templates; },
          "Copies of the programme templates as Scenarios, with the organisation's parts "
          "written in (empty for a portfolio read back from a file).")
      .def_property_readonly(
          "cynicism", [](const Portfolio& p) { return cynicism_dict(p.cynicism); },
          "The cynicism settings {initial, rise, relief, half_life, effect.break, "
          "effect.pickup, effect.approval}.")
      .def_property_readonly(
          "initial_trust", [](const Portfolio& p) { return p.initial_trust; },
          "customers.initial_trust: the organisation's customer trust at t = 0.")
      .def_property_readonly(
          "max_live", [](const Portfolio& p) { return p.max_live; },
          "The cap on programmes scoping or running at once; 0 = no cap.")
      .def_property_readonly(
          "launches",
          [](const Portfolio& p) {
            py::list out;
            for (const PlannedLaunch& l : p.launches)
              out.append(
                  py::make_tuple(l.at, p.template_names.at(static_cast<std::size_t>(l.programme))));
            return out;
          },
          "Planned launches as (time, template name), in launch order.")
      .def_property_readonly(
          "renewal", [](const Portfolio& p) { return p.renewal.enabled; },
          "True when programmes are also proposed by a renewal process.")
      .def("__repr__", [](const Portfolio& p) {
        return "<progsurv.Portfolio '" + p.name + "' from " + p.source + ": " +
               std::to_string(p.post_count()) + " posts, " +
               std::to_string(p.template_names.size()) + " templates, horizon " +
               py::repr(py::float_(p.horizon)).cast<std::string>() + " months>";
      });
}

void register_tally_class(py::module_& m) {
  py::class_<PortfolioTally> cls(m, "PortfolioTally", R"doc(
The raw counts and sums over organisations of a portfolio run, as written to /tally of the
portfolio file. Arrays are read-only views into this tally (their .base is it), which keeps
its PortfolioResult alive. Moments are (n, 2) arrays: sum and sum of squares.
)doc");
  cls.def_property_readonly(
         "n", [](const PortfolioTally& t) { return t.n; }, "Organisations counted.")
      .def_property_readonly(
          "horizon", [](const PortfolioTally& t) { return t.horizon; }, "H, months.")
      .def_property_readonly(
          "grid", [](py::handle self) { return readonly_view(self, tally_of(self).grid); },
          "The time grid, months.")
      .def_property_readonly(
          "rank_launched",
          [](py::handle self) { return readonly_view(self, tally_of(self).rank_launched); },
          "[K] organisations that launched a k-th programme (k = 1..K).")
      .def_property_readonly(
          "rank_category",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).rank_category, kEndCategoryCount);
          },
          "[K, 8] k-th programmes in each end category (by category_names).")
      .def_property_readonly(
          "rank_value",
          [](py::handle self) {
            const auto& v = tally_of(self).rank_value;
            return moments_view(self, v.data(), v.size());
          },
          "[K, 2] sum and sum of squares of the k-th programme's value.")
      .def_property_readonly(
          "within", [](const PortfolioTally& t) { return t.within; },
          "compare_within: months after each launch over which ranks are also compared.")
      .def_property_readonly(
          "rank_within_launched",
          [](py::handle self) { return readonly_view(self, tally_of(self).rank_within_launched); },
          "[K] organisations that launched a k-th programme by horizon - within.")
      .def_property_readonly(
          "rank_within_category",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).rank_within_category, kEndCategoryCount);
          },
          "[K, 8] those k-th programmes by end category within `within` months of launch "
          "(running if later).")
      .def_property_readonly(
          "template_launched",
          [](py::handle self) { return readonly_view(self, tally_of(self).template_launched); },
          "[T] programmes launched from each template.")
      .def_property_readonly(
          "template_category",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).template_category, kEndCategoryCount);
          },
          "[T, 8] programmes of each template in each end category.")
      .def_readonly("clustered", &PortfolioTally::clustered,
                    "Whether the organisations' spread by template below is kept (files of "
                    "format 1.3 on; False for older files: then the template_*_sq, *_cross and "
                    "template_value arrays are empty and the per_org_*_cross sums are 0, not "
                    "measured).")
      .def_property_readonly(
          "template_launched_sq",
          [](py::handle self) { return readonly_view(self, tally_of(self).template_launched_sq); },
          "[T] sum over organisations of (programmes launched from each template)^2.")
      .def_property_readonly(
          "template_category_sq",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).template_category_sq, kEndCategoryCount);
          },
          "[T, 8] sum over organisations of (their programmes of each template in each end "
          "category)^2.")
      .def_property_readonly(
          "template_category_cross",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).template_category_cross, kEndCategoryCount);
          },
          "[T, 8] sum over organisations of their programmes of each template in each end "
          "category times their programmes launched from it.")
      .def_property_readonly(
          "per_org_category_cross",
          [](py::handle self) {
            return readonly_view(self, tally_of(self).per_org_category_cross);
          },
          "[8] sum over organisations of their programmes in each end category times their "
          "programmes launched.")
      .def_property_readonly(
          "template_value",
          [](py::handle self) { return readonly_view(self, tally_of(self).template_value); },
          "[T] value banked by the programmes of each template, all organisations together.")
      .def_property_readonly(
          "template_value_sq",
          [](py::handle self) { return readonly_view(self, tally_of(self).template_value_sq); },
          "[T] sum over organisations of (their value from each template)^2.")
      .def_property_readonly(
          "template_value_cross",
          [](py::handle self) { return readonly_view(self, tally_of(self).template_value_cross); },
          "[T] sum over organisations of their value from each template times their "
          "programmes launched from it.")
      .def_readonly("per_org_ended_cross", &PortfolioTally::per_org_ended_cross,
                    "Sum over organisations of their programmes ended early times their "
                    "programmes launched.")
      .def_property_readonly(
          "per_org_category",
          [](py::handle self) {
            const auto& v = tally_of(self).per_org_category;
            return moments_view(self, v.data(), v.size());
          },
          "[8, 2] sum and sum of squares over organisations of their programmes in each end "
          "category.")
      .def_property_readonly(
          "per_org_launched",
          [](const PortfolioTally& t) { return moments_tuple(t.per_org_launched); },
          "(sum, sum of squares) of programmes launched per organisation.")
      .def_property_readonly(
          "per_org_ended", [](const PortfolioTally& t) { return moments_tuple(t.per_org_ended); },
          "(sum, sum of squares) of programmes ended early (any cause) per organisation.")
      .def_property_readonly(
          "per_org_value", [](const PortfolioTally& t) { return moments_tuple(t.per_org_value); },
          "(sum, sum of squares) of total value per organisation.")
      .def(
          "count_hist",
          [](py::handle self, const std::string& group) {
            static const char* kNames[PortfolioTally::kGroups] = {"launched", "completed", "ended",
                                                                  "not_started", "running"};
            for (int g = 0; g < PortfolioTally::kGroups; ++g)
              if (group == kNames[g])
                return readonly_view(self, tally_of(self).count_hist[static_cast<std::size_t>(g)]);
            throw py::key_error("unknown count group '" + group +
                                "'; groups are launched, completed, ended, not_started, running");
          },
          py::arg("group"),
          "Returns a view h with h[m] = organisations with m programmes in `group` "
          "('launched', 'completed', 'ended', 'not_started' or 'running').")
      .def_property_readonly(
          "value_bin_width", [](const PortfolioTally& t) { return t.value_bin_width; },
          "Width of the bins of value_hist.")
      .def_property_readonly(
          "value_hist",
          [](py::handle self) { return readonly_view(self, tally_of(self).value_hist); },
          "Organisations by total value, in bins [b w, (b + 1) w) of w = value_bin_width.")
      .def_property_readonly(
          "live_sum", [](py::handle self) { return readonly_view(self, tally_of(self).live_sum); },
          "[G] sum over organisations of programmes live (scoping or running) at each grid "
          "time.")
      .def_property_readonly(
          "end_bins",
          [](py::handle self) {
            const PortfolioTally& t = tally_of(self);
            return matrix_view(self, t.end_bins, t.grid_size() + 1);
          },
          "[8, G + 1] programme ends by category, binned on the grid like a run's tally.")
      .def_property_readonly(
          "cynicism",
          [](py::handle self) {
            const auto& v = tally_of(self).cynicism;
            return moments_view(self, v.data(), v.size());
          },
          "[G, 2] sum and sum of squares of cynicism C(t) over organisations.")
      .def_property_readonly(
          "trust",
          [](py::handle self) {
            const auto& v = tally_of(self).trust;
            return moments_view(self, v.data(), v.size());
          },
          "[G, 2] sum and sum of squares of customer trust T(t) over organisations.")
      .def_property_readonly(
          "cynicism_hist",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).cynicism_hist, PortfolioTally::kLevelBins);
          },
          "[G, level_bins] organisations by C(t) in level_bins bins on [0, 1] (the last "
          "holding exactly 1).")
      .def_property_readonly(
          "trust_hist",
          [](py::handle self) {
            return matrix_view(self, tally_of(self).trust_hist, PortfolioTally::kLevelBins);
          },
          "[G, level_bins] organisations by T(t), binned like cynicism_hist.")
      .def_property_readonly(
          "exits", [](py::handle self) { return readonly_view(self, tally_of(self).exits); },
          "[L] sponsor exits per level.")
      .def_property_readonly(
          "sponsoring_exits",
          [](py::handle self) { return readonly_view(self, tally_of(self).sponsoring_exits); },
          "[L] sponsor exits that orphaned at least one live programme.")
      .def_property_readonly(
          "orphaned", [](py::handle self) { return readonly_view(self, tally_of(self).orphaned); },
          "[L] programmes orphaned by the exits of each level.")
      .def_property_readonly(
          "lost", [](py::handle self) { return readonly_view(self, tally_of(self).lost); },
          "[L] of those, programmes the exit ended.")
      .def_property_readonly(
          "orphaned_hist",
          [](py::handle self) { return readonly_view(self, tally_of(self).orphaned_hist); },
          "h[m]: sponsoring exits that orphaned m programmes.")
      .def_property_readonly(
          "events", [](const PortfolioTally& t) { return t.events; },
          "Events simulated over all organisations.")
      .def_property_readonly(
          "checkpoint_n",
          [](py::handle self) { return readonly_view(self, tally_of(self).checkpoint_n); },
          "Organisations at each checkpoint (batch end).")
      .def_property_readonly(
          "checkpoint_completed",
          [](py::handle self) { return readonly_view(self, tally_of(self).checkpoint_completed); },
          "Programmes completed so far at each checkpoint.");
  m.attr("portfolio_level_bins") = PortfolioTally::kLevelBins;
}

void register_summary_class(py::module_& m) {
  py::class_<PortfolioSummary> cls(m, "PortfolioSummary", R"doc(
Statistics derived from a PortfolioTally (what `progsurv portfolio` prints and writes under
/ranks, /templates, /organisation, /grid and /exits), with 95% intervals: Wilson for
shares (by template: at the effective sample size, template_interval_method), mean ± 1.96
SE for means per organisation. Arrays are read-only views into this
summary; estimates are (n, 3) arrays (estimate, lower, upper).
)doc");
  cls.def_property_readonly(
         "n", [](const PortfolioSummary& s) { return s.n; }, "Organisations.")
      .def_property_readonly(
          "grid", [](py::handle self) { return readonly_view(self, summary_of(self).grid); },
          "The time grid, months.")
      .def_property_readonly(
          "rank_launched",
          [](py::handle self) { return readonly_view(self, summary_of(self).rank_launched); },
          "[K] organisations that launched a k-th programme.")
      .def_property_readonly(
          "rank_share",
          [](py::handle self) { return category_share_view(self, summary_of(self).rank_share); },
          "[K, 8, 3] share of k-th programmes in each end category (by category_names), "
          "among organisations that launched one.")
      .def_property_readonly(
          "rank_value",
          [](py::handle self) {
            const auto& v = summary_of(self).rank_value;
            return estimate_view(self, v.data(), v.size());
          },
          "[K, 3] mean value of the k-th programme.")
      .def_property_readonly(
          "rank_reached",
          [](py::handle self) {
            const auto& v = summary_of(self).rank_reached;
            return estimate_view(self, v.data(), v.size());
          },
          "[K, 3] P(the organisation launched a k-th programme).")
      .def_property_readonly(
          "within", [](const PortfolioSummary& s) { return s.within; },
          "compare_within: months after each launch over which ranks are also compared.")
      .def_property_readonly(
          "rank_within_share",
          [](py::handle self) {
            return category_share_view(self, summary_of(self).rank_within_share);
          },
          "[K, 8, 3] share of k-th programmes launched by horizon - within in each end "
          "category within `within` months of their launch (running if later).")
      .def_property_readonly(
          "rank_within_reached",
          [](py::handle self) {
            const auto& v = summary_of(self).rank_within_reached;
            return estimate_view(self, v.data(), v.size());
          },
          "[K, 3] P(the organisation launched a k-th programme by horizon - within).")
      .def_property_readonly(
          "template_names", [](const PortfolioSummary& s) { return s.template_names; },
          "The programme templates' names, in the portfolio's order (the rows of the "
          "template_* arrays).")
      .def_property_readonly(
          "template_launched",
          [](py::handle self) { return readonly_view(self, summary_of(self).template_launched); },
          "[T] programmes launched from each template, all organisations together.")
      .def_property_readonly(
          "template_launched_per_organisation",
          [](py::handle self) {
            return readonly_view(self, summary_of(self).template_launched_per_org);
          },
          "[T] programmes launched from each template per organisation (mean).")
      .def_property_readonly(
          "template_value",
          [](py::handle self) {
            const auto& v = summary_of(self).template_value;
            return estimate_view(self, v.data(), v.size());
          },
          "[T, 3] value banked per programme launched from each template: mean, lower, upper "
          "(normal interval of a ratio over organisations; NaN from a file before format 1.3 "
          "and for a template never launched).")
      .def_property_readonly(
          "template_share",
          [](py::handle self) {
            return category_share_view(self, summary_of(self).template_share);
          },
          "[T, 8, 3] share of each template's launched programmes in each end category (by "
          "category_names), with 95% intervals by template_interval_method; NaN for a template "
          "never launched.")
      .def_readonly("template_interval_method", &PortfolioSummary::template_interval_method,
                    "How template_share's intervals are made: 'wilson-effective-size' (a ratio "
                    "over organisations, whose programmes share sponsors: Wilson at the effective "
                    "sample size) or, from a file before format 1.3, 'wilson' (programmes taken "
                    "as independent).")
      .def_property_readonly(
          "launched", [](const PortfolioSummary& s) { return estimate_tuple(s.launched); },
          "Programmes launched per organisation: (mean, lower, upper).")
      .def_property_readonly(
          "ended", [](const PortfolioSummary& s) { return estimate_tuple(s.ended); },
          "Programmes ended early (any cause) per organisation: (mean, lower, upper).")
      .def_property_readonly(
          "value", [](const PortfolioSummary& s) { return estimate_tuple(s.value); },
          "Total value per organisation: (mean, lower, upper).")
      .def_property_readonly(
          "per_category",
          [](py::handle self) {
            const auto& v = summary_of(self).per_category;
            return estimate_view(self, v.data(), v.size());
          },
          "[8, 3] programmes per organisation in each end category: mean, lower, upper.")
      .def_property_readonly(
          "quantile_levels",
          [](const PortfolioSummary&) {
            return std::vector<double>(kPortfolioQuantiles.begin(), kPortfolioQuantiles.end());
          },
          "The quantile levels (0.1, 0.5, 0.9) of the *_quantiles arrays.")
      .def_property_readonly(
          "completed_quantiles",
          [](py::handle self) { return readonly_view(self, summary_of(self).completed_quantiles); },
          "P10, P50, P90 of programmes completed per organisation.")
      .def_property_readonly(
          "value_quantiles",
          [](py::handle self) { return readonly_view(self, summary_of(self).value_quantiles); },
          "P10, P50, P90 of total value per organisation (lower bin edges).")
      .def_property_readonly(
          "live_mean",
          [](py::handle self) { return readonly_view(self, summary_of(self).live_mean); },
          "[G] mean programmes live (scoping or running) at each grid time.")
      .def(
          "cumulative",
          [](py::handle self, const py::object& category) {
            return readonly_view(self, summary_of(self).cumulative[category_index(category)]);
          },
          py::arg("category"),
          "Returns a [G] view: mean programmes per organisation in `category` (a name of "
          "category_names or its index) by each grid time.")
      .def_property_readonly(
          "cynicism_mean",
          [](py::handle self) { return readonly_view(self, summary_of(self).cynicism_mean); },
          "[G] mean cynicism C(t).")
      .def_property_readonly(
          "trust_mean",
          [](py::handle self) { return readonly_view(self, summary_of(self).trust_mean); },
          "[G] mean customer trust T(t).")
      .def_property_readonly(
          "cynicism_quantiles",
          [](py::handle self) {
            const auto& q = summary_of(self).cynicism_quantiles;
            return py::make_tuple(readonly_view(self, q[0]), readonly_view(self, q[1]),
                                  readonly_view(self, q[2]));
          },
          "([G] P10, [G] P50, [G] P90) of C(t) (lower edges of 0.001-wide bins).")
      .def_property_readonly(
          "trust_quantiles",
          [](py::handle self) {
            const auto& q = summary_of(self).trust_quantiles;
            return py::make_tuple(readonly_view(self, q[0]), readonly_view(self, q[1]),
                                  readonly_view(self, q[2]));
          },
          "([G] P10, [G] P50, [G] P90) of T(t).")
      .def_property_readonly(
          "exits_per_organisation",
          [](const PortfolioSummary& s) { return s.exits_per_org.estimate; },
          "Sponsor exits per organisation over the horizon.")
      .def_property_readonly(
          "sponsoring_exits_per_organisation",
          [](const PortfolioSummary& s) { return s.sponsoring_exits_per_org.estimate; },
          "Sponsor exits per organisation that orphaned a live programme.")
      .def_property_readonly(
          "orphaned_per_exit", [](const PortfolioSummary& s) { return s.orphaned_per_exit; },
          "Programmes orphaned per sponsoring exit (NaN when none).")
      .def_property_readonly(
          "lost_per_exit", [](const PortfolioSummary& s) { return s.lost_per_exit; },
          "Programmes lost per sponsoring exit (NaN when none).")
      .def_property_readonly(
          "orphaned_per_exit_by_level",
          [](py::handle self) {
            return readonly_view(self, summary_of(self).orphaned_per_exit_by_level);
          },
          "[L] programmes orphaned per sponsoring exit, by level.")
      .def_property_readonly(
          "lost_per_exit_by_level",
          [](py::handle self) {
            return readonly_view(self, summary_of(self).lost_per_exit_by_level);
          },
          "[L] programmes lost per sponsoring exit, by level.");

  m.def(
      "summarize", [](const PortfolioTally& t) { return summarize(t); }, py::arg("tally"),
      "Returns the PortfolioSummary derived from a PortfolioTally (result.tally).");
}

void register_result_class(py::module_& m) {
  py::class_<PortfolioResult> cls(m, "PortfolioResult", R"doc(
The raw result of a portfolio run or of a portfolio file: the portfolio, the seed and the
raw PortfolioTally. Use progsurv.PortfolioResult, which adds the summary, DataFrames and
plots.
)doc");
  cls.def(py::init([](PortfolioResult& other) {
            return std::make_unique<PortfolioResult>(std::move(other));
          }),
          py::arg("other"),
          "Take over the contents of `other` (left empty) without copying. For subclasses: "
          "`other` must have no arrays outstanding.")
      .def_property_readonly(
          "portfolio", [](const PortfolioResult& r) { return r.portfolio; },
          "A copy of the portfolio that was run (read from a file: without templates).")
      .def_property_readonly(
          "seed", [](const PortfolioResult& r) { return r.seed; }, "The random seed.")
      .def_property_readonly(
          "precision", [](const PortfolioResult& r) { return r.precision; },
          "The target half-width of a precision run; 0 for a fixed count.")
      .def_property_readonly(
          "n", [](const PortfolioResult& r) { return r.tally.n; }, "Organisations run.")
      .def_property_readonly(
          "sharing", [](const PortfolioResult& r) { return sharing_dict(r.sharing); },
          "What the organisation shared {cynicism, trust, posts, budget: bool}.")
      .def_property_readonly(
          "tally", [](const PortfolioResult& r) -> const PortfolioTally& { return r.tally; },
          py::return_value_policy::reference_internal,
          "The raw PortfolioTally (a view that keeps this result alive).")
      .def(
          "format_summary", [](const PortfolioResult& r) { return format_portfolio_summary(r); },
          "Returns the summary text `progsurv portfolio` prints.");

  m.def(
      "run_portfolio",
      [](const Portfolio& portfolio, std::int64_t organisations, std::uint64_t seed, int threads,
         double precision, std::int64_t max_organisations, const py::dict& sharing,
         const py::object& progress) {
        RunOptions options;
        options.seed = seed;
        options.replications = organisations;
        options.threads = threads;
        options.precision = precision;
        options.max_replications = max_organisations;
        Sharing share;
        for (const auto item : sharing) {
          const std::string key = py::str(item.first).cast<std::string>();
          const bool on = item.second.cast<bool>();
          if (key == "cynicism") {
            share.cynicism = on;
          } else if (key == "trust") {
            share.trust = on;
          } else if (key == "posts") {
            share.posts = on;
          } else if (key == "budget") {
            share.budget = on;
          } else {
            throw py::key_error("sharing: unknown key '" + key +
                                "'; keys are cynicism, trust, posts, budget");
          }
        }
        return run_portfolio_engine(portfolio, std::move(options), share, progress);
      },
      py::arg("portfolio"), py::arg("organisations"), py::arg("seed"), py::arg("threads"),
      py::arg("precision"), py::arg("max_organisations"), py::arg("sharing") = py::dict(),
      py::arg("progress") = py::none(), R"doc(
Run organisations without the GIL (use progsurv.portfolio). `progress(done, planned)` is
called between batches; returning False stops the run with KeyboardInterrupt, as does
Ctrl-C. Returns a raw PortfolioResult.
)doc");

  m.attr("organisation_chunk") = kOrganisationChunk;
  m.attr("portfolio_filetype") = kPortfolioFiletype;
  m.attr("portfolio_format_version") =
      py::make_tuple(kPortfolioFormatVersionMajor, kPortfolioFormatVersionMinor);
  m.def(
      "write_portfolio_result",
      [](const std::filesystem::path& path, const PortfolioResult& result) {
        write_portfolio_result(path.string(), result);
      },
      py::arg("path"), py::arg("result"), py::call_guard<py::gil_scoped_release>(),
      "Write `result` to a portfolio HDF5 file (atomically). Returns None.");
  m.def(
      "read_portfolio_result",
      [](const std::filesystem::path& path) { return read_portfolio_result(path.string()); },
      py::arg("path"), py::call_guard<py::gil_scoped_release>(),
      "Read a portfolio file written by `progsurv portfolio` or PortfolioResult.to_hdf5. "
      "Returns a raw PortfolioResult; raises FileFormatError for a foreign, newer or damaged "
      "file.");
}

}  // namespace

void register_portfolio(py::module_& m) {
  m.attr("default_max_organisations") = kDefaultMaxOrganisations;
  register_portfolio_class(m);
  register_tally_class(m);
  register_summary_class(m);
  register_result_class(m);
}

}  // namespace progsurv::python
