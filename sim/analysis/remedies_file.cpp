// The remedies result file (docs/hdf5-remedies-format.md): raw sums per bundle, from which
// every statistic shown is derived, written in one piece through the safe writer.
#include <cmath>
#include <limits>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/analysis/remedies.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr h5::ResultFormat kRemediesFormat{kRemediesFiletype, "remedies",
                                           kRemediesFormatVersionMajor, kRemediesFormatVersionMinor,
                                           kRemediesFormatVersionMajor};
}  // namespace

void write_remedies(const std::string& path, const RemediesResult& r) {
  h5::write_result_file(path, kRemediesFormat, [&](h5::File& f) {
    f.write_attr("seed", r.seed);
    f.write_attr("unit", r.remedies.unit);
    f.write_attr("target", r.target ? r.target->text : std::string());
    f.write_attr("budget", r.budget ? *r.budget : kNaN);
    f.write_attr("metric", r.metric);
    f.write_attr("direction", r.maximise ? "maximise" : "minimise");
    f.write_attr("alpha", r.alpha);
    f.write_attr("delta", r.delta);
    f.write_attr("epsilon", r.epsilon);
    f.write_attr("h2", r.h2);
    f.write_attr("batch", r.batch);
    f.write_attr("n0", r.n0);
    f.write_attr("max_observations", r.max_observations);
    f.write_attr("search", r.search);
    f.write_attr("bundles_in_space", r.space);
    f.write_attr("termination", to_string(r.termination));
    f.write_attr("converged", static_cast<std::int32_t>(r.termination == Termination::Converged));
    f.write_attr("replications", r.replications);
    f.write_attr("equal_allocation_replications", r.equal_replications);
    f.write_attr("best", static_cast<std::int32_t>(r.best));
    f.write_attr("chosen", static_cast<std::int32_t>(r.chosen));
    f.write_attr("runner_up", static_cast<std::int32_t>(r.runner_up));
    // Format 1.2: a search on a portfolio keeps the portfolio (templates inline) instead.
    f.write_attr("base_kind", r.is_portfolio() ? "portfolio" : "scenario");
    if (r.portfolio) {
      f.write_string("portfolio", r.portfolio->yaml_text);
      f.write_attr("portfolio_label", r.portfolio->label());
      h5::write_changes(f, "portfolio_changes", r.portfolio->changes);
    } else {
      f.write_string("scenario", r.scenario.to_yaml());
      f.write_attr("scenario_label", r.scenario.label());  // format 1.1
      h5::write_changes(f, "scenario_changes", r.scenario.changes);
    }
    f.write_string("remedies_file", r.remedies.text);

    h5::Group g = f.create_group("remedies");
    std::vector<std::string> names, descriptions, option_names, option_descriptions;
    std::vector<std::int32_t> option_remedy;
    std::vector<double> option_cost;
    for (std::size_t i = 0; i < r.remedies.remedies.size(); ++i) {
      const Remedy& remedy = r.remedies.remedies[i];
      names.push_back(remedy.name);
      descriptions.push_back(remedy.description);
      for (const RemedyChoice& o : remedy.options) {
        option_remedy.push_back(static_cast<std::int32_t>(i));
        option_names.push_back(o.name);
        option_descriptions.push_back(o.description);
        option_cost.push_back(o.cost);
      }
    }
    g.write_strings("name", names);
    g.write_strings("description", descriptions);
    g.write_dataset("option_remedy", option_remedy);
    g.write_strings("option_name", option_names);
    g.write_strings("option_description", option_descriptions);  // format 1.3
    g.write_dataset("option_cost", option_cost);

    h5::Group b = f.create_group("bundles");
    const std::size_t k = r.bundles.size(), m = r.remedies.remedies.size();
    std::vector<std::string> labels, feasibility;
    std::vector<double> cost, x, x2, d, d2, p_meets;
    std::vector<std::int64_t> n;
    std::vector<std::int32_t> choice, takes_part, eliminated_by;
    for (const BundleResult& br : r.bundles) {
      labels.push_back(br.bundle.label);
      cost.push_back(br.bundle.cost);
      for (int c : br.bundle.choice) choice.push_back(c);
      takes_part.push_back(br.takes_part ? 1 : 0);
      n.push_back(br.sums.n);
      x.push_back(br.sums.x);
      x2.push_back(br.sums.x2);
      d.push_back(br.sums.d);
      d2.push_back(br.sums.d2);
      eliminated_by.push_back(br.eliminated_by);
      feasibility.push_back(to_string(br.feasibility));
      p_meets.push_back(br.p_meets);
    }
    b.write_strings("label", labels);
    b.write_dataset("cost", cost);
    b.write_dataset("choice", choice, {k, m});
    b.write_dataset("takes_part", takes_part);
    b.write_dataset("observations", n);
    b.write_dataset("sum", x);
    b.write_dataset("sum_squares", x2);
    b.write_dataset("diff_sum", d);
    b.write_dataset("diff_sum_squares", d2);
    b.write_dataset("eliminated_by", eliminated_by);
    b.write_strings("feasibility", feasibility);
    b.write_dataset("p_meets", p_meets);

    std::vector<std::int32_t> frontier(r.frontier.begin(), r.frontier.end());
    f.write_dataset("frontier", frontier);

    h5::Group s = f.create_group("shapley");
    s.write_attr("bundle", static_cast<std::int32_t>(r.shapley_of));
    s.write_attr("replications", r.shapley_replications);
    std::vector<std::int32_t> remedy;
    std::vector<std::string> label;
    std::vector<double> share, lower, upper, se;
    for (const RemedyShare& rs : r.shapley) {
      remedy.push_back(rs.remedy);
      label.push_back(rs.label);
      share.push_back(rs.share.delta.estimate);
      lower.push_back(rs.share.delta.lower);
      upper.push_back(rs.share.delta.upper);
      se.push_back(rs.share.se);
    }
    s.write_dataset("remedy", remedy);
    s.write_strings("label", label);
    s.write_dataset("share", share);
    s.write_dataset("share_lower", lower);
    s.write_dataset("share_upper", upper);
    s.write_dataset("share_se", se);
    const PairedDelta& t = r.shapley_total;
    s.write_dataset("total", std::vector<double>{t.base, t.knocked_out, t.delta.estimate,
                                                 t.delta.lower, t.delta.upper, t.se});
  });
}

