#include "progsurv/io/output_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "io/file_sync.hpp"
#include "progsurv/io/file_type.hpp"
#include "progsurv/io/fnv1a.hpp"

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
  if (S_ISREG(mode)) return "a file";
  return "not a regular file";
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw OutputPathError("output " + path + ": " + why);
}

bool process_gone(long pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes the regular files (never symlinks) of `dir`, then `dir` if it is empty now.
void remove_regular_files_and_folder(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(d)) {
      const std::string full = dir + "/" + entry->d_name;
      struct stat st {};
      if (::lstat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(full.c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

constexpr const char* kTemporaryMark = ".progsurv-tmp-";

// The pid in `tail` = "<pid>-<random>", or -1 when `tail` is not of that form.
long temporary_pid(const std::string& tail) {
  char* end = nullptr;
  const long pid = std::strtol(tail.c_str(), &end, 10);
  return end == tail.c_str() || *end != '-' ? -1 : pid;
}

// Removes the entries of `folder` that are ours and that `is_leftover(name)` picks: regular
// files (never symlinks) and folders of regular files (a CSV folder under construction).
template <class Pick>
void remove_temporaries(const std::string& folder, Pick&& is_leftover) {
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (!is_leftover(name)) continue;
    const std::string full = folder + "/" + name;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    if (S_ISREG(st.st_mode)) {
      ::unlink(full.c_str());
    } else if (S_ISDIR(st.st_mode)) {
      remove_regular_files_and_folder(full);
    }
  }
  ::closedir(dir);
}

// Removes "<prefix><pid>-<random>" temporaries of dead processes.
void remove_stale_temporaries(const SplitPath& where, const std::string& prefix) {
  const std::string name_prefix = split(prefix).base;
  remove_temporaries(where.dir, [&](const std::string& name) {
    return name.compare(0, name_prefix.size(), name_prefix) == 0 &&
           process_gone(temporary_pid(name.substr(name_prefix.size())));
  });
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

void remove_temporaries_of(const std::string& folder, long pid) {
  if (pid <= 0) return;
  remove_temporaries(folder, [&](const std::string& name) {
    // ".<output name>.progsurv-tmp-<pid>-<random>": the mark's last occurrence, since an
    // output's own name may contain it.
    const std::size_t mark = name.rfind(kTemporaryMark);
    return name.size() > 1 && name[0] == '.' && mark != std::string::npos && mark > 0 &&
           temporary_pid(name.substr(mark + std::strlen(kTemporaryMark))) == pid;
  });
}

std::string temporary_prefix(const std::string& path) {
  const SplitPath p = split(path);
  const std::string name = "." + p.base + kTemporaryMark;
  return p.dir == "." && path.find('/') == std::string::npos ? name : p.dir + "/" + name;
}

namespace {
// "progsurv-portfolio-attribution" -> "a portfolio attribution file".
std::string kind_phrase(const std::string& filetype) {
  std::string kind = filetype.rfind("progsurv-", 0) == 0 ? filetype.substr(9) : filetype;
  std::replace(kind.begin(), kind.end(), '-', ' ');
  const bool vowel = !kind.empty() && std::string("aeiou").find(kind[0]) != std::string::npos;
  return std::string(vowel ? "an " : "a ") + kind + " file";
}
}  // namespace

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
  if (!check.filetype.empty() && !check.force && st.st_size > 0) {
    std::string held;
    try {
      held = file_type(path);
    } catch (const FileFormatError&) {
      refuse(path,
             "exists and is not a progsurv file; use --force to replace it, or choose "
             "another name");
    }
    if (held != check.filetype)
      refuse(path, "holds " + kind_phrase(held) + ", not " + kind_phrase(check.filetype) +
                       "; use --force to replace it, or choose another name");
  }
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
  // A long stem is cut, and the cut one ends in a hash of the whole name, so two names that
  // differ only after the cut (variants with long --set values) still get their own files.
  if (stem.size() > 100) stem = stem.substr(0, 91) + "-" + fnv1a_hex(name).substr(0, 8);
  if (stem.empty()) stem = fallback;
  return stem + suffix;
}

namespace {

struct Temporary {
  int fd = -1;
  std::string name;
};

// A new file "<prefix><pid>-<random>" next to `path`: O_EXCL never opens an existing file
// and, with O_NOFOLLOW, never a planted symlink; 0666 less the umask, as any new file.
Temporary create_temporary(const std::string& path) {
  const std::string prefix = temporary_prefix(path) + std::to_string(::getpid()) + "-";
  std::random_device entropy;
  Temporary t;
  for (int attempt = 0; attempt < 16 && t.fd < 0; ++attempt) {
    char tail[16];
    std::snprintf(tail, sizeof tail, "%08x", static_cast<unsigned>(entropy()));
    t.name = prefix + tail;
    t.fd = ::open(t.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (t.fd < 0 && errno != EEXIST) {
      const int err = errno;
      throw OutputFileError(
          "cannot create a temporary file next to " + path + ": " + errno_text(err), err, path);
    }
  }
  if (t.fd < 0) throw std::runtime_error("cannot create a temporary file next to " + path);
  return t;
}

// Writes, syncs and closes `t`; on failure closes and removes it and throws.
void fill_temporary(Temporary& t, const std::string& path, const std::string& bytes) {
  try {
    write_all(t.fd, bytes, "cannot write " + path + " (old file, if any, unchanged): ");
    if (::fsync(t.fd) != 0)
      throw std::runtime_error("cannot write " + path +
                               " (old file, if any, unchanged): " + errno_text(errno));
    const int fd = t.fd;
    t.fd = -1;
    if (::close(fd) != 0)
      throw std::runtime_error("cannot write " + path +
                               " (old file, if any, unchanged): " + errno_text(errno));
  } catch (...) {
    if (t.fd >= 0) ::close(t.fd);
    t.fd = -1;
    ::unlink(t.name.c_str());
    throw;
  }
}

void refuse_non_regular(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    refuse(path, std::string("exists and is ") + kind_of(st.st_mode) +
                     "; progsurv only replaces regular files");
}

// The one rename of a finished file over its output (the folder is synced by the caller,
// once for all its files). `from` is left in place when this throws.
void rename_into_place(const std::string& from, const std::string& to) {
  refuse_non_regular(to);
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw std::runtime_error("cannot move " + from + " to " + to + ": " + errno_text(errno));
}

void check_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos)
    throw std::invalid_argument("replace_folder: '" + name + "' is not a plain file name");
}

}  // namespace

void replace_file(const std::string& path, const std::string& bytes) {
  const SplitPath where = split(path);
  refuse_non_regular(path);
  remove_stale_temporaries(where, temporary_prefix(path));
  Temporary t = create_temporary(path);
  fill_temporary(t, path, bytes);
  try {
    rename_into_place(t.name, path);
  } catch (...) {
    ::unlink(t.name.c_str());
    throw;
  }
  sync_folder(where.dir);
}

void move_into_place(const std::vector<std::pair<std::string, std::string>>& moves) {
  std::vector<std::string> folders;
  for (const auto& [staged, path] : moves) {
    rename_into_place(staged, path);
    const std::string dir = split(path).dir;
    if (std::find(folders.begin(), folders.end(), dir) == folders.end()) folders.push_back(dir);
  }
  for (const std::string& dir : folders) sync_folder(dir);
}

void check_output_folder(const std::string& path, const OutputCheck& check) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed.empty()) refuse("''", "the output folder is empty");
  struct stat st {};
  if (::stat(trimmed.c_str(), &st) == 0) {
    for (const std::string& input : check.inputs)
      if (!input.empty() && same_file(st, input))
        refuse(trimmed, "is the input " + input + "; writing there would destroy it");
    if (!S_ISDIR(st.st_mode))
      refuse(trimmed, std::string("exists and is ") + kind_of(st.st_mode) + ", not a folder");
    if (::access(trimmed.c_str(), W_OK | X_OK) != 0)
      refuse(trimmed, "cannot create files in folder " + trimmed + " (" + errno_text(errno) + ")");
    return;
  }
  // A new folder: its parent must take it, under the same rules as a new file.
  OutputCheck parent = check;
  check_output_path(trimmed, parent);
}

