// Sweep files (docs/sweep-format.md): parsing with located errors, the canonical resolved
// text and its fingerprint, and the design points.
// Over 800 lines on purpose: it is the reader of one file format, one class (SweepReader)
// whose parts (base, design, parameters, metrics, points) share its located-error state and
// the parsed base; cutting it into files would only move that class into a header. The
// sweep's running, journal and result file are in sweep.cpp, sweep_journal.cpp and
// sweep_result_file.cpp.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

#include "progsurv/analysis/sensitivity.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/io/fnv1a.hpp"
#include "progsurv/io/version.hpp"
#include "scenario/distribution_yaml.hpp"
#include "scenario/scenario_reader.hpp"
#include "scenario/text_file.hpp"

namespace progsurv {

using yaml_detail::describe_node;
using yaml_detail::Field;
using yaml_detail::flow_text;
using yaml_detail::format_double;
using yaml_detail::join_path;
using yaml_detail::load_yaml;
using yaml_detail::MapReader;
using yaml_detail::Reader;
using yaml_detail::suggest;
using yaml_detail::throw_at_mark;

const char* to_string(SweepBaseKind k) {
  return k == SweepBaseKind::Portfolio ? "portfolio" : "scenario";
}

const char* to_string(SweepDesign d) {
  switch (d) {
    case SweepDesign::Grid:
      return "grid";
    case SweepDesign::Oat:
      return "oat";
    case SweepDesign::Lhs:
      return "lhs";
    case SweepDesign::Sobol:
      return "sobol";
    case SweepDesign::Morris:
      return "morris";
  }
  return "unknown";
}

namespace {

// A metric in the resolved text: its name when it takes no argument, else {stem: argument},
// the argument written by `write_arg` (scenario and portfolio statistics alike).
template <class Statistic, class WriteArg>
void emit_statistic(YAML::Emitter& e, const std::string& name, const Statistic& st,
                    WriteArg write_arg) {
  if (st.arg() == Statistic::Arg::None) {
    e << name;
    return;
  }
  e << YAML::Flow << YAML::BeginMap << YAML::Key << st.stem() << YAML::Value;
  write_arg();
  e << YAML::EndMap;
}

// Why `path` cannot be read as a file: missing, a folder, or something else.
std::string why_not_a_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) return "is a folder, not a file";
  if (std::filesystem::exists(status)) return "is not a regular file";
  return "not found";
}

// More points than this is a typo in a grid, not a plan: 10^7 points of 10^4 replications
// would run for weeks.
constexpr double kMaxPoints = 1e7;
// Sobol bootstrap resamples beyond this cost memory and time for no better interval.
constexpr int kMaxBootstrap = 100000;
// Engine seeds a sweep may repeat its analysis over: each one is the whole design again.
constexpr int kMaxRepeat = 1000;

// Twelve significant digits: generated values read well ("0.3", not "0.30000000000000004")
// and the number a point runs with is exactly the one its text says.
std::string value_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno == 0 && std::isfinite(out);
}

// The node at a dotted key path, or the deepest node on the way when the path leaves the
// tree (for pointing at the place an error is about).
YAML::Node walk(const YAML::Node& root, const std::string& path, bool* complete = nullptr) {
  YAML::Node node;
  node.reset(root);
  std::stringstream in(path);
  std::string part;
  bool ok = true;
  while (!path.empty() && std::getline(in, part, '.')) {
    YAML::Node next;
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == part) next.reset(it->second);
    } else if (node.IsSequence() && !part.empty() &&
               std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
               part.size() < 9 && std::stoul(part) < node.size()) {
      next.reset(node[std::stoul(part)]);
    }
    if (!next.IsDefined()) {
      ok = false;
      break;
    }
    node.reset(next);
  }
  if (complete) *complete = ok;
  return node;
}

std::string flow_at(const YAML::Node& root, const std::string& path) {
  bool found = false;
  const YAML::Node at = walk(root, path, &found);
  return found && at.IsDefined() && !at.IsNull() ? flow_text(at) : "";
}

// The value a portfolio has at `key` when its file does not write it: the parser's default
// or, for a programme's key or an organisation part, the canonical (adopted) template's.
std::string portfolio_default(const Portfolio& p, const std::string& key) {
  const CynicismSettings& c = p.cynicism;
  const std::vector<std::pair<const char*, double>> own = {
      {"cynicism.initial", c.initial},
      {"cynicism.rise", c.rise},
      {"cynicism.relief", c.relief},
      {"cynicism.effect.break", c.effect_break},
      {"cynicism.effect.pickup", c.effect_pickup},
      {"cynicism.effect.approval", c.effect_approval},
      {"customers.initial_trust", p.initial_trust}};
  for (const auto& [k, v] : own)
    if (key == k) return format_double(v);
  if (key == "cynicism.half_life")
    return std::isfinite(c.half_life) ? format_double(c.half_life) : "never";
  const std::vector<std::string> parts = split_key_path(key);
  if (parts.size() == 2 && parts[0] == "roster")
    for (std::size_t l = 0; l < p.level_names.size(); ++l)
      if (p.level_names[l] == parts[1]) return std::to_string(p.roster[l]);
  if (parts.size() >= 3 && parts[0] == "programmes")
    for (std::size_t i = 0; i < p.template_names.size(); ++i)
      if (p.template_names[i] == parts[1])
        return flow_at(YAML::Load(p.templates[i].to_yaml()), join_key_path(parts, 2));
  if (!parts.empty() && Portfolio::is_organisation_block(parts[0]))
    return flow_at(YAML::Load(p.templates.front().to_yaml()),
                   parts[0] == "review_every" ? "patience.review_every" : key);
  return "";
}

class SweepReader {
 public:
  SweepReader(const std::string& source, const std::string& base_dir,
              const Sweep::Overrides& overrides)
      : r_(source), base_dir_(base_dir), overrides_(overrides) {}

