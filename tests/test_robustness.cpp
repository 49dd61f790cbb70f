// Hostile input (docs/robustness.md): planted symlinks, devices and write-protected files
// as outputs, full disks, stale temporary files, runaway scenarios, absurd sizes, damaged
// files and forged journal records. Each test would have caught the failure it names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <thread>

#include "command.hpp"
#include "io/h5.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/file_type.hpp"
#include "progsurv/io/output_file.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/scenario/workload.hpp"
#include "scenario_builder.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

// AddressSanitizer reserves terabytes of address space, so `ulimit -v` cases cannot run
// in the sanitizer build; they run in every other build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressLimitWorks = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressLimitWorks = false;
#else
constexpr bool kAddressLimitWorks = true;
#endif
#else
constexpr bool kAddressLimitWorks = true;
#endif

struct Output {
  int status;
  std::string out;
};

// Runs a shell command line (with the progsurv binary as $P); stdout and stderr together.
Output shell(const std::string& line) {
  const std::string cmd = "P='" + std::string(PROGSURV_BINARY) + "'; (" + line + ") 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw), out};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::string baseline_path() {
  return std::string(PROGSURV_SOURCE_DIR) + "/scenarios/baseline.yaml";
}

// The baseline with `from` replaced by `to` (first occurrence); the test fails if absent.
std::string baseline_with(const std::string& from, const std::string& to) {
  std::string text = slurp(baseline_path());
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// A pid that is certainly not running: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

class Hostile : public progsurv_test::TempFolderTest {
 protected:
  // Files in the folder other than `keep`: temporary litter.
  std::vector<std::string> litter(const std::vector<std::string>& keep) const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (std::find(keep.begin(), keep.end(), name) == keep.end()) out.push_back(name);
    }
    return out;
  }
};

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

// --- output paths ----------------------------------------------------------------------

TEST_F(Hostile, OutputThatIsNotARegularFileIsRefused) {
  EXPECT_THROW(check_output_path("/dev/null"), OutputPathError);
  EXPECT_THROW(check_output_path(dir_.string()), OutputPathError);
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  EXPECT_NE(message_of([&] { check_output_path(path("fifo")); }).find("a FIFO"), std::string::npos);
  // replace_file refuses too, whatever its caller checked.
  EXPECT_THROW(replace_file(path("fifo"), "x"), OutputPathError);
  // The command: exit 2, and /dev/null stays a device.
  const Output r = shell("$P run -n 100 -q -o /dev/null");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("character device"), std::string::npos) << r.out;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

// A FIFO with no writer as an input used to block `validate` (and `summary`) forever.
TEST_F(Hostile, FifoInputsAreRefusedNotWaitedOn) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  for (const char* command : {"validate", "summary", "run", "exact"}) {
    const Output r = shell(std::string("timeout 20 $P ") + command + " '" + path("fifo") + "'");
    EXPECT_EQ(r.status, 2) << command << ": " << r.out;
    EXPECT_NE(r.out.find("not a regular file"), std::string::npos) << command << ": " << r.out;
  }
}

// `-` and a FIFO with a writer are read as a scenario (read once, kept for the second read
// that tells a portfolio from a scenario); a terminal or a FIFO nobody writes to is refused.
TEST_F(Hostile, StandardInputAndPipesAreReadAsScenarios) {
  const std::string yaml = "'" + baseline_path() + "'";
  for (const std::string& line :
       {"cat " + yaml + " | $P validate -", "cat " + yaml + " | $P validate /dev/stdin",
        "$P validate - < " + yaml,
        "cat " + yaml + " | $P run - -n 100 -q -o '" + path("piped.h5") + "'"}) {
    const Output r = shell("timeout 60 sh -c \"" + line + "\"");
    EXPECT_EQ(r.status, 0) << line << ": " << r.out;
  }
  EXPECT_TRUE(fs::exists(path("piped.h5")));
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  // The writer opens the FIFO under its own timeout and away from the captured output: if the
  // reader never opened it, a writer blocked in open() would otherwise hold the output pipe
  // and hang the test until ctest's timeout (seen once under load).
  const Output piped =
      shell("(timeout 60 sh -c \"cat " + yaml + " > '" + path("fifo") +
            "'\" > /dev/null 2>&1 &); timeout 60 $P validate '" + path("fifo") + "'");
  EXPECT_EQ(piped.status, 0) << piped.out;
  EXPECT_NE(piped.out.find("name: baseline"), std::string::npos) << piped.out;
  const Output empty = shell("timeout 20 $P validate - < /dev/null");
  EXPECT_EQ(empty.status, 2) << empty.out;
  EXPECT_NE(empty.out.find("standard input is a terminal or device"), std::string::npos);
}

// Messages name what is wrong: an unknown command word, a folder given as a sweep's base.
TEST_F(Hostile, MessagesNameTheirSubject) {
  const Output word = shell("$P frobnicate");
  EXPECT_EQ(word.status, 2) << word.out;
  EXPECT_NE(word.out.find("unknown command 'frobnicate'"), std::string::npos) << word.out;
  EXPECT_NE(word.out.find("run"), std::string::npos) << word.out;
  fs::create_directories(dir_ / "folder");
  spit(path("sw.yaml"),
       "name: sw\nbase: folder\nreplications: 100\ndesign: grid\n"
       "parameters:\n  silos.it.break_prob: [0.1, 0.2]\nmetrics: [p_completed]\n");
  const Output base = shell("$P sweep '" + path("sw.yaml") + "' -q -o '" + path("sw.h5") + "'");
  EXPECT_EQ(base.status, 2) << base.out;
  EXPECT_NE(base.out.find("is a folder, not a file"), std::string::npos) << base.out;
}

