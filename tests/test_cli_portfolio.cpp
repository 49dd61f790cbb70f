// `progsurv portfolio`, `summary` and `validate` on portfolio files, end to end: exit status 2
// and an untouched output on bad input, the summary read back from the file, and validate's
// resolved view of a portfolio.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "command.hpp"
#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/io/portfolio_file.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

using progsurv_test::Output;
using progsurv_test::progsurv;
using progsurv_test::slurp;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliPortfolio : public progsurv_test::TempFolderTest {
 protected:
  static std::string ten_years() {
    return std::string(PROGSURV_SOURCE_DIR) + "/scenarios/portfolios/ten-years.yaml";
  }
  // A portfolio on the baseline whose roster names a level the baseline does not have.
  std::string bad_portfolio() const {
    return write("bad.yaml", "horizon: 120\nroster: {vp: 2, cfo: 1}\nprogrammes:\n  core: " +
                                 baseline() + "\nlaunches: [{at: 0, programme: core}]\n");
  }
};

// A precision run says whether it reached its target or stopped at the cap, as run does,
// and the file's summary says it again.
TEST_F(CliPortfolio, PrecisionRunsSayWhetherTheTargetWasMet) {
  const std::string out = path("p.h5");
  const auto missed = progsurv("portfolio " + ten_years() +
                               " -q --precision 0.0001 --max-organisations 2048 -o " + out);
  ASSERT_EQ(missed.status, 0) << missed.out;
  EXPECT_TRUE(contains(missed.out, "<= 0.0001: NOT met (half-width ")) << missed.out;
  EXPECT_TRUE(contains(missed.out, "after 2048 organisations, the cap)")) << missed.out;
  EXPECT_TRUE(contains(progsurv("summary " + out).out, "NOT met")) << out;
  const auto met = progsurv("portfolio " + ten_years() + " -q --precision 1 -o " + out);
  ASSERT_EQ(met.status, 0) << met.out;
  EXPECT_TRUE(contains(met.out, "<= 1: met (half-width ")) << met.out;
  EXPECT_FALSE(contains(progsurv("portfolio " + ten_years() + " -q -n 100 -o " + out).out,
                        "precision target"));
}

TEST_F(CliPortfolio, BadPortfolioExits2AndLeavesTheOutputUntouched) {
  const std::string out = write("out.h5", "a previous result");
  const auto r = progsurv("portfolio " + bad_portfolio() + " -q --force -o " + out);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(contains(r.out, path("bad.yaml") + ":2:17: 'roster.cfo': unknown sponsor level"))
      << r.out;
  EXPECT_EQ(slurp(out), "a previous result");
  // A bad override of a good file, and an option out of range, are refused the same way.
  const auto s =
      progsurv("portfolio " + ten_years() + " -q --force --set cynicism.rise=2 -o " + out);
  EXPECT_EQ(s.status, 2) << s.out;
  EXPECT_TRUE(contains(s.out, "cynicism.rise")) << s.out;
  EXPECT_EQ(slurp(out), "a previous result");
  const auto n = progsurv("portfolio " + ten_years() + " -q --force -n 0 -o " + out);
  EXPECT_EQ(n.status, 2) << n.out;
  EXPECT_EQ(slurp(out), "a previous result");
  // A cap without --precision would be ignored: refused.
  const auto cap =
      progsurv("portfolio " + ten_years() + " -q --force -n 10 --max-organisations 100 -o " + out);
  EXPECT_EQ(cap.status, 2) << cap.out;
  EXPECT_TRUE(contains(cap.out, "--max-organisations requires --precision")) << cap.out;
  EXPECT_EQ(slurp(out), "a previous result");
  // An organisation expected to launch more programmes than its streams can name is
  // refused when read (a random overrun would stop the run), also before anything is written.
  const std::string busy =
      write("busy.yaml", "horizon: 120\nroster: {vp: 2}\nprogrammes:\n  core: " + baseline() +
                             "\nrenewal: {every: 0.01, mix: core}\n");
  const auto b = progsurv("portfolio " + busy + " -q --force -n 4 -o " + out);
  EXPECT_EQ(b.status, 2) << b.out;
  EXPECT_TRUE(contains(b.out, "busy.yaml:5:18")) << b.out;
  EXPECT_TRUE(contains(b.out, "an organisation launches at most 2048")) << b.out;
  EXPECT_EQ(slurp(out), "a previous result");
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file();
  EXPECT_EQ(files, 3);  // bad.yaml, busy.yaml and out.h5
}

