#include "io/h5.hpp"

#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/io/output_file.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

namespace progsurv::h5 {

namespace {

// Collects the description of the innermost (most specific) entry of the error stack.
herr_t innermost_message(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err && err->desc) *static_cast<std::string*>(data) = err->desc;
  return 0;
}

// A dataspace: scalar when `scalar`, else simple with `dims`.
Handle make_space(const Dims& dims, bool scalar) {
  const hid_t id = scalar ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  if (id < 0) fail("cannot create a dataspace");
  return Handle(id, H5Sclose);
}

// Variable-length UTF-8 string: what h5py reads back as str.
Handle vlen_string_type() {
  const hid_t id = H5Tcopy(H5T_C_S1);
  if (id < 0) fail("cannot create a string type");
  Handle type(id, H5Tclose);
  if (H5Tset_size(id, H5T_VARIABLE) < 0 || H5Tset_cset(id, H5T_CSET_UTF8) < 0) {
    fail("cannot create a string type");
  }
  return type;
}

Dims space_dims(hid_t space, const std::string& what) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail("cannot get the shape of " + what);
  Dims dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) {
    fail("cannot get the shape of " + what);
  }
  return dims;
}

// Reads every string of an attribute or dataset whose stored type is `stored`, through
// `read(mem_type, buffer)`. Variable-length strings are read as they are; fixed-length ones
// (from other tools) are cut at their terminator or padding.
template <class Read>
std::vector<std::string> read_strings_with(hid_t stored, hid_t space, Read read,
                                           const std::string& what) {
  if (H5Tget_class(stored) != H5T_STRING) throw Error(what + " does not hold strings");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail("cannot get the size of " + what);
  std::vector<std::string> out;
  if (n == 0) return out;
  check_allocation(static_cast<hsize_t>(n), sizeof(std::string) + 16, what);
  out.reserve(static_cast<std::size_t>(n));
  // Same type in memory as on disk: HDF5 does not convert between ASCII and UTF-8.
  const hid_t mem_id = H5Tcopy(stored);
  if (mem_id < 0) fail("cannot copy the string type of " + what);
  Handle mem(mem_id, H5Tclose);
  const htri_t variable = H5Tis_variable_str(stored);
  if (variable < 0) fail("cannot inspect the string type of " + what);
  if (variable) {
    std::vector<char*> buffer(static_cast<std::size_t>(n), nullptr);
    if (read(mem.get(), buffer.data()) < 0) fail("cannot read " + what);
    // Frees HDF5's strings on every path out, including a failed copy.
    struct Reclaim {
      hid_t type, space;
      void* data;
      ~Reclaim() {
#if H5_VERSION_GE(1, 12, 0)
        H5Treclaim(type, space, H5P_DEFAULT, data);
#else
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, data);
#endif
      }
    } reclaim{mem.get(), space, buffer.data()};
    for (const char* s : buffer) out.emplace_back(s ? s : "");
  } else {
    const std::size_t size = H5Tget_size(stored);
    if (size == 0) fail("cannot get the string size of " + what);
    std::vector<char> buffer(size * static_cast<std::size_t>(n));
    if (read(mem.get(), buffer.data()) < 0) fail("cannot read " + what);
    const bool space_padded = H5Tget_strpad(stored) == H5T_STR_SPACEPAD;
    for (hssize_t i = 0; i < n; ++i) {
      const char* p = buffer.data() + static_cast<std::size_t>(i) * size;
      std::size_t len = strnlen(p, size);
      if (space_padded) {
        while (len > 0 && p[len - 1] == ' ') --len;
      }
      out.emplace_back(p, len);
    }
  }
  return out;
}

void check_numeric(hid_t type, const std::string& what) {
  const H5T_class_t c = H5Tget_class(type);
  if (c != H5T_INTEGER && c != H5T_FLOAT) throw Error(what + " is not numeric");
}