RemediesResult read_remedies(const std::string& path) {
  const auto bad = [&](const std::string& what) -> FileFormatError {
    return FileFormatError(path + ": " + what);
  };
  // The file's inputs are read back with their own readers: an error there is the file's.
  try {
    return h5::read_result_file(path, kRemediesFormat, [&](const h5::File& f, h5::FormatVersion v) {
      RemediesResult r;
      // Before 1.2 every file is a scenario's.
      const bool on_portfolio = !v.before(1, 2) && f.read_attr_string("base_kind") == "portfolio";
      if (on_portfolio) {
        r.portfolio = Portfolio::from_yaml(f.read_string("portfolio"), path + ":/portfolio");
        h5::read_changes(f, "portfolio_changes", r.portfolio->changes);
        r.remedies = RemedySet::from_yaml(f.read_string("remedies_file"), path + ":/remedies_file",
                                          *r.portfolio);
      } else {
        r.scenario = Scenario::from_yaml(f.read_string("scenario"), path + ":/scenario");
        h5::read_changes(f, "scenario_changes", r.scenario.changes);
        r.remedies = RemedySet::from_yaml(f.read_string("remedies_file"), path + ":/remedies_file",
                                          r.scenario);
      }
      r.seed = f.read_attr<std::uint64_t>("seed");
      const std::string target = f.read_attr_string("target");
      if (!target.empty()) r.target = Target::parse_stored(target, on_portfolio);
      const double budget = f.read_attr<double>("budget");
      if (!std::isnan(budget)) r.budget = budget;
      r.metric = f.read_attr_string("metric");
      (void)Goal::parse(r.metric, on_portfolio);
      r.maximise = f.read_attr_string("direction") == "maximise";
      r.alpha = f.read_attr<double>("alpha");
      r.delta = f.read_attr<double>("delta");
      r.epsilon = f.read_attr<double>("epsilon");
      r.h2 = f.read_attr<double>("h2");
      r.batch = f.read_attr<std::int64_t>("batch");
      r.n0 = f.read_attr<std::int64_t>("n0");
      r.max_observations = f.read_attr<std::int64_t>("max_observations");
      r.search = f.read_attr_string("search");
      r.space = f.read_attr<std::uint64_t>("bundles_in_space");
      const std::string termination = f.read_attr_string("termination");
      r.termination = termination == to_string(Termination::Capped)  ? Termination::Capped
                      : termination == to_string(Termination::Fixed) ? Termination::Fixed
                                                                     : Termination::Converged;
      r.replications = f.read_attr<std::int64_t>("replications");
      r.equal_replications = f.read_attr<std::int64_t>("equal_allocation_replications");
      r.best = f.read_attr<std::int32_t>("best");
      r.chosen = f.read_attr<std::int32_t>("chosen");
      r.runner_up = f.read_attr<std::int32_t>("runner_up");

      const h5::Group b = f.open_group("bundles");
      const auto labels = b.read_strings("label");
      const std::size_t k = labels.size(), m = r.remedies.remedies.size();
      const auto sized = [&](auto v, const char* name) {
        if (v.size() != k) throw bad(std::string("/bundles/") + name + " has the wrong size");
        return v;
      };
      const auto cost = sized(b.read_dataset<double>("cost"), "cost");
      const auto choice = b.read_dataset<std::int32_t>("choice");
      if (choice.size() != k * m) throw bad("/bundles/choice has the wrong size");
      const auto takes = sized(b.read_dataset<std::int32_t>("takes_part"), "takes_part");
      const auto n = sized(b.read_dataset<std::int64_t>("observations"), "observations");
      const auto x = sized(b.read_dataset<double>("sum"), "sum");
      const auto x2 = sized(b.read_dataset<double>("sum_squares"), "sum_squares");
      const auto d = sized(b.read_dataset<double>("diff_sum"), "diff_sum");
      const auto d2 = sized(b.read_dataset<double>("diff_sum_squares"), "diff_sum_squares");
      const auto by = sized(b.read_dataset<std::int32_t>("eliminated_by"), "eliminated_by");
      const auto feas = sized(b.read_strings("feasibility"), "feasibility");
      const auto p = sized(b.read_dataset<double>("p_meets"), "p_meets");
      for (std::size_t s = 0; s < k; ++s) {
        BundleResult br;
        br.bundle.choice.assign(choice.begin() + static_cast<std::ptrdiff_t>(s * m),
                                choice.begin() + static_cast<std::ptrdiff_t>((s + 1) * m));
        br.bundle.cost = cost[s];
        br.bundle.label = labels[s];
        br.takes_part = takes[s] != 0;
        br.sums = {n[s], x[s], x2[s], d[s], d2[s]};
        br.eliminated_by = by[s];
        for (Feasibility v : {Feasibility::NotChecked, Feasibility::Undecided,
                              Feasibility::Feasible, Feasibility::Infeasible})
          if (feas[s] == to_string(v)) br.feasibility = v;
        br.p_meets = p[s];
        r.bundles.push_back(br);
      }
      const auto index_ok = [&](std::int64_t i) {
        return i >= -1 && i < static_cast<std::int64_t>(k);
      };
      for (const auto i : f.read_dataset<std::int32_t>("frontier")) {
        if (i < 0 || !index_ok(i)) throw bad("/frontier names no bundle");
        r.frontier.push_back(i);
      }
      if (k == 0 || !index_ok(r.best) || !index_ok(r.chosen) || !index_ok(r.runner_up))
        throw bad("the bundles chosen name no bundle");

      const h5::Group s = f.open_group("shapley");
      r.shapley_of = s.read_attr<std::int32_t>("bundle");
      if (!index_ok(r.shapley_of)) throw bad("/shapley names no bundle");
      r.shapley_replications = s.read_attr<std::int64_t>("replications");
      const auto remedy = s.read_dataset<std::int32_t>("remedy");
      const auto label = s.read_strings("label");
      const auto share = s.read_dataset<double>("share"),
                 lower = s.read_dataset<double>("share_lower"),
                 upper = s.read_dataset<double>("share_upper"),
                 se = s.read_dataset<double>("share_se");
      if (label.size() != remedy.size() || share.size() != remedy.size() ||
          lower.size() != remedy.size() || upper.size() != remedy.size() ||
          se.size() != remedy.size())
        throw bad("/shapley columns differ in size");
      for (std::size_t j = 0; j < remedy.size(); ++j) {
        RemedyShare rs;
        rs.remedy = remedy[j];
        rs.label = label[j];
        rs.share = {kNaN, kNaN, {share[j], lower[j], upper[j]}, se[j]};
        r.shapley.push_back(rs);
      }
      const auto t = s.read_dataset<double>("total");
      if (t.size() != 6) throw bad("/shapley/total is not [6]");
      r.shapley_total = {t[0], t[1], {t[2], t[3], t[4]}, t[5]};
      return r;
    });
  } catch (const ScenarioError& e) {
    throw FileFormatError("progsurv remedies file " + path +
                          " holds an unreadable input: " + e.what());
  } catch (const UsageError& e) {
    throw FileFormatError("progsurv remedies file " + path +
                          " names an unknown metric or target: " + e.what());
  }
}

}  // namespace progsurv