TEST_F(CliPortfolio, SummaryReadsThePortfolioFile) {
  const auto r = progsurv("portfolio " + ten_years() + " -n 128 -q -o " + path("org.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "portfolio 'ten-years': 128 organisations")) << r.out;
  EXPECT_TRUE(contains(r.out, "launch rank")) << r.out;
  const auto s = progsurv("summary " + path("org.h5"));
  ASSERT_EQ(s.status, 0) << s.out;
  // The summary of the file is the one the run printed, to the character.
  const std::string printed = r.out.substr(0, r.out.find("written: "));
  EXPECT_EQ(s.out, printed);
}

// A run with --set names the variant in what it prints and in its file, which keeps each
// change with what it was; the summary of the file prints the same.
TEST_F(CliPortfolio, SetValuesAreRecordedAndNamed) {
  const auto r =
      progsurv("portfolio " + ten_years() + " -n 64 -q --set roster.vp=4 -o " + path("org.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "portfolio 'ten-years [roster.vp=4]': 64 organisations")) << r.out;
  const PortfolioResult back = read_portfolio_result(path("org.h5"));
  ASSERT_EQ(back.portfolio.changes.size(), 1u);
  EXPECT_EQ(back.portfolio.changes[0].path, "roster.vp");
  EXPECT_EQ(back.portfolio.changes[0].value, "4");
  EXPECT_EQ(back.portfolio.changes[0].was, "8");
  const auto s = progsurv("summary " + path("org.h5"));
  EXPECT_EQ(s.out, r.out.substr(0, r.out.find("written: ")));
  const auto a =
      progsurv("attribute " + ten_years() + " -n 16 -q --set roster.vp=4 -o " + path("attr.h5"));
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_EQ(read_portfolio_attribution(path("attr.h5")).portfolio.label(),
            "ten-years [roster.vp=4]");
}

// A template in its own file is changed by programmes.NAME.<path> in every command that takes
// --set with a portfolio, as an inline one is, and the label says so.
TEST_F(CliPortfolio, SetReachesATemplateInItsOwnFileInEveryCommand) {
  const std::string data = std::string(PROGSURV_SOURCE_DIR) + "/tests/data/remedies/";
  const std::string org =
      write("org.yaml", "name: org\nhorizon: 120\nroster: {vp: 1}\nprogrammes:\n  cf: " + data +
                            "closed-form.yaml\nlaunches: [{at: 0, programme: cf}]\n");
  const std::string set = " --set programmes.cf.phases.0.steps.0.work.mean=5 ";
  const std::string label = "org [programmes.cf.phases.0.steps.0.work.mean=5]";
  const auto r = progsurv("portfolio " + org + set + "-n 64 -q -o " + path("org.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "portfolio '" + label + "'")) << r.out;
  const PortfolioResult back = read_portfolio_result(path("org.h5"));
  ASSERT_EQ(back.portfolio.changes.size(), 1u);
  EXPECT_EQ(back.portfolio.changes[0].was, "10");
  const auto a = progsurv("attribute " + org + set + "-n 16 -q -o " + path("attr.h5"));
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_EQ(read_portfolio_attribution(path("attr.h5")).portfolio.label(), label);
  const auto m =
      progsurv("remedies " + org + " " + data + "closed-form-portfolio-remedies.yaml" + set +
               "--target 'mean_completed>=0.75' --delta 0.05 -q -o " + path("rem.h5"));
  ASSERT_EQ(m.status, 0) << m.out;
  EXPECT_TRUE(contains(m.out, label)) << m.out;
  // A key that is not there is refused alike, naming the path.
  for (const std::string command : {"portfolio", "attribute"}) {
    const auto bad = progsurv(command + " " + org + " --set programmes.cf.patience.grase=6 -q -o " +
                              path("bad.h5"));
    EXPECT_EQ(bad.status, 2) << bad.out;
    EXPECT_TRUE(contains(bad.out, "'programmes.cf.patience.grase'")) << bad.out;
  }
}

TEST_F(CliPortfolio, ValidatePrintsTheResolvedPortfolio) {
  const auto v = progsurv("validate " + ten_years());
  ASSERT_EQ(v.status, 0) << v.out;
  for (const char* part :
       {"name: \"ten-years\"", "horizon: 120", "roster:  # 25 posts", "c_suite: {posts: 4,",
        "director: {posts: 12,", "programmes:\n  baseline:\n    source: \"",
        "scenarios/baseline.yaml\"",
        "cynicism: {initial: 0.1, rise: 0.25, relief: 0.3, "
        "half_life: 36, effect: {break: 0.3, pickup: 0.5, approval: 0.3}}",
        "customers: {initial_trust: 1}", "launches: []",
        "renewal: {every: {dist: exponential, mean: 9}, mix: {baseline: 1}}", "max_live: 4"})
    EXPECT_TRUE(contains(v.out, part)) << "lacks: " << part << "\n" << v.out;
  // A scenario is still printed as a scenario.
  const auto s = progsurv("validate " + baseline());
  ASSERT_EQ(s.status, 0) << s.out;
  EXPECT_TRUE(contains(s.out, "phases:")) << s.out;
  EXPECT_FALSE(contains(s.out, "roster")) << s.out;
  // A bad portfolio is located like a bad scenario.
  const auto b = progsurv("validate " + bad_portfolio());
  EXPECT_EQ(b.status, 2) << b.out;
  EXPECT_TRUE(contains(b.out, "bad.yaml:2:17: 'roster.cfo'")) << b.out;
}

TEST_F(CliPortfolio, ValidateWarnsAboutALevelWithoutPosts) {
  // The baseline sponsors at every level; a roster with VPs only starves the others.
  const std::string p =
      write("vp-only.yaml", "horizon: 60\nroster: {vp: 3}\nprogrammes:\n  core: " + baseline() +
                                "\nlaunches: [{at: 0, programme: core}]\n");
  const auto v = progsurv("validate " + p);
  EXPECT_EQ(v.status, 0) << v.out;
  EXPECT_TRUE(contains(v.out, "warning: programme 'core' is sponsored at level 'director'"))
      << v.out;
  EXPECT_FALSE(contains(v.out, "at level 'vp'")) << v.out;
  // The run says it too (on stderr, and runs); so does cynicism that changes nothing.
  const std::string c = write("cynical.yaml",
                              "horizon: 60\nroster: {vp: 3}\n"
                              "cynicism: {initial: 0.1, rise: 0.25}\n"
                              "programmes:\n  core: " +
                                  baseline() + "\nlaunches: [{at: 0, programme: core}]\n");
  const auto r = progsurv("portfolio " + c + " -q -n 64 -o " + path("c.h5"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "warning: programme 'core' is sponsored at level 'director'"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "but every cynicism.effect is 0")) << r.out;
  EXPECT_FALSE(contains(progsurv("validate " + ten_years()).out, "warning")) << ten_years();
}

}  // namespace