// compare: the same strict value parsers as run, a memory estimate, no repeated lever key.
TEST_F(Hostile, CompareValuesAreChecked) {
  struct Case {
    std::string args, expected;
  };
  for (const Case& c :
       std::vector<Case>{{"--seed -1", "expected a whole number from 0 to 18446744073709551615"},
                         {"--threads 10000", "must be between 0 and 1024"},
                         {"--threads -1", "--threads"},
                         {"-n 4294967296 --lever horizon=30", "needs about 128.0 GB of memory"},
                         {"--lever 'horizon=24;horizon=30'", "'horizon' is set twice"}}) {
    const Output r = shell("PROGSURV_MEMORY_LIMIT_MB=1024 timeout 60 $P compare -q " + c.args);
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.args << ": " << r.out;
    EXPECT_EQ(r.out.find("179769313"), std::string::npos) << r.out;  // no 309-digit bound
  }
}

TEST_F(Hostile, OutputOntoTheCommandsOwnInputIsRefused) {
  fs::copy_file(baseline_path(), path("s.yaml"));
  const std::string before = slurp(path("s.yaml"));
  // Any spelling of the same file, a hard link included.
  fs::create_hard_link(path("s.yaml"), path("link.yaml"));
  for (const std::string& out : {path("s.yaml"), dir_.string() + "/./s.yaml", path("link.yaml")}) {
    const Output r = shell("$P run '" + path("s.yaml") + "' -n 100 -q -o '" + out + "'");
    EXPECT_EQ(r.status, 2) << out << ": " << r.out;
    EXPECT_NE(r.out.find("input file"), std::string::npos) << r.out;
  }
  EXPECT_EQ(slurp(path("s.yaml")), before);
  // A sweep onto its base scenario.
  spit(path("sw.yaml"),
       "name: sw\nbase: s.yaml\nreplications: 100\ndesign: grid\n"
       "parameters:\n  silos.it.break_prob: [0.1, 0.2]\nmetrics: [p_completed]\n");
  const Output r = shell("$P sweep '" + path("sw.yaml") + "' -q -o '" + path("s.yaml") + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_EQ(slurp(path("s.yaml")), before);
  EXPECT_EQ(litter({"s.yaml", "link.yaml", "sw.yaml"}), std::vector<std::string>{});
}

TEST_F(Hostile, WriteProtectedOutputNeedsForce) {
  spit(path("old.h5"), "old");
  fs::permissions(path("old.h5"), fs::perms::owner_read | fs::perms::group_read);
  Output r = shell("$P run -n 100 -q -o '" + path("old.h5") + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--force"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(path("old.h5")), "old");
  r = shell("$P run -n 100 -q --force -o '" + path("old.h5") + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_result(path("old.h5")).tally.n, 100);
}

TEST_F(Hostile, OutputProblemsAreFoundBeforeTheRun) {
  // A missing folder, an unwritable folder and a name too long with the temporary suffix
  // all fail at once (exit 2), not after a long run.
  EXPECT_THROW(check_output_path(path("missing/out.h5")), OutputPathError);
  EXPECT_THROW(check_output_path(path(std::string(240, 'a') + ".h5")), OutputPathError);
  EXPECT_NO_THROW(check_output_path(path(std::string(200, 'a') + ".h5")));
  fs::create_directories(dir_ / "locked");
  fs::permissions(dir_ / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() != 0) {  // root may write anywhere
    EXPECT_THROW(check_output_path(path("locked/out.h5")), OutputPathError);
  }
  const Output r = shell("$P run -n 1000000000 -q -o '" + path("missing/out.h5") + "'");
  EXPECT_EQ(r.status, 2) << r.out;  // returns at once: a billion replications never start
}

TEST_F(Hostile, DefaultOutputNamesArePlainFilesInTheWorkingFolder) {
  EXPECT_EQ(default_output_name("baseline", ".h5"), "baseline.h5");
  EXPECT_EQ(default_output_name("../x", ".h5"), "x.h5");
  EXPECT_EQ(default_output_name("/etc/passwd", ".h5"), "etc_passwd.h5");
  EXPECT_EQ(default_output_name("", ".h5"), "progsurv.h5");
  EXPECT_EQ(default_output_name("..", ".h5"), "progsurv.h5");
  EXPECT_EQ(default_output_name(".hidden", ".h5"), "hidden.h5");
  EXPECT_EQ(default_output_name(std::string(500, 'n'), ".h5").size(), 103u);
  // Two long names that differ only after the cut (variants with long --set values) get
  // files of their own.
  const std::string variant =
      "cab-sponsor_levels.vp.clout=0.6-sponsor_levels.vp.approval=0.8-"
      "sponsor_levels.c_suite.clout=0.8-succession.adoption=";
  const std::string a = default_output_name(variant + "0.7", ".h5");
  const std::string b = default_output_name(variant + "0.9", ".h5");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 103u);
  EXPECT_EQ(a.substr(0, 91), b.substr(0, 91));
  for (const std::string name : {"a/b", "a b", "ä"})
    EXPECT_EQ(default_output_name(name, ".h5").find('/'), std::string::npos);
  // End to end: name ../x writes x.h5 in the working folder, nothing above it.
  fs::create_directories(dir_ / "work");
  spit(path("work/s.yaml"), baseline_with("name: baseline", "name: ../escaped"));
  const Output r = shell("cd '" + path("work") + "' && $P run s.yaml -n 100 -q");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "work" / "escaped.h5"));
  EXPECT_FALSE(fs::exists(dir_ / "escaped.h5"));
}

// --- temporary files -------------------------------------------------------------------

