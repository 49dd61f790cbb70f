#include "progsurv/analysis/likelihood.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "progsurv/engine/parallel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "scenario/distribution_yaml.hpp"

namespace progsurv {

namespace {

unsigned category_bit(EndCategory k) { return 1u << static_cast<int>(k); }

// Every end category an ended programme can have: the causes, in enum order.
unsigned ended_categories() {
  unsigned mask = 0;
  for (int c = 0; c < kCauseCount; ++c)
    mask |= category_bit(end_category(Outcome::Ended, static_cast<Cause>(c)));
  return mask;
}

std::string month_text(double m) { return yaml_detail::format_double(m); }

// Whether some fitted key path lies under `prefix` ("patience." covers "patience.grace").
bool is_fitted(const std::vector<std::string>& fitted, const std::string& prefix) {
  for (const std::string& f : fitted)
    if (f.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

// Why an ended programme with this cause and phase count cannot happen under `base`, and
// the column to point at; an empty `why` if it can. Values under fitted paths may change, so
// only what they cannot change counts.
struct Impossible {
  RecordColumn column = RecordColumn::Cause;
  std::string why;
};

Impossible impossible_ending(const Scenario& base, const ObservedProgramme& p, int phases,
                             const std::vector<std::string>& fitted) {
  const std::string in = " in scenario '" + base.name + "'";
  if (p.phases >= 0 && p.phases == phases)
    return {RecordColumn::Phases,
            "an ended programme that delivered all " + std::to_string(phases) +
                " phases cannot happen: delivering the last phase completes it (record it as "
                "completed, or correct phases_delivered)"};
  if (p.cause < 0) return {};
  switch (static_cast<Cause>(p.cause)) {
    case Cause::PhaseGate:
      if (p.phases == 0)
        return {RecordColumn::Phases,
                "a phase gate comes after a phase is delivered, so phase_gate with 0 phases "
                "delivered cannot happen"};
      break;
    case Cause::BudgetCut:
      if (!base.budget.enabled)
        return {RecordColumn::Cause,
                "a budget cut needs a budget cycle, and the budget is disabled" + in};
      if (!is_fitted(fitted, "budget.") &&
          (base.budget.squeeze_prob == 0.0 || base.budget.cut_prob == 0.0))
        return {RecordColumn::Cause,
                "a budget cut cannot happen" + in + ": its budget.squeeze_prob or cut_prob is 0"};
      break;
    case Cause::Patience:
      if (base.patience.model == PatienceModel::None)
        return {RecordColumn::Cause,
                "a patience cut needs patience, and patience.model is none" + in};
      if (!is_fitted(fitted, "patience.grace") && p.month < base.patience.grace)
        return {RecordColumn::Month, "no patience cut comes before the grace period (" +
                                         month_text(base.patience.grace) +
                                         " months from the start" + in + "), so none at month " +
                                         month_text(p.month)};
      break;
    case Cause::HandoffFailure: {
      int silo = -1;
      bool handoff = false;
      for (const Phase& ph : base.phases)
        for (const Step& st : ph.steps) {
          if (silo >= 0 && st.silo != silo) handoff = true;
          silo = st.silo;
        }
      if (!handoff)
        return {RecordColumn::Cause,
                "a handoff failure needs a handoff between silos, and every step of scenario '" +
                    base.name + "' is in one silo"};
      break;
    }
    default:
      break;
  }
  return {};
}

// A proposal dies, or is still being scoped, only within its scoping time: with a fixed
// scoping time s (the default is 0) neither happens after s (rule 11). Skipped when a
// scoping key is fitted.
Impossible impossible_in_scoping(const Scenario& base, const ObservedProgramme& p,
                                 const std::vector<std::string>& fitted) {
  const bool dies = p.outcome == RecordOutcome::NotStarted && p.month >= 0;
  if (!(dies || p.outcome == RecordOutcome::Scoping) || is_fitted(fitted, "scoping") ||
      base.scoping.kind() != DistKind::Fixed)
    return {};
  const double s = base.scoping.quantile(0.5);
  const std::string fixed =
      "scoping takes a fixed " + month_text(s) + " months in scenario '" + base.name + "'";
  if (dies && p.month > s)
    return {p.month_from, "a proposal dies only while it is scoped, and " + fixed +
                              ", so none dies at month " + month_text(p.month)};
  if (p.outcome == RecordOutcome::Scoping && p.month >= s)
    return {RecordColumn::Outcome,
            fixed + ", so no proposal is still scoping at month " + month_text(p.month)};
  return {};
}

}  // namespace

RecordLikelihood::RecordLikelihood(const Scenario& base, const ProgrammeRecord& record,
                                   const LikelihoodOptions& options)
    : options_(options),
      levels_(static_cast<int>(base.levels.size())),
      phases_(static_cast<int>(base.phases.size())),
      horizon_(base.horizon) {
  if (!(options_.bin_months > 0) || !std::isfinite(options_.bin_months))
    throw std::invalid_argument("bin_months must be a number > 0");
  if (options_.replications < 1) throw std::invalid_argument("replications must be >= 1");
  bins_ = std::max(1, static_cast<int>(std::ceil(horizon_ / options_.bin_months - 1e-12)));

  auto fail = [&](const ObservedProgramme& p, RecordColumn c, const std::string& message) {
    throw ScenarioError(record.source, p.line, std::max(1, p.column[static_cast<int>(c)]),
                        to_string(c), message);
  };
  for (const ObservedProgramme& p : record.programmes)
    if (p.outcome == RecordOutcome::Running || p.outcome == RecordOutcome::Scoping)
      ages_.push_back(p.month);
  std::sort(ages_.begin(), ages_.end());
  ages_.erase(std::unique(ages_.begin(), ages_.end()), ages_.end());

  for (const ObservedProgramme& p : record.programmes) {
    Pattern pat;
    if (!p.sponsor_level.empty()) {
      pat.level = base.level_index(p.sponsor_level);
      if (pat.level < 0) {
        std::vector<std::string> names;
        for (const SponsorLevel& l : base.levels) names.push_back(l.name);
        fail(p, RecordColumn::SponsorLevel,
             "'" + p.sponsor_level + "' is not a sponsor level of scenario '" + base.name + "'; " +
                 yaml_detail::suggest(p.sponsor_level, names) + " (or blank when unknown)");
      }
    }
    if (p.phases > phases_)
      fail(p, RecordColumn::Phases,
           std::to_string(p.phases) + " phases delivered, but scenario '" + base.name + "' has " +
               std::to_string(phases_));
    if (p.month > horizon_)
      fail(p, p.month_from,
           "month " + month_text(p.month) + " is past the horizon of scenario '" + base.name +
               "' (" + month_text(horizon_) + " months); give the base scenario a longer horizon");
    if (const Impossible no = impossible_in_scoping(base, p, options_.fitted); !no.why.empty())
      fail(p, no.column, no.why);
    switch (p.outcome) {
      case RecordOutcome::Completed:
        if (p.phases >= 0 && p.phases != phases_)
          fail(p, RecordColumn::Phases,
               "a completed programme delivered all " + std::to_string(phases_) +
                   " phases of scenario '" + base.name + "', not " + std::to_string(p.phases));
        pat.categories = category_bit(EndCategory::Completed);
        pat.phases = p.phases;
        break;
      case RecordOutcome::Ended:
        if (const Impossible no = impossible_ending(base, p, phases_, options_.fitted);
            !no.why.empty())
          fail(p, no.column, no.why);
        pat.categories =
            p.cause >= 0 ? category_bit(end_category(Outcome::Ended, static_cast<Cause>(p.cause)))
                         : ended_categories();
        pat.phases = p.phases;
        break;
      case RecordOutcome::NotStarted:
        pat.categories = category_bit(EndCategory::NotStarted);
        break;
      case RecordOutcome::Running:
        if (p.phases == phases_)
          fail(p, RecordColumn::Phases,
               "a running programme that delivered all " + std::to_string(phases_) +
                   " phases cannot happen: delivering the last phase completes it (record it as "
                   "completed, or correct phases_delivered)");
        pat.categories = category_bit(EndCategory::Running);
        pat.phases = p.phases;
        break;
      case RecordOutcome::Scoping:
        pat.scoping = true;
        break;
    }
    if (p.outcome == RecordOutcome::Running || p.outcome == RecordOutcome::Scoping)
      pat.censor =
          static_cast<int>(std::lower_bound(ages_.begin(), ages_.end(), p.month) - ages_.begin());
    else if (p.month >= 0)  // not_started with an unknown month stays in every bin
      pat.bin = std::min(bins_ - 1, static_cast<int>(p.month / options_.bin_months));
    const auto found = std::find(patterns_.begin(), patterns_.end(), pat);
    if (found == patterns_.end()) {
      pat.multiplicity = 1;
      of_programme_.push_back(patterns_.size());
      patterns_.push_back(pat);
    } else {
      found->multiplicity += 1;
      of_programme_.push_back(static_cast<std::size_t>(found - patterns_.begin()));
    }
  }
}

// Layout: [level][category][phases 0..P][bin]; then, at the censoring ages, running
// [level][phases so far 0..P][age j] and still scoping [level][age j], each row over the ages
// with one slot more (a chunk fills them as differences, then sums them: at_ages()).
std::size_t RecordLikelihood::table_size() const {
  const std::size_t ages = ages_.size() + 1;
  return static_cast<std::size_t>(levels_) * kEndCategoryCount * (phases_ + 1) * bins_ +
         static_cast<std::size_t>(levels_) * (phases_ + 2) * ages;
}

void RecordLikelihood::check_shape(const Scenario& s) const {
  if (static_cast<int>(s.levels.size()) != levels_ ||
      static_cast<int>(s.phases.size()) != phases_ || s.horizon != horizon_)
    throw std::invalid_argument(
        "the scenario must have the sponsor levels, phases and horizon of the one the record "
        "was resolved against");
}

std::vector<double> RecordLikelihood::pattern_counts(const std::vector<std::int64_t>& t) const {
  const std::size_t cells = static_cast<std::size_t>(kEndCategoryCount) * (phases_ + 1) * bins_;
  const std::size_t ages = ages_.size() + 1;
  const std::size_t censored = static_cast<std::size_t>(levels_) * cells;
  std::vector<double> counts(patterns_.size(), 0.0);
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& p = patterns_[i];
    const int l0 = p.level < 0 ? 0 : p.level, l1 = p.level < 0 ? levels_ : p.level + 1;
    const int d0 = p.phases < 0 ? 0 : p.phases, d1 = p.phases < 0 ? phases_ + 1 : p.phases + 1;
    double n = 0;
    for (int l = l0; l < l1; ++l) {
      // Running rows of level l by phases so far, then its scoping row.
      const std::int64_t* at_ages =
          &t[censored + static_cast<std::size_t>(l) * (phases_ + 2) * ages];
      if (p.scoping) {
        n += at_ages[static_cast<std::size_t>(phases_ + 1) * ages + p.censor];
        continue;
      }
      if (p.censor >= 0) {
        for (int d = d0; d < d1; ++d) n += at_ages[static_cast<std::size_t>(d) * ages + p.censor];
        continue;
      }
      for (int k = 0; k < kEndCategoryCount; ++k) {
        if (!(p.categories & (1u << k))) continue;
        for (int d = d0; d < d1; ++d) {
          const std::int64_t* row = &t[static_cast<std::size_t>(l) * cells +
                                       (static_cast<std::size_t>(k) * (phases_ + 1) + d) * bins_];
          if (p.bin >= 0) {
            n += row[p.bin];
          } else {
            for (int b = 0; b < bins_; ++b) n += row[b];
          }
        }
      }
    }
    counts[i] = n;
  }
  return counts;
}

std::int64_t RecordLikelihood::chunks() const {
  return (options_.replications + kChunkSize - 1) / kChunkSize;
}

int RecordLikelihood::worker_threads() const {
  if (options_.threads > 0) return options_.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::vector<std::int64_t> RecordLikelihood::chunk_table(const Scenario& scenario,
                                                        std::int64_t c) const {
  const std::int64_t reps = options_.replications;
  const std::size_t cells = static_cast<std::size_t>(kEndCategoryCount) * (phases_ + 1) * bins_;
  const std::size_t survival = static_cast<std::size_t>(levels_) * cells;
  const std::size_t ages = ages_.size() + 1;
  std::vector<std::int64_t> t(table_size(), 0);
  ReplicationTimeline timeline;
  // Counts one more at every censoring age in [from, to) (every age up to the horizon,
  // that included, when `to_horizon`) as a difference along the row.
  auto during = [&](std::int64_t* row, double from, double to, bool to_horizon) {
    const auto first = std::lower_bound(ages_.begin(), ages_.end(), from) - ages_.begin();
    const auto last = to_horizon ? static_cast<std::ptrdiff_t>(ages_.size())
                                 : std::lower_bound(ages_.begin(), ages_.end(), to) - ages_.begin();
    if (first < last) {
      ++row[first];
      --row[last];
    }
  };
  const std::int64_t end = std::min(reps, (c + 1) * kChunkSize);
  for (std::int64_t r = c * kChunkSize; r < end; ++r) {
    const ReplicationRecord rec = simulate_replication(
        scenario, options_.seed, static_cast<std::uint64_t>(r), nullptr, &timeline);
    const int level = std::clamp(rec.initial_level, 0, levels_ - 1);
    const int k = static_cast<int>(end_category(rec.outcome, rec.cause));
    const int d = std::clamp(rec.phases_delivered, 0, phases_);
    const int b = std::clamp(static_cast<int>(rec.end_time / options_.bin_months), 0, bins_ - 1);
    ++t[static_cast<std::size_t>(level) * cells +
        (static_cast<std::size_t>(k) * (phases_ + 1) + d) * bins_ + b];
    if (ages_.empty()) continue;
    // Where it stood at each censoring age: scoping before its approval (or death),
    // then running with the phases delivered so far until it ended. Still running (or
    // scoping) at the horizon counts at every age up to it, an age equal to the horizon
    // included, as in the exact solver's occupancy at H.
    std::int64_t* at_ages = &t[survival + static_cast<std::size_t>(level) * (phases_ + 2) * ages];
    const bool open = rec.outcome == Outcome::Running;
    const double approved = timeline.approved_at;
    const bool started = approved < std::numeric_limits<double>::infinity();
    during(at_ages + static_cast<std::size_t>(phases_ + 1) * ages, 0.0,
           started ? approved : rec.end_time, !started && open);
    if (!started) continue;
    double from = approved;
    const std::size_t delivered = timeline.delivered_at.size();
    for (std::size_t j = 0; j <= delivered && j <= static_cast<std::size_t>(phases_); ++j) {
      const bool last = j == delivered;
      during(at_ages + j * ages, from, last ? rec.end_time : timeline.delivered_at[j],
             last && open);
      if (!last) from = timeline.delivered_at[j];
    }
  }
  // Differences to counts.
  for (std::size_t row = 0; row < static_cast<std::size_t>(levels_) * (phases_ + 2); ++row) {
    std::int64_t* x = &t[survival + row * ages];
    for (std::size_t j = 1; j < ages; ++j) x[j] += x[j - 1];
  }
  return t;
}

LikelihoodEstimate RecordLikelihood::simulated(const Scenario& scenario) const {
  check_shape(scenario);
  // One table per chunk (a chunk's replications are fixed, so which thread ran it does not
  // matter); chunk tables also give the batch-means standard error.
  std::vector<std::vector<std::int64_t>> tables(static_cast<std::size_t>(chunks()));
  parallel_for(chunks(), worker_threads(), [&](std::int64_t c) {
    tables[static_cast<std::size_t>(c)] = chunk_table(scenario, c);
  });
  return simulated_estimate(tables);
}

LikelihoodEstimate RecordLikelihood::simulated_estimate(
    const std::vector<std::vector<std::int64_t>>& tables) const {
  const std::int64_t reps = options_.replications;
  const std::int64_t chunks = this->chunks();
  const std::size_t size = table_size();
  std::vector<std::int64_t> total(size, 0);
  for (const auto& t : tables)
    for (std::size_t i = 0; i < size; ++i) total[i] += t[i];
  const std::vector<double> n = pattern_counts(total);
  const double R = static_cast<double>(reps);
  std::vector<double> p(patterns_.size());
  LikelihoodEstimate est;
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    p[i] = (n[i] + 0.5) / (R + 1.0);
    est.log_likelihood += patterns_[i].multiplicity * std::log(p[i]);
  }
  // log L-hat ~ const + sum_i m_i phat_i / p_i: its variance from the spread of that sum
  // over chunks (batch means), which keeps the correlations between patterns.
  if (chunks >= 2) {
    std::vector<double> h(static_cast<std::size_t>(chunks), 0.0);
    double mean = 0;
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::vector<double> nc = pattern_counts(tables[static_cast<std::size_t>(c)]);
      const double rc = static_cast<double>(std::min(reps, (c + 1) * kChunkSize) - c * kChunkSize);
      double v = 0;
      for (std::size_t i = 0; i < patterns_.size(); ++i)
        v += patterns_[i].multiplicity * (nc[i] / rc) / p[i];
      h[static_cast<std::size_t>(c)] = v;
      mean += v;
    }
    mean /= static_cast<double>(chunks);
    double ss = 0;
    for (double v : h) ss += (v - mean) * (v - mean);
    est.standard_error =
        std::sqrt(ss / static_cast<double>(chunks - 1) / static_cast<double>(chunks));
  }
  for (std::size_t pat : of_programme_) {
    est.probability.push_back(p[pat]);
    est.probability_se.push_back(std::sqrt(p[pat] * (1 - p[pat]) / R));
  }
  return est;
}

std::vector<double> RecordLikelihood::log_likelihoods(const Scenario& base,
                                                      const std::vector<PointValues>& points,
                                                      Method method) const {
  const auto n = static_cast<std::int64_t>(points.size());
  const int threads = worker_threads();
  std::vector<double> out(points.size(), -std::numeric_limits<double>::infinity());
  if (method == Method::Exact) {
    // One point per thread: exact() runs on the calling thread.
    parallel_for(n, threads, [&](std::int64_t i) {
      try {
        out[static_cast<std::size_t>(i)] =
            exact(base.with_values(points[static_cast<std::size_t>(i)], Scenario::Text::Omitted))
                .log_likelihood;
      } catch (const ScenarioError&) {
        // Refused values (or outside the Markov subset): -infinity, as set.
      }
    });
    return out;
  }
  std::vector<Scenario> scenarios(points.size());
  std::vector<char> refused(points.size(), 0);
  parallel_for(n, threads, [&](std::int64_t i) {
    const auto k = static_cast<std::size_t>(i);
    try {
      scenarios[k] = base.with_values(points[k], Scenario::Text::Omitted);
    } catch (const ScenarioError&) {
      refused[k] = 1;
      return;
    }
    check_shape(scenarios[k]);
  });
  std::vector<std::size_t> live;
  for (std::size_t k = 0; k < points.size(); ++k)
    if (!refused[k]) live.push_back(k);
  // Every (point, chunk) is one task, points in order, so the threads stay busy across
  // points rather than waiting for each point's last chunk.
  const std::int64_t per = chunks();
  std::vector<std::vector<std::vector<std::int64_t>>> tables(
      live.size(), std::vector<std::vector<std::int64_t>>(static_cast<std::size_t>(per)));
  parallel_for(static_cast<std::int64_t>(live.size()) * per, threads, [&](std::int64_t task) {
    const auto j = static_cast<std::size_t>(task / per);
    tables[j][static_cast<std::size_t>(task % per)] = chunk_table(scenarios[live[j]], task % per);
  });
  parallel_for(static_cast<std::int64_t>(live.size()), threads, [&](std::int64_t j) {
    const auto k = static_cast<std::size_t>(j);
    out[live[k]] = simulated_estimate(tables[k]).log_likelihood;
  });
  return out;
}

LikelihoodEstimate RecordLikelihood::exact(const Scenario& scenario,
                                           const ExactOptions& options) const {
  check_shape(scenario);
  // Cumulative probabilities F(t)[k, d] at the bin edges and the censoring ages, for the
  // scenario as it is (level unknown) and for each initial level on its own (level known:
  // P(level) times the probabilities given that level).
  std::vector<double> times;
  for (int b = 0; b <= bins_; ++b) times.push_back(std::min(horizon_, b * options_.bin_months));
  const std::size_t edge_count = times.size();
  times.insert(times.end(), ages_.begin(), ages_.end());
  const std::size_t stride = static_cast<std::size_t>(phases_ + 1);

  struct Solved {
    double weight = 0;
    std::vector<std::vector<double>> at;  // [time index][k * (P+1) + d]
    std::vector<double> scoping;          // [time index] P(still scoping)
  };
  // One walk of the chain through the times in ascending order, each step from the time
  // before, rather than one from zero per time. The steps are short and of arbitrary length
  // (every censoring age makes new ones), so Auto means uniformization here: the dense
  // method pays an O(N^3) exponential per distinct step, 99.7% of an evaluation when it was
  // used (docs/performance.md).
  std::vector<double> ascending = times;
  std::sort(ascending.begin(), ascending.end());
  ascending.erase(std::unique(ascending.begin(), ascending.end()), ascending.end());
  ExactOptions walk = options;
  if (walk.method == ExactOptions::Method::Auto) walk.method = ExactOptions::Method::Uniformization;
  auto solve = [&](const Scenario& s, double weight) {
    Solved out;
    out.weight = weight;
    if (weight <= 0) return out;
    std::vector<double> scoping;
    const std::vector<std::vector<double>> at =
        ExactModel(s, walk).phases_by_category(ascending, &scoping);
    for (double t : times) {
      const auto i = static_cast<std::size_t>(
          std::lower_bound(ascending.begin(), ascending.end(), t) - ascending.begin());
      out.at.push_back(at[i]);
      out.scoping.push_back(scoping[i]);
    }
    return out;
  };
  std::vector<Solved> by_level(static_cast<std::size_t>(levels_));
  Solved any;
  bool need_any = false;
  std::vector<bool> need_level(static_cast<std::size_t>(levels_), false);
  for (const Pattern& p : patterns_) {
    if (p.level < 0) {
      need_any = true;
    } else {
      need_level[static_cast<std::size_t>(p.level)] = true;
    }
  }
  if (need_any) any = solve(scenario, 1.0);
  for (int l = 0; l < levels_; ++l) {
    if (!need_level[static_cast<std::size_t>(l)]) continue;
    double weight = 0;
    for (std::size_t i = 0; i < scenario.sponsor.level.size(); ++i)
      if (scenario.sponsor.level[i] == l) weight += scenario.sponsor.prob[i];
    Scenario only = scenario;
    only.sponsor.level = {l};
    only.sponsor.prob = {1.0};
    by_level[static_cast<std::size_t>(l)] = solve(only, weight);
  }

  std::vector<double> p(patterns_.size(), 0.0);
  const int running = static_cast<int>(EndCategory::Running);
  const std::size_t last = edge_count - 1;
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& pat = patterns_[i];
    const Solved& s = pat.level < 0 ? any : by_level[static_cast<std::size_t>(pat.level)];
    if (s.weight <= 0) continue;
    double v = 0;
    const int d0 = pat.phases < 0 ? 0 : pat.phases,
              d1 = pat.phases < 0 ? phases_ + 1 : pat.phases + 1;
    if (pat.scoping) {
      v = s.scoping[edge_count + static_cast<std::size_t>(pat.censor)];
    } else if (pat.censor >= 0) {
      // Running with the phases so far: the chain's transient mass by phase, less the
      // proposals still scoping (all at phase 0).
      const std::size_t at = edge_count + static_cast<std::size_t>(pat.censor);
      for (int d = d0; d < d1; ++d) v += s.at[at][running * stride + d];
      if (d0 == 0) v -= s.scoping[at];
    } else {
      for (int k = 0; k < kEndCategoryCount; ++k) {
        if (!(pat.categories & (1u << k))) continue;
        for (int d = d0; d < d1; ++d) {
          const std::size_t at = static_cast<std::size_t>(k) * stride + d;
          if (pat.bin < 0) {
            v += s.at[last][at];
          } else {
            // Bin b is [b w, (b+1) w); nothing but not_started ends at exactly 0, so the
            // first bin starts from zero mass.
            const double upper = s.at[static_cast<std::size_t>(pat.bin) + 1][at];
            const double lower = pat.bin == 0 ? 0.0 : s.at[static_cast<std::size_t>(pat.bin)][at];
            v += upper - lower;
          }
        }
      }
    }
    p[i] = std::max(0.0, s.weight * v);
  }
  LikelihoodEstimate est;
  for (std::size_t i = 0; i < patterns_.size(); ++i)
    est.log_likelihood += patterns_[i].multiplicity * std::log(p[i]);
  for (std::size_t pat : of_programme_) {
    est.probability.push_back(p[pat]);
    est.probability_se.push_back(0.0);
  }
  return est;
}

}  // namespace progsurv
