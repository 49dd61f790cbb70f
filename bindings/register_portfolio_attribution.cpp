// progsurv._core.attribute_portfolio (what each sharing of a portfolio costs, and the file
// `progsurv attribute PORTFOLIO -o` writes, without the GIL) and
// read_portfolio_attribution: such a file (docs/portfolio-attribution.md) as columns;
// progsurv/_portfolio_attribution.py builds the DataFrames.
#include <pybind11/stl.h>

#include <cmath>
#include <iterator>

#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/io/version.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {

namespace {

// One row per (knock-out or Shapley part, statistic): what switching it off changes.
void add_row(py::dict& columns, const std::string& part, const std::string& kind,
             const std::string& statistic, const PairedDelta& d) {
  const auto push = [&](const char* name, const py::object& value) {
    columns[name].cast<py::list>().append(value);
  };
  push("part", py::str(part));
  push("kind", py::str(kind));
  push("statistic", py::str(statistic));
  push("base", py::float_(d.base));
  push("variant", py::float_(d.knocked_out));
  push("cost", py::float_(d.delta.estimate));
  push("lower", py::float_(d.delta.lower));
  push("upper", py::float_(d.delta.upper));
  push("se", py::float_(d.se));
}

py::dict columns_of(const char* const* names, std::size_t count) {
  py::dict d;
  for (std::size_t i = 0; i < count; ++i) d[names[i]] = py::list();
  return d;
}

// A portfolio attribution as columns (progsurv/_portfolio_attribution.py builds its frames).
py::dict attribution_columns(const PortfolioAttribution& r) {
  static const char* const kColumns[] = {"part", "kind",  "statistic", "base", "variant",
                                         "cost", "lower", "upper",     "se"};
  py::dict per_org = columns_of(kColumns, std::size(kColumns));
  py::dict per_rank = columns_of(kColumns, std::size(kColumns));
  py::list launched;
  for (std::size_t k = 0; k < r.ranks(); ++k) launched.append(r.rank_launched(k));
  for (int k = 0; k < kSharingKnockoutCount; ++k) {
    const auto ko = static_cast<SharingKnockout>(k);
    for (int s = 0; s < kOrganisationStatCount; ++s)
      add_row(per_org, to_string(ko), "switched off", to_string(static_cast<OrganisationStat>(s)),
              r.cost(ko, static_cast<OrganisationStat>(s)));
    for (std::size_t rank = 0; rank < r.ranks(); ++rank)
      add_row(per_rank, to_string(ko), "switched off", std::to_string(rank + 1),
              r.rank_cost(ko, rank));
  }
  if (r.shapley)
    for (int k = 0; k < kSharingCount; ++k) {
      const auto ko = static_cast<SharingKnockout>(k);
      for (int s = 0; s < kOrganisationStatCount; ++s)
        add_row(per_org, to_string(ko), "shapley", to_string(static_cast<OrganisationStat>(s)),
                r.shapley_cost(ko, static_cast<OrganisationStat>(s)));
      for (std::size_t rank = 0; rank < r.ranks(); ++rank)
        add_row(per_rank, to_string(ko), "shapley", std::to_string(rank + 1),
                r.rank_shapley_cost(ko, rank));
    }
  py::dict descriptions;
  for (int k = 0; k < kSharingKnockoutCount; ++k)
    descriptions[to_string(static_cast<SharingKnockout>(k))] =
        describe(static_cast<SharingKnockout>(k));
  py::dict d;
  d["name"] = r.portfolio.name;
  d["description"] = r.portfolio.description;
  d["source"] = r.portfolio.source;
  d["horizon"] = r.portfolio.horizon;
  d["seed"] = r.seed;
  d["organisations"] = r.n;
  d["shapley"] = r.shapley;
  d["text"] = format_portfolio_attribution(r);
  d["per_organisation"] = per_org;
  d["per_rank"] = per_rank;
  d["rank_launched"] = launched;
  d["descriptions"] = descriptions;
  return d;
}

}  // namespace

void register_portfolio_attribution(py::module_& m) {
  m.def(
      "attribute_portfolio",
      [](const Portfolio& portfolio, const std::string& output, std::int64_t organisations,
         std::uint64_t seed, int threads, bool shapley, const py::object& progress) {
        PortfolioAttributionOptions opt;
        opt.seed = seed;
        opt.organisations = organisations;
        opt.threads = threads;
        opt.shapley = shapley;
        const PortfolioAttribution r =
            run_without_gil(opt, progress, [&] { return attribute_portfolio(portfolio, opt); });
        if (!output.empty()) write_portfolio_attribution(output, r);
        return attribution_columns(r);
      },
      py::arg("portfolio"), py::arg("output"), py::arg("organisations"), py::arg("seed"),
      py::arg("threads") = 0, py::arg("shapley") = true, py::arg("progress") = py::none(),
      "What each sharing of `portfolio` costs, over `organisations` organisations, written to "
      "`output` (when not empty) as `progsurv attribute PORTFOLIO -o` writes it (through the "
      "safe writer); returns its columns as read_portfolio_attribution gives them (use "
      "progsurv.attribute_portfolio). The GIL is released while it runs.");
  m.def(
      "read_portfolio_attribution",
      [](const std::string& path) { return attribution_columns(read_portfolio_attribution(path)); },
      py::arg("path"),
      "A portfolio attribution file as columns (use progsurv.load or "
      "progsurv.load_portfolio_attribution).");
  m.attr("portfolio_attribution_filetype") = kPortfolioAttributionFiletype;
}

}  // namespace progsurv::python
