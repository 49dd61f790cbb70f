// Goal seeking on one lever (progsurv seek): the crossing of a closed form is covered by the
// interval, the verdicts without a number, thread independence, the file, bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "progsurv/analysis/seek.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"
#include "scenario_builder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

// One exponential step of mean 1 against an exponential sponsor exit of mean T (adoption 0):
// P(completed) = T / (T + 1), so P >= 0.8 exactly when T >= 4.
Scenario closed_form() { return progsurv::testing::closed_form_scenario(1.0, 1.0 / 3.0); }

SeekOptions tenure_lever(std::uint64_t seed, std::int64_t n = 4000) {
  SeekOptions o;
  o.lever = "sponsor_levels.vp.tenure.mean";
  o.has_range = true;
  o.low = 0.5;
  o.high = 20.0;
  o.seed = seed;
  o.replications = n;
  o.threads = 1;
  return o;
}

// A single phase of fixed work 21 under a squeeze every month that never cuts but always
// defers (rule 16) the share d of what is left, against a sponsor exit of mean 10 months:
// mean value = (1 - d) exp(-0.1 (1 + 20 (1 - d))), which rises up to d = 0.5 and falls
// after it: cutting some scope saves the programme, cutting much leaves little worth having.
const char* const kTradeoff = R"(name: tradeoff
horizon: 200
sponsor_levels:
  vp: {tenure: {dist: exponential, mean: 10}, clout: 0.5}
sponsor: {vp: 1}
initial_sponsor: fresh
succession: {adoption: 0}
silos:
  a: {}
phases:
  - name: only
    value: 1
    deferrable: 0.5
    steps:
      - {silo: a, work: {dist: fixed, value: 21}}
budget: {every: 1, squeeze_prob: 1, cut_prob: 0}
deferral: {prob: 1}
)";

double tradeoff_value(double d) { return (1 - d) * std::exp(-0.1 * (1 + 20 * (1 - d))); }

void expect_same(const SeekResult& a, const SeekResult& b) {
  ASSERT_EQ(a.points.size(), b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    const SeekPoint &p = a.points[i], &q = b.points[i];
    EXPECT_EQ(p.x, q.x);
    EXPECT_EQ(p.stage, q.stage);
    EXPECT_EQ(p.n, q.n);
    EXPECT_EQ(p.sum, q.sum);
    EXPECT_EQ(p.sumsq, q.sumsq);
    EXPECT_EQ(p.base_dsum, q.base_dsum);
    EXPECT_EQ(p.base_dsumsq, q.base_dsumsq);
    EXPECT_EQ(std::isnan(p.prev_dsum), std::isnan(q.prev_dsum));
    if (!std::isnan(p.prev_dsum)) {
      EXPECT_EQ(p.prev_dsum, q.prev_dsum);
      EXPECT_EQ(p.prev_dsumsq, q.prev_dsumsq);
    }
  }
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(format_seek(a), format_seek(b));
}

}  // namespace

// The smallest tenure reaching P(completed) >= 0.8 is 4: the interval covers it at >= 18 of
// 20 seeds (a 95% interval would miss about one in twenty).
TEST(Seek, ClosedFormSmallestIsCoveredByTheInterval) {
  const Scenario s = closed_form();
  const Target t = Target::parse("completed>=0.8");
  int covered = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const SeekResult r = seek(s, t, tenure_lever(seed));
    ASSERT_EQ(r.verdict, SeekVerdict::Found) << format_seek(r);
    EXPECT_LE(r.interval_low, r.value);
    EXPECT_LE(r.value, r.interval_high);
    EXPECT_NEAR(r.value, 4.0, 1.5) << format_seek(r);
    if (r.interval_low <= 4.0 && 4.0 <= r.interval_high) ++covered;
  }
  std::printf("crossing covered at %d of 20 seeds\n", covered);
  EXPECT_GE(covered, 18);
}

// The largest work mean m with P(completed) = 4 / (4 + m) >= 0.8 is m = 1 (exit mean 4).
TEST(Seek, ClosedFormLargestIsCoveredByTheInterval) {
  const Scenario s = progsurv::testing::closed_form_scenario(1.0, 0.25);
  const Target t = Target::parse("completed>=80%");
  int covered = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SeekOptions o = tenure_lever(seed);
    o.lever = "phases.0.steps.0.work.mean";
    o.low = 0.1;
    o.high = 5.0;
    o.largest = true;
    const SeekResult r = seek(s, t, o);
    ASSERT_EQ(r.verdict, SeekVerdict::Found) << format_seek(r);
    EXPECT_NEAR(r.value, 1.0, 0.5) << format_seek(r);
    if (r.interval_low <= 1.0 && 1.0 <= r.interval_high) ++covered;
  }
  std::printf("crossing covered at %d of 20 seeds\n", covered);
  EXPECT_GE(covered, 18);
}