TEST_F(Hostile, PlantedSymlinksAreNeverFollowed) {
  spit(path("victim"), "precious");
  const std::string out = path("out.h5");
  // The names an attacker could predict: the old scheme and this scheme with our pid.
  fs::create_symlink(path("victim"), out + ".tmp-" + std::to_string(::getpid()));
  for (const char* tail : {"00000000", "0", ""})
    fs::create_symlink(path("victim"),
                       temporary_prefix(out) + std::to_string(::getpid()) + "-" + tail);
  replace_file(out, "new contents");
  EXPECT_EQ(slurp(path("victim")), "precious");
  EXPECT_EQ(slurp(out), "new contents");
  // The sweep journal too: a symlink at <output>.partial is refused, its target untouched.
  fs::copy_file(baseline_path(), path("s.yaml"));
  spit(path("sw.yaml"),
       "name: sw\nbase: s.yaml\nreplications: 100\ndesign: grid\n"
       "parameters:\n  silos.it.break_prob: [0.1, 0.2]\nmetrics: [p_completed]\n");
  fs::create_symlink(path("victim"), path("sw.h5.partial"));
  for (const std::string flags : {"", " --resume"}) {
    const Output r =
        shell("$P sweep '" + path("sw.yaml") + "' -q -o '" + path("sw.h5") + "'" + flags);
    EXPECT_EQ(r.status, 2) << flags << ": " << r.out;
    EXPECT_EQ(slurp(path("victim")), "precious");
  }
}

TEST_F(Hostile, StaleTemporariesOfDeadWritersAreRemoved) {
  const std::string out = path("out.h5");
  const std::string prefix = temporary_prefix(out);
  const pid_t dead = dead_pid();
  spit(prefix + std::to_string(dead) + "-1234abcd", "stale");
  spit(prefix + std::to_string(::getppid()) + "-1234abcd", "a live writer's");
  spit(path("victim"), "precious");
  fs::create_symlink(path("victim"), prefix + std::to_string(dead) + "-link");
  replace_file(out, "x");
  EXPECT_FALSE(fs::exists(prefix + std::to_string(dead) + "-1234abcd"));
  EXPECT_TRUE(fs::exists(prefix + std::to_string(::getppid()) + "-1234abcd"));
  // Only regular files are removed; a symlink is left alone, its target untouched.
  EXPECT_TRUE(fs::is_symlink(prefix + std::to_string(dead) + "-link"));
  EXPECT_EQ(slurp(path("victim")), "precious");
}

// The CSV folder of `progsurv export` (replace_folder): a new folder appears complete or not
// at all; in an existing one a planted symlink or FIFO at a table's name is refused before
// anything is written, and other files are left alone.
TEST_F(Hostile, FoldersAreWrittenAllOrNothing) {
  const std::vector<std::pair<std::string, std::string>> files = {{"a.csv", "1\n"},
                                                                  {"b.csv", "2\n"}};
  replace_folder(path("new"), files);
  EXPECT_EQ(slurp(path("new/a.csv")), "1\n");
  EXPECT_EQ(slurp(path("new/b.csv")), "2\n");
  EXPECT_EQ(litter({"new"}), std::vector<std::string>{});

  spit(path("victim"), "precious");
  spit(path("new/keep.txt"), "mine");
  fs::remove(path("new/b.csv"));
  fs::create_symlink(path("victim"), path("new/b.csv"));
  // A symlink at a table's name is replaced by the table (rename), its target untouched.
  replace_folder(path("new"), files);
  EXPECT_FALSE(fs::is_symlink(path("new/b.csv")));
  EXPECT_EQ(slurp(path("victim")), "precious");
  EXPECT_EQ(slurp(path("new/keep.txt")), "mine");

  fs::remove(path("new/b.csv"));
  ASSERT_EQ(::mkfifo(path("new/b.csv").c_str(), 0600), 0);
  spit(path("new/a.csv"), "old");
  EXPECT_THROW(replace_folder(path("new"), files), OutputPathError);
  EXPECT_EQ(slurp(path("new/a.csv")), "old");  // nothing written, not even the first table

  // A file where the folder should be, and names that are not plain file names.
  spit(path("plain"), "x");
  EXPECT_THROW(replace_folder(path("plain"), files), OutputPathError);
  EXPECT_THROW(replace_folder(path("other"), {{"../escape.csv", "x"}}), std::invalid_argument);
  EXPECT_FALSE(fs::exists(path("other")));
  EXPECT_FALSE(fs::exists(path("escape.csv")));

  // A failed write (a file-size limit, in a child process) leaves neither the folder nor
  // its temporary.
  const std::string big(64 * 1024, 'x');
  const pid_t child = ::fork();
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {
      4096, 4096
    };
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      replace_folder(path("big"), {{"a.csv", "small"}, {"b.csv", big}});
    } catch (const std::runtime_error&) {
      std::_Exit(fs::exists(path("big")) ? 3 : 0);
    }
    std::_Exit(4);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fs::exists(path("big")));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().filename().string().find("progsurv-tmp") != std::string::npos)
      left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{});
}

// Files staged elsewhere (Python's `report` of a scenario) move in through the writer's one
// rename: in order, a folder at a target refused, and what was not moved stays staged.
TEST_F(Hostile, StagedFilesMoveInOrderAndStopAtATargetThatIsNotAFile) {
  fs::create_directories(path("staged"));
  spit(path("staged/run.h5"), "run");
  spit(path("staged/page.html"), "page");
  spit(path("page.html"), "old page");
  move_into_place(
      {{path("staged/run.h5"), path("run.h5")}, {path("staged/page.html"), path("page.html")}});
  EXPECT_EQ(slurp(path("run.h5")), "run");
  EXPECT_EQ(slurp(path("page.html")), "page");
  EXPECT_FALSE(fs::exists(path("staged/run.h5")));

  spit(path("staged/a.h5"), "a");
  spit(path("staged/b.h5"), "b");
  fs::create_directories(path("b.h5"));
  EXPECT_THROW(
      move_into_place({{path("staged/a.h5"), path("a.h5")}, {path("staged/b.h5"), path("b.h5")}}),
      OutputPathError);
  EXPECT_EQ(slurp(path("a.h5")), "a");
  EXPECT_EQ(slurp(path("staged/b.h5")), "b");  // left for the caller to remove
  EXPECT_TRUE(fs::is_directory(path("b.h5")));
}