// Chunks of about 256 KiB along the first dimension: large enough for deflate to work
// well, small enough for HDF5's default 1 MiB chunk cache.
Dims chunk_dims(const Dims& dims, std::size_t element_size) {
  constexpr hsize_t kTargetBytes = 256 * 1024;
  hsize_t row_bytes = element_size;
  for (std::size_t i = 1; i < dims.size(); ++i) row_bytes *= dims[i];
  Dims chunk = dims;
  chunk[0] = std::clamp<hsize_t>(kTargetBytes / std::max<hsize_t>(row_bytes, 1), 1, dims[0]);
  return chunk;
}

}  // namespace

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void fail(const std::string& what) {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_message, &detail);
  H5Eclear2(H5E_DEFAULT);
  throw Error(what, detail);
}

hsize_t element_count(const Dims& dims) {
  hsize_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > std::numeric_limits<hsize_t>::max() / d)
      throw Error("an object declares more elements than can be counted");
    n *= d;
  }
  return n;
}

void check_allocation(hsize_t count, std::size_t size, const std::string& what) {
  const double bytes = static_cast<double>(count) * static_cast<double>(size);
  const double limit = static_cast<double>(memory_limit_bytes());
  if (bytes > limit)
    throw Error(what + " declares " + std::to_string(count) + " elements (" + format_bytes(bytes) +
                "), more than the memory limit of " + format_bytes(limit));
}

// --- Handle ---------------------------------------------------------------------------

void Handle::close(const std::string& what) {
  if (!valid()) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (closer_(id) < 0) fail(what);
}

void Handle::reset() noexcept {
  if (!valid()) return;
  closer_(std::exchange(id_, H5I_INVALID_HID));
  H5Eclear2(H5E_DEFAULT);  // a failure here has nowhere to go
}

// --- Object ---------------------------------------------------------------------------

std::string Object::child_path(const std::string& name) const {
  if (!name.empty() && name.front() == '/') return name;
  return path_ == "/" ? "/" + name : path_ + "/" + name;
}

std::string Object::describe(const char* kind, const std::string& name) const {
  const std::string where = name.empty() ? path_ : child_path(name);
  return std::string(kind) + " '" + where + "' in " + filename_;
}

void Object::throw_not_scalar(const char* kind, const std::string& name, std::size_t count) const {
  throw Error(describe(kind, name) + " has " + std::to_string(count) +
              " elements where one was expected");
}

std::string Object::describe_attr(const std::string& name) const {
  return "attribute '" + name + "' of '" + path_ + "' in " + filename_;
}

bool Object::has_attr(const std::string& name) const {
  const htri_t exists = H5Aexists(id(), name.c_str());
  if (exists < 0) fail("cannot look for " + describe_attr(name));
  return exists > 0;
}

namespace {
Handle open_attr(hid_t object, const std::string& name, const std::string& what) {
  const hid_t id = H5Aopen(object, name.c_str(), H5P_DEFAULT);
  if (id < 0) fail("cannot open " + what);
  return Handle(id, H5Aclose);
}
Handle attr_space(hid_t attr, const std::string& what) {
  const hid_t id = H5Aget_space(attr);
  if (id < 0) fail("cannot get the dataspace of " + what);
  return Handle(id, H5Sclose);
}
Handle attr_type(hid_t attr, const std::string& what) {
  const hid_t id = H5Aget_type(attr);
  if (id < 0) fail("cannot get the type of " + what);
  return Handle(id, H5Tclose);
}
}  // namespace

Dims Object::attr_dims(const std::string& name) const {
  const std::string what = describe_attr(name);
  const Handle attr = open_attr(id(), name, what);
  const Handle space = attr_space(attr.get(), what);
  return space_dims(space.get(), what);
}

bool Object::attr_is_string(const std::string& name) const {
  const std::string what = describe_attr(name);
  const Handle attr = open_attr(id(), name, what);
  const Handle type = attr_type(attr.get(), what);
  return H5Tget_class(type.get()) == H5T_STRING;
}

