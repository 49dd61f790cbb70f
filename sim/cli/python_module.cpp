// Subcommands written in Python (report, export, fit) run an interpreter on the package
// progsurv: the one named by PROGSURV_PYTHON / PROGSURV_PACKAGE_DIR (set by the pip-installed
// `progsurv` entry point, bindings/progsurv/_command.py), else the one `cmake --install`
// put beside this command, else the build tree's copy, with the interpreter this binary was
// built with, else the package installed for that interpreter.
//
// Signals: the child runs in its own process group, so a Ctrl-C at the terminal reaches this
// process only; the first SIGINT or SIGTERM is forwarded to the child as SIGINT (Python's
// KeyboardInterrupt: it removes its temporary files, says "interrupted; nothing written" and
// exits 130), a second one kills it. The child starts with SIGINT blocked and unblocks it
// once its imports are done (kBootstrap), so an interrupt that comes while Python starts or
// imports numpy is held until then and never prints a traceback. A child killed
// by a signal cannot remove its temporary files: this process removes them (the ones named
// with the child's pid, in the folders its arguments name) before it reaps the child, so
// that pid cannot yet belong to another process. This process always waits for the child.
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
#include "progsurv/io/output_file.hpp"
#include "progsurv/python_paths.hpp"

namespace progsurv::cli {
namespace {

volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_signals = 0;

extern "C" void forward_signal(int) {
  g_signals = g_signals + 1;
  if (g_child > 0) ::kill(static_cast<pid_t>(g_child), g_signals == 1 ? SIGINT : SIGKILL);
}

// `python -c kBootstrap MODULE ARGS...` imports MODULE with SIGINT still blocked, unblocks
// it, and returns MODULE.main() as the exit status (what `python -m MODULE` does through the
// module's `if __name__ == "__main__"`). An interrupt is never raised inside an import, where
// it cannot be caught whole: numpy's C code prints a traceback of it, pybind11 turns it into
// an ImportError. A held one is raised at once after the imports (a second at most).
constexpr const char* kBootstrap =
    "import importlib, signal, sys\n"
    "try:\n"
    "    module = importlib.import_module(sys.argv.pop(1))\n"
    "except ImportError as error:\n"
    "    if error.name is None:\n"
    "        hint = ('a library it loads is missing or does not match; reinstall the package '\n"
    "                'progsurv and its dependencies')\n"
    "    elif error.name.split('.')[0] == 'progsurv':\n"
    "        hint = ('install the package progsurv with this command (cmake --install, or '\n"
    "                'pip install .), or set PROGSURV_PACKAGE_DIR to the folder that holds '\n"
    "                'progsurv/')\n"
    "    else:\n"
    "        hint = ('Debian: apt-get install python3-matplotlib python3-jinja2 python3-pandas '\n"
    "                'python3-openpyxl python3-h5py python3-emcee')\n"
    "    sys.stderr.write('progsurv: error: this subcommand cannot import its Python '\n"
    "                     'code: %s; %s\\n' % (error, hint))\n"
    "    sys.exit(1)\n"
    "sys.argv[0] = module.__file__\n"
    "try:\n"
    "    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])\n"
    "    status = module.main()\n"
    "except KeyboardInterrupt:\n"
    "    sys.stderr.write('progsurv: interrupted; nothing written\\n')\n"
    "    sys.exit(130)\n"
    "sys.exit(status)\n";

// The folders a Python command may write into: the working folder, every argument that is
// a folder, and the folder of every argument (or of the value in --option=value).
std::vector<std::string> output_folders(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::vector<std::string> folders{"."};
  const auto add = [&](const fs::path& p) {
    std::error_code ec;
    if (p.empty() || !fs::is_directory(p, ec)) return;
    for (const std::string& f : folders) {
      if (fs::equivalent(f, p, ec)) return;
    }
    folders.push_back(p.string());
  };
  for (const std::string& arg : args) {
    const std::size_t eq = arg.rfind('-', 0) == 0 ? arg.find('=') : std::string::npos;
    const fs::path p = eq == std::string::npos ? arg : arg.substr(eq + 1);
    add(p);
    add(p.parent_path());
  }
  return folders;
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The folder holding the package progsurv for this command: PROGSURV_PACKAGE_DIR (the pip
// entry point), else the package installed with this command, else the build tree's copy;
// empty when none has it (then the interpreter's own path decides).
std::filesystem::path package_folder() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto has_package = [&](const fs::path& dir) {
    return !dir.empty() && fs::exists(dir / "progsurv" / "__init__.py", ec);
  };
  if (const fs::path given = environment("PROGSURV_PACKAGE_DIR"); has_package(given)) return given;
  const fs::path command = fs::read_symlink("/proc/self/exe", ec);
  // The build tree's command runs the build tree's package, even with an absolute install
  // folder that holds an older one.
  if (!ec && fs::equivalent(command.parent_path(), python_paths::build_command_dir, ec) &&
      has_package(python_paths::build_package_dir))
    return python_paths::build_package_dir;
  if (const fs::path installed = python_paths::installed_package_dir; !installed.empty()) {
    const fs::path dir = installed.is_absolute() ? installed : command.parent_path() / installed;
    if (!command.empty() && has_package(dir)) return dir.lexically_normal();
  }
  if (has_package(python_paths::build_package_dir)) return python_paths::build_package_dir;
  return {};
}

}  // namespace

int run_python_module(const std::string& module, const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string python = environment("PROGSURV_PYTHON");
  if (python.empty()) python = python_paths::interpreter;
  if (!fs::exists(python, ec)) {
    std::cerr << "progsurv: error: this subcommand needs Python 3 at " << python
              << " (Debian: apt-get install python3 python3-matplotlib python3-jinja2 "
                 "python3-pandas python3-openpyxl python3-h5py python3-emcee)\n";
    return kExitFailure;
  }
  std::string pythonpath;
  if (const fs::path package_dir = package_folder(); !package_dir.empty()) {
    pythonpath = package_dir.string();
    if (const std::string old = environment("PYTHONPATH"); !old.empty()) pythonpath += ":" + old;
  }
  std::vector<std::string> argv_text{python, "-c", kBootstrap, module};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();

  // Signals arriving before the child's pid is known are held, then forwarded.
  sigset_t stop_signals, previous_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_signals, &previous_mask);
  struct sigaction forward {
  }, previous_int{}, previous_term{};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  ::sigaction(SIGINT, &forward, &previous_int);
  ::sigaction(SIGTERM, &forward, &previous_term);
  g_child = 0;
  g_signals = 0;

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::sigaction(SIGINT, &previous_int, nullptr);
    ::sigaction(SIGTERM, &previous_term, nullptr);
    ::sigprocmask(SIG_SETMASK, &previous_mask, nullptr);
    std::cerr << "progsurv: failed: cannot start " << python << ": " << std::strerror(err) << "\n";
    return kExitFailure;
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // terminal signals reach the parent, which forwards them once
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t child_mask = previous_mask;
    sigaddset(&child_mask, SIGINT);  // held until kBootstrap unblocks it
    ::sigprocmask(SIG_SETMASK, &child_mask, nullptr);
    if (!pythonpath.empty()) ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
    ::setenv("PROGSURV_CLI", "1", 1);  // error messages name the command, not Python
    ::execv(python.c_str(), argv.data());
    std::fprintf(stderr, "progsurv: failed: cannot run %s: %s\n", python.c_str(),
                 std::strerror(errno));
    std::_Exit(127);
  }
  ::setpgid(pid, pid);  // also here, so no signal can find the child outside its group
  g_child = pid;
  ::sigprocmask(SIG_SETMASK, &previous_mask, nullptr);

  // Wait without reaping first: the pid stays the child's while its leftovers go.
  siginfo_t ended{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &ended, WEXITED | WNOWAIT) < 0) {
    if (errno != EINTR) break;
  }
  if (ended.si_code == CLD_KILLED || ended.si_code == CLD_DUMPED) {
    for (const std::string& folder : output_folders(args)) remove_temporaries_of(folder, pid);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) break;
  }
  g_child = 0;
  ::sigaction(SIGINT, &previous_int, nullptr);
  ::sigaction(SIGTERM, &previous_term, nullptr);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (g_signals > 0 ||
      (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM))) {
    std::cerr << "progsurv: interrupted; nothing written\n";
    return kExitInterrupted;
  }
  std::cerr << "progsurv: failed: the Python command ended with signal "
            << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "\n";
  return kExitFailure;
}

}  // namespace progsurv::cli