// A write that fails part-way (a full disk; here a file-size limit, which fails the same
// write() with EFBIG) leaves the old output and no temporary file, and exits 1 cleanly.
TEST_F(Hostile, FailedWriteKeepsTheOldOutputAndLeavesNoLitter) {
  spit(path("s.yaml"), slurp(std::string(PROGSURV_SOURCE_DIR) + "/scenarios/exact/markov.yaml"));
  fs::copy_file(baseline_path(), path("b.yaml"));
  spit(path("sw.yaml"),
       "name: sw\nbase: b.yaml\nreplications: 100\ndesign: grid\n"
       "parameters:\n  silos.it.break_prob: [0.1, 0.2]\nmetrics: [p_completed]\n");
  // --force: the old output is not a progsurv file, which the commands otherwise refuse to
  // replace before any work.
  const std::vector<std::string> commands = {
      "$P run '" + path("b.yaml") + "' -n 100 -q --force -o '" + path("out.h5") + "'",
      "$P exact '" + path("s.yaml") + "' --force -o '" + path("out.h5") + "'",
      "$P sweep '" + path("sw.yaml") + "' -q --force -o '" + path("out.h5") + "'"};
  for (const std::string& command : commands) {
    spit(path("out.h5"), "old output");
    // 32 KiB: smaller than any result file; SIGXFSZ ignored so write() reports EFBIG.
    const Output r = shell("trap '' XFSZ; ulimit -f 32; " + command);
    EXPECT_EQ(r.status, 1) << command << ": " << r.out;
    EXPECT_NE(r.out.find("cannot write"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(path("out.h5")), "old output") << command;
    fs::remove(path("sw.h5.partial"));
    fs::remove(path("out.h5.partial"));
    EXPECT_EQ(litter({"out.h5", "s.yaml", "b.yaml", "sw.yaml"}), std::vector<std::string>{})
        << command;
  }
}

// A real full disk, where the machine lets the test mount a 64 KiB tmpfs (root).
TEST_F(Hostile, FullDiskGivesAClearErrorAndKeepsTheOldOutput) {
  fs::create_directories(dir_ / "small");
  if (shell("mount -t tmpfs -o size=64k tmpfs '" + path("small") + "'").status != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here";
  spit(path("small/out.h5"), "old output");
  const Output r = shell("$P run -n 100 -q --force -o '" + path("small/out.h5") + "'");
  const std::string old = slurp(path("small/out.h5"));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_ / "small"))
    names.push_back(e.path().filename().string());
  shell("umount '" + path("small") + "'");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r.out;
  EXPECT_EQ(old, "old output");
  EXPECT_EQ(names, std::vector<std::string>{"out.h5"});
}

// --- runaway work ----------------------------------------------------------------------

TEST_F(Hostile, ScenariosThatWouldNeverFinishAreRefused) {
  struct Case {
    std::string from, to, key;
  };
  const std::vector<Case> cases = {
      {"vacancy: {dist: lognormal, median: 4, sigma: 0.5}", "vacancy: 0", ""},
      {"review_every: 3", "review_every: 1e-9", "patience.review_every"},
      {"every: 12", "every: 1e-9", "budget.every"},
      {"max_attempts: 2", "max_attempts: 2000000000", "escalation.max_attempts"},
  };
  for (const Case& c : cases) {
    std::string text = baseline_with(c.from, c.to);
    if (c.key.empty()) {
      // Tiny tenures with no vacancy: a sponsor change every 1e-9 months.
      for (std::size_t at = 0; (at = text.find("tenure: ", at)) != std::string::npos;) {
        const std::size_t end = text.find('\n', at);
        text.replace(at, end - at, "tenure: 1e-9");
        at += 12;
      }
      text += "\n";
    }
    spit(path("s.yaml"), text);
    for (const char* command : {"validate", "run -n 10 -q -o out.h5"}) {
      const Output r = shell("cd '" + dir_.string() + "' && timeout 60 $P " + command + " s.yaml");
      EXPECT_EQ(r.status, 2) << c.to << ": " << r.out;
      EXPECT_NE(r.out.find("would never finish"), std::string::npos) << r.out;
      if (!c.key.empty()) {
        EXPECT_NE(r.out.find(c.key), std::string::npos) << r.out;
      }
    }
  }
  // An empirical tenure concentrated near 0.
  Scenario s = progsurv::testing::simple_scenario();
  s.levels[0].tenure = Distribution::empirical({1e-9, 2e-9});
  s.finalize();
  EXPECT_GT(estimate_workload(s).events, kMaxEventsPerReplication);
  RunOptions o;
  o.replications = 10;
  EXPECT_THROW(run(s, o), ScenarioError);
  // The baseline is nowhere near the bound.
  EXPECT_LT(estimate_workload(Scenario::load(baseline_path())).events, 1e4);
}

// SIGINT stops a run within about a second even when each replication is long (here
// ~5e5 events), i.e. between two progress calls; exit 130, no output, no litter.
TEST_F(Hostile, InterruptStopsALongReplicationQuickly) {
  std::string text = baseline_with("adoption: 0.5", "adoption: 1");
  text = text.replace(text.find("vacancy: {dist: lognormal, median: 4, sigma: 0.5}"),
                      std::string("vacancy: {dist: lognormal, median: 4, sigma: 0.5}").size(),
                      "vacancy: 0");
  // No scoping: a sponsor who leaves while the proposal is scoped would end it at once.
  const std::string scoping = "scoping: {dist: lognormal, median: 1.5, sigma: 0.5}";
  if (text.find(scoping) != std::string::npos)
    text = text.replace(text.find(scoping), scoping.size(), "scoping: 0");
  for (std::size_t at = 0; (at = text.find("tenure: ", at)) != std::string::npos;) {
    const std::size_t end = text.find('\n', at);
    text.replace(at, end - at, "tenure: {dist: exponential, mean: 2.5e-4}");
    at += 20;
  }
  spit(path("s.yaml"), text);
  ASSERT_EQ(shell("$P validate '" + path("s.yaml") + "' > /dev/null").status, 0);
  const progsurv_test::Interrupted r = progsurv_test::interrupt_progsurv(
      {"run", path("s.yaml"), "-q", "--threads", "2", "-o", path("out.h5")});
  ASSERT_TRUE(r.stopped) << "progsurv ignored SIGINT for 20 s";
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 130);
  // About a second on an idle machine; 7 s was seen at a load of 10. This catches a hang.
  EXPECT_LT(r.seconds, 15.0);
  EXPECT_FALSE(fs::exists(path("out.h5")));
}

