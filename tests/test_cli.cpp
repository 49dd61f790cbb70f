// The `progsurv` command end to end: exit statuses, untouched outputs on bad input, and
// identical files for any thread count.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "command.hpp"
#include "temp_folder.hpp"

#include "progsurv/analysis/sweep.hpp"
#include "progsurv/io/result_file.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

using progsurv_test::Output;
using progsurv_test::progsurv;
using progsurv_test::slurp;

class Cli : public progsurv_test::TempFolderTest {};

TEST_F(Cli, VersionAndHelp) {
  auto v = progsurv("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("progsurv "), std::string::npos);
  auto h = progsurv("run --help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("--precision"), std::string::npos);
}

// The build string names the math library by a hash of log, exp and pow at inputs where
// glibc's two x86-64 versions round differently: a process made to use the version without
// FMA (as on a CPU without it) must show another hash, or the inputs tell nothing apart.
TEST_F(Cli, VersionTellsGlibcsMathVersionsApart) {
  const auto math = [](const std::string& out) {
    const auto at = out.find("log/exp/pow ");
    return at == std::string::npos ? std::string() : out.substr(at, 20);
  };
  const Output usual = progsurv("--version");
  ASSERT_EQ(usual.status, 0);
  ASSERT_EQ(math(usual.out).size(), 20u) << usual.out;
  if (!__builtin_cpu_supports("fma") || !__builtin_cpu_supports("avx2"))
    GTEST_SKIP() << "this CPU has no FMA: glibc uses its version without FMA already";
  const Output other =
      progsurv_test::progsurv_with_env("GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA", "--version");
  ASSERT_EQ(other.status, 0);
  EXPECT_NE(math(other.out), math(usual.out)) << usual.out << other.out;
}

// A precision run says whether it reached its target or stopped at the cap, and the file's
// summary (`progsurv summary`, Python's summary()) says it again.
TEST_F(Cli, PrecisionRunsSayWhetherTheTargetWasMet) {
  const std::string out = path("p.h5");
  const auto missed =
      progsurv("run " + baseline() + " -q --precision 0.001 --max-replications 20000 -o " + out);
  ASSERT_EQ(missed.status, 0) << missed.out;
  EXPECT_NE(missed.out.find("<= 0.001: NOT met (half-width "), std::string::npos) << missed.out;
  EXPECT_NE(missed.out.find("after 20000 replications, the cap)"), std::string::npos) << missed.out;
  const auto again = progsurv("summary " + out);
  EXPECT_NE(again.out.find("after 20000 replications, the cap)"), std::string::npos) << again.out;
  const auto met = progsurv("run " + baseline() + " -q --precision 0.05 -o " + out);
  ASSERT_EQ(met.status, 0) << met.out;
  EXPECT_NE(met.out.find("<= 0.05: met (half-width "), std::string::npos) << met.out;
  EXPECT_NE(progsurv("summary " + out).out.find("<= 0.05: met"), std::string::npos);
  EXPECT_EQ(progsurv("run " + baseline() + " -q -n 1000 -o " + out).out.find("precision target"),
            std::string::npos);
}

TEST_F(Cli, RunWritesFileAndPrintsSummary) {
  auto r = progsurv("run " + baseline() + " -n 5000 -q -o " + path("a.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("completed"), std::string::npos);
  EXPECT_NE(r.out.find("P50"), std::string::npos);
  EXPECT_TRUE(fs::exists(path("a.h5")));
  const RunResult back = read_result(path("a.h5"));
  EXPECT_EQ(back.tally.n, 5000);
  // The summary command reads the file back and prints the same table.
  auto s = progsurv("summary " + path("a.h5"));
  EXPECT_EQ(s.status, 0) << s.out;
  EXPECT_NE(s.out.find("completed"), std::string::npos);
}

TEST_F(Cli, EmbeddedBaselineRunsWithoutAFile) {
  auto r = progsurv("run -n 2000 -q -o " + path("embedded.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_result(path("embedded.h5")).scenario.name, "baseline");
}

TEST_F(Cli, IdenticalFilesForOneAndTwoThreads) {
  const std::string common = "run " + baseline() + " -n 40000 --seed 5 -q --keep-replications";
  int two = 0;
  ASSERT_EQ(
      progsurv_test::run_with_one_and_two_threads(common, path("t1.h5"), path("t2.h5"), two).status,
      0);
  ASSERT_EQ(two, 0);
  EXPECT_TRUE(progsurv_test::same_hdf5(path("t1.h5"), path("t2.h5")))
      << "datasets differ between --threads 1 and --threads 2";
  const RunResult a = read_result(path("t1.h5")), b = read_result(path("t2.h5"));
  EXPECT_EQ(a.tally.end_bins, b.tally.end_bins);
  EXPECT_EQ(a.records->end_time, b.records->end_time);
}

TEST_F(Cli, DifferentSeedsGiveDifferentFiles) {
  const std::string common = "run " + baseline() + " -n 5000 -q ";
  ASSERT_EQ(progsurv(common + "--seed 1 -o " + path("s1.h5")).status, 0);
  ASSERT_EQ(progsurv(common + "--seed 2 -o " + path("s2.h5")).status, 0);
  EXPECT_NE(read_result(path("s1.h5")).tally.end_bins, read_result(path("s2.h5")).tally.end_bins);
}

TEST_F(Cli, BadScenarioLeavesExistingOutputUntouched) {
  ASSERT_EQ(progsurv("run " + baseline() + " -n 1000 -q -o " + path("keep.h5")).status, 0);
  const std::string before = slurp(path("keep.h5"));
  {
    std::ofstream bad(path("bad.yaml"));
    bad << slurp(baseline());
    bad << "\nbudgett: {every: 12}\n";
  }
  auto r = progsurv("run " + path("bad.yaml") + " -q -o " + path("keep.h5"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("bad.yaml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("budgett"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did you mean"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(path("keep.h5")), before);
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

// mpirun with several processes for a command that does not share its work: rank 0 warns
// that each process runs all of it; the command still runs (a script may mean it). One
// process, and remedies in an MPI build, are not warned about.
TEST_F(Cli, ACommandWithoutMpiUnderMpirunIsWarnedAbout) {
  // What mpirun puts in each process's environment, for one command.
  const auto launched = [&](const std::string& command, const char* size_var, const char* size,
                            const char* rank_var, const char* rank) {
    setenv(size_var, size, 1);
    setenv(rank_var, rank, 1);
    const auto r = progsurv(command);
    unsetenv(size_var);
    unsetenv(rank_var);
    return r;
  };
  const std::string run = "run " + baseline() + " -n 100 -q -o " + path("x.h5");
  const std::string warning =
      "progsurv: warning: progsurv run does not share its work between "
      "MPI processes: each of the 2 processes the launcher started runs all of it";
  auto r = launched(run, "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK", "0");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(warning), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(path("x.h5")));
  r = launched(run, "PMI_SIZE", "3", "PMI_RANK", "2");  // only rank 0 says it
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
  r = launched(run, "OMPI_COMM_WORLD_SIZE", "1", "OMPI_COMM_WORLD_RANK", "0");
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
  // A PMIx launcher (srun --mpi=pmix) gives the rank, and Slurm the task count; without a
  // count the warning still comes, without a number.
  r = launched(run, "SLURM_STEP_NUM_TASKS", "2", "PMIX_RANK", "0");
  EXPECT_NE(r.out.find(warning), std::string::npos) << r.out;
  r = launched(run, "PROGSURV_TEST_UNUSED", "", "PMIX_RANK", "0");
  EXPECT_NE(r.out.find("each of the processes the launcher started runs all of it"),
            std::string::npos)
      << r.out;
  r = launched(run, "SLURM_STEP_NUM_TASKS", "2", "PMIX_RANK", "1");
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
}

TEST_F(Cli, MissingScenarioFileIsBadInput) {
  auto r = progsurv("run " + path("nope.yaml") + " -q -o " + path("x.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("nope.yaml"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("x.h5")));
}

TEST_F(Cli, BadOptionsAreBadInput) {
  EXPECT_EQ(progsurv("run " + baseline() + " -n 0").status, 2);
  EXPECT_EQ(progsurv("run " + baseline() + " --precision 2").status, 2);
  // A cap without --precision would be ignored: refused, nothing written.
  const auto cap =
      progsurv("run " + baseline() + " -n 100 --max-replications 1000 -q -o " + path("cap.h5"));
  EXPECT_EQ(cap.status, 2) << cap.out;
  EXPECT_NE(cap.out.find("--max-replications requires --precision"), std::string::npos) << cap.out;
  EXPECT_FALSE(fs::exists(path("cap.h5")));
  EXPECT_EQ(progsurv("run " + baseline() + " -o " + path("no/such/dir/x.h5")).status, 2);
  EXPECT_EQ(progsurv("frobnicate").status, 2);
}

// Every error is one line, "progsurv: error: ...", exit 2, whether it is found while the
// command line is read (an option's check) or afterwards; a missing input file is named in the
// words every reader uses, whatever kind of file it is.
TEST_F(Cli, ErrorsShareOneFormat) {
  const auto missing = [&](const std::string& name) {
    return "progsurv: error: " + path(name) + ": cannot read file: No such file or directory\n";
  };
  struct Case {
    std::string args, out;
  };
  const std::string out = " -q -o " + path("o.h5");
  const std::vector<Case> cases = {
      {"summary " + path("nothere.h5"), missing("nothere.h5")},
      {"validate " + path("nothere.yaml"), missing("nothere.yaml")},
      {"run " + path("nothere.yaml") + out, missing("nothere.yaml")},
      {"sweep " + path("nothere.yaml") + out, missing("nothere.yaml")},
      {"run " + baseline() + " --set horizon" + out,
       "progsurv: error: --set: expected key.path=value, got 'horizon'\n"},
      {"portfolio " + baseline() + " --set =3" + out,
       "progsurv: error: --set: expected key.path=value, got '=3'\n"},
      {"run " + baseline() + " -n 1e5" + out,
       "progsurv: error: --replications: expected a whole number, got '1e5' (write it out: "
       "100000)\n"},
      // A line of the wrong shape also says where the options are listed.
      {"summary", "progsurv: error: file is required (progsurv summary --help)\n"},
  };
  for (const Case& c : cases) {
    const Output r = progsurv(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_EQ(r.out, c.out) << c.args;
    EXPECT_FALSE(fs::exists(path("o.h5"))) << c.args;
  }
  // --help and --version still print as they did, with exit 0.
  EXPECT_EQ(progsurv("summary --help").status, 0);
}

TEST_F(Cli, ValidatePrintsResolvedScenario) {
  auto r = progsurv("validate " + baseline());
  ASSERT_EQ(r.status, 0) << r.out;
  // Defaults appear in the resolved text even where baseline.yaml leaves them out.
  EXPECT_NE(r.out.find("vacancy_multiplier"), std::string::npos);
  EXPECT_NE(r.out.find("max_attempts"), std::string::npos);
}

TEST_F(Cli, ForeignFileIsRejected) {
  {
    std::ofstream junk(path("junk.h5"));
    junk << "not hdf5";
  }
  auto r = progsurv("summary " + path("junk.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("junk.h5"), std::string::npos) << r.out;
}

// -o onto a file of another kind is a slip, not a re-run: refused without --force, the file
// kept; a file of the command's own kind (a re-run), an empty file and --force replace it.
TEST_F(Cli, AnOutputOfAnotherKindIsNotReplacedWithoutForce) {
  ASSERT_EQ(progsurv("run " + baseline() + " -n 200 -q -o " + path("run.h5")).status, 0);
  const std::string run_bytes = slurp(path("run.h5"));
  {
    std::ofstream sw(path("sw.yaml"));
    sw << "name: sw\nbase: " << baseline()
       << "\nseed: 1\nreplications: 100\ndesign: oat\nparameters:\n"
          "  succession.adoption: {low: 0.2, high: 0.8}\nmetrics: [p_completed]\n";
    std::ofstream notes(path("notes.h5"));
    notes << "my notes";
    std::ofstream empty(path("empty.h5"));
  }
  Output r = progsurv("sweep " + path("sw.yaml") + " -q -o " + path("run.h5"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("output " + path("run.h5") +
                       ": holds a run file, not a sweep file; use --force to replace it, or "
                       "choose another name"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(slurp(path("run.h5")), run_bytes);
  r = progsurv("run " + baseline() + " -n 200 -q -o " + path("notes.h5"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("exists and is not a progsurv file; use --force"), std::string::npos)
      << r.out;
  EXPECT_EQ(slurp(path("notes.h5")), "my notes");
  // The same kind is a re-run; an empty file and --force are replaced.
  r = progsurv("run " + baseline() + " -n 100 --seed 2 -q -o " + path("run.h5"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("(replaced the file that was there)"), std::string::npos) << r.out;
  EXPECT_EQ(progsurv("run " + baseline() + " -n 200 -q -o " + path("empty.h5")).status, 0);
  r = progsurv("sweep " + path("sw.yaml") + " -q --force -o " + path("notes.h5"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("written: " + path("notes.h5") + " (replaced the file that was there)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(read_sweep(path("notes.h5")).sweep.name, "sw");
}

// `progsurv sweep -n/--seed/--set` replace the sweep file's replications, seed and base
// values; the resolved sweep in the file records them, so re-running it gives the same file.
TEST_F(Cli, SweepOptionsOverrideTheSweepFile) {
  {
    std::ofstream f(path("sw.yaml"));
    f << "name: sw\nbase: " << baseline()
      << "\nseed: 1\nreplications: 5000\ndesign: oat\nparameters:\n"
         "  succession.adoption: {low: 0.2, high: 0.8}\nmetrics: [p_completed]\n";
  }
  const Output r = progsurv("sweep " + path("sw.yaml") + " -q -o " + path("a.h5") +
                            " -n 300 --seed 7 --set sponsor_levels.vp.clout=0.6");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("300 replications per point, seed 7"), std::string::npos) << r.out;
  const SweepResult a = read_sweep(path("a.h5"));
  EXPECT_EQ(a.sweep.replications, 300);
  EXPECT_EQ(a.sweep.seed, 7u);
  EXPECT_EQ(a.points[0].replications, 300);
  EXPECT_EQ(a.sweep.base.value_text("sponsor_levels.vp.clout"), "0.6");
  // The same sweep written out with those values in the file gives the same numbers.
  {
    std::ofstream f(path("resolved.yaml"));
    f << a.sweep.resolved;
  }
  ASSERT_EQ(progsurv("sweep " + path("resolved.yaml") + " -q -o " + path("b.h5")).status, 0);
  const SweepResult b = read_sweep(path("b.h5"));
  EXPECT_EQ(b.sweep.fingerprint, a.sweep.fingerprint);
  EXPECT_EQ(b.points[1].estimate, a.points[1].estimate);
  // Without the options the file's own values run, and the numbers differ.
  ASSERT_EQ(progsurv("sweep " + path("sw.yaml") + " -q -o " + path("c.h5") + " -n 300").status, 0);
  EXPECT_NE(read_sweep(path("c.h5")).points[1].estimate, a.points[1].estimate);
  // A key the base does not have: bad input, named, and no output.
  const Output bad = progsurv("sweep " + path("sw.yaml") + " -q -o " + path("d.h5") +
                              " --set sponsor_levels.vp.clot=0.6");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("'sponsor_levels.vp.clot'"), std::string::npos) << bad.out;
  EXPECT_FALSE(fs::exists(path("d.h5")));
  EXPECT_EQ(progsurv("sweep " + path("sw.yaml") + " -q -n 1e3").status, 2);
  // --repeat and --second-order belong to the sensitivity designs.
  const Output oat =
      progsurv("sweep " + path("sw.yaml") + " -q -o " + path("e.h5") + " --repeat 2");
  EXPECT_EQ(oat.status, 2);
  EXPECT_NE(oat.out.find("sobol and morris designs"), std::string::npos) << oat.out;
  EXPECT_EQ(
      progsurv("sweep " + path("sw.yaml") + " -q -o " + path("e.h5") + " --second-order").status,
      2);
  const Output shift = progsurv("sweep " + path("sw.yaml") + " -q -o " + path("e.h5") + " --shift");
  EXPECT_EQ(shift.status, 2);
  EXPECT_NE(shift.out.find("--shift (a randomly shifted design) needs the sobol design"),
            std::string::npos)
      << shift.out;
  EXPECT_FALSE(fs::exists(path("e.h5")));
}

// --repeat and --second-order on a sobol sweep: recorded in the resolved sweep and the file,
// and the printed table has the pairs, the seeds and the noise ratio.
TEST_F(Cli, SweepRepeatAndSecondOrder) {
  {
    std::ofstream f(path("sob.yaml"));
    f << "name: sob\nbase: " << baseline()
      << "\nseed: 1\nreplications: 200\ndesign: {type: sobol, base_samples: 4, bootstrap: 20}\n"
         "parameters:\n  succession.adoption: {low: 0.2, high: 0.8}\n"
         "  patience.threshold.median: {low: 6, high: 24}\nmetrics: [p_completed]\n";
  }
  const Output r = progsurv("sweep " + path("sob.yaml") + " -q -o " + path("s.h5") +
                            " --repeat 2 --second-order");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("seeds 1..2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("succession.adoption x patience.threshold.median"), std::string::npos);
  EXPECT_NE(r.out.find("noise/variance"), std::string::npos);
  const SweepResult s = read_sweep(path("s.h5"));
  EXPECT_EQ(s.sweep.repeat, 2);
  EXPECT_TRUE(s.sweep.second_order);
  EXPECT_TRUE(s.sweep.shift);  // repeats are shifted designs
  EXPECT_EQ(s.points.size(), 2u * 4u * 6u);
  EXPECT_NE(r.out.find("engine seeds on independently shifted designs"), std::string::npos)
      << r.out;
  // --shift alone: one shifted design, recorded as such.
  const Output one = progsurv("sweep " + path("sob.yaml") + " -q -o " + path("t.h5") + " --shift");
  ASSERT_EQ(one.status, 0) << one.out;
  EXPECT_NE(one.out.find("randomly shifted design"), std::string::npos) << one.out;
  EXPECT_NE(read_sweep(path("t.h5")).sweep.resolved.find("shift: true"), std::string::npos);
}

}  // namespace
