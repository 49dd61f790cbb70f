// Subcommands written in Python (report, export) run Debian's interpreter on the package
// progsurv this binary was built with: the build tree's copy, or the installed one.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/python_paths.hpp"

namespace progsurv::cli {

int run_python_module(const std::string& module, const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  const std::string python = python_paths::interpreter;
  std::error_code ec;
  if (!fs::exists(python, ec)) {
    std::cerr << "progsurv: error: this subcommand needs Python 3 at " << python
              << " (Debian: apt-get install python3 python3-matplotlib python3-jinja2 "
                 "python3-pandas python3-openpyxl python3-h5py)\n";
    return kExitFailure;
  }
  // The package next to the build is preferred; an installed package is found by the
  // interpreter itself.
  const fs::path build_dir = python_paths::build_package_dir;
  std::string pythonpath;
  if (fs::exists(build_dir / "progsurv" / "__init__.py", ec)) {
    pythonpath = build_dir.string();
    if (const char* old = std::getenv("PYTHONPATH"); old && *old)
      pythonpath += std::string(":") + old;
  }
  std::vector<std::string> argv_text{python, "-m", module};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::cerr << "progsurv: failed: cannot start " << python << ": " << std::strerror(errno)
              << "\n";
    return kExitFailure;
  }
  if (pid == 0) {
    if (!pythonpath.empty()) ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
    ::setenv("PROGSURV_CLI", "1", 1);  // error messages name the command, not Python
    ::execv(python.c_str(), argv.data());
    std::fprintf(stderr, "progsurv: failed: cannot run %s: %s\n", python.c_str(),
                 std::strerror(errno));
    std::_Exit(127);
  }
  // Ctrl-C reaches Python too (same process group); it winds down and reports itself.
  auto* const previous = std::signal(SIGINT, SIG_IGN);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) break;
  }
  std::signal(SIGINT, previous);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) return kExitInterrupted;
  return kExitFailure;
}

}  // namespace progsurv::cli