TEST_F(Hostile, ThreadCountsAreCapped) {
  const Output r = shell("$P run -n 100 -q --threads 10000 -o '" + path("o.h5") + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("1024"), std::string::npos) << r.out;
  RunOptions o;
  o.replications = 100;
  o.threads = 10000;
  EXPECT_THROW(run(progsurv::testing::simple_scenario(), o), UsageError);
  o.threads = -1;
  EXPECT_THROW(run(progsurv::testing::simple_scenario(), o), UsageError);
  // When the system refuses threads (here: too little address space for their stacks),
  // the command says so and exits 1; before, it aborted (exit 134).
  if (!kAddressLimitWorks) GTEST_SKIP() << "ulimit -v cannot be used under AddressSanitizer";
  const Output t =
      shell("ulimit -v 300000; $P run -n 100000 -q --threads 1000 -o '" + path("o.h5") + "'");
  EXPECT_EQ(t.status, 1) << t.out;
  EXPECT_NE(t.out.find("cannot start"), std::string::npos) << t.out;
  EXPECT_EQ(litter({}), std::vector<std::string>{});
}

TEST_F(Hostile, ReplicationCountsCannotOverflow) {
  RunOptions o;
  o.precision = 0.01;
  o.max_replications = std::numeric_limits<std::int64_t>::max();
  EXPECT_THROW(run(progsurv::testing::simple_scenario(), o), UsageError);
  o.precision = std::numeric_limits<double>::quiet_NaN();
  o.max_replications = 1000;
  EXPECT_THROW(run(progsurv::testing::simple_scenario(), o), UsageError);
  o = RunOptions{};
  o.replications = 0;
  EXPECT_THROW(run(progsurv::testing::simple_scenario(), o), UsageError);
}

// --- memory ----------------------------------------------------------------------------

// Each case runs the command under `ulimit -v` (2 GB) so a regression cannot hurt the
// machine; the refusal must come before any large allocation, with exit 2 and a figure.
TEST_F(Hostile, MemoryHungryRequestsAreRefusedUpFront) {
  if (!kAddressLimitWorks) GTEST_SKIP() << "ulimit -v cannot be used under AddressSanitizer";
  const std::string limit = "ulimit -v 2000000; cd '" + dir_.string() + "'; ";
  Output r = shell(limit + "$P run -n 200000000 --keep-replications -q -o o.h5");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("of memory"), std::string::npos) << r.out;

  spit(path("h.yaml"), baseline_with("horizon: 60", "horizon: 1e308"));
  r = shell(limit + "$P validate h.yaml");
  EXPECT_EQ(r.status, 2) << r.out;

  r = shell(limit + "$P validate /dev/zero");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("not a regular file"), std::string::npos) << r.out;

  // A 17 MiB file (one huge key) is refused unread.
  spit(path("big.yaml"), std::string(17 << 20, 'k') + ": 1\n");
  r = shell(limit + "$P validate big.yaml");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("MiB"), std::string::npos) << r.out;

  spit(path("sw.yaml"), "name: sw\nbase: '" + baseline_path() +
                            "'\nreplications: 100\ndesign: {type: sobol, base_samples: 4, "
                            "bootstrap: 2000000000}\nparameters:\n  silos.it.break_prob: "
                            "{low: 0.1, high: 0.2}\nmetrics: [p_completed]\n");
  r = shell(limit + "$P sweep sw.yaml -q -o sw.h5");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("bootstrap"), std::string::npos) << r.out;
  // A sweep holding more points than memory allows is refused before its journal exists.
  spit(path("many.yaml"), "name: many\nbase: '" + baseline_path() +
                              "'\nreplications: 100\ndesign: {type: lhs, points: 1000000}\n"
                              "parameters:\n  silos.it.break_prob: {low: 0.1, high: 0.2}\n"
                              "metrics: [p_completed]\ncurves: true\n");
  r = shell(limit + "PROGSURV_MEMORY_LIMIT_MB=64 $P sweep many.yaml -q -o many.h5");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("this sweep needs about"), std::string::npos) << r.out;
  EXPECT_EQ(litter({"h.yaml", "big.yaml", "sw.yaml", "many.yaml"}), std::vector<std::string>{});
}

// YAML aliases: 90 KB of text naming 10^4 phases of 10^4 steps. Refused by count, with
// its line and column, before anything is allocated (it was std::bad_alloc after 2.5 GB).
TEST_F(Hostile, AliasedStepsAreCountedBeforeTheyAreRead) {
  if (!kAddressLimitWorks) GTEST_SKIP() << "ulimit -v cannot be used under AddressSanitizer";
  std::string steps = "[&st {silo: a, work: 1}", phases = "[&p {steps: ";
  for (int i = 1; i < 10000; ++i) steps += ", *st";
  phases += steps + "]}";
  for (int i = 1; i < 10000; ++i) phases += ", *p";
  spit(path("bomb.yaml"),
       "sponsor_levels: {vp: {tenure: 40}}\nsponsor: vp\nsilos: {a: }\nphases: " + phases + "]\n");
  const Output r = shell("ulimit -v 2000000; $P validate '" + path("bomb.yaml") + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("bomb.yaml:4:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at most 100000 are allowed"), std::string::npos) << r.out;
}