void Object::write_attr_raw(const std::string& name, hid_t mem_type, hid_t file_type,
                            const void* data, const Dims& dims) {
  const std::string what = describe_attr(name);
  if (has_attr(name) && H5Adelete(id(), name.c_str()) < 0) fail("cannot replace " + what);
  const Handle space = make_space(dims, dims.empty());
  const hid_t attr_id =
      H5Acreate2(id(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT);
  if (attr_id < 0) fail("cannot create " + what);
  Handle attr(attr_id, H5Aclose);
  if (element_count(dims) > 0 && H5Awrite(attr_id, mem_type, data) < 0) {
    fail("cannot write " + what);
  }
  attr.close("cannot close " + what);
}

void Object::read_attr_raw(const std::string& name, hid_t mem_type, void* data) const {
  const std::string what = describe_attr(name);
  const Handle attr = open_attr(id(), name, what);
  const Handle type = attr_type(attr.get(), what);
  check_numeric(type.get(), what);
  const Handle space = attr_space(attr.get(), what);
  if (H5Sget_simple_extent_npoints(space.get()) == 0) return;
  if (H5Aread(attr.get(), mem_type, data) < 0) fail("cannot read " + what);
}

void Object::write_attr(const std::string& name, const std::string& value) {
  const char* p = value.c_str();
  const Handle type = vlen_string_type();
  write_attr_raw(name, type.get(), type.get(), &p, {});
}

void Object::write_attr(const std::string& name, const std::vector<std::string>& values) {
  std::vector<const char*> p;
  p.reserve(values.size());
  for (const std::string& s : values) p.push_back(s.c_str());
  const Handle type = vlen_string_type();
  write_attr_raw(name, type.get(), type.get(), p.data(), {values.size()});
}

std::vector<std::string> Object::read_attr_strings(const std::string& name) const {
  const std::string what = describe_attr(name);
  const Handle attr = open_attr(id(), name, what);
  const Handle type = attr_type(attr.get(), what);
  const Handle space = attr_space(attr.get(), what);
  return read_strings_with(
      type.get(), space.get(),
      [&](hid_t mem, void* buffer) { return H5Aread(attr.get(), mem, buffer); }, what);
}

std::string Object::read_attr_string(const std::string& name) const {
  std::vector<std::string> v = read_attr_strings(name);
  if (v.size() != 1) throw_not_scalar("attribute", name, v.size());
  return std::move(v.front());
}

// --- Dataset --------------------------------------------------------------------------

namespace {
Handle dataset_space(hid_t dataset, const std::string& what) {
  const hid_t id = H5Dget_space(dataset);
  if (id < 0) fail("cannot get the dataspace of " + what);
  return Handle(id, H5Sclose);
}
Handle dataset_type(hid_t dataset, const std::string& what) {
  const hid_t id = H5Dget_type(dataset);
  if (id < 0) fail("cannot get the type of " + what);
  return Handle(id, H5Tclose);
}
}  // namespace

Dims Dataset::dims() const {
  const std::string what = describe("dataset", "");
  const Handle space = dataset_space(id(), what);
  return space_dims(space.get(), what);
}

void Dataset::read_raw(hid_t mem_type, void* data) const {
  const std::string what = describe("dataset", "");
  const Handle type = dataset_type(id(), what);
  check_numeric(type.get(), what);
  const Handle space = dataset_space(id(), what);
  if (H5Sget_simple_extent_npoints(space.get()) == 0) return;
  if (H5Dread(id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail("cannot read " + what);
  }
}

std::vector<std::string> Dataset::read_strings() const {
  const std::string what = describe("dataset", "");
  const Handle type = dataset_type(id(), what);
  const Handle space = dataset_space(id(), what);
  return read_strings_with(
      type.get(), space.get(),
      [&](hid_t mem, void* buffer) {
        return H5Dread(id(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
      },
      what);
}

std::string Dataset::read_string() const {
  std::vector<std::string> v = read_strings();
  if (v.size() != 1) throw_not_scalar("dataset", "", v.size());
  return std::move(v.front());
}

// --- Group ----------------------------------------------------------------------------

bool Group::has(const std::string& name) const {
  // H5Lexists fails rather than answering "no" when an intermediate link is missing, so
  // check the path one component at a time.
  std::string prefix;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    prefix += prefix.empty() ? part : "/" + part;
    const htri_t exists = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
    if (exists < 0) fail("cannot look for " + describe("link", prefix));
    if (exists == 0) return false;
    if (end < name.size()) {
      // Only a group can have children.
      const hid_t obj = H5Oopen(id(), prefix.c_str(), H5P_DEFAULT);
      if (obj < 0) {
        H5Eclear2(H5E_DEFAULT);  // e.g. a dangling soft link: nothing there
        return false;
      }
      const Handle object(obj, H5Oclose);
      if (H5Iget_type(obj) != H5I_GROUP) return false;
    }
  }
  return !prefix.empty();
}

std::vector<std::string> Group::children() const {
  const std::string what = describe("group", "");
  H5G_info_t info;
  if (H5Gget_info(id(), &info) < 0) fail("cannot list " + what);
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(info.nlinks));
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len =
        H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) fail("cannot list " + what);
    std::string name(static_cast<std::size_t>(len) + 1, '\0');
    if (H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                           H5P_DEFAULT) < 0) {
      fail("cannot list " + what);
    }
    name.resize(static_cast<std::size_t>(len));
    names.push_back(std::move(name));
  }
  return names;
}

