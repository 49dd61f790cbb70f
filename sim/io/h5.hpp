#pragma once
// A small RAII layer over the HDF5 C API, shared by the run and sweep files: every handle
// closes itself, every failed call throws h5::Error naming the operation, the object and
// HDF5's own reason, and HDF5's automatic error printing is silenced.
//
//   h5::File f = h5::File::create("out.h5");
//   f.write_attr("filetype", "progsurv-run");          // variable-length UTF-8 string
//   h5::Group g = f.create_group("tally");
//   g.write_dataset("end_bins", bins, {8, G + 1});      // 2-D int64
//   g.write_dataset("value", column, {}, h5::Storage::Compressed);
//   f.close();                                          // flushes; throws on failure
//
// Strings are always written variable-length UTF-8 (h5py reads them back as str); fixed-
// length strings written by other tools are read too.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace progsurv::h5 {

// An HDF5 call failed. what() names the operation and the object; detail() is HDF5's own
// innermost message (e.g. "truncated file: eof = ..."), empty when there is none.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, std::string detail = "")
      : std::runtime_error(detail.empty() ? what : what + ": " + detail),
        detail_(std::move(detail)) {}
  const std::string& detail() const { return detail_; }

 private:
  std::string detail_;
};

// Turns off HDF5's automatic error printing for the calling thread (Debian's library is
// thread-safe, so the setting is per thread). The File factories call it.
void silence_errors();

// Throws Error("<what>: <HDF5's innermost message>") and clears HDF5's error stack. Call it
// right after the failing HDF5 call, before any other HDF5 call replaces the stack.
[[noreturn]] void fail(const std::string& what);

using Dims = std::vector<hsize_t>;
// 1 for a scalar (empty dims); throws Error when the product overflows.
hsize_t element_count(const Dims& dims);
// Throws Error when `count` elements of `size` bytes would exceed the memory limit
// (memory_budget.hpp): a crafted file declaring 10^12 elements is refused, not allocated.
void check_allocation(hsize_t count, std::size_t size, const std::string& what);

// How a dataset is stored. Compressed: chunked, byte-shuffled and deflated (zlib level
// kDeflateLevel), for long per-replication arrays; empty and scalar datasets stay contiguous.
enum class Storage { Contiguous, Compressed };
inline constexpr int kDeflateLevel = 4;

// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and throws Error(what) if HDF5 reports a failure.
  void close(const std::string& what);
  // Closes, ignoring failures (destructors and error paths).
  void reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

namespace detail {
// Memory and on-disk (little-endian, fixed-width) HDF5 types of the supported numbers.
template <class T>
struct Type {};
#define PROGSURV_H5_TYPE(T, MEM, DISK)   \
  template <>                            \
  struct Type<T> {                       \
    static hid_t mem() { return MEM; }   \
    static hid_t file() { return DISK; } \
  }
PROGSURV_H5_TYPE(double, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE);
PROGSURV_H5_TYPE(float, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE);
PROGSURV_H5_TYPE(std::int8_t, H5T_NATIVE_INT8, H5T_STD_I8LE);
PROGSURV_H5_TYPE(std::uint8_t, H5T_NATIVE_UINT8, H5T_STD_U8LE);
PROGSURV_H5_TYPE(std::int16_t, H5T_NATIVE_INT16, H5T_STD_I16LE);
PROGSURV_H5_TYPE(std::int32_t, H5T_NATIVE_INT32, H5T_STD_I32LE);
PROGSURV_H5_TYPE(std::uint32_t, H5T_NATIVE_UINT32, H5T_STD_U32LE);
PROGSURV_H5_TYPE(std::int64_t, H5T_NATIVE_INT64, H5T_STD_I64LE);
PROGSURV_H5_TYPE(std::uint64_t, H5T_NATIVE_UINT64, H5T_STD_U64LE);
#undef PROGSURV_H5_TYPE

template <class T, class = void>
struct IsNumeric : std::false_type {};
template <class T>
struct IsNumeric<T, std::void_t<decltype(Type<T>::mem())>> : std::true_type {};
}  // namespace detail

// The element types datasets and numeric attributes can hold.
template <class T>
inline constexpr bool is_numeric_v = detail::IsNumeric<T>::value;

// Anything that carries attributes: the file's root group, a group or a dataset.
class Object {
 public:
  hid_t id() const { return handle_.get(); }
  const std::string& path() const { return path_; }  // HDF5 path, e.g. "/tally"
  const std::string& filename() const { return filename_; }

  bool has_attr(const std::string& name) const;
  Dims attr_dims(const std::string& name) const;  // empty for a scalar attribute
  bool attr_is_string(const std::string& name) const;

  // Writing an attribute that exists replaces it.
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  void write_attr(const std::string& name, T value) {
    write_attr_raw(name, detail::Type<T>::mem(), detail::Type<T>::file(), &value, {});
  }
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  void write_attr(const std::string& name, const std::vector<T>& values) {
    write_attr_raw(name, detail::Type<T>::mem(), detail::Type<T>::file(), values.data(),
                   {values.size()});
  }
  void write_attr(const std::string& name, const std::string& value);
  void write_attr(const std::string& name, const char* value) {
    write_attr(name, std::string(value));
  }
  void write_attr(const std::string& name, const std::vector<std::string>& values);

