// The statistics of a scenario run and their names, for the sweep's metrics and the goals.
#include "progsurv/analysis/scenario_statistic.hpp"

#include <string>

#include "progsurv/scenario/error.hpp"
#include "scenario/distribution_yaml.hpp"  // format_double, parse_finite

#include <boost/algorithm/string/predicate.hpp>

namespace progsurv {

namespace {

using boost::algorithm::starts_with;

using yaml_detail::format_double;
using yaml_detail::parse_finite;

using Kind = ScenarioStatistic::Kind;
using Arg = ScenarioStatistic::Arg;

constexpr const char* kCauseList =
    "sponsor_exit, patience, handoff_failure, budget_cut, phase_gate";

// A name without its optional "mean_" and "p_" (in that order, as goals have always read them).
std::string bare(const std::string& name) {
  std::string n = starts_with(name, "mean_") ? name.substr(5) : name;
  return starts_with(n, "p_") ? n.substr(2) : n;
}

ScenarioStatistic make(Kind kind) {
  ScenarioStatistic s;
  s.kind = kind;
  return s;
}

// What names() shows after a stem, by Arg.
const char* pattern(Arg a) {
  static const char* const kPatterns[] = {"",     "_<months>", "_<cause|any>_<months>",
                                          "_<q>", "_<cause>",  "_<quantity>"};
  return kPatterns[static_cast<int>(a)];
}

// Months >= 0 at the start of `rest`; UsageError otherwise.
double read_months(const std::string& rest, const std::string& before, const std::string& error,
                   const std::string& example) {
  double t = 0.0;
  if (!parse_finite(rest, t) || t < 0)
    throw UsageError(error + "expected months >= 0 after '" + before + "', e.g. " + example);
  return t;
}

}  // namespace

std::string ScenarioStatistic::stem() const {
  switch (kind) {
    case Kind::Outcome:
      return std::string("p_") + to_string(outcome);
    case Kind::Cause:
      return std::string("p_") + to_string(cause);
    case Kind::CompletedBy:
      return "p_completed_by";
    case Kind::EndedBy:
      return "p_ended_by";
    case Kind::Value:
      return "mean_value";
    case Kind::Months:
      return std::string("months_") + to_string(bucket);
    case Kind::CompletionQuantile:
      return "completion_quantile";
    case Kind::CauseShare:
      return "cause_share";
    case Kind::MeanStarted:
      return "mean";
  }
  return "?";
}

ScenarioStatistic::Arg ScenarioStatistic::arg() const {
  switch (kind) {
    case Kind::CompletedBy:
      return Arg::Months;
    case Kind::EndedBy:
      return Arg::CauseMonths;
    case Kind::CompletionQuantile:
      return Arg::Level;
    case Kind::CauseShare:
      return Arg::Cause;
    case Kind::MeanStarted:
      return Arg::Quantity;
    default:
      return Arg::None;
  }
}

std::string ScenarioStatistic::name() const {
  const std::string n = stem();
  switch (arg()) {
    case Arg::None:
      return n;
    case Arg::Months:
      return n + "_" + format_double(t);
    case Arg::CauseMonths:
      return n + "_" + (cause == Cause::None ? "any" : to_string(cause)) + "_" + format_double(t);
    case Arg::Level:
      return n + "_" + format_double(q);
    case Arg::Cause:
      return n + "_" + to_string(cause);
    case Arg::Quantity:
      return n + "_" + to_string(quantity);
  }
  return n;
}

std::string ScenarioStatistic::description() const {
  switch (kind) {
    case Kind::Outcome:
      return std::string("P(") + to_string(outcome) + "), of proposed";
    case Kind::Cause:
      return std::string("P(ended by ") + to_string(cause) + "), of proposed";
    case Kind::CompletedBy:
      return "P(completed within " + format_double(t) + " months), of proposed";
    case Kind::EndedBy:
      return "P(ended" +
             (cause == Cause::None ? std::string() : " by " + std::string(to_string(cause))) +
             " within " + format_double(t) + " months), of proposed";
    case Kind::Value:
      return "mean value banked per proposed programme";
    case Kind::Months:
      return std::string("mean months ") + to_string(bucket) + " per proposed programme";
    case Kind::CompletionQuantile:
      return "the " + format_double(q) + "-quantile of the completion time (months), of proposed";
    case Kind::CauseShare:
      return std::string("share of ") + to_string(cause) + " among ended programmes";
    case Kind::MeanStarted:
      return std::string("mean ") + to_string(quantity) + " over started programmes";
  }
  return "?";
}

bool ScenarioStatistic::is_share() const {
  return kind == Kind::Outcome || kind == Kind::Cause || kind == Kind::CompletedBy ||
         kind == Kind::EndedBy || kind == Kind::CauseShare;
}

std::string ScenarioStatistic::not_a_goal() const {
  // A search pairs replication r of two bundles run with the same seed; only a mean over
  // proposed programmes of one number per replication splits into such pairs.
  const std::string why =
      " is not a mean over proposed programmes of one number per "
      "replication, so a search cannot pair it";
  switch (kind) {
    case Kind::CompletionQuantile:
      return "a completion quantile" + why +
             "; a target may bound it (completion_p50<=48 reads as p_completed_by_48>=0.5)";
    case Kind::CauseShare:
      return "a share among ended programmes" + why + "; p_" + to_string(cause) + " (ended by " +
             to_string(cause) + ", of proposed) is a goal";
    case Kind::MeanStarted:
      for (TimeBucket b : kTimeBucketOrder)
        if (quantity_of(b) == quantity)
          return "a mean over started programmes" + why + "; months_" + to_string(b) +
                 " (per proposed programme) is a goal";
      return "a mean over started programmes" + why;
    default:
      return "";
  }
}

std::string ScenarioStatistic::not_in_sweep() const {
  if (kind != Kind::Months) return "";
  return std::string(
             "is months per proposed programme, read from each replication's record, "
             "which a sweep does not keep; a sweep records {mean: ") +
         to_string(quantity_of(bucket)) + "}, the mean over started programmes";
}

const std::vector<ScenarioStatistic>& ScenarioStatistic::stems() {
  static const std::vector<ScenarioStatistic> all = [] {
    std::vector<ScenarioStatistic> v;
    for (Outcome o : kOutcomes) {
      ScenarioStatistic s = make(Kind::Outcome);
      s.outcome = o;
      v.push_back(s);
    }
    for (Cause c : kCauses) {
      ScenarioStatistic s = make(Kind::Cause);
      s.cause = c;
      v.push_back(s);
    }
    v.push_back(make(Kind::CompletedBy));
    v.push_back(make(Kind::EndedBy));
    v.push_back(make(Kind::Value));
    for (TimeBucket b : kTimeBucketOrder) {
      ScenarioStatistic s = make(Kind::Months);
      s.bucket = b;
      v.push_back(s);
    }
    v.push_back(make(Kind::CompletionQuantile));
    v.push_back(make(Kind::CauseShare));
    v.push_back(make(Kind::MeanStarted));
    return v;
  }();
  return all;
}

std::vector<std::string> ScenarioStatistic::names(bool goals) {
  std::vector<std::string> n;
  for (const ScenarioStatistic& s : stems())
    if (!goals || s.per_replication()) n.push_back(s.stem() + pattern(s.arg()));
  return n;
}

bool ScenarioStatistic::parse(const std::string& text, const std::string& what,
                              ScenarioStatistic& out) {
  const std::string name = bare(text);
  // A plain name first: "mean_value" is the value per proposed programme, not {mean: value}.
  for (const ScenarioStatistic& s : stems())
    if (s.arg() == Arg::None && name == bare(s.stem())) {
      out = s;
      return true;
    }
  // A stem with its argument, as written ("p_completed_by_36") or without its "p_"
  // ("completed_by_36"); `before` is the prefix as the text has it, for messages.
  const ScenarioStatistic* stem = nullptr;
  std::string before;
  for (const ScenarioStatistic& s : stems()) {
    if (s.arg() == Arg::None) continue;
    if (starts_with(text, s.stem() + "_")) {
      stem = &s, before = text.substr(0, s.stem().size() + 1);
    } else if (s.kind != Kind::MeanStarted && starts_with(name, bare(s.stem()) + "_")) {
      stem = &s, before = text.substr(0, text.size() - name.size() + bare(s.stem()).size() + 1);
    }
    if (stem != nullptr) break;
  }
  if (stem == nullptr) return false;
  const std::string rest = text.substr(before.size());
  const std::string error = what + " '" + text + "': ";
  out = *stem;
  switch (stem->arg()) {
    case Arg::None:
      break;
    case Arg::Months:
      out.t = read_months(rest, before, error, stem->stem() + "_36");
      break;
    case Arg::CauseMonths: {
      std::string cause_name;
      if (starts_with(rest, "any_")) {
        out.cause = Cause::None;
        cause_name = "any";
      } else {
        for (Cause c : kCauses)
          if (starts_with(rest, std::string(to_string(c)) + "_"))
            out.cause = c, cause_name = to_string(c);
        if (cause_name.empty())
          throw UsageError(error + "expected " + stem->stem() + pattern(stem->arg()) +
                           ", the cause one of " + kCauseList + ", any");
      }
      out.t = read_months(rest.substr(cause_name.size() + 1), before + cause_name + "_", error,
                          stem->stem() + "_any_36");
      break;
    }
    case Arg::Level:
      if (!parse_finite(rest, out.q) || !(out.q > 0 && out.q < 1))
        throw UsageError(error + "expected a level in (0, 1) after '" + before + "', e.g. " +
                         stem->stem() + "_0.5 for the median");
      break;
    case Arg::Cause:
      out.cause = Cause::None;
      for (Cause c : kCauses)
        if (rest == to_string(c)) out.cause = c;
      if (out.cause == Cause::None)
        throw UsageError(error + "expected " + stem->stem() + pattern(stem->arg()) +
                         ", the cause one of " + kCauseList);
      break;
    case Arg::Quantity:
      for (int k = 0; k < kQuantityCount; ++k)
        if (rest == to_string(static_cast<Quantity>(k))) {
          out.quantity = static_cast<Quantity>(k);
          return true;
        }
      // "mean_" is also the optional prefix of a plain name: "mean_launched" names nothing
      // here, rather than a quantity that is not one.
      return false;
  }
  return true;
}

}  // namespace progsurv
