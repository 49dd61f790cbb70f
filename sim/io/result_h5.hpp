#pragma once
// The skeleton every progsurv HDF5 result file shares, so that writing and checking a file's
// kind and version is done once. A format is described by a ResultFormat; its writer passes
// the body, its reader gets the file back opened and checked.
//
//   constexpr h5::ResultFormat kFormat{kSeekFiletype, "seek", kSeekFormatVersionMajor,
//                                      kSeekFormatVersionMinor, kSeekFormatVersionMajor};
//   void write_seek(const std::string& path, const SeekResult& r) {
//     h5::write_result_file(path, kFormat, [&](h5::File& f) {
//       f.write_attr("seed", r.seed);              // after the common root attributes
//       f.create_group("points").write_dataset("x", r.x);
//     });
//   }
//   SeekResult read_seek(const std::string& path) {
//     return h5::read_result_file(path, kFormat, [&](const h5::File& f, h5::FormatVersion v) {
//       SeekResult r;
//       r.seed = f.read_attr<std::uint64_t>("seed");  // v.before(1, 1): fill what 1.0 lacks
//       return r;
//     });
//   }
//
// Writing: the file is built in memory and replaces `path` through replace_file()
// (progsurv/io/output_file.hpp): a temporary file next to it, renamed in; `path` is untouched
// on any failure. The root attributes come first, in this order: filetype (string),
// format_version (int32 [major, minor]), progsurv_version, the build string (named by
// ResultFormat::build_attribute: "build" by default, "build_info" in run and portfolio files,
// which kept their first name), created (UTC ISO 8601). The body writes everything else.
//
// Reading: every refusal is a FileFormatError naming the file: unreadable ("cannot read
// <path>: <reason>"), not HDF5 ("not an HDF5 file or truncated: <path>"), another filetype
// ("<path>: not a progsurv <kind> file: its filetype is 'x' (expected 'progsurv-<kind>')"), a
// major version outside [oldest_major, major] ("<path>: written by a newer progsurv (format
// 3.0, this reader understands 1.x to 2.x)"); any minor version of an accepted major is read
// (minor versions only add). An h5::Error from the body (a missing dataset, a wrong type)
// becomes "damaged progsurv <kind> file <path>: <what>"; other exceptions pass through.
#include <functional>
#include <string>
#include <utility>

#include "io/h5.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv::h5 {

struct ResultFormat {
  const char* filetype;  // the root `filetype` attribute, e.g. "progsurv-run" (version.hpp)
  const char* kind;      // for messages: "run" gives "not a progsurv run file"
  int major;             // the version written
  int minor;
  int oldest_major;  // the oldest major version the reader still accepts (== major if none)
  const char* build_attribute = "build";
};

// The version a file was written in: readers use it to fill what older files lack.
struct FormatVersion {
  int major = 0, minor = 0;
  bool before(int ma, int mi) const { return major < ma || (major == ma && minor < mi); }
};

// Writes `path` as a file of `format`: the common root attributes, then `body`.
void write_result_file(const std::string& path, const ResultFormat& format,
                       const std::function<void(File&)>& body);

// Throws FileFormatError("<path>: cannot read file: <reason>"), in the words every input
// reader uses, when `path` is missing or unreadable.
void check_readable(const std::string& path);
// The error for a file HDF5 cannot open ("not an HDF5 file or truncated: <path><detail>"),
// saying what it is when it is a sweep journal or a YAML input.
FileFormatError not_hdf5(const std::string& path, const std::string& detail);

// Opens `path` for reading and checks its filetype and version; the version found goes to
// *version when given. Throws FileFormatError as described above.
File open_result_file(const std::string& path, const ResultFormat& format,
                      FormatVersion* version = nullptr);

// Throws FileFormatError("damaged progsurv <kind> file <path>: <e.what()>").
[[noreturn]] void throw_damaged(const std::string& path, const ResultFormat& format,
                                const Error& e);

// open_result_file, then returns read(file, version); an h5::Error from `read` becomes a
// FileFormatError through throw_damaged.
template <class Read>
auto read_result_file(const std::string& path, const ResultFormat& format, Read&& read)
    -> decltype(read(std::declval<const File&>(), FormatVersion{})) {
  FormatVersion version;
  const File f = open_result_file(path, format, &version);
  try {
    return read(f, version);
  } catch (const Error& e) {
    throw_damaged(path, format, e);
  }
}

// A scenario's or portfolio's changes since it was read (`changes`: --set, a lever) as the
// group `name` under `g`: string datasets path, value and was, one entry per change; nothing
// is written when there are none. read_changes fills `list` from that group when present.
void write_changes(Group& g, const std::string& name, const std::vector<ValueChange>& list);
void read_changes(const Group& g, const std::string& name, std::vector<ValueChange>& list);

}  // namespace progsurv::h5
