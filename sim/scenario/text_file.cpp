#include "scenario/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "progsurv/scenario/error.hpp"

namespace progsurv {

namespace {
[[noreturn]] void cannot_read(const std::string& path, const std::string& why) {
  throw ScenarioError(path, 0, 0, "", "cannot read file: " + why);
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string read_text_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO with no writer must not hang; regular files ignore it.
  Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) cannot_read(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) cannot_read(path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) cannot_read(path, std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode))
    cannot_read(path, "not a regular file (a device, FIFO or socket); give a YAML file");
  if (static_cast<std::size_t>(st.st_size) > kMaxInputFileBytes)
    cannot_read(path, "it is " + std::to_string(st.st_size) + " bytes; scenario and sweep files " +
                          "may be at most " + std::to_string(kMaxInputFileBytes >> 20) + " MiB");
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) cannot_read(path, std::strerror(errno));
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    // The file may grow while it is read.
    if (text.size() > kMaxInputFileBytes)
      cannot_read(path, "it is larger than " + std::to_string(kMaxInputFileBytes >> 20) + " MiB");
  }
  return text;
}

}  // namespace progsurv