TEST(Seek, OutOfReachAndAlreadyMetReturnNoCrossing) {
  const Scenario s = closed_form();
  // P(completed) is at most 20/21 = 0.952 over the range.
  const SeekResult out = seek(s, Target::parse("completed>=0.99"), tenure_lever(1));
  EXPECT_EQ(out.verdict, SeekVerdict::OutOfReach) << format_seek(out);
  EXPECT_TRUE(std::isnan(out.value));
  EXPECT_NE(format_seek(out).find("out of reach"), std::string::npos);
  // A lever with no effect here (clout: no breaks, no budget) is flat, not "not monotone".
  SeekOptions flat = tenure_lever(1);
  flat.lever = "sponsor_levels.vp.clout";
  flat.has_range = false;
  const SeekResult none = seek(s, Target::parse("completed>=0.99"), flat);
  EXPECT_EQ(none.verdict, SeekVerdict::OutOfReach) << format_seek(none);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
  // P(completed) = 0.5 already at T = 1, the range's low end.
  SeekOptions o = tenure_lever(1);
  o.low = 1.0;
  const SeekResult met = seek(s, Target::parse("completed>=0.3"), o);
  EXPECT_EQ(met.verdict, SeekVerdict::AlreadyMet) << format_seek(met);
  EXPECT_EQ(met.value, 1.0);
  EXPECT_NE(format_seek(met).find("already met"), std::string::npos);
  // With --largest the search starts at the high end, where it is met too.
  o.largest = true;
  EXPECT_EQ(seek(s, Target::parse("completed>=0.3"), o).verdict, SeekVerdict::AlreadyMet);
  // A "<=" target on a rising response: the smallest value meeting it is the low end.
  o.largest = false;
  EXPECT_EQ(seek(s, Target::parse("p_sponsor_exit<=0.6"), o).verdict, SeekVerdict::AlreadyMet);
}

// Over [3.6, 4.4] P(completed) goes from 0.783 to 0.815; with 100 replications a value's
// 95% interval is about +-0.08, so the crossing of 0.8 can rarely be placed: mostly
// undecided, never out of reach or not monotone.
TEST(Seek, TooFewReplicationsIsUndecided) {
  const Scenario s = closed_form();
  int undecided = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SeekOptions o = tenure_lever(seed, 100);
    o.low = 3.6;
    o.high = 4.4;
    const SeekResult r = seek(s, Target::parse("completed>=0.8"), o);
    EXPECT_NE(r.verdict, SeekVerdict::OutOfReach) << format_seek(r);
    EXPECT_NE(r.verdict, SeekVerdict::NotMonotone) << format_seek(r);
    if (r.verdict == SeekVerdict::Undecided) {
      ++undecided;
      EXPECT_NE(format_seek(r).find("more replications"), std::string::npos) << format_seek(r);
    }
  }
  std::printf("undecided at %d of 10 seeds\n", undecided);
  EXPECT_GE(undecided, 6);
}

TEST(Seek, ResponseThatRisesThenFallsIsNotMonotone) {
  const Scenario s = Scenario::from_yaml(kTradeoff, "tradeoff.yaml");
  SeekOptions o;
  o.lever = "phases.0.deferrable";
  o.has_range = true;
  o.low = 0.0;
  o.high = 0.95;
  o.replications = 4000;
  o.threads = 1;
  const SeekResult r = seek(s, Target::parse("mean_value>=0.15"), o);
  ASSERT_EQ(r.verdict, SeekVerdict::NotMonotone) << format_seek(r);
  EXPECT_TRUE(std::isnan(r.value));
  EXPECT_FALSE(r.against_direction().empty());
  EXPECT_NE(format_seek(r).find("not monotone"), std::string::npos);
  // The scan follows the closed form.
  for (const SeekPoint* p : r.scan())
    EXPECT_NEAR(p->mean(), tradeoff_value(p->x), 4 * p->se() + 1e-9) << p->x;
  // On the falling stretch alone the response is monotone and the search answers.
  o.low = 0.5;
  o.largest = true;
  const SeekResult fall = seek(s, Target::parse("mean_value>=0.15"), o);
  EXPECT_EQ(fall.verdict, SeekVerdict::Found) << format_seek(fall);
}

