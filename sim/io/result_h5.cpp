// The skeleton of progsurv HDF5 result files: common root attributes on writing, filetype
// and version checks on reading (result_h5.hpp).
#include "io/result_h5.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "progsurv/io/version.hpp"

namespace progsurv::h5 {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& message) {
  throw FileFormatError(path + ": " + message);
}

void check_filetype(const File& f, const std::string& path, const ResultFormat& format) {
  const std::string what = std::string("not a progsurv ") + format.kind + " file: ";
  if (!f.has_attr("filetype")) {
    bad(path, what + "it has no 'filetype' attribute (expected '" + format.filetype + "')");
  }
  if (!f.attr_is_string("filetype")) bad(path, what + "its 'filetype' attribute is not a string");
  const std::string filetype = f.read_attr_string("filetype");
  if (filetype != format.filetype) {
    bad(path, what + "its filetype is '" + filetype + "' (expected '" + format.filetype + "')");
  }
}

FormatVersion check_version(const File& f, const std::string& path, const ResultFormat& format) {
  if (!f.has_attr("format_version") || f.attr_is_string("format_version")) {
    bad(path, "no integer 'format_version' attribute");
  }
  const std::vector<std::int64_t> v = f.read_attr_vector<std::int64_t>("format_version");
  if (v.size() != 2) bad(path, "'format_version' is not [major, minor]");
  const std::string found = std::to_string(v[0]) + "." + std::to_string(v[1]);
  const std::string understood =
      format.oldest_major == format.major
          ? std::to_string(format.major) + ".x"
          : std::to_string(format.oldest_major) + ".x to " + std::to_string(format.major) + ".x";
  if (v[0] > format.major || v[0] < format.oldest_major) {
    bad(path, std::string("written by ") + (v[0] > format.major ? "a newer" : "an older") +
                  " progsurv (format " + found + ", this reader understands " + understood + ")");
  }
  return {static_cast<int>(v[0]), static_cast<int>(v[1])};
}

}  // namespace

void write_result_file(const std::string& path, const ResultFormat& format,
                       const std::function<void(File&)>& body) {
  write_file_atomically(path, [&](File& f) {
    f.write_attr("filetype", format.filetype);
    f.write_attr("format_version", std::vector<std::int32_t>{format.major, format.minor});
    f.write_attr("progsurv_version", version_string());
    f.write_attr(format.build_attribute, build_string());
    f.write_attr("created", utc_timestamp());
    body(f);
  });
}

FileFormatError not_hdf5(const std::string& path, const std::string& detail) {
  // Say what the file is when it is one of ours in another form: a journal or a YAML input.
  FileFormatError plain("not an HDF5 file or truncated: " + path + detail);
  struct stat st {};
  // Only a regular file is read: opening a FIFO would wait for a writer.
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return plain;
  std::string head(4, '\0');
  if (std::FILE* in = std::fopen(path.c_str(), "rb")) {
    head.resize(std::fread(head.data(), 1, head.size(), in));
    std::fclose(in);
  }
  const auto ends = [&](const std::string& tail) {
    return path.size() >= tail.size() &&
           path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  std::string what;
  if (head == "PSH1")
    what =
        "; it is a sweep journal (an interrupted sweep): continue it with progsurv sweep "
        "--resume";
  else if (ends(".yaml") || ends(".yml"))
    what =
        "; it is a YAML input (a scenario or portfolio?): run it (progsurv run, progsurv "
        "portfolio) or check it (progsurv validate)";
  return what.empty() ? plain : FileFormatError(plain.what() + what);
}

void check_readable(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0)
    throw FileFormatError(path + ": cannot read file: " + std::strerror(errno), errno);
  // A folder is as unreadable as a file as a missing one (Python: IsADirectoryError).
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw FileFormatError(path + ": cannot read file: " + std::strerror(EISDIR), EISDIR);
}

File open_result_file(const std::string& path, const ResultFormat& format, FormatVersion* version) {
  // Checked first so that a missing or unreadable file says so, not "not an HDF5 file".
  check_readable(path);
  File f = [&] {
    try {
      return File::open_read(path);
    } catch (const Error& e) {
      throw not_hdf5(path, e.detail().empty() ? "" : " (" + e.detail() + ")");
    }
  }();
  try {
    check_filetype(f, path, format);
    const FormatVersion found = check_version(f, path, format);
    if (version) *version = found;
  } catch (const Error& e) {
    throw_damaged(path, format, e);
  }
  return f;
}

void throw_damaged(const std::string& path, const ResultFormat& format, const Error& e) {
  // h5 messages name the object and, for objects in the file, the file too.
  const std::string what = e.what();
  const std::string damaged = std::string("damaged progsurv ") + format.kind + " file";
  throw FileFormatError(what.find(path) != std::string::npos ? damaged + ": " + what
                                                             : damaged + " " + path + ": " + what);
}

void write_changes(Group& g, const std::string& name, const std::vector<ValueChange>& list) {
  if (list.empty()) return;
  std::vector<std::string> path, value, was;
  for (const ValueChange& c : list) {
    path.push_back(c.path);
    value.push_back(c.value);
    was.push_back(c.was);
  }
  Group changes = g.create_group(name);
  changes.write_strings("path", path);
  changes.write_strings("value", value);
  changes.write_strings("was", was);
}

void read_changes(const Group& g, const std::string& name, std::vector<ValueChange>& list) {
  list.clear();
  if (!g.has(name)) return;
  const Group changes = g.open_group(name);
  const std::vector<std::string> path = changes.read_strings("path");
  const std::vector<std::string> value = changes.read_strings("value");
  const std::vector<std::string> was = changes.read_strings("was");
  if (value.size() != path.size() || was.size() != path.size())
    throw Error(changes.path() + ": path, value and was differ in length");
  for (std::size_t i = 0; i < path.size(); ++i) list.push_back({path[i], value[i], was[i]});
}

}  // namespace progsurv::h5