  Sweep read(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull())
      r_.fail(YAML::Mark::null_mark(), "",
              "the sweep is empty; it needs at least base (or portfolio), design and parameters");
    MapReader top(r_, Field{root, root.Mark(), ""},
                  "a sweep (a map with keys base or portfolio, design, parameters, metrics)");
    top.allow({"name", "description", "base", "portfolio", "seed", "replications", "precision",
               "max_replications", "repeat", "design", "parameters", "metrics", "curves"});
    Sweep s;
    s.source = r_.source();
    if (const auto* e = top.find("name")) s.name = r_.string(e->value, "a name (text)");
    const auto* base = top.find("base");
    const auto* portfolio = top.find("portfolio");
    if (base && portfolio)
      r_.fail(portfolio->key_mark, "portfolio",
              "give either base (a scenario) or portfolio (an organisation's portfolio), not both");
    if (portfolio) {
      read_portfolio(portfolio->value, s);
    } else if (base) {
      read_base(base->value, s);
    } else {
      top.missing("base", "a sweep varies a base scenario (base:) or a portfolio (portfolio:)");
    }
    apply_sets(s);
    if (const auto* e = top.find("seed")) s.seed = unsigned_integer(e->value, "a seed");
    const auto* reps = top.find("replications");
    const auto* precision = top.find("precision");
    if (reps && precision)
      r_.fail(precision->key_mark, "precision",
              "give either replications or precision per point, not both");
    if (reps) s.replications = positive_integer(reps->value, "replications per point");
    if (precision) {
      if (s.is_portfolio()) {
        // The half-width of the mean programmes completed per organisation: a count.
        s.precision = r_.number(precision->value, "a half-width (a number > 0)");
        if (!(s.precision > 0))
          r_.fail(precision->value, "must be > 0 (programmes completed per organisation), got " +
                                        format_double(s.precision));
      } else {
        s.precision = r_.number(precision->value, "a half-width (a number in (0, 0.5])");
        if (!(s.precision > 0 && s.precision <= 0.5))
          r_.fail(precision->value, "must be in (0, 0.5], got " + format_double(s.precision));
      }
      s.replications = 0;
    }
    if (const auto* e = top.find("max_replications")) {
      if (!precision) r_.fail(e->key_mark, "max_replications", "max_replications needs precision");
      s.max_replications = positive_integer(e->value, "a replication cap");
    }
    if (overrides_.replications > 0) {
      s.replications = overrides_.replications;
      s.precision = 0.0;
      s.max_replications = Sweep().max_replications;
    }
    if (overrides_.has_seed) s.seed = overrides_.seed;
    read_design(top.required("design"), s);
    const auto* repeat = top.find("repeat");
    if (repeat) s.repeat = r_.count(repeat->value);
    if (overrides_.repeat > 0) s.repeat = overrides_.repeat;
    if (s.repeat < 1 || s.repeat > kMaxRepeat)
      r_.fail(repeat ? repeat->value : top.required("design"),
              "repeat must be between 1 and " + std::to_string(kMaxRepeat) + ", got " +
                  std::to_string(s.repeat));
    if (s.repeat > 1 && s.design != SweepDesign::Sobol && s.design != SweepDesign::Morris)
      r_.fail(repeat ? repeat->key_mark : top.required("design").mark, "repeat",
              "repeat (engine seeds to combine the analysis over) is for the sobol and morris "
              "designs, not " +
                  std::string(to_string(s.design)));
    if (overrides_.shift) {
      if (s.design != SweepDesign::Sobol)
        r_.fail(top.required("design"),
                "--shift (a randomly shifted design) needs the sobol "
                "design, not " +
                    std::string(to_string(s.design)));
      s.shift = true;
    }
    // Repeats of a sobol design are independent randomised designs: the interval over them
    // (docs/sweeps.md) needs independent estimates, which one design run R times is not.
    if (s.design == SweepDesign::Sobol && s.repeat > 1) {
      if (shift_field_ && !s.shift)
        r_.fail(*shift_field_,
                "repeats of a sobol design are independently shifted designs; "
                "shift: false cannot be combined with repeat " +
                    std::to_string(s.repeat));
      s.shift = true;
    }
    if (overrides_.second_order) {
      if (s.design != SweepDesign::Sobol)
        r_.fail(top.required("design"), "second-order indices need the sobol design, not " +
                                            std::string(to_string(s.design)));
      s.second_order = true;
    }
    read_parameters(top.required("parameters"), s);
    if (const auto* e = top.find("metrics")) {
      if (s.is_portfolio()) {
        read_metric_list(e->value, s, portfolio_metrics(s));
      } else {
        read_metric_list(e->value, s, scenario_metrics(s));
      }
    } else if (s.is_portfolio()) {
      for (const char* name :
           {"mean_completed", "mean_ended", "mean_not_started", "mean_total_value"}) {
        PortfolioStatistic st;
        PortfolioStatistic::parse(name, "metric", st);
        s.metrics.push_back(portfolio_metric(st));
      }
    } else {
      for (const char* name : {"p_completed", "mean_value"}) {
        ScenarioStatistic st;
        ScenarioStatistic::parse(name, "metric", st);
        s.metrics.push_back(scenario_metric(st));
      }
    }
    if (const auto* e = top.find("curves")) {
      s.curves = r_.boolean(e->value);
      if (s.curves && s.is_portfolio())
        r_.fail(e->value,
                "curves are kept for scenario sweeps only; a portfolio sweep records levels on "
                "the way as metrics, e.g. {mean_cynicism_at: 60}");
    }
    check_design(s);
    build_points(s);
    resolve(s);
    return s;
  }

 private:
  // `accepted` is said in the message of text that is no whole number (e.g. -1).
  std::uint64_t unsigned_integer(const Field& f, const std::string& what,
                                 const std::string& accepted = "a whole number >= 0") const {
    const std::string t = r_.string(f, what + " (" + accepted + ")");
    if (t.empty() || t.size() > 19 ||
        !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
      r_.fail(f, "expected " + what + " (" + accepted + "), got '" + t + "'");
    return std::stoull(t);
  }
  std::int64_t positive_integer(const Field& f, const std::string& what) const {
    const std::uint64_t v = unsigned_integer(f, what, "a whole number from 1 to 2^40");
    if (v < 1 || v > (std::uint64_t{1} << 40))
      r_.fail(f, what + " must be between 1 and 2^40, got " + std::to_string(v));
    return static_cast<std::int64_t>(v);
  }

  // --set on the base, before the parameters read their base values; the base kept inline
  // in the resolved sweep is the overridden one.
  void apply_sets(Sweep& s) {
    if (overrides_.sets.empty()) return;
    if (s.is_portfolio()) {
      s.portfolio = s.portfolio.with_values(overrides_.sets);
      base_node_ = YAML::Load(s.portfolio.yaml_text);
    } else {
      s.base = s.base.with_values(overrides_.sets);
      base_node_ = YAML::Load(s.base.yaml_text);
    }
  }

  // An error from the inline base, moved to where its key sits in this file.
  [[noreturn]] void relocate(const ScenarioError& e, const YAML::Node& base,
                             const std::string& where = "base") const {
    const YAML::Node at = walk(base, e.key());
    const YAML::Mark mark = at.IsDefined() && !at.IsNull() ? at.Mark() : base.Mark();
    r_.fail(mark, join_path(where, e.key()), e.message());
  }

  std::string resolve_path(const std::string& rel, const std::string& dir) const {
    const std::filesystem::path p(rel);
    return p.is_absolute() || dir.empty() ? rel : (std::filesystem::path(dir) / p).string();
  }

  // A portfolio base: a portfolio file or an inline portfolio map. Its programme templates
  // given as files are written inline into the copy the sweep keeps, so the resolved sweep
  // stands alone (a sweep file read back from its output finds no files) and template keys
  // can be varied as "programmes.NAME.<scenario key path>".
  void read_portfolio(const Field& f, Sweep& s) {
    s.base_kind = SweepBaseKind::Portfolio;
    std::string source, dir;
    YAML::Node node;
    if (f.node.IsScalar()) {
      const std::string path = resolve_path(f.node.Scalar(), base_dir_);
      std::error_code ec;
      if (f.node.Scalar().empty() || !std::filesystem::is_regular_file(path, ec))
        r_.fail(f, "portfolio file " + path + ": " + why_not_a_file(path));
      // Errors inside the portfolio or its templates name those files.
      const Portfolio loaded = Portfolio::load(path);
      s.input_files.push_back(path);
      node = YAML::Load(loaded.yaml_text);
      source = path;
      dir = std::filesystem::path(path).parent_path().string();
    } else if (f.node.IsMap()) {
      node = YAML::Clone(f.node);
      source = r_.source();
      dir = base_dir_;
    } else {
      r_.fail(f, "expected a portfolio file path or an inline portfolio map, got " +
                     describe_node(f.node));
    }
    inline_templates(node, f, dir, s.input_files);
    YAML::Emitter e;
    e << node;
    try {
      s.portfolio = Portfolio::from_yaml(e.c_str(), source);
    } catch (const ScenarioError& err) {
      // Only an inline portfolio can fail here: a file was read whole above.
      relocate(err, f.node, "portfolio");
    }
    base_node_ = node;
  }

  // Replaces each `programmes.NAME: file` by the file's scenario map.
  void inline_templates(YAML::Node portfolio, const Field& f, const std::string& dir,
                        std::vector<std::string>& files) const {
    if (!portfolio.IsMap()) return;
    YAML::Node programmes = portfolio["programmes"];
    if (!programmes.IsDefined() || !programmes.IsMap()) return;  // the parser says what is wrong
    for (auto it = programmes.begin(); it != programmes.end(); ++it) {
      if (!it->second.IsScalar() || it->second.Scalar().empty()) continue;
      const std::string name = it->first.Scalar();
      const std::string path = resolve_path(it->second.Scalar(), dir);
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        const YAML::Node at = walk(f.node, "programmes." + name);
        r_.fail(at.IsDefined() ? at.Mark() : f.mark,
                join_path(join_path(f.path, "programmes"), name),
                "cannot read programme template '" + path + "': " + why_not_a_file(path));
      }
      const Scenario t = Scenario::load(path);  // errors inside it name its file
      files.push_back(path);
      it->second = YAML::Load(t.yaml_text);
    }
  }

  void read_base(const Field& f, Sweep& s) {
    if (f.node.IsScalar()) {
      const std::string rel = f.node.Scalar();
      const std::filesystem::path p(rel);
      const std::string path =
          p.is_absolute() ? rel : (std::filesystem::path(base_dir_) / p).string();
      // Errors inside the base file name that file; a missing file is this file's error.
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec))
        r_.fail(f, "base scenario file " + path + ": " + why_not_a_file(path));
      s.base = Scenario::load(path);
      s.input_files.push_back(path);
      try {
        base_node_ = YAML::Load(s.base.yaml_text);
      } catch (const YAML::Exception&) {
        base_node_ = YAML::Node();  // loaded fine above, so this cannot happen
      }
      return;
    }
    if (!f.node.IsMap())
      r_.fail(f, "expected a scenario file path or an inline scenario map, got " +
                     describe_node(f.node));
    base_node_ = f.node;
    YAML::Emitter e;
    e << f.node;
    try {
      s.base = Scenario::from_yaml(e.c_str(), r_.source());
    } catch (const ScenarioError& err) {
      relocate(err, f.node);
    }
  }

  void read_design(const Field& f, Sweep& s) {
    static const std::vector<std::string> kinds = {"grid", "oat", "lhs", "sobol", "morris"};
    std::string type;
    const MapReader* m = nullptr;
    std::optional<MapReader> map;
    if (f.node.IsScalar()) {
      type = r_.choice(f, kinds);
    } else {
      map.emplace(r_, f, "a design (grid, oat, or a map such as {type: sobol, base_samples: 256})");
      map->allow({"type", "points", "base_samples", "seed", "bootstrap", "second_order",
                  "estimator", "shift", "trajectories", "levels"});
      m = &*map;
      type = r_.choice(m->required("type"), kinds);
    }
    s.design = type == "grid"    ? SweepDesign::Grid
               : type == "oat"   ? SweepDesign::Oat
               : type == "lhs"   ? SweepDesign::Lhs
               : type == "sobol" ? SweepDesign::Sobol
                                 : SweepDesign::Morris;
    auto only_for = [&](const char* key, std::initializer_list<SweepDesign> ds) {
      if (!m || !m->has(key)) return;
      std::string names;
      for (SweepDesign d : ds) {
        if (s.design == d) return;
        names += (names.empty() ? "" : " and ") + std::string(to_string(d));
      }
      r_.fail(m->find(key)->key_mark, join_path("design", key),
              std::string("'") + key + "' belongs to the " + names + " design" +
                  (ds.size() > 1 ? "s" : "") + ", not " + type);
    };
    only_for("points", {SweepDesign::Lhs});
    only_for("base_samples", {SweepDesign::Sobol});
    only_for("bootstrap", {SweepDesign::Sobol, SweepDesign::Morris});
    only_for("second_order", {SweepDesign::Sobol});
    only_for("estimator", {SweepDesign::Sobol});
    only_for("shift", {SweepDesign::Sobol});
    only_for("trajectories", {SweepDesign::Morris});
    only_for("levels", {SweepDesign::Morris});
    if (s.design == SweepDesign::Lhs) {
      if (!m || !m->has("points"))
        r_.fail(f, "the lhs design needs the number of points: {type: lhs, points: 100}");
      s.samples = positive_integer(m->required("points"), "points");
    }
    if (s.design == SweepDesign::Sobol) {
      if (!m || !m->has("base_samples"))
        r_.fail(f, "the sobol design needs base samples: {type: sobol, base_samples: 256}");
      s.samples = positive_integer(m->required("base_samples"), "base samples");
      if (s.samples < 2) r_.fail(m->required("base_samples"), "needs at least 2 base samples");
      if ((s.samples & (s.samples - 1)) != 0) {
        std::int64_t below = 1;
        while (2 * below < s.samples) below *= 2;
        s.warnings.push_back(
            {static_cast<int>(m->required("base_samples").mark.line) + 1, "design.base_samples",
             "base_samples " + std::to_string(s.samples) + " is not a power of two (" +
                 std::to_string(below) + " or " + std::to_string(2 * below) +
                 " is): the Sobol' points fill their strata evenly only for a power of two, "
                 "so the indices converge more slowly"});
      }
      if (m->has("second_order")) s.second_order = r_.boolean(m->required("second_order"));
      if (m->has("shift")) {
        shift_field_ = m->required("shift");
        s.shift = r_.boolean(*shift_field_);
      }
      if (m->has("estimator")) {
        const std::string e =
            r_.choice(m->required("estimator"), {"jansen", "martinez", "saltelli"});
        sensitivity::parse_estimator(e, s.estimator);
      }
    }
    if (s.design == SweepDesign::Morris) {
      if (!m || !m->has("trajectories"))
        r_.fail(f,
                "the morris design needs the number of trajectories: {type: morris, "
                "trajectories: 20}");
      s.samples = positive_integer(m->required("trajectories"), "trajectories");
      if (s.samples < 2)
        r_.fail(m->required("trajectories"), "needs at least 2 trajectories (for sigma)");
      if (m->has("levels")) {
        s.morris_levels = r_.count(m->required("levels"));
        if (s.morris_levels < 2 || s.morris_levels % 2 != 0 || s.morris_levels > 1000)
          r_.fail(m->required("levels"),
                  "levels must be even, from 2 to 1000, got " + std::to_string(s.morris_levels));
      }
    }
    if (m && m->has("bootstrap")) {
      const int b = r_.count(m->required("bootstrap"));
      // Every resample keeps a copy of the indices: 2e9 of them would exhaust memory.
      if (b > kMaxBootstrap)
        r_.fail(m->required("bootstrap"), "at most " + std::to_string(kMaxBootstrap) +
                                              " bootstrap resamples are allowed, got " +
                                              std::to_string(b));
      s.bootstrap = b;
    }
    design_field_ = f;
    if (m && m->has("seed")) s.design_seed = unsigned_integer(m->required("seed"), "a design seed");
  }

  void read_parameters(const Field& f, Sweep& s) {
    MapReader params(
        r_, f,
        "a map of key paths to ranges, e.g. {sponsor_levels.vp.clout: {low: 0.3, high: 0.7}}");
    if (params.entries().empty()) r_.fail(f, "no parameters to vary");
    for (const auto& entry : params.entries()) {
      SweepParameter p;
      p.key = entry.key;
      const Field& v = entry.value;
      if (v.node.IsSequence()) {
        read_values(v, p);
      } else {
        MapReader spec(r_, v, "a range {low: .., high: ..} or a list of values");
        spec.allow({"low", "high", "log", "levels", "values", "label"});
        if (const auto* e = spec.find("label")) p.label = flow_text(e->value.node);
        if (spec.has("values")) {
          for (const char* k : {"low", "high", "levels", "log"})
            if (spec.has(k))
              r_.fail(spec.find(k)->key_mark, join_path(v.path, k),
                      std::string("give either values or low/high, not both"));
          read_values(spec.required("values"), p);
        } else {
          if (!spec.has("low") || !spec.has("high"))
            spec.missing(spec.has("low") ? "high" : "low",
                         "a parameter is a range {low: .., high: ..} or a list of values");
          p.range = true;
          p.low = r_.number(spec.required("low"), "a number");
          p.high = r_.number(spec.required("high"), "a number");
          if (!(p.low < p.high))
            r_.fail(spec.required("high"),
                    "high must be greater than low (" + format_double(p.low) + ")");
          if (const auto* e = spec.find("log")) p.log = r_.boolean(e->value);
          if (p.log && !(p.low > 0)) r_.fail(spec.required("low"), "a log range needs low > 0");
          if (const auto* e = spec.find("levels")) {
            if (s.design != SweepDesign::Grid)
              r_.fail(e->key_mark, e->value.path, "levels is for the grid design only");
            p.levels = r_.count(e->value);
            if (p.levels < 2) r_.fail(e->value, "a grid needs at least 2 levels");
          } else if (s.design == SweepDesign::Grid) {
            spec.missing("levels",
                         "a grid over a range needs the number of levels, or give values");
          }
        }
      }
      lookup_base(p, s);
      check_parameter(p, s, entry);
      s.parameters.push_back(std::move(p));
      param_marks_.push_back(entry.key_mark);
    }
  }

  void read_values(const Field& f, SweepParameter& p) {
    if (!f.node.IsSequence() || f.node.size() == 0)
      r_.fail(f, "expected a non-empty list of values, got " + describe_node(f.node));
    for (std::size_t i = 0; i < f.node.size(); ++i) {
      const YAML::Node v = f.node[i];
      if (!v.IsDefined() || v.IsNull())
        r_.fail(v.Mark(), join_path(f.path, std::to_string(i)), "empty value");
      p.values.push_back(flow_text(v));
    }
  }

  void lookup_base(SweepParameter& p, const Sweep& s) {
    bool found = false;
    YAML::Node at = walk(base_node_, p.key, &found);
    if ((!found || !at.IsDefined()) && s.is_portfolio()) {
      p.base_text = portfolio_default(s.portfolio, p.key);
      double v = 0;
      if (parse_number(p.base_text, v)) p.base_value = v;
      return;
    }
    if (!found || !at.IsDefined()) {
      // A key the base file leaves at its default: the canonical form has every default.
      const YAML::Node canonical = YAML::Load(s.base.to_yaml());
      at = walk(canonical, p.key, &found);
    }
    if (found && at.IsDefined() && !at.IsNull()) {
      p.base_text = flow_text(at);
      double v = 0;
      if (parse_number(p.base_text, v)) p.base_value = v;
    }
  }

  // The whole numbers from low to high as a list to write, e.g. [1, 2, 3, 4] or [1, 2, ..., 40].
  static std::string whole_list(double low, double high) {
    const double a = std::ceil(low), b = std::floor(high);
    if (!(a <= b)) return "[" + value_text(std::round(low)) + "]";
    if (b - a <= 5) {
      std::vector<std::string> items;
      for (double v = a; v <= b; ++v) items.push_back(value_text(v));
      return "[" + yaml_detail::join(items, ", ") + "]";
    }
    return "[" + value_text(a) + ", " + value_text(a + 1) + ", ..., " + value_text(b) + "]";
  }

  // The point a fraction f of the way from p's low to its high (on a log scale for a log
  // range).
  static double range_point(const SweepParameter& p, double f) {
    return p.log ? std::exp(std::log(p.low) + f * (std::log(p.high) - std::log(p.low)))
                 : p.low + f * (p.high - p.low);
  }

  // Level l of a grid over p's range (the ends exactly as written, whatever exp(log(x))
  // rounds to).
  static std::string grid_level(const SweepParameter& p, int l) {
    if (l == 0) return value_text(p.low);
    if (l == p.levels - 1) return value_text(p.high);
    return value_text(range_point(p, static_cast<double>(l) / (p.levels - 1)));
  }

  // Each value the parameter can take, alone on the base: an unknown key path or an
  // impossible value is reported here, at the parameter, before anything runs. A range is
  // probed at its ends, then inside: a grid's first levels (a count over levels that are not
  // whole), or two values between the ends in designs that draw from the range, which a
  // count cannot take.
  void check_parameter(const SweepParameter& p, const Sweep& s, const MapReader::Entry& entry) {
    const auto check = [&](const std::string& text, const std::string& hint) {
      try {
        if (s.is_portfolio()) {
          (void)s.portfolio.with_values({{p.key, text}});
        } else {
          (void)s.base.with_values({{p.key, text}});
        }
      } catch (const ScenarioError& e) {
        r_.fail(entry.key_mark, join_path("parameters", p.key),
                "with value " + text +
                    (hint.empty() ? ""
                                  : " (this design draws values "
                                    "between low and high)") +
                    ": " + e.message() + hint);
      }
    };
    if (!p.range) {
      for (const auto& text : p.values) check(text, "");
      return;
    }
    check(value_text(p.low), "");
    check(value_text(p.high), "");
    if (s.design == SweepDesign::Grid) {
      for (int l = 1; l < std::min(p.levels - 1, 64); ++l) check(grid_level(p, l), "");
    } else {
      for (double f : {0.5, 0.3})
        check(value_text(range_point(p, f)),
              "; a count takes a list of values instead, e.g. " + whole_list(p.low, p.high));
    }
  }

  double months_in_horizon(const Field& f, const Sweep& s) const {
    const double t = r_.months_nonnegative(f);
    const double horizon = s.is_portfolio() ? s.portfolio.horizon : s.base.horizon;
    if (t > horizon)
      r_.fail(f, "t = " + format_double(t) + " is beyond the horizon (" + format_double(horizon) +
                     " months)");
    return t;
  }

  int cause_index(const Field& f, bool allow_any) const {
    std::vector<std::string> names;
    for (int c = 0; c < kCauseCount; ++c) names.push_back(to_string(static_cast<Cause>(c)));
    if (allow_any) names.push_back("any");
    const std::string c = r_.choice(f, names);
    if (c == "any") return -1;
    return static_cast<int>(std::find(names.begin(), names.end(), c) - names.begin());
  }

  // One name a metrics list may hold: plain (`p_completed`) or with an argument
  // (`{p_completed_by: 24}`); make() builds the metric from the argument (for a plain one, the
  // list item itself).
  struct MetricSpec {
    std::string name;
    bool with_arg;
    std::function<SweepMetric(const Field& arg)> make;
  };
  // The metrics of one sweep kind: scenario sweeps and portfolio sweeps read their lists with
  // the same reader and differ only in this table.
  struct MetricTable {
    std::string list_example;  // e.g. "[p_completed, {p_completed_by: 24}]"
    std::string arg_example;   // e.g. "{p_completed_by: 24}"
    std::vector<MetricSpec> specs;
    // Plain names this kind refuses, each with why (a sentence following the name): the other
    // kind's, and statistics of this kind a sweep does not record.
    std::vector<std::pair<std::string, std::string>> foreign;
  };

  void read_metric_list(const Field& f, Sweep& s, const MetricTable& t) {
    if (!f.node.IsSequence() || f.node.size() == 0)
      r_.fail(f, "expected a non-empty list of metrics, e.g. " + t.list_example);
    std::vector<std::string> all, with_arg;
    for (const auto& spec : t.specs) (spec.with_arg ? with_arg : all).push_back(spec.name);
    all.insert(all.end(), with_arg.begin(), with_arg.end());
    const auto spec_of = [&](const std::string& name) -> const MetricSpec& {
      return *std::find_if(t.specs.begin(), t.specs.end(),
                           [&](const MetricSpec& m) { return m.name == name; });
    };
    std::set<std::string> seen;
    for (std::size_t i = 0; i < f.node.size(); ++i) {
      const YAML::Node n = f.node[i];
      const Field item{n, n.IsNull() ? f.mark : n.Mark(), join_path(f.path, std::to_string(i))};
      SweepMetric m;
      if (item.node.IsScalar()) {
        const std::string name = item.node.Scalar();
        if (std::find(with_arg.begin(), with_arg.end(), name) != with_arg.end())
          r_.fail(item, "'" + name + "' needs an argument, e.g. {" + name + ": ...}");
        for (const auto& [foreign, why] : t.foreign)
          if (name == foreign) r_.fail(item, "'" + name + "' " + why);
        const auto known = [&](const std::string& x) {
          return std::find(all.begin(), all.end(), x) != all.end();
        };
        if (name.rfind("mean_", 0) == 0 && !known(name) && known(name.substr(5)))
          r_.fail(item, "'" + name.substr(5) + "' is not a mean; write '" + name.substr(5) + "'");
        m = spec_of(r_.choice(item, all)).make(item);
      } else {
        MapReader map(r_, item, "a metric: a name or a one-key map such as " + t.arg_example);
        if (map.entries().size() != 1)
          r_.fail(item,
                  "a metric with an argument is a map with exactly one key, e.g. " + t.arg_example);
        map.allow(with_arg);
        const auto& e = map.entries().front();
        m = spec_of(e.key).make(e.value);
      }
      if (!seen.insert(m.name).second) r_.fail(item, "metric '" + m.name + "' is listed twice");
      s.metrics.push_back(m);
    }
  }

  static SweepMetric scenario_metric(const ScenarioStatistic& statistic) {
    SweepMetric m;
    m.kind = MetricKind::Scenario;
    m.scenario = statistic;
    m.name = statistic.name();
    return m;
  }

  // Scenario metrics (docs/sweep-format.md): the scenario statistics a sweep records, a stem
  // that takes an argument as a one-key map ({p_completed_by: 24}, {p_ended_by: {cause: c,
  // t: t}}).
  MetricTable scenario_metrics(const Sweep& s) const {
    using Arg = ScenarioStatistic::Arg;
    MetricTable t;
    t.list_example = "[p_completed, {p_completed_by: 24}]";
    t.arg_example = "{p_completed_by: 24}";
    for (const ScenarioStatistic& stem : ScenarioStatistic::stems()) {
      if (!stem.in_sweep()) {
        t.foreign.emplace_back(stem.stem(), stem.not_in_sweep());
        continue;
      }
      const Arg arg = stem.arg();
      t.specs.push_back({stem.stem(), arg != Arg::None, [this, &s, stem, arg](const Field& value) {
                           ScenarioStatistic st = stem;
                           switch (arg) {
                             case Arg::None:
                               break;
                             case Arg::Months:
                               st.t = months_in_horizon(value, s);
                               break;
                             case Arg::CauseMonths: {
                               MapReader map(r_, value, "{cause: <cause or any>, t: <months>}");
                               map.allow({"cause", "t"});
                               const int c = cause_index(map.required("cause"), true);
                               st.cause = c < 0 ? Cause::None : static_cast<Cause>(c);
                               st.t = months_in_horizon(map.required("t"), s);
                               break;
                             }
                             case Arg::Level:
                               st.q = r_.number(value, "a quantile level in (0, 1)");
                               if (!(st.q > 0 && st.q < 1))
                                 r_.fail(value, "must be in (0, 1), e.g. 0.5 for the median");
                               break;
                             case Arg::Cause:
                               st.cause = static_cast<Cause>(cause_index(value, false));
                               break;
                             case Arg::Quantity: {
                               std::vector<std::string> names;
                               for (int q = 0; q < kQuantityCount; ++q)
                                 names.push_back(to_string(static_cast<Quantity>(q)));
                               const std::string q = r_.choice(value, names);
                               st.quantity = static_cast<Quantity>(
                                   std::find(names.begin(), names.end(), q) - names.begin());
                               break;
                             }
                           }
                           return scenario_metric(st);
                         }});
    }
    return t;
  }

  static SweepMetric portfolio_metric(const PortfolioStatistic& statistic) {
    SweepMetric m;
    m.kind = MetricKind::Portfolio;
    m.statistic = statistic;
    m.name = statistic.name();
    return m;
  }

  // Portfolio metrics (docs/sweep-format.md): the portfolio statistics, a stem that takes an
  // argument as a one-key map ({rank_completed: 1}, {rank_ended_by: {cause: c, rank: k}}).
  MetricTable portfolio_metrics(const Sweep& s) const {
    using Arg = PortfolioStatistic::Arg;
    MetricTable t;
    t.list_example = "[mean_completed, {rank_completed: 1}]";
    t.arg_example = "{rank_completed: 1}";
    for (const auto& spec : scenario_metrics(s).specs)
      if (!spec.with_arg)
        t.foreign.emplace_back(
            spec.name,
            "is a metric of scenario sweeps; a portfolio sweep counts per organisation "
            "(mean_completed, mean_total_value, {rank_completed: 1}, ...; docs/sweep-format.md)");
    for (const PortfolioStatistic& stem : PortfolioStatistic::stems()) {
      const Arg arg = stem.arg();
      t.specs.push_back({stem.stem(), arg != Arg::None, [this, &s, stem, arg](const Field& value) {
                           PortfolioStatistic st = stem;
                           switch (arg) {
                             case Arg::None:
                               break;
                             case Arg::Cause:
                               st.cause = static_cast<Cause>(cause_index(value, false));
                               break;
                             case Arg::Rank:
                               st.rank = launch_rank(value, s);
                               break;
                             case Arg::Months:
                               st.t = months_in_horizon(value, s);
                               break;
                             case Arg::CauseRank: {
                               MapReader map(r_, value, "{cause: <cause>, rank: <k>}");
                               map.allow({"cause", "rank"});
                               st.cause =
                                   static_cast<Cause>(cause_index(map.required("cause"), false));
                               st.rank = launch_rank(map.required("rank"), s);
                               break;
                             }
                           }
                           return portfolio_metric(st);
                         }});
    }
    return t;
  }

  // k of "the k-th programme launched": 1, 2, ...; at most the launches a portfolio without
  // a renewal process plans.
  int launch_rank(const Field& f, const Sweep& s) const {
    const int k = r_.count(f);
    if (k < 1) r_.fail(f, "the first programme launched is 1, got " + std::to_string(k));
    const int most = s.portfolio.planned_launches();
    if (most >= 0 && k > most)
      r_.fail(f, "the portfolio launches at most " + std::to_string(most) +
                     " programmes (it has no renewal process), got " + std::to_string(k));
    if (k > static_cast<int>(kMaxLaunches))
      r_.fail(f, "an organisation launches at most " + std::to_string(kMaxLaunches) +
                     " programmes, got " + std::to_string(k));
    return k;
  }

  void check_design(const Sweep& s) const {
    for (std::size_t i = 0; i < s.parameters.size(); ++i) {
      const auto& p = s.parameters[i];
      if (s.curves && (p.key == "horizon" || p.key.rfind("grid", 0) == 0))
        r_.fail(param_marks_[i], join_path("parameters", p.key),
                "curves: true needs every point to share one time grid, so horizon and grid "
                "cannot vary");
    }
  }

  void build_points(Sweep& s) const {
    const std::size_t k = s.parameters.size();
    auto& pv = s.point_values;
    switch (s.design) {
      case SweepDesign::Grid: {
        std::vector<std::vector<std::string>> levels(k);
        double total = 1;
        for (std::size_t i = 0; i < k; ++i) {
          const auto& p = s.parameters[i];
          if (p.range) {
            for (int l = 0; l < p.levels; ++l) levels[i].push_back(grid_level(p, l));
          } else {
            levels[i] = p.values;
          }
          total *= static_cast<double>(levels[i].size());
        }
        if (total > kMaxPoints) r_.fail(design_field_, too_many(total));
        // Row-major: the last parameter varies fastest, as itertools.product does.
        std::vector<std::size_t> idx(k, 0);
        for (std::int64_t n = 0; n < static_cast<std::int64_t>(total); ++n) {
          std::vector<std::string> row(k);
          for (std::size_t i = 0; i < k; ++i) row[i] = levels[i][idx[i]];
          pv.push_back(std::move(row));
          for (std::size_t i = k; i-- > 0;) {
            if (++idx[i] < levels[i].size()) break;
            idx[i] = 0;
          }
        }
        break;
      }
      case SweepDesign::Oat: {
        pv.emplace_back(k);  // the base point
        for (std::size_t i = 0; i < k; ++i) {
          const auto& p = s.parameters[i];
          const std::vector<std::string> vals =
              p.range ? std::vector<std::string>{value_text(p.low), value_text(p.high)} : p.values;
          s.oat_first.push_back(static_cast<std::int64_t>(pv.size()));
          s.oat_count.push_back(static_cast<std::int64_t>(vals.size()));
          for (const auto& v : vals) {
            std::vector<std::string> row(k);
            row[i] = v;
            pv.push_back(std::move(row));
          }
        }
        break;
      }
      case SweepDesign::Lhs: {
        const std::int64_t n = s.samples;
        if (static_cast<double>(n) > kMaxPoints)
          r_.fail(design_field_, too_many(static_cast<double>(n)));
        s.unit.assign(static_cast<std::size_t>(n), std::vector<double>(k));
        // One stratum per point in every dimension, strata shuffled independently per
        // dimension, a uniform position inside each stratum.
        Rng rng(s.design_seed, 0x1a7e5ULL, Mechanism::Analysis);
        std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
        for (std::size_t d = 0; d < k; ++d) {
          for (std::int64_t j = 0; j < n; ++j) perm[static_cast<std::size_t>(j)] = j;
          for (std::int64_t j = n - 1; j > 0; --j) {
            const auto pick = static_cast<std::int64_t>(
                (static_cast<unsigned __int128>(rng()) * static_cast<unsigned __int128>(j + 1)) >>
                64);
            std::swap(perm[static_cast<std::size_t>(j)], perm[static_cast<std::size_t>(pick)]);
          }
          for (std::int64_t j = 0; j < n; ++j)
            s.unit[static_cast<std::size_t>(j)][d] =
                (static_cast<double>(perm[static_cast<std::size_t>(j)]) + rng.uniform()) /
                static_cast<double>(n);
        }
        break;
      }
      case SweepDesign::Sobol: {
        const int blocks = sensitivity::saltelli_blocks(static_cast<int>(k), s.second_order);
        const double total = static_cast<double>(s.samples) * blocks * s.repeat;
        if (total > kMaxPoints) r_.fail(design_field_, too_many(total));
        // Each repeat its own (shifted) design; unshifted, one design serves every repeat.
        for (int rep = 0; rep < (s.shift ? s.repeat : 1); ++rep) {
          const auto rows = sensitivity::saltelli_sample(s.samples, static_cast<int>(k),
                                                         s.second_order, s.shift_key(rep));
          s.unit.insert(s.unit.end(), rows.begin(), rows.end());
        }
        break;
      }
      case SweepDesign::Morris: {
        const double total = static_cast<double>(s.samples) * static_cast<double>(k + 1) * s.repeat;
        if (total > kMaxPoints) r_.fail(design_field_, too_many(total));
        s.unit = sensitivity::morris_sample(s.samples, static_cast<int>(k), s.morris_levels,
                                            s.design_seed);
        break;
      }
    }
    for (const auto& u : s.unit) {
      std::vector<std::string> row(k);
      for (std::size_t i = 0; i < k; ++i) row[i] = s.parameters[i].at(u[i]);
      pv.push_back(std::move(row));
    }
    // Repeats run the whole design again under the next engine seeds (shifted sobol designs
    // are all in place already).
    const std::size_t once = pv.size(), units = s.unit.size();
    for (int r = 1; r < s.repeat && !s.shift; ++r) {
      for (std::size_t i = 0; i < once; ++i) pv.push_back(pv[i]);
      for (std::size_t i = 0; i < units; ++i) s.unit.push_back(s.unit[i]);
    }
  }

  static std::string too_many(double total) {
    return "the design has " + value_text(total) + " points; at most " + value_text(kMaxPoints) +
           " are allowed";
  }

  // The canonical text: every choice explicit, the base scenario inline, numbers in their
  // shortest exact form. Comments and key order of the input do not change it. The
  // fingerprint hashes the same text without the parameters' labels: a label only changes
  // how a parameter is printed, so relabelling a sweep does not stop it resuming.
  void resolve(Sweep& s) const {
    s.resolved = canonical_text(s, true);
    s.fingerprint =
        fnv1a_hex(std::string("progsurv ") + version_string() + "\n" + canonical_text(s, false));
  }

  std::string canonical_text(const Sweep& s, bool labels) const {
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << s.name;
    e << YAML::Key << "seed" << YAML::Value << std::to_string(s.seed);
    // Written only when asked for, so the sweeps that existed before keep their fingerprint.
    if (s.repeat > 1) e << YAML::Key << "repeat" << YAML::Value << std::to_string(s.repeat);
    if (s.precision > 0) {
      e << YAML::Key << "precision" << YAML::Value << format_double(s.precision);
      e << YAML::Key << "max_replications" << YAML::Value << std::to_string(s.max_replications);
    } else {
      e << YAML::Key << "replications" << YAML::Value << std::to_string(s.replications);
    }
    e << YAML::Key << "design" << YAML::Value << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "type" << YAML::Value << to_string(s.design);
    if (s.design == SweepDesign::Lhs)
      e << YAML::Key << "points" << YAML::Value << std::to_string(s.samples);
    if (s.design == SweepDesign::Sobol) {
      e << YAML::Key << "base_samples" << YAML::Value << std::to_string(s.samples);
      e << YAML::Key << "bootstrap" << YAML::Value << std::to_string(s.bootstrap);
      if (s.second_order) e << YAML::Key << "second_order" << YAML::Value << "true";
      // Written only when on, so unshifted sweeps keep their fingerprint.
      if (s.shift) e << YAML::Key << "shift" << YAML::Value << "true";
      if (s.estimator != sensitivity::SobolEstimator::Jansen)
        e << YAML::Key << "estimator" << YAML::Value << to_string(s.estimator);
    }
    if (s.design == SweepDesign::Morris) {
      e << YAML::Key << "trajectories" << YAML::Value << std::to_string(s.samples);
      e << YAML::Key << "levels" << YAML::Value << std::to_string(s.morris_levels);
      e << YAML::Key << "bootstrap" << YAML::Value << std::to_string(s.bootstrap);
    }
    if (s.design == SweepDesign::Lhs || s.design == SweepDesign::Sobol ||
        s.design == SweepDesign::Morris)
      e << YAML::Key << "seed" << YAML::Value << std::to_string(s.design_seed);
    e << YAML::EndMap;
    e << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
    for (const auto& p : s.parameters) {
      e << YAML::Key << p.key << YAML::Value << YAML::Flow << YAML::BeginMap;
      if (labels && !p.label.empty()) e << YAML::Key << "label" << YAML::Value << p.label;
      if (p.range) {
        e << YAML::Key << "low" << YAML::Value << format_double(p.low);
        e << YAML::Key << "high" << YAML::Value << format_double(p.high);
        e << YAML::Key << "log" << YAML::Value << (p.log ? "true" : "false");
        if (p.levels > 0) e << YAML::Key << "levels" << YAML::Value << std::to_string(p.levels);
      } else {
        e << YAML::Key << "values" << YAML::Value << YAML::BeginSeq;
        for (const auto& v : p.values) e << v;
        e << YAML::EndSeq;
      }
      e << YAML::EndMap;
    }
    e << YAML::EndMap;
    e << YAML::Key << "metrics" << YAML::Value << YAML::BeginSeq;
    for (const auto& m : s.metrics) {
      if (m.kind == MetricKind::Scenario) {
        const ScenarioStatistic& st = m.scenario;
        using Arg = ScenarioStatistic::Arg;
        emit_statistic(e, m.name, st, [&] {
          switch (st.arg()) {
            case Arg::None:
              break;
            case Arg::Months:
              e << format_double(st.t);
              break;
            case Arg::CauseMonths:
              e << YAML::BeginMap << YAML::Key << "cause" << YAML::Value
                << (st.cause == Cause::None ? "any" : to_string(st.cause)) << YAML::Key << "t"
                << YAML::Value << format_double(st.t) << YAML::EndMap;
              break;
            case Arg::Level:
              e << format_double(st.q);
              break;
            case Arg::Cause:
              e << to_string(st.cause);
              break;
            case Arg::Quantity:
              e << to_string(st.quantity);
              break;
          }
        });
      } else {
        const PortfolioStatistic& st = m.statistic;
        using Arg = PortfolioStatistic::Arg;
        emit_statistic(e, m.name, st, [&] {
          switch (st.arg()) {
            case Arg::None:
              break;
            case Arg::Cause:
              e << to_string(st.cause);
              break;
            case Arg::Rank:
              e << std::to_string(st.rank);
              break;
            case Arg::Months:
              e << format_double(st.t);
              break;
            case Arg::CauseRank:
              e << YAML::BeginMap << YAML::Key << "cause" << YAML::Value << to_string(st.cause)
                << YAML::Key << "rank" << YAML::Value << std::to_string(st.rank) << YAML::EndMap;
              break;
          }
        });
      }
    }
    e << YAML::EndSeq;
    e << YAML::Key << "curves" << YAML::Value << (s.curves ? "true" : "false");
    e << YAML::Key << (s.is_portfolio() ? "portfolio" : "base") << YAML::Value << base_node_;
    e << YAML::EndMap;
    if (!e.good())
      throw std::logic_error("sweep: cannot emit the resolved text: " + e.GetLastError());
    return std::string(e.c_str()) + "\n";
  }

  Reader r_;
  std::string base_dir_;
  Sweep::Overrides overrides_;
  YAML::Node base_node_;
  Field design_field_;
  std::optional<Field> shift_field_;  // the design's shift key, when given
  std::vector<YAML::Mark> param_marks_;
};

}  // namespace

