// The progsurv-seek HDF5 file (docs/hdf5-seek-format.md): the answer, the scenario, and
// every evaluated lever value with raw sums, so any interval can be recomputed.
#include <limits>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/analysis/seek.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv {

namespace {
constexpr h5::ResultFormat kSeekFormat{kSeekFiletype, "seek", kSeekFormatVersionMajor,
                                       kSeekFormatVersionMinor, kSeekFormatVersionMajor};
}  // namespace

void write_seek(const std::string& path, const SeekResult& r) {
  h5::write_result_file(path, kSeekFormat, [&](h5::File& f) {
    f.write_attr("seed", r.seed);
    f.write_attr("replications", r.n);
    f.write_attr("lever", r.lever);
    f.write_attr("base_value", r.base_value);
    f.write_attr("range", std::vector<double>{r.low, r.high});
    f.write_attr("range_given", static_cast<std::int32_t>(r.range_given));
    f.write_attr("log_scale", static_cast<std::int32_t>(r.log_scale));
    f.write_attr("integer", static_cast<std::int32_t>(r.integer));
    f.write_attr("tolerance", r.tolerance);
    f.write_attr("target", r.target.text);
    f.write_attr("target_canonical", r.target.describe());
    f.write_attr("direction", r.largest ? "largest" : "smallest");
    f.write_attr("verdict", to_string(r.verdict));
    f.write_attr("value", r.value);
    f.write_attr("interval", std::vector<double>{r.interval_low, r.interval_high});
    f.write_attr("interval_open",
                 std::vector<std::int32_t>{r.interval_low_open, r.interval_high_open});
    f.write_attr("confidence", 0.95);
    f.write_string("scenario", r.scenario.to_yaml());
    f.write_attr("scenario_label", r.scenario.label());  // format 1.1
    h5::write_changes(f, "scenario_changes", r.scenario.changes);
    h5::Group g = f.create_group("points");
    std::vector<double> x, sum, sumsq, bd, bd2, pd, pd2;
    std::vector<std::int64_t> n, order;
    std::vector<std::string> stage;
    for (std::size_t i = 0; i < r.points.size(); ++i) {
      const SeekPoint& p = r.points[i];
      x.push_back(p.x);
      stage.push_back(p.stage);
      n.push_back(p.n);
      order.push_back(static_cast<std::int64_t>(i));
      sum.push_back(p.sum);
      sumsq.push_back(p.sumsq);
      bd.push_back(p.base_dsum);
      bd2.push_back(p.base_dsumsq);
      pd.push_back(p.prev_dsum);
      pd2.push_back(p.prev_dsumsq);
    }
    g.write_dataset("order", order);
    g.write_strings("stage", stage);
    g.write_dataset("x", x);
    g.write_dataset("n", n);
    g.write_dataset("sum", sum);
    g.write_dataset("sumsq", sumsq);
    g.write_dataset("base_dsum", bd);
    g.write_dataset("base_dsumsq", bd2);
    g.write_dataset("prev_dsum", pd);
    g.write_dataset("prev_dsumsq", pd2);
  });
}

SeekResult read_seek(const std::string& path) {
  const auto bad = [&](const std::string& what) -> FileFormatError {
    return FileFormatError(path + ": " + what);
  };
  return h5::read_result_file(path, kSeekFormat, [&](const h5::File& f, h5::FormatVersion) {
    SeekResult r;
    r.scenario = Scenario::from_yaml(f.read_string("scenario"), path + ":/scenario");
    h5::read_changes(f, "scenario_changes", r.scenario.changes);
    r.seed = f.read_attr<std::uint64_t>("seed");
    r.n = f.read_attr<std::int64_t>("replications");
    r.lever = f.read_attr_string("lever");
    r.base_value = f.read_attr<double>("base_value");
    const auto range = f.read_attr_vector<double>("range");
    if (range.size() != 2) throw bad("attribute range is not [2]");
    r.low = range[0];
    r.high = range[1];
    r.range_given = f.read_attr<std::int32_t>("range_given") != 0;
    r.log_scale = f.read_attr<std::int32_t>("log_scale") != 0;
    r.integer = f.read_attr<std::int32_t>("integer") != 0;
    r.tolerance = f.read_attr<double>("tolerance");
    try {
      r.target = Target::parse_stored(f.read_attr_string("target"));
    } catch (const UsageError& e) {
      throw bad(std::string("attribute target: ") + e.what());
    }
    const std::string direction = f.read_attr_string("direction");
    if (direction != "smallest" && direction != "largest")
      throw bad("attribute direction is '" + direction + "', not smallest or largest");
    r.largest = direction == "largest";
    try {
      r.verdict = seek_verdict_from_string(f.read_attr_string("verdict"));
    } catch (const std::invalid_argument& e) {
      throw bad(std::string("attribute verdict: ") + e.what());
    }
    r.value = f.read_attr<double>("value");
    const auto interval = f.read_attr_vector<double>("interval");
    const auto open = f.read_attr_vector<std::int32_t>("interval_open");
    if (interval.size() != 2 || open.size() != 2) throw bad("attribute interval is not [2]");
    r.interval_low = interval[0];
    r.interval_high = interval[1];
    r.interval_low_open = open[0] != 0;
    r.interval_high_open = open[1] != 0;
    const h5::Group g = f.open_group("points");
    const auto stage = g.read_strings("stage");
    const std::size_t m = stage.size();
    const auto column = [&](const std::string& name) {
      std::vector<double> v = g.read_dataset<double>(name);
      if (v.size() != m) throw bad("/points/" + name + " has the wrong size");
      return v;
    };
    const auto x = column("x"), sum = column("sum"), sumsq = column("sumsq"),
               bd = column("base_dsum"), bd2 = column("base_dsumsq"), pd = column("prev_dsum"),
               pd2 = column("prev_dsumsq");
    const auto n = g.read_dataset<std::int64_t>("n");
    if (n.size() != m) throw bad("/points/n has the wrong size");
    if (m == 0 || stage[0] != "base") throw bad("/points does not start with the base");
    for (std::size_t i = 0; i < m; ++i) {
      if (stage[i] != "base" && stage[i] != "scan" && stage[i] != "bisect")
        throw bad("/points/stage has '" + stage[i] + "'");
      if (n[i] < 1) throw bad("/points/n is not positive");
      r.points.push_back({x[i], stage[i], n[i], sum[i], sumsq[i], bd[i], bd2[i], pd[i], pd2[i]});
    }
    return r;
  });
}

}  // namespace progsurv
