// The skeleton of every HDF5 result file (sim/io/result_h5.hpp): the common root attributes
// in their order, the temporary-file-and-rename path, and one refusal of a foreign, newer,
// older or damaged file, the same for the five readers that use it.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/io/portfolio_file.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"

namespace fs = std::filesystem;

namespace progsurv {
namespace {

constexpr h5::ResultFormat kTest{"progsurv-test", "test", 3, 2, 2};
constexpr h5::ResultFormat kTestBuildInfo{"progsurv-test", "test", 1, 0, 1, "build_info"};

class ResultH5 : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("progsurv-test-" + std::to_string(::getpid()) + "-ResultH5-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    return names;
  }
  // A file of `format` whose version attribute is then set to [major, minor].
  std::string file_with_version(const h5::ResultFormat& format, int major, int minor) {
    const std::string p = path("v.h5");
    h5::write_result_file(p, format, [](h5::File& f) { f.write_attr("x", 1.0); });
    h5::File f = h5::File::open_write(p);
    f.write_attr("format_version", std::vector<std::int32_t>{major, minor});
    f.close();
    return p;
  }
  fs::path dir_;
};

// The root attributes in the order they are stored (compact storage keeps creation order).
std::vector<std::string> root_attributes(const std::string& p) {
  const hid_t file = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  std::vector<std::string> names;
  H5Aiterate2(
      file, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->push_back(name);
        return 0;
      },
      &names);
  H5Fclose(file);
  return names;
}

// Runs `f`, expecting a FileFormatError whose message contains every one of `parts`.
void expect_refusal(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no FileFormatError";
  } catch (const FileFormatError& e) {
    for (const std::string& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << part << "' not in: " << e.what();
  }
}

TEST_F(ResultH5, WritesTheCommonRootAttributesFirstThenTheBody) {
  const std::string p = path("a.h5");
  h5::write_result_file(p, kTest, [](h5::File& f) {
    f.write_attr("seed", std::uint64_t{7});
    f.create_group("g").write_dataset("x", std::vector<double>{1, 2});
  });
  EXPECT_EQ(root_attributes(p),
            (std::vector<std::string>{"filetype", "format_version", "progsurv_version", "build",
                                      "created", "seed"}));
  const h5::File f = h5::File::open_read(p);
  EXPECT_EQ(f.read_attr_string("filetype"), "progsurv-test");
  EXPECT_EQ(f.read_attr_vector<std::int32_t>("format_version"), (std::vector<std::int32_t>{3, 2}));
  EXPECT_EQ(f.read_attr_string("progsurv_version"), version_string());
  EXPECT_EQ(f.read_attr_string("build"), build_string());
  EXPECT_EQ(f.read_dataset<double>("g/x"), (std::vector<double>{1, 2}));
  // The temporary file was renamed into place.
  EXPECT_EQ(listing(), std::vector<std::string>{"a.h5"});

  const std::string q = path("b.h5");
  h5::write_result_file(q, kTestBuildInfo, [](h5::File&) {});
  EXPECT_EQ(root_attributes(q)[3], "build_info");
}

TEST_F(ResultH5, AFailingBodyLeavesTheOldFileAndNoTemporary) {
  const std::string p = path("a.h5");
  h5::write_result_file(p, kTest, [](h5::File& f) { f.write_attr("seed", std::uint64_t{1}); });
  EXPECT_THROW(
      h5::write_result_file(p, kTest, [](h5::File&) { throw std::runtime_error("body failed"); }),
      std::runtime_error);
  EXPECT_EQ(listing(), std::vector<std::string>{"a.h5"});
  EXPECT_EQ(h5::File::open_read(p).read_attr<std::uint64_t>("seed"), 1u);
}

TEST_F(ResultH5, ReadsBackWithTheVersionFound) {
  const std::string p = file_with_version(kTest, 2, 7);  // the oldest major, any minor
  const double x = h5::read_result_file(p, kTest, [](const h5::File& f, h5::FormatVersion v) {
    EXPECT_EQ(v.major, 2);
    EXPECT_EQ(v.minor, 7);
    EXPECT_TRUE(v.before(3, 0));
    EXPECT_FALSE(v.before(2, 7));
    return f.read_attr<double>("x");
  });
  EXPECT_EQ(x, 1.0);
}

