#include "scenario/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "progsurv/scenario/error.hpp"

namespace progsurv {

namespace {
[[noreturn]] void cannot_read(const std::string& path, const std::string& why, int err = 0) {
  throw ScenarioError(path, 0, 0, "", "cannot read file: " + why, err);
}
[[noreturn]] void cannot_read(const std::string& path, int err) {
  cannot_read(path, std::strerror(err), err);
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

namespace {

// Reads `fd` to its end, at most kMaxInputFileBytes.
std::string read_all(int fd, const std::string& path) {
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) cannot_read(path, errno);
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    // The file may grow while it is read.
    if (text.size() > kMaxInputFileBytes)
      cannot_read(path, "it is larger than " + std::to_string(kMaxInputFileBytes >> 20) + " MiB");
  }
  return text;
}

// `-` (standard input) or a FIFO with a writer (`cat s.yaml | progsurv validate -`,
// `/dev/stdin`, `<(...)`): read once to the end. A stream cannot be read twice, and a
// command may read its input twice (to tell a portfolio from a scenario, then to parse it),
// so the text is kept for the rest of the process.
std::string read_stream(int fd, const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::string> streams;
  const std::lock_guard<std::mutex> lock(mutex);
  if (const auto it = streams.find(path); it != streams.end()) return it->second;
  // Blocking from here: a FIFO without a writer reads as empty at once.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::string text = read_all(fd, path);
  if (text.empty())
    cannot_read(path,
                "a FIFO or pipe with nothing written to it (not a regular file); give a "
                "YAML file, or pipe one into it");
  return streams.emplace(path, std::move(text)).first->second;
}

}  // namespace

std::string read_text_file(const std::string& path) {
  if (path == "-") {
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) != 0) cannot_read("-", errno);
    if (S_ISCHR(st.st_mode))
      cannot_read("-", "standard input is a terminal or device; pipe a YAML file into it");
    if (S_ISDIR(st.st_mode)) cannot_read("-", EISDIR);
    return read_stream(STDIN_FILENO, "-");
  }
  // O_NONBLOCK: opening a FIFO with no writer must not hang; regular files ignore it.
  Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) cannot_read(path, errno);
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) cannot_read(path, errno);
  if (S_ISDIR(st.st_mode)) cannot_read(path, EISDIR);
  if (S_ISFIFO(st.st_mode)) return read_stream(file.fd, path);
  if (!S_ISREG(st.st_mode))
    cannot_read(path, "not a regular file (a device or socket); give a YAML file");
  if (static_cast<std::size_t>(st.st_size) > kMaxInputFileBytes)
    cannot_read(path, "it is " + std::to_string(st.st_size) + " bytes; scenario and sweep files " +
                          "may be at most " + std::to_string(kMaxInputFileBytes >> 20) + " MiB");
  return read_all(file.fd, path);
}

}  // namespace progsurv