TEST(Seek, SameResultForOneAndTwoThreadsAndThroughTheFile) {
  const Scenario s = closed_form();
  const Target t = Target::parse("completed>=0.8");
  SeekOptions o = tenure_lever(7, 40000);  // several batches
  const SeekResult one = seek(s, t, o);
  o.threads = 2;
  const SeekResult two = seek(s, t, o);
  expect_same(one, two);

  const fs::path dir = fs::temp_directory_path() / ("progsurv-seek-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "seek.h5").string();
  write_seek(path, two);
  const SeekResult back = read_seek(path);
  expect_same(two, back);
  EXPECT_EQ(back.lever, two.lever);
  EXPECT_EQ(back.seed, 7u);
  EXPECT_EQ(back.value, two.value);
  EXPECT_EQ(back.interval_low, two.interval_low);
  EXPECT_EQ(back.interval_high, two.interval_high);
  EXPECT_EQ(back.target.text, "completed>=0.8");
  EXPECT_GT(back.replications_spent(), 10 * 40000);
  fs::remove_all(dir);
}

TEST(Seek, ReaderRefusesOtherFiles) {
  EXPECT_THROW(read_seek("/nonexistent/seek.h5"), FileFormatError);
  const fs::path dir =
      fs::temp_directory_path() / ("progsurv-seek-read-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string text = (dir / "a.h5").string();
  FILE* f = std::fopen(text.c_str(), "w");
  std::fputs("not hdf5", f);
  std::fclose(f);
  EXPECT_THROW(read_seek(text), FileFormatError);
  fs::remove_all(dir);
}

TEST(Seek, BadInputNamesTheOptionOrKeyBeforeAnyWork) {
  const Scenario s = closed_form();
  const Target t = Target::parse("completed>=0.8");
  // "option: message": OptionError names the SeekOptions field, which each front end spells
  // its own way (--range, range=), so the message itself must not name a flag.
  const auto message = [&](SeekOptions o) -> std::string {
    try {
      seek(s, t, o);
    } catch (const ScenarioError& e) {
      return e.what();
    } catch (const OptionError& e) {
      EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
      return e.option() + ": " + e.what();
    } catch (const UsageError& e) {
      return e.what();
    }
    return "no error";
  };
  SeekOptions o = tenure_lever(1);
  o.lever = "sponsor_levels.vp.tenure.meen";
  EXPECT_EQ(message(o).rfind("lever: sponsor_levels.vp.tenure.meen", 0), 0u) << message(o);
  o.lever = "initial_sponsor";  // residual: not a number
  EXPECT_NE(message(o).find("not a number"), std::string::npos) << message(o);
  o.lever = "sponsor_levels.vp.tenure";  // a distribution: a map
  EXPECT_NE(message(o).find("sponsor_levels.vp.tenure"), std::string::npos) << message(o);
  o = tenure_lever(1);
  o.low = 20;
  o.high = 0.5;
  EXPECT_EQ(message(o).rfind("range: ", 0), 0u) << message(o);
  o = tenure_lever(1);
  o.has_range = false;  // a tenure mean has no documented range
  EXPECT_EQ(message(o).rfind("range: ", 0), 0u) << message(o);
  o.lever = "sponsor_levels.vp.clout";  // a probability: [0, 1] by default, not beyond
  o.has_range = true;
  o.low = 0;
  o.high = 2;
  EXPECT_NE(message(o).find("outside the key's domain"), std::string::npos) << message(o);
  o = tenure_lever(1);
  o.replications = 1;
  EXPECT_EQ(message(o).rfind("replications: ", 0), 0u) << message(o);
  o = tenure_lever(1);
  o.log_scale = true;
  o.low = 0;
  EXPECT_EQ(message(o).rfind("log_scale: ", 0), 0u) << message(o);
  o = tenure_lever(1);
  o.tolerance = 0.9;
  EXPECT_EQ(message(o).rfind("tolerance: ", 0), 0u) << message(o);
  o = tenure_lever(1);
  o.scan_points = 2;
  EXPECT_EQ(message(o).rfind("scan_points: ", 0), 0u) << message(o);
  EXPECT_THROW(Target::parse("completion>=0.2"), UsageError);
}