std::string SweepParameter::at(double u) const {
  if (!range) {
    const auto n = static_cast<double>(values.size());
    const auto i = std::min(values.size() - 1, static_cast<std::size_t>(std::floor(u * n)));
    return values[i];
  }
  const double v =
      log ? std::exp(std::log(low) + u * (std::log(high) - std::log(low))) : low + u * (high - low);
  return value_text(v);
}

std::uint64_t Sweep::shift_key(int rep) const {
  if (!shift) return 0;
  // splitmix64 rounds over (design seed, the repeat's engine seed): a repeat's design, like
  // its draws, follows from its engine seed, so another --seed gives other shifts too.
  const auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  const std::uint64_t z = mix(mix(design_seed) ^ (seed + static_cast<std::uint64_t>(rep)));
  return z != 0 ? z : 1;
}

Scenario Sweep::point_scenario(std::size_t i) const {
  if (i >= point_values.size())
    throw std::out_of_range("sweep point " + std::to_string(i) + " of " +
                            std::to_string(point_values.size()));
  std::vector<std::pair<std::string, std::string>> values;
  for (std::size_t k = 0; k < parameters.size(); ++k)
    if (!point_values[i][k].empty()) values.emplace_back(parameters[k].key, point_values[i][k]);
  if (values.empty()) return base;
  try {
    return base.with_values(values);
  } catch (const ScenarioError& e) {
    std::string where;
    for (const auto& [key, text] : values)
      where += (where.empty() ? "" : ", ") + key + " = " + text;
    throw SweepPointError(source, 0, 0, e.key(),
                          "at point " + std::to_string(i) + " (" + where + "): " + e.message());
  }
}