void replace_folder(const std::string& path,
                    const std::vector<std::pair<std::string, std::string>>& files,
                    const OutputCheck& check) {
  std::string folder = path;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  for (const auto& file : files) check_file_name(file.first);
  check_output_folder(folder, check);

  struct stat st {};
  if (::stat(folder.c_str(), &st) == 0) {
    // An existing folder keeps its other files: each table is written to its own temporary
    // file first, and only when all of them are complete are they renamed in.
    for (const auto& file : files) check_output_path(folder + "/" + file.first, check);
    std::vector<Temporary> done;
    try {
      for (const auto& [name, bytes] : files) {
        const std::string target = folder + "/" + name;
        remove_stale_temporaries(split(target), temporary_prefix(target));
        done.push_back(create_temporary(target));
        fill_temporary(done.back(), target, bytes);
      }
      for (std::size_t i = 0; i < files.size(); ++i) {
        rename_into_place(done[i].name, folder + "/" + files[i].first);
        done[i].name.clear();
      }
    } catch (...) {
      for (const Temporary& t : done)
        if (!t.name.empty()) ::unlink(t.name.c_str());
      throw;
    }
    sync_folder(folder);
    return;
  }

  // A new folder is built complete under a temporary name and renamed into place, so no
  // reader (or a second writer) ever sees half of it.
  const SplitPath where = split(folder);
  const std::string prefix = temporary_prefix(folder);
  remove_stale_temporaries(where, prefix);
  std::random_device entropy;
  std::string temp;
  bool made = false;
  for (int attempt = 0; attempt < 16 && !made; ++attempt) {
    char tail[16];
    std::snprintf(tail, sizeof tail, "%08x", static_cast<unsigned>(entropy()));
    temp = prefix + std::to_string(::getpid()) + "-" + tail;
    made = ::mkdir(temp.c_str(), 0777) == 0;  // mkdir never follows an existing name
    if (!made && errno != EEXIST)
      throw std::runtime_error("cannot create a temporary folder next to " + folder + ": " +
                               errno_text(errno));
  }
  if (!made) throw std::runtime_error("cannot create a temporary folder next to " + folder);
  std::vector<std::string> written;
  const auto remove_temp = [&] {
    for (const std::string& f : written) ::unlink(f.c_str());
    ::rmdir(temp.c_str());
  };
  try {
    for (const auto& [name, bytes] : files) {
      const std::string file = temp + "/" + name;
      const int fd =
          ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd < 0) throw std::runtime_error("cannot create " + file + ": " + errno_text(errno));
      written.push_back(file);
      Temporary t{fd, file};
      fill_temporary(t, folder + "/" + name, bytes);
    }
    sync_folder(temp);
    if (::rename(temp.c_str(), folder.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST || err == ENOTEMPTY)
        throw std::runtime_error("cannot write " + folder +
                                 ": another process created it meanwhile; nothing written");
      throw std::runtime_error("cannot move " + temp + " to " + folder + ": " + errno_text(err));
    }
  } catch (...) {
    remove_temp();
    throw;
  }
  sync_folder(where.dir);
}

}  // namespace progsurv
