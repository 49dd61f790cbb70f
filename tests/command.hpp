#pragma once
// Running the `progsurv` command from a test: its exit status and everything it printed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace progsurv_test {

struct Output {
  int status;
  std::string out;
};

// Runs a shell command; stdout and stderr together.
inline Output progsurv_command(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// Runs the progsurv binary with `args`; stdout and stderr together.
inline Output progsurv(const std::string& args) {
  return progsurv_command(std::string(PROGSURV_BINARY) + " " + args);
}

// The same with `assignment` (NAME=value) in its environment.
inline Output progsurv_with_env(const std::string& assignment, const std::string& args) {
  return progsurv_command("env " + assignment + " " + std::string(PROGSURV_BINARY) + " " + args);
}

// True when h5diff finds every dataset and attribute of the two HDF5 files equal, element by
// element, exactly.
inline bool same_hdf5(const std::string& a, const std::string& b) {
  const std::string cmd = "h5diff -q " + a + " " + b + " >/dev/null 2>&1";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) && WEXITSTATUS(raw) == 0;
}

// Runs `args` with `--threads 1 -o one` and then `--threads 2 -o two`, with a pinned creation
// time (SOURCE_DATE_EPOCH) so that every attribute of the two files is comparable too; the
// first run's output (the second's status is in `two_status`).
inline Output run_with_one_and_two_threads(const std::string& args, const std::string& one,
                                           const std::string& two, int& two_status) {
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  const Output first = progsurv(args + " --threads 1 -o " + one);
  two_status = progsurv(args + " --threads 2 -o " + two).status;
  unsetenv("SOURCE_DATE_EPOCH");
  return first;
}

// The bytes of a file.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// What became of a command sent SIGINT: whether it exited within 20 s (a child that ignored
// the signal is killed), its wait status, and the seconds from the signal to its exit.
struct Interrupted {
  bool stopped;
  int status;
  double seconds;
};

// Starts the progsurv binary with `args`, sends it SIGINT after 1.5 s (well into the work)
// and waits for it; the caller checks the exit status and what was left on disk.
inline Interrupted interrupt_progsurv(const std::vector<std::string>& args) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<char*> argv{const_cast<char*>(PROGSURV_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(PROGSURV_BINARY, argv.data());
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto sent = std::chrono::steady_clock::now();
  ::kill(child, SIGINT);
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(child, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - sent < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  return {done != 0, status, seconds};
}

}  // namespace progsurv_test