Group Group::create_group(const std::string& name) {
  const hid_t g = H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) fail("cannot create " + describe("group", name));
  return Group(Handle(g, H5Gclose), child_path(name), filename_);
}

Group Group::open_group(const std::string& name) const {
  const hid_t g = H5Gopen2(id(), name.c_str(), H5P_DEFAULT);
  if (g < 0) fail("cannot open " + describe("group", name));
  return Group(Handle(g, H5Gclose), child_path(name), filename_);
}

Dataset Group::open_dataset(const std::string& name) const {
  const hid_t d = H5Dopen2(id(), name.c_str(), H5P_DEFAULT);
  if (d < 0) fail("cannot open " + describe("dataset", name));
  return Dataset(Handle(d, H5Dclose), child_path(name), filename_);
}

Dataset Group::write_raw(const std::string& name, hid_t mem_type, hid_t file_type,
                         std::size_t element_size, const void* data, std::size_t count,
                         const Dims& dims, bool scalar, Storage storage) {
  const std::string what = describe("dataset", name);
  if (!scalar && element_count(dims) != count) {
    throw Error("cannot write " + what + ": " + std::to_string(count) +
                " values do not fill its shape");
  }
  const Handle space = make_space(dims, scalar);
  Handle create_plist;
  const bool compress =
      storage == Storage::Compressed && !scalar && !dims.empty() && element_count(dims) > 0;
  if (compress) {
    const hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    if (plist < 0) fail("cannot create properties of " + what);
    create_plist = Handle(plist, H5Pclose);
    const Dims chunk = chunk_dims(dims, element_size);
    // Shuffle first: grouping the bytes of each significance makes deflate far better
    // on numbers.
    if (H5Pset_chunk(plist, static_cast<int>(chunk.size()), chunk.data()) < 0 ||
        H5Pset_shuffle(plist) < 0 || H5Pset_deflate(plist, kDeflateLevel) < 0) {
      fail("cannot set compression of " + what);
    }
  }
  const hid_t d = H5Dcreate2(id(), name.c_str(), file_type, space.get(), H5P_DEFAULT,
                             compress ? create_plist.get() : H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0) fail("cannot create " + what);
  Dataset dataset(Handle(d, H5Dclose), child_path(name), filename_);
  if (count > 0 && H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail("cannot write " + what);
  }
  return dataset;
}