TEST_F(ResultH5, RefusesNewerAndOlderMajorsNamingFileFoundAndExpected) {
  std::string p = file_with_version(kTest, 4, 1);
  expect_refusal(
      [&] { h5::open_result_file(p, kTest); },
      {p, "written by a newer progsurv (format 4.1, this reader understands 2.x to 3.x)"});
  p = file_with_version(kTest, 1, 0);
  expect_refusal(
      [&] { h5::open_result_file(p, kTest); },
      {p, "written by an older progsurv (format 1.0, this reader understands 2.x to 3.x)"});
  p = file_with_version(kTestBuildInfo, 2, 0);
  expect_refusal([&] { h5::open_result_file(p, kTestBuildInfo); },
                 {p, "newer progsurv (format 2.0, this reader understands 1.x)"});
}

TEST_F(ResultH5, RefusesMissingUnreadableAndNonHdf5Files) {
  const std::string missing = path("absent.h5");
  expect_refusal([&] { h5::open_result_file(missing, kTest); },
                 {missing + ": cannot read file: No such file or directory"});
  const std::string text = path("notes.h5");
  { std::ofstream(text) << "not hdf5\n"; }
  expect_refusal([&] { h5::open_result_file(text, kTest); },
                 {"not an HDF5 file or truncated: " + text});
  const std::string no_version = path("no-version.h5");
  {
    h5::File f = h5::File::create(no_version);
    f.write_attr("filetype", "progsurv-test");
    f.close();
  }
  expect_refusal([&] { h5::open_result_file(no_version, kTest); },
                 {no_version, "no integer 'format_version' attribute"});
}

TEST_F(ResultH5, AnHdf5ErrorInTheReaderIsADamagedFile) {
  const std::string p = file_with_version(kTest, 3, 2);
  expect_refusal(
      [&] {
        h5::read_result_file(p, kTest, [](const h5::File& f, h5::FormatVersion) {
          return f.read_dataset<double>("missing");
        });
      },
      {"damaged progsurv test file", p, "missing"});
}

// Every reader built on the skeleton refuses a file of another filetype the same way: the
// file, the filetype found and the one it expected.
TEST_F(ResultH5, EveryReaderRefusesAnotherFiletypeTheSameWay) {
  const std::string p = path("other.h5");
  h5::write_result_file(p, kTest, [](h5::File&) {});
  const std::string found = "its filetype is 'progsurv-test'";
  expect_refusal([&] { read_result(p); },
                 {p, "not a progsurv run file", found, "(expected 'progsurv-run')"});
  expect_refusal([&] { read_portfolio_result(p); },
                 {p, "not a progsurv portfolio file", found, "(expected 'progsurv-portfolio')"});
  expect_refusal([&] { read_sweep(p); },
                 {p, "not a progsurv sweep file", found, "(expected 'progsurv-sweep')"});
  expect_refusal([&] { read_attribution(p); }, {p, "not a progsurv attribution file", found,
                                                "(expected 'progsurv-attribution')"});
  expect_refusal([&] { read_portfolio_attribution(p); },
                 {p, "not a progsurv portfolio attribution file", found,
                  "(expected 'progsurv-portfolio-attribution')"});
}

// And a newer major version of its own filetype.
TEST_F(ResultH5, EveryReaderRefusesANewerMajorTheSameWay) {
  const struct {
    const char* filetype;
    int major;
    std::function<void(const std::string&)> read;
  } readers[] = {
      {kRunFiletype, kRunFormatVersionMajor, [](const std::string& p) { read_result(p); }},
      {kPortfolioFiletype, kPortfolioFormatVersionMajor,
       [](const std::string& p) { read_portfolio_result(p); }},
      {kSweepFiletype, kSweepFormatVersionMajor, [](const std::string& p) { read_sweep(p); }},
      {kAttributionFiletype, kFormatVersionMajor,
       [](const std::string& p) { read_attribution(p); }},
      {kPortfolioAttributionFiletype, kPortfolioAttributionFormatVersionMajor,
       [](const std::string& p) { read_portfolio_attribution(p); }},
  };
  for (const auto& r : readers) {
    const h5::ResultFormat newer{r.filetype, "any", r.major + 1, 0, r.major + 1};
    const std::string p = path("newer.h5");
    h5::write_result_file(p, newer, [](h5::File&) {});
    expect_refusal([&] { r.read(p); },
                   {p, "written by a newer progsurv (format " + std::to_string(r.major + 1) +
                           ".0, this reader understands"});
  }
}

}  // namespace
}  // namespace progsurv