  // A numeric attribute with exactly one element (scalar or shape [1]).
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  T read_attr(const std::string& name) const {
    const std::vector<T> v = read_attr_vector<T>(name);
    if (v.size() != 1) throw_not_scalar("attribute", name, v.size());
    return v.front();
  }
  // All elements of a numeric attribute of any shape, in C order.
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  std::vector<T> read_attr_vector(const std::string& name) const {
    const hsize_t n = element_count(attr_dims(name));
    check_allocation(n, sizeof(T), describe_attr(name));
    std::vector<T> v(static_cast<std::size_t>(n));
    read_attr_raw(name, detail::Type<T>::mem(), v.data());
    return v;
  }
  std::string read_attr_string(const std::string& name) const;  // exactly one string
  std::vector<std::string> read_attr_strings(const std::string& name) const;

 protected:
  Object() = default;
  Object(Handle handle, std::string path, std::string filename)
      : handle_(std::move(handle)), path_(std::move(path)), filename_(std::move(filename)) {}
  std::string child_path(const std::string& name) const;
  // "<kind> '<path>' in <file>", for error messages.
  std::string describe(const char* kind, const std::string& name) const;
  std::string describe_attr(const std::string& name) const;
  [[noreturn]] void throw_not_scalar(const char* kind, const std::string& name,
                                     std::size_t count) const;

  Handle handle_;
  std::string path_ = "/";
  std::string filename_;

 private:
  void write_attr_raw(const std::string& name, hid_t mem_type, hid_t file_type, const void* data,
                      const Dims& dims);
  void read_attr_raw(const std::string& name, hid_t mem_type, void* data) const;
};

class Dataset : public Object {
 public:
  Dims dims() const;  // empty for a scalar dataset

  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  std::vector<T> read() const {
    const hsize_t n = element_count(dims());
    check_allocation(n, sizeof(T), "dataset '" + path() + "' in " + filename());
    std::vector<T> v(static_cast<std::size_t>(n));
    read_raw(detail::Type<T>::mem(), v.data());
    return v;
  }
  std::string read_string() const;  // exactly one string
  std::vector<std::string> read_strings() const;

 private:
  friend class Group;
  using Object::Object;
  void read_raw(hid_t mem_type, void* data) const;
};

class Group : public Object {
 public:
  // Whether a link exists at `name`, which may be a relative path ("a/b/c").
  bool has(const std::string& name) const;
  // Names of the direct children, in name order.
  std::vector<std::string> children() const;

  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  Dataset open_dataset(const std::string& name) const;

  // `dims` empty means 1-D of data.size(); otherwise its product must equal data.size()
  // (row-major, as h5py and numpy read it). Returns the dataset, to attach attributes.
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  Dataset write_dataset(const std::string& name, const std::vector<T>& data, Dims dims = {},
                        Storage storage = Storage::Contiguous) {
    if (dims.empty()) dims = {data.size()};
    return write_raw(name, detail::Type<T>::mem(), detail::Type<T>::file(), sizeof(T), data.data(),
                     data.size(), dims, false, storage);
  }
  // A rank-0 dataset (h5py: f[name][()]).
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  Dataset write_scalar(const std::string& name, T value) {
    return write_raw(name, detail::Type<T>::mem(), detail::Type<T>::file(), sizeof(T), &value, 1,
                     {}, true, Storage::Contiguous);
  }
  Dataset write_string(const std::string& name, const std::string& value);  // rank 0
  Dataset write_strings(const std::string& name, const std::vector<std::string>& values);

  // Reads a numeric dataset of any shape in C order; its shape goes to *dims when given.
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  std::vector<T> read_dataset(const std::string& name, Dims* dims = nullptr) const {
    const Dataset d = open_dataset(name);
    if (dims) *dims = d.dims();
    return d.read<T>();
  }
  // A numeric dataset with exactly one element.
  template <class T, class = std::enable_if_t<is_numeric_v<T>>>
  T read_scalar(const std::string& name) const {
    const std::vector<T> v = read_dataset<T>(name);
    if (v.size() != 1) throw_not_scalar("dataset", name, v.size());
    return v.front();
  }
  std::string read_string(const std::string& name) const {
    return open_dataset(name).read_string();
  }
  std::vector<std::string> read_strings(const std::string& name) const {
    return open_dataset(name).read_strings();
  }

 protected:
  using Object::Object;

 private:
  Dataset write_raw(const std::string& name, hid_t mem_type, hid_t file_type,
                    std::size_t element_size, const void* data, std::size_t count, const Dims& dims,
                    bool scalar, Storage storage);
};

// A file is its root group. Closing it (explicitly, or by the destructor) closes every
// object still open in it.
class File : public Group {
 public:
  static File create(const std::string& path);  // replaces an existing file
  // A file held in memory (HDF5's core driver, nothing on disk); `path` only names it in
  // messages. take_image() returns its bytes for replace_file().
  static File create_in_memory(const std::string& path);
  static File open_read(const std::string& path);
  static File open_write(const std::string& path);  // read-write, for edits and appends
  // Flushes and closes; throws Error if HDF5 cannot (e.g. the disk is full). A writer must
  // call it: the destructor closes too, but cannot report a failure.
  void close();
  // The complete bytes of a create_in_memory() file; closes it.
  std::string take_image();

 private:
  using Group::Group;
};

// Replaces `path` with the bytes of an in-memory file (replace_file()).
void write_image(const std::string& path, const std::string& bytes);

// Builds a file in memory with `fill` and then replaces `path` with it through
// replace_file() (progsurv/io/output_file.hpp): no temporary HDF5 file on disk, a disk-full
// error is a plain write error, and `path` is untouched on any failure.
template <class Fill>
void write_file_atomically(const std::string& path, Fill&& fill) {
  File f = File::create_in_memory(path);
  fill(f);
  write_image(path, f.take_image());
}

// The current UTC time as ISO 8601 ("2026-11-22T08:00:00Z"), for `created` attributes.
std::string utc_timestamp();

}  // namespace progsurv::h5