Dataset Group::write_string(const std::string& name, const std::string& value) {
  const char* p = value.c_str();
  const Handle type = vlen_string_type();
  return write_raw(name, type.get(), type.get(), sizeof(char*), &p, 1, {}, true,
                   Storage::Contiguous);
}

Dataset Group::write_strings(const std::string& name, const std::vector<std::string>& values) {
  std::vector<const char*> p;
  p.reserve(values.size());
  for (const std::string& s : values) p.push_back(s.c_str());
  const Handle type = vlen_string_type();
  return write_raw(name, type.get(), type.get(), sizeof(char*), p.data(), p.size(), {values.size()},
                   false, Storage::Contiguous);
}

// --- File -----------------------------------------------------------------------------

namespace {
// Strong close: closing the file closes any object still open in it, so close() really
// flushes and releases the file (the default for this driver would keep it open).
Handle file_access_plist() {
  const hid_t plist = H5Pcreate(H5P_FILE_ACCESS);
  if (plist < 0) fail("cannot create file access properties");
  Handle handle(plist, H5Pclose);
  if (H5Pset_fclose_degree(plist, H5F_CLOSE_STRONG) < 0) {
    fail("cannot set file access properties");
  }
  return handle;
}
}  // namespace

File File::create(const std::string& path) {
  silence_errors();
  const Handle fapl = file_access_plist();
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (f < 0) fail("cannot create HDF5 file " + path);
  return File(Handle(f, H5Fclose), "/", path);
}

File File::create_in_memory(const std::string& path) {
  silence_errors();
  const Handle fapl = file_access_plist();
  // Grows in 1 MiB steps; no backing store, so HDF5 never touches the disk.
  if (H5Pset_fapl_core(fapl.get(), std::size_t{1} << 20, 0) < 0)
    fail("cannot set up an in-memory HDF5 file for " + path);
  // Open files are told apart by name; give every in-memory file its own.
  static std::atomic<std::uint64_t> counter{0};
  const std::string name = "progsurv-memory-" + std::to_string(++counter) + "-" + path;
  const hid_t f = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (f < 0) fail("cannot create HDF5 file " + path + " in memory");
  return File(Handle(f, H5Fclose), "/", path);
}

std::string File::take_image() {
  if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) fail("cannot flush HDF5 file " + filename_);
  const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
  if (size < 0) fail("cannot get the image of HDF5 file " + filename_);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(id(), bytes.data(), bytes.size()) < 0)
    fail("cannot get the image of HDF5 file " + filename_);
  close();
  return bytes;
}

void write_image(const std::string& path, const std::string& bytes) { replace_file(path, bytes); }

File File::open_read(const std::string& path) {
  silence_errors();
  // HDF5 would block forever opening a FIFO with no writer, or read a device endlessly.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw Error("cannot open HDF5 file " + path, "not a regular file");
  // Default close degree for reading: a strong one would refuse a file that h5py (weak
  // degree) holds open in the same process. Readers close every object they open anyway.
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) fail("cannot open HDF5 file " + path);
  return File(Handle(f, H5Fclose), "/", path);
}

File File::open_write(const std::string& path) {
  silence_errors();
  const Handle fapl = file_access_plist();
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
  if (f < 0) fail("cannot open HDF5 file " + path + " for writing");
  return File(Handle(f, H5Fclose), "/", path);
}

void File::close() { handle_.close("cannot close HDF5 file " + filename_); }

std::string utc_timestamp() {
  // SOURCE_DATE_EPOCH (the reproducible-builds convention) pins the time, so two runs can
  // produce files that are identical in every attribute too.
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    const long long v = std::strtoll(epoch, &end, 10);
    if (end && *end == '\0' && v >= 0) now = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace progsurv::h5