Portfolio Sweep::point_portfolio(std::size_t i) const {
  if (i >= point_values.size())
    throw std::out_of_range("sweep point " + std::to_string(i) + " of " +
                            std::to_string(point_values.size()));
  std::vector<std::pair<std::string, std::string>> values;
  for (std::size_t k = 0; k < parameters.size(); ++k)
    if (!point_values[i][k].empty()) values.emplace_back(parameters[k].key, point_values[i][k]);
  Portfolio p = portfolio;
  if (!values.empty()) {
    try {
      p = portfolio.with_values(values);
    } catch (const ScenarioError& e) {
      std::string where;
      for (const auto& [key, text] : values)
        where += (where.empty() ? "" : ", ") + key + " = " + text;
      throw SweepPointError(source, 0, 0, e.key(),
                            "at point " + std::to_string(i) + " (" + where + "): " + e.message());
    }
  }
  // Recording more grid times draws nothing: the organisations are the same.
  p.grid = run_grid(p);
  return p;
}

std::vector<double> Sweep::run_grid(const Portfolio& point) const {
  std::vector<double> grid = point.grid;
  for (const auto& m : metrics) {
    if (m.kind != MetricKind::Portfolio || m.statistic.kind != PortfolioStatistic::Kind::LevelAt)
      continue;
    const double t = m.statistic.level_time(point.horizon);
    if (t > point.horizon)
      throw ScenarioError(source, 0, 0, "metrics",
                          "metric " + m.name + " needs t = " + format_double(t) +
                              " months, beyond this point's horizon (" +
                              format_double(point.horizon) + ")");
    grid.push_back(t);
  }
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

std::vector<double> Sweep::run_grid(const Scenario& point) const {
  std::vector<double> grid = point.grid;
  for (const auto& m : metrics) {
    const double t = m.kind == MetricKind::Scenario ? m.scenario.grid_time() : -1.0;
    if (t < 0) continue;
    if (t > point.horizon)
      throw ScenarioError(source, 0, 0, "metrics",
                          "metric " + m.name + " needs t = " + format_double(t) +
                              " months, beyond this point's horizon (" +
                              format_double(point.horizon) + ")");
    grid.push_back(t);
  }
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

Sweep Sweep::from_yaml(const std::string& text, const std::string& source,
                       const std::string& base_dir) {
  return from_yaml(text, source, base_dir, Overrides{});
}

Sweep Sweep::from_yaml(const std::string& text, const std::string& source,
                       const std::string& base_dir, const Overrides& overrides) {
  const YAML::Node root = load_yaml(text, source);
  try {
    return SweepReader(source, base_dir, overrides).read(root);
  } catch (const YAML::Exception& e) {
    throw_at_mark(source, e);
  }
}

Sweep Sweep::load(const std::string& path) { return load(path, Overrides{}); }

Sweep Sweep::load(const std::string& path, const Overrides& overrides) {
  const std::string text = read_text_file(path);
  const std::filesystem::path p(path);
  return from_yaml(text, path, p.has_parent_path() ? p.parent_path().string() : ".", overrides);
}

}  // namespace progsurv