// A renewal mean of 1e-300 months expects 10^302 launches; the run stops at 2,048, so
// validate refuses it with the key's line and column.
TEST_F(Hostile, RenewalThatMustOverrunTheLaunchCapIsRefused) {
  spit(path("p.yaml"),
       "name: org\nhorizon: 120\nroster: {ceo: 1, c_suite: 4, vp: 8, director: 12}\n"
       "programmes:\n  core: '" +
           baseline_path() + "'\nrenewal: {every: {dist: exponential, mean: 1e-300}, mix: core}\n");
  Output r = shell("$P validate '" + path("p.yaml") + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("p.yaml:6:18"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at most 2048"), std::string::npos) << r.out;
  // Every nine months over ten years is about 13 launches: accepted.
  spit(path("p.yaml"),
       "name: org\nhorizon: 120\nroster: {ceo: 1, c_suite: 4, vp: 8, director: 12}\n"
       "programmes:\n  core: '" +
           baseline_path() + "'\nrenewal: {every: {dist: exponential, mean: 9}, mix: core}\n");
  r = shell("$P validate '" + path("p.yaml") + "'");
  EXPECT_EQ(r.status, 0) << r.out;
}

// The dense exact method on a chain of 200,000 escalation attempts: N^2 memory, refused
// before the matrix exists (it was std::bad_alloc); uniformization remains the way.
TEST_F(Hostile, DenseExactMethodIsCappedByStates) {
  if (!kAddressLimitWorks) GTEST_SKIP() << "ulimit -v cannot be used under AddressSanitizer";
  const Output r = shell("ulimit -v 2000000; $P exact '" + std::string(PROGSURV_SOURCE_DIR) +
                         "/scenarios/exact/markov.yaml' --method dense "
                         "--set escalation.max_attempts=200000");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("the dense exact method handles at most 2000 states"), std::string::npos)
      << r.out;
}

// A template path pointing at the wrong file: the error names the portfolio's line and key
// as well as the file read (it named only the other file's first line before).
TEST_F(Hostile, TemplateErrorsNameThePortfolioLine) {
  spit(path("readme.txt"), "Hello, this is a readme\n");
  spit(path("q.yaml"),
       "name: org\nhorizon: 120\nroster: {vp: 2}\nprogrammes:\n  core: readme.txt\n"
       "renewal: {every: {dist: exponential, mean: 9}, mix: core}\n");
  const Output r = shell("$P validate '" + path("q.yaml") + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("q.yaml:5:9: 'programmes.core': programme template"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("readme.txt:1:1"), std::string::npos) << r.out;
}

// 20,000 silos with a handful of overrides: the old dense pair table was 20,000^2 cells.
TEST_F(Hostile, ManySilosCostOnlyTheirOverrides) {
  std::string text = "name: wide\nsponsor_levels: {vp: {tenure: 40}}\nsponsor: vp\nsilos:\n";
  for (int i = 0; i < 20000; ++i) text += "  s" + std::to_string(i) + ": {break_prob: 0.01}\n";
  text +=
      "handoffs:\n  - {from: s0, to: s19999, break_prob: 0.5}\n"
      "  - {from: s19999, to: s0, pickup: 2}\n"
      "phases:\n  - steps: [{silo: s0, work: 1}, {silo: s19999, work: 1}, {silo: s0, work: 1}]\n";
  spit(path("wide.yaml"), text);
  const std::string limit = kAddressLimitWorks ? "ulimit -v 1000000; " : "";
  const Output r =
      shell(limit + "$P run '" + path("wide.yaml") + "' -n 1000 -q -o '" + path("w.h5") + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  const Scenario s = Scenario::load(path("wide.yaml"));
  EXPECT_EQ(s.break_prob(0, 19999), 0.5);
  EXPECT_EQ(s.break_prob(19999, 0), 0.01);
  EXPECT_EQ(s.pickup(19999, 0), Distribution::fixed(2.0));
  EXPECT_EQ(s.break_prob(5, 6), 0.01);
  EXPECT_EQ(s.pair_keys.size(), 2u);
}

// 20,000 silos no step uses: five warnings and one "... and N more" line, not 20,000 lines
// (each of which scanned the silo map for its line: quadratic). ctest's timeout bounds it.
TEST_F(Hostile, RepeatedWarningsAreCounted) {
  std::string text = "name: idle\nsponsor_levels: {vp: {tenure: 40}}\nsponsor: vp\nsilos:\n";
  for (int i = 0; i < 20000; ++i) text += "  s" + std::to_string(i) + ": {break_prob: 0.01}\n";
  text += "  used: {}\nphases:\n  - steps: [{silo: used, work: 1}]\n";
  spit(path("idle.yaml"), text);
  const Output r = shell("$P validate '" + path("idle.yaml") + "' 2>&1 >/dev/null");
  EXPECT_EQ(r.status, 0) << r.out.substr(0, 500);
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = r.out.find("warning:", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 6u) << r.out.substr(0, 1000);
  EXPECT_NE(r.out.find("idle.yaml:4: warning: ... and 19995 more warnings like these under "
                       "'silos' (silos)"),
            std::string::npos)
      << r.out.substr(0, 1000);
}

// --- damaged files ---------------------------------------------------------------------

class DamagedFile : public Hostile {
 protected:
  // A valid run file, then `edit` applied to it with the HDF5 layer.
  std::string damaged(const std::function<void(h5::File&)>& edit) {
    RunOptions o;
    o.replications = 2000;
    o.keep_replications = true;
    write_result(path("ok.h5"), run(progsurv::testing::simple_scenario(), o));
    fs::copy_file(path("ok.h5"), path("bad.h5"), fs::copy_options::overwrite_existing);
    h5::File f = h5::File::open_write(path("bad.h5"));
    edit(f);
    f.close();
    return message_of([&] { read_result(path("bad.h5")); });
  }
  template <class T>
  static void replace(h5::File& f, const std::string& group, const std::string& name,
                      const std::vector<T>& data, h5::Dims dims = {}) {
    h5::Group g = f.open_group(group);
    H5Ldelete(g.id(), name.c_str(), H5P_DEFAULT);
    g.write_dataset(name, data, dims);
  }
};

TEST_F(DamagedFile, ImpossibleCountsAreRefused) {
  EXPECT_NE(damaged([](h5::File& f) {
              std::vector<std::int64_t> c(kEndCategoryCount, 0);
              c[0] = 50000000000000;
              replace(f, "tally", "category_count", c);
            }).find("category completed counts"),
            std::string::npos);
  EXPECT_NE(damaged([](h5::File& f) {
              h5::Group g = f.open_group("tally");
              H5Ldelete(g.id(), "n", H5P_DEFAULT);
              g.write_scalar<std::int64_t>("n", 0);
            }).find("n = 0"),
            std::string::npos);
}

TEST_F(DamagedFile, NaNGridAndMismatchedScenarioAreRefused) {
  const std::string nan_grid = damaged([](h5::File& f) {
    std::vector<double> grid = f.open_group("tally").read_dataset<double>("grid");
    grid[3] = std::numeric_limits<double>::quiet_NaN();
    replace(f, "tally", "grid", grid);
  });
  EXPECT_NE(nan_grid.find("grid"), std::string::npos) << nan_grid;
  const std::string other = damaged([](h5::File& f) {
    h5::Group g = f.open_group("scenario");
    Scenario s = progsurv::testing::simple_scenario();
    s.horizon = 500;
    s.grid = {0, 250, 500};
    H5Ldelete(g.id(), "yaml", H5P_DEFAULT);
    g.write_string("yaml", s.to_yaml());
  });
  EXPECT_NE(other.find("does not match"), std::string::npos) << other;
}

TEST_F(DamagedFile, OutOfRangeRecordCodesAreRefused) {
  const std::string m = damaged([](h5::File& f) {
    std::vector<std::int8_t> outcome =
        f.open_group("replications").read_dataset<std::int8_t>("outcome");
    outcome[7] = 42;
    replace(f, "replications", "outcome", outcome);
  });
  EXPECT_NE(m.find("outcome code 42"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.h5"), std::string::npos) << m;
}

TEST_F(DamagedFile, HugeDeclaredDatasetsAreRefusedNotAllocated) {
  const std::string m = damaged([](h5::File& f) {
    h5::Group g = f.open_group("replications");
    H5Ldelete(g.id(), "end_time", H5P_DEFAULT);
    // A chunked dataset declaring 10^12 elements takes no space on disk.
    const hsize_t dims[1] = {1000000000000ull}, chunk[1] = {1024};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    const hid_t d =
        H5Dcreate2(g.id(), "end_time", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
  });
  EXPECT_NE(m.find("declares 1000000000000 elements"), std::string::npos) << m;
}

// A journal record with a valid checksum but curves of the wrong length: refused on
// resume, naming the journal, before any point is run.
TEST_F(Hostile, ForgedJournalRecordsAreRefused) {
  fs::copy_file(baseline_path(), path("b.yaml"));
  spit(path("sw.yaml"),
       "name: sw\nbase: b.yaml\nreplications: 100\ndesign: grid\n"
       "parameters:\n  silos.it.break_prob: [0.1, 0.2]\nmetrics: [p_completed]\n"
       "curves: true\n");
  const Sweep sweep = Sweep::load(path("sw.yaml"));
  const auto fnv = [](const std::string& s) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
  };
  const auto put = [](std::string& out, auto v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  };
  const auto frame = [&](std::uint32_t magic, const std::string& payload) {
    std::string out;
    put(out, magic);
    put(out, static_cast<std::uint32_t>(payload.size()));
    out += payload;
    put(out, fnv(payload));
    return out;
  };
  std::string header = sweep.fingerprint;
  put(header, static_cast<std::uint64_t>(sweep.point_count()));
  std::string record;
  put(record, std::uint64_t{0});   // point index
  put(record, std::int64_t{100});  // replications
  put(record, std::uint32_t{1});   // metrics
  put(record, std::uint32_t{3});   // curve length: wrong
  for (int i = 0; i < 2 + 2 * 3; ++i) put(record, 0.5);
  spit(path("sw.h5.partial"), frame(0x31485350, header) + frame(0x31525350, record));
  const Output r = shell("cd '" + dir_.string() + "' && $P sweep sw.yaml -q -o sw.h5 --resume");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("damaged sweep journal"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sw.h5.partial"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("sw.h5")));
}

// --- values ----------------------------------------------------------------------------

TEST_F(Hostile, CommandLineValuesAreCheckedStrictly) {
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"--precision nan", "finite"},
      {"--precision inf", "finite"},
      {"--seed -1", "whole number"},
      {"--seed 18446744073709551616", "larger than"},
      {"-n 1e5", "write it out: 100000"},
      {"-n 2.5", "whole number"},
      {"-n 0", "between 1 and"},
      {"--max-replications 9223372036854775807 --precision 0.01", "between 1 and"},
      {"--max-replications 18446744073709551616 --precision 0.01", "between 1 and"},
      {"--threads -1", "between 0 and 1024"},
  };
  for (const Case& c : cases) {
    const Output r = shell("$P run " + c.args + " -q -o '" + path("o.h5") + "'");
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << ": " << r.out;
    EXPECT_LT(r.out.size(), 400u) << c.args << ": no 309-digit numbers: " << r.out;
  }
  EXPECT_EQ(shell("$P run --seed 18446744073709551615 -n 100 -q -o '" + path("o.h5") + "'").status,
            0);
}

TEST_F(Hostile, ScenarioTextIsCheckedStrictly) {
  const std::string base = slurp(baseline_path());
  const auto error = [&](const std::string& text) {
    return message_of([&] { Scenario::from_yaml(text, "s.yaml"); });
  };
  EXPECT_NE(error(base + "---\nname: second\n").find("more than one YAML document"),
            std::string::npos);
  std::string nul = base;
  nul.insert(nul.find("name: baseline") + 8, std::string(1, '\0'));
  EXPECT_NE(error(nul).find("NUL byte"), std::string::npos);
  std::string bad_utf8 = base;
  bad_utf8.replace(bad_utf8.find("name: baseline"), 14, "name: base\xff\xfeline");
  const std::string m = error(bad_utf8);
  EXPECT_NE(m.find("invalid UTF-8"), std::string::npos) << m;
  EXPECT_NE(m.find("s.yaml:"), std::string::npos) << m;  // with its line and column
  // Valid UTF-8 names pass.
  std::string utf8 = base;
  utf8.replace(utf8.find("name: baseline"), 14, "name: \"Übergabe – 交接\"");
  EXPECT_EQ(Scenario::from_yaml(utf8).name, "Übergabe – 交接");
}

// And the other way round: a YAML input or a sweep journal given where a result file belongs
// says what it is and which command takes it.
TEST_F(Hostile, InputsGivenAsResultFilesSaySo) {
  const auto message = [](const std::string& path) {
    try {
      progsurv::file_type(path);
    } catch (const progsurv::FileFormatError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string yaml = message(baseline());
  EXPECT_NE(yaml.find("it is a YAML input"), std::string::npos) << yaml;
  const std::string journal = message(write("s.h5.partial", std::string("PSH1") + "\x01\x02"));
  EXPECT_NE(journal.find("progsurv sweep --resume"), std::string::npos) << journal;
  const std::string other = message(write("x.h5", "plain text"));
  EXPECT_NE(other.find("not an HDF5 file or truncated"), std::string::npos) << other;
  EXPECT_EQ(other.find("it is"), std::string::npos) << other;
}

// A result file given as a scenario: say what it is rather than "invalid UTF-8" at 1:1.
TEST_F(Hostile, HdfFileGivenAsScenarioSaysSo) {
  const std::string text = std::string("\x89HDF\r\n\x1a\n", 8) + std::string(64, '\0');
  const std::string m = message_of([&] { Scenario::from_yaml(text, "run.h5"); });
  EXPECT_NE(m.find("run.h5: an HDF5 file (a progsurv result file?)"), std::string::npos) << m;
  EXPECT_NE(m.find("the YAML file of the scenario or portfolio"), std::string::npos) << m;
  EXPECT_EQ(m.find("UTF-8"), std::string::npos) << m;
}

// Found by the fuzzer: malformed text on which YAML::LoadAll produced documents without
// end (minutes and gigabytes). The parser is asked for at most two documents.
TEST_F(Hostile, MalformedTextCannotProduceEndlessDocuments) {
  const std::string text =
      slurp(std::string(PROGSURV_SOURCE_DIR) + "/fuzz/corpus/endless-documents.yaml");
  ASSERT_FALSE(text.empty());
  EXPECT_THROW(Scenario::from_yaml(text, "endless.yaml"), ScenarioError);
}

TEST_F(Hostile, LongNamesAreCappedAndTheLongestRoundTrip) {
  const std::string base = slurp(baseline_path());
  const auto with_silo = [&](const std::string& name) {
    std::string t = base;
    std::size_t at = 0;
    while ((at = t.find("marketing", at)) != std::string::npos) {
      t.replace(at, 9, name);
      at += name.size();
    }
    return t;
  };
  const std::string m = message_of([&] { Scenario::from_yaml(with_silo(std::string(1000, 'm'))); });
  EXPECT_NE(m.find("at most 200"), std::string::npos) << m;
  EXPECT_LT(m.size(), 1000u);  // the name itself is not echoed in full
  // Beyond 1024 characters a plain key is a YAML syntax error: refused just as clearly.
  EXPECT_THROW(Scenario::from_yaml(with_silo(std::string(1000003, 'm'))), ScenarioError);
  const Scenario longest = Scenario::from_yaml(with_silo(std::string(200, 'm')));
  const Scenario again = Scenario::from_yaml(longest.to_yaml());
  EXPECT_EQ(again.to_yaml(), longest.to_yaml());
  // Written and read back through the file, with exit 0.
  spit(path("long.yaml"), with_silo(std::string(200, 'm')));
  const Output r = shell("cd '" + dir_.string() +
                         "' && $P run long.yaml -n 100 -q -o l.h5 && "
                         "$P summary l.h5 > /dev/null");
  EXPECT_EQ(r.status, 0) << r.out.substr(0, 500);
}

TEST_F(Hostile, OverridesChangeOnlyTheNamedKeyUnderAnchors) {
  const Scenario s = Scenario::from_yaml(
      "sponsor_levels: {vp: {tenure: 40}}\nsponsor: vp\n"
      "silos:\n  a: &same {break_prob: 0.1}\n  b: *same\n"
      "phases:\n  - steps: [{silo: a, work: 1}, {silo: b, work: 1}]\n");
  const Scenario t = s.with_values({{"silos.a.break_prob", "0.9"}});
  EXPECT_EQ(t.silos[0].break_prob, 0.9);
  EXPECT_EQ(t.silos[1].break_prob, 0.1);
}

// The did-you-mean suggestion and the duplicate-key check stay cheap on hostile sizes
// (60 KB keys, 200,000 keys); ctest's timeout bounds them.
TEST_F(Hostile, SuggestionsAndDuplicateChecksScale) {
  // YAML's explicit-key syntax allows a key of any length.
  std::string text =
      "sponsor_levels:\n  vp:\n    tenure: 40\n    ? " + std::string(60000, 'c') +
      "\n    : 1\nsponsor: vp\nsilos: {a: }\nphases: [{steps: [{silo: a, work: 1}]}]\n";
  EXPECT_NE(message_of([&] { Scenario::from_yaml(text); }).find("unknown key"), std::string::npos);
  std::string many = "sponsor_levels: {vp: {tenure: 40}}\nsponsor: vp\nsilos:\n";
  for (int i = 0; i < 200000; ++i) many += "  s" + std::to_string(i) + ":\n";
  many += "  s7:\nphases: [{steps: [{silo: s0, work: 1}]}]\n";
  EXPECT_NE(message_of([&] { Scenario::from_yaml(many); }).find("duplicate key 's7'"),
            std::string::npos);
}

}  // namespace
