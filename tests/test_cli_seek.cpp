// `progsurv seek` end to end: the answer and its file, `summary` of it, the same file for
// any thread count, bad input (exit 2, the place named, no file) and Ctrl-C (no file).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "command.hpp"
#include "progsurv/analysis/seek.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

using progsurv_test::Output;
using progsurv_test::progsurv;

class CliSeek : public progsurv_test::TempFolderTest {};

const char* const kLever = " --lever patience.threshold.median --range 6:120 ";

TEST_F(CliSeek, AnswersWritesTheFileAndSummaryPrintsTheSame) {
  const Output r = progsurv("seek " + baseline() + kLever +
                            "--target 'completed>=0.13' -n 3000 -q -o " + path("s.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("patience.threshold.median of at least "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reaches p_completed >= 13%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at the base value 16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replications: 3000 per lever value"), std::string::npos) << r.out;
  const Output s = progsurv("summary " + path("s.h5"));
  ASSERT_EQ(s.status, 0) << s.out;
  EXPECT_EQ(s.out + "written: " + path("s.h5") + "\n", r.out);
  EXPECT_EQ(read_seek(path("s.h5")).verdict, SeekVerdict::Found);
}

TEST_F(CliSeek, OutOfReachIsAnAnswer) {
  const Output r = progsurv("seek " + baseline() + kLever + "--target 'completed>=0.5' -n 1000 -q");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("out of reach"), std::string::npos) << r.out;
}

TEST_F(CliSeek, SameFileForOneAndTwoThreads) {
  for (const char* threads : {"1", "2"}) {
    const Output r = progsurv("seek " + baseline() + kLever +
                              "--target 'completed>=0.13' -n 20000 -q --threads " + threads +
                              " -o " + path(std::string("t") + threads + ".h5"));
    ASSERT_EQ(r.status, 0) << r.out;
  }
  // Byte-identical but for the `created` time: every value read back is the same.
  const SeekResult a = read_seek(path("t1.h5")), b = read_seek(path("t2.h5"));
  ASSERT_EQ(a.points.size(), b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(a.points[i].x, b.points[i].x);
    EXPECT_EQ(a.points[i].sum, b.points[i].sum);
    EXPECT_EQ(a.points[i].sumsq, b.points[i].sumsq);
    EXPECT_EQ(a.points[i].base_dsumsq, b.points[i].base_dsumsq);
  }
  EXPECT_EQ(format_seek(a), format_seek(b));
}

TEST_F(CliSeek, BadInputExitsTwoNamingThePlaceWithoutAFile) {
  struct Case {
    std::string args, named;
  };
  const std::vector<Case> cases = {
      {"--lever patience.grase --range 0:24 --target 'completed>=0.2'", "--lever: patience.grase"},
      {"--lever patience.visible --range 0:1 --target 'completed>=0.2'", "patience.visible"},
      {"--lever patience.grace --range 24:0 --target 'completed>=0.2'", "--range: low 24"},
      {"--lever patience.grace --range 0:24 --log --target 'completed>=0.2'", "--log: "},
      {"--lever patience.grace --range 0-24 --target 'completed>=0.2'", "--range"},
      {"--lever patience.grace --target 'completed>=0.2'", "--range: patience.grace has no"},
      {"--lever sponsor_levels.vp.clout --range 0:1.5 --target 'completed>=0.2'",
       "sponsor_levels.vp.clout"},
      {"--lever patience.grace --range 0:24 --target 'completion>=0.2'", "--target"},
      {"--lever patience.grace --range 0:24 --target 'completed>=0.2' -n 1", "--replications"},
      {"--lever patience.grace --range 0:24 --target 'completed>=0.2' --smallest --largest",
       "--largest"},
  };
  for (const Case& c : cases) {
    const Output r = progsurv("seek " + baseline() + " " + c.args + " -q -o " + path("o.h5"));
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.named), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_FALSE(fs::exists(path("o.h5"))) << c.args;
  }
  // An output that is the scenario itself is refused before any work.
  const Output same = progsurv("seek " + baseline() + kLever +
                               "--target 'completed>=0.13' -n 100 -q -o " + baseline());
  EXPECT_EQ(same.status, 2) << same.out;
}

// Ctrl-C stops a long search within about a second and a half: exit 130, no file.
TEST_F(CliSeek, InterruptLeavesNoFile) {
  const std::string scenario = baseline(), out = path("o.h5");
  const progsurv_test::Interrupted r = progsurv_test::interrupt_progsurv(
      {"seek", scenario, "--lever", "patience.threshold.median", "--range", "6:120", "--target",
       "completed>=0.13", "-n", "100000000", "-q", "--threads", "2", "-o", out});
  ASSERT_TRUE(r.stopped) << "progsurv seek ignored SIGINT for 20 s";
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 130);
  // About a second on an idle machine; 7 s was seen at a load of 10. This catches a hang.
  EXPECT_LT(r.seconds, 15.0);
  EXPECT_FALSE(fs::exists(out));
  for (const auto& entry : fs::directory_iterator(dir_))
    ADD_FAILURE() << "left behind: " << entry.path();
}

}  // namespace
