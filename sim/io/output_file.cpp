#include "progsurv/io/output_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <random>

namespace progsurv {

namespace {

// Longest pid text plus "-" plus 8 hex digits.
constexpr std::size_t kTemporaryTail = 10 + 1 + 8;

struct SplitPath {
  std::string dir;   // "." when the path has no folder part
  std::string base;  // the file name
};

SplitPath split(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string errno_text(int err) { return std::strerror(err); }

// The same file (device and inode) as `a`, when both exist.
bool same_file(const struct stat& a, const std::string& other) {
  struct stat b {};
  if (::stat(other.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

void refuse(const std::string& path, const std::string& why) {
  throw OutputPathError("output " + path + ": " + why);
}

bool process_gone(long pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes "<prefix><pid>-<random>" regular files (never symlinks) of dead processes.
void remove_stale_temporaries(const SplitPath& where, const std::string& prefix) {
  DIR* dir = ::opendir(where.dir.c_str());
  if (!dir) return;
  const std::string name_prefix = split(prefix).base;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.compare(0, name_prefix.size(), name_prefix) != 0) continue;
    const std::string tail = name.substr(name_prefix.size());
    char* end = nullptr;
    const long pid = std::strtol(tail.c_str(), &end, 10);
    if (end == tail.c_str() || *end != '-' || !process_gone(pid)) continue;
    const std::string full = where.dir + "/" + name;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
      continue;
    ::unlink(full.c_str());
  }
  ::closedir(dir);
}

void write_all(int fd, const std::string& bytes, const std::string& what) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(what + errno_text(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string temporary_prefix(const std::string& path) {
  const SplitPath p = split(path);
  const std::string name = "." + p.base + ".progsurv-tmp-";
  return p.dir == "." && path.find('/') == std::string::npos ? name : p.dir + "/" + name;
}

void check_output_path(const std::string& path, const OutputCheck& check) {
  if (path.empty()) refuse("''", "the output path is empty");
  const SplitPath p = split(path);
  if (p.base.empty() || p.base == "." || p.base == "..")
    refuse(path, "expected a file path, not a folder");
  const long name_max = ::pathconf(p.dir.c_str(), _PC_NAME_MAX);
  const std::size_t limit = name_max > 0 ? static_cast<std::size_t>(name_max) : NAME_MAX;
  const std::size_t temp_length = split(temporary_prefix(path)).base.size() + kTemporaryTail;
  if (temp_length > limit)
    refuse(path, "the file name is " + std::to_string(p.base.size()) +
                     " bytes; with the temporary suffix it would exceed the " +
                     std::to_string(limit) + "-byte limit of the file system (use at most " +
                     std::to_string(limit - (temp_length - p.base.size())) + ")");
  if (path.size() + 64 > PATH_MAX) refuse(path, "the path is too long");

  struct stat dir_stat {};
  if (::stat(p.dir.c_str(), &dir_stat) != 0)
    refuse(path, "folder " + p.dir + " does not exist (" + errno_text(errno) + ")");
  if (!S_ISDIR(dir_stat.st_mode)) refuse(path, p.dir + " is not a folder");
  if (::access(p.dir.c_str(), W_OK | X_OK) != 0)
    refuse(path, "cannot create files in folder " + p.dir + " (" + errno_text(errno) + ")");

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      // A dangling symlink: rename would replace the link; refuse to be safe.
      struct stat link {};
      if (::lstat(path.c_str(), &link) == 0)
        refuse(path, "is a symbolic link to a missing file; remove it or choose another name");
      return;
    }
    refuse(path, errno_text(errno));
  }
  if (!S_ISREG(st.st_mode))
    refuse(path, std::string("exists and is ") + kind_of(st.st_mode) +
                     "; progsurv only replaces regular files");
  for (const std::string& input : check.inputs)
    if (!input.empty() && same_file(st, input))
      refuse(path, "is the input file " + input + "; writing there would destroy it");
  const bool protected_file =
      (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 || ::access(path.c_str(), W_OK) != 0;
  if (protected_file && !check.force)
    refuse(path, "exists and is write-protected; use --force to replace it");
}

std::string default_output_name(const std::string& name, const std::string& suffix,
                                const std::string& fallback) {
  std::string stem;
  for (const char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    stem += plain ? c : '_';
  }
  // "../x" -> "__x" would be odd; a leading run of dots and underscores from path
  // separators says nothing, so drop it.
  const std::size_t first = stem.find_first_not_of("._");
  stem = first == std::string::npos ? std::string() : stem.substr(first);
  if (stem.size() > 100) stem.resize(100);
  if (stem.empty()) stem = fallback;
  return stem + suffix;
}

void replace_file(const std::string& path, const std::string& bytes) {
  const SplitPath where = split(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    refuse(path, std::string("exists and is ") + kind_of(st.st_mode) +
                     "; progsurv only replaces regular files");
  const std::string prefix = temporary_prefix(path) + std::to_string(::getpid()) + "-";
  remove_stale_temporaries(where, temporary_prefix(path));

  std::random_device entropy;
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    char tail[16];
    std::snprintf(tail, sizeof tail, "%08x", static_cast<unsigned>(entropy()));
    temp = prefix + tail;
    // O_EXCL never opens an existing file and, with O_NOFOLLOW, never a planted symlink;
    // 0666 less the umask, as any new file.
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      throw std::runtime_error("cannot create a temporary file next to " + path + ": " +
                               errno_text(errno));
  }
  if (fd < 0) throw std::runtime_error("cannot create a temporary file next to " + path);
  try {
    write_all(fd, bytes, "cannot write " + path + " (old file, if any, unchanged): ");
    if (::fsync(fd) != 0)
      throw std::runtime_error("cannot write " + path +
                               " (old file, if any, unchanged): " + errno_text(errno));
    if (::close(fd) != 0) {
      fd = -1;
      throw std::runtime_error("cannot write " + path +
                               " (old file, if any, unchanged): " + errno_text(errno));
    }
    fd = -1;
    if (::rename(temp.c_str(), path.c_str()) != 0)
      throw std::runtime_error("cannot move " + temp + " to " + path + ": " + errno_text(errno));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  const int dir_fd = ::open(where.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // best effort: the data itself is already synced
    ::close(dir_fd);
  }
}

}  // namespace progsurv
