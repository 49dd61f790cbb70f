#pragma once
// Running the `progsurv` command from a test: its exit status and everything it printed.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace progsurv_test {

struct Output {
  int status;
  std::string out;
};

// Runs the progsurv binary with `args`; stdout and stderr together.
inline Output progsurv(const std::string& args) {
  const std::string cmd = std::string(PROGSURV_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// The bytes of a file.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace progsurv_test
