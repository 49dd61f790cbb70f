// The HDF5 file of a run: exact round trip, refusal of foreign, newer and damaged files,
// and atomic replacement. Also the h5 layer underneath.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "progsurv/analysis/exact.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"
#include "scenario_builder.hpp"

namespace fs = std::filesystem;

namespace progsurv {
namespace {

// Bitwise equality, so NaNs compare equal to themselves and no rounding slips through.
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

::testing::AssertionResult SameDoubles(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << "sizes " << a.size() << " vs " << b.size();
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same_bits(a[i], b[i])) {
      return ::testing::AssertionFailure() << "at " << i << ": " << a[i] << " vs " << b[i];
    }
  }
  return ::testing::AssertionSuccess();
}

std::vector<double> flatten(const std::vector<Estimate>& es) {
  std::vector<double> v;
  for (const Estimate& e : es) v.insert(v.end(), {e.estimate, e.lower, e.upper});
  return v;
}
template <std::size_t N>
std::vector<double> flatten(const std::array<Estimate, N>& es) {
  return flatten(std::vector<Estimate>(es.begin(), es.end()));
}
std::vector<double> flatten(const Estimate& e) { return {e.estimate, e.lower, e.upper}; }
template <std::size_t N>
std::vector<double> as_vector(const std::array<double, N>& a) {
  return std::vector<double>(a.begin(), a.end());
}

void expect_same_tally(const Tally& a, const Tally& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_TRUE(SameDoubles(a.grid, b.grid));
  EXPECT_EQ(a.category_count, b.category_count);
  EXPECT_EQ(a.end_bins, b.end_bins);
  EXPECT_TRUE(same_bits(a.horizon, b.horizon));
  EXPECT_EQ(a.completion_hist, b.completion_hist);
  EXPECT_EQ(a.phase_count, b.phase_count);
  EXPECT_EQ(a.phases_by_category, b.phases_by_category);
  for (int q = 0; q < kQuantityCount; ++q) {
    EXPECT_TRUE(same_bits(a.moments[q].sum, b.moments[q].sum)) << to_string(Quantity(q));
    EXPECT_TRUE(same_bits(a.moments[q].sumsq, b.moments[q].sumsq)) << to_string(Quantity(q));
  }
  EXPECT_EQ(a.checkpoint_n, b.checkpoint_n);
  EXPECT_EQ(a.checkpoint_completed, b.checkpoint_completed);
}

void expect_same_summary(const Summary& a, const Summary& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.n_started, b.n_started);
  EXPECT_TRUE(SameDoubles(a.grid, b.grid));
  for (int k = 0; k < kEndCategoryCount; ++k) {
    EXPECT_EQ(a.curve_count[k], b.curve_count[k]) << k;
    EXPECT_TRUE(SameDoubles(flatten(a.curve[k]), flatten(b.curve[k]))) << k;
  }
  EXPECT_TRUE(SameDoubles(flatten(a.survival), flatten(b.survival)));
  EXPECT_TRUE(SameDoubles(flatten(a.outcome_share), flatten(b.outcome_share)));
  EXPECT_TRUE(SameDoubles(flatten(a.outcome_share_started), flatten(b.outcome_share_started)));
  EXPECT_TRUE(SameDoubles(flatten(a.cause_share), flatten(b.cause_share)));
  EXPECT_TRUE(SameDoubles(a.quantile_levels, b.quantile_levels));
  EXPECT_TRUE(SameDoubles(a.completion_quantile, b.completion_quantile));
  EXPECT_TRUE(SameDoubles(a.completion_quantile_given, b.completion_quantile_given));
  EXPECT_TRUE(SameDoubles(a.value_levels, b.value_levels));
  EXPECT_TRUE(SameDoubles(a.value_prob, b.value_prob));
  EXPECT_TRUE(SameDoubles(flatten(a.delivered_none), flatten(b.delivered_none)));
  EXPECT_TRUE(SameDoubles(flatten(a.delivered_partial), flatten(b.delivered_partial)));
  EXPECT_TRUE(SameDoubles(flatten(a.delivered_all), flatten(b.delivered_all)));
  EXPECT_TRUE(SameDoubles(flatten(a.value_mean), flatten(b.value_mean)));
  EXPECT_TRUE(same_bits(a.value_se, b.value_se));
  EXPECT_TRUE(SameDoubles(a.value_quantile, b.value_quantile));
  EXPECT_TRUE(SameDoubles(as_vector(a.mean), as_vector(b.mean)));
  EXPECT_TRUE(SameDoubles(as_vector(a.se), as_vector(b.se)));
  EXPECT_EQ(a.convergence_n, b.convergence_n);
  EXPECT_TRUE(SameDoubles(a.convergence_p, b.convergence_p));
  EXPECT_TRUE(SameDoubles(a.convergence_se, b.convergence_se));
  EXPECT_TRUE(SameDoubles(a.convergence_half_width, b.convergence_half_width));
}

void expect_same_records(const Records& a, const Records& b) {
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.cause, b.cause);
  EXPECT_TRUE(SameDoubles(a.end_time, b.end_time));
  EXPECT_TRUE(SameDoubles(a.value, b.value));
  EXPECT_TRUE(SameDoubles(a.customer_trust, b.customer_trust));
  EXPECT_EQ(a.phases_delivered, b.phases_delivered);
  EXPECT_EQ(a.sponsor_changes, b.sponsor_changes);
  EXPECT_EQ(a.handoffs, b.handoffs);
  EXPECT_EQ(a.breaks, b.breaks);
  EXPECT_EQ(a.escalations, b.escalations);
  EXPECT_EQ(a.initial_level, b.initial_level);
  for (int t = 0; t < kTimeBucketCount; ++t) {
    EXPECT_TRUE(SameDoubles(a.time[t], b.time[t])) << to_string(TimeBucket(t));
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `f`, expecting a FileFormatError whose message contains every one of `parts`.
template <class F>
void expect_format_error(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no FileFormatError";
  } catch (const FileFormatError& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << part << "' not in: " << e.what();
    }
  }
}

// Each test gets a fresh directory of its own.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("progsurv-test-" + std::to_string(::getpid()) + "-" +
                                        info->test_suite_name() + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
};

// The two runs are shared by the whole suite.
class ResultFile : public TempDirTest {
 protected:
  static void SetUpTestSuite() {
    const Scenario scenario = Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
    RunOptions options;
    options.replications = 2000;
    options.threads = 2;
    options.seed = 42;
    options.keep_replications = true;
    with_records_ = std::make_unique<RunResult>(run(scenario, options));
    options.seed = 7;
    options.keep_replications = false;
    without_records_ = std::make_unique<RunResult>(run(scenario, options));
  }
  static void TearDownTestSuite() {
    with_records_.reset();
    without_records_.reset();
  }

  // A good file at `name`, for the tests that then damage it.
  std::string good_file(const std::string& name = "good.h5") const {
    const std::string p = path(name);
    write_result(p, *with_records_);
    return p;
  }

  static const RunResult& with_records() { return *with_records_; }
  static const RunResult& without_records() { return *without_records_; }

 private:
  static std::unique_ptr<RunResult> with_records_, without_records_;
};

std::unique_ptr<RunResult> ResultFile::with_records_;
std::unique_ptr<RunResult> ResultFile::without_records_;

TEST_F(ResultFile, RoundTripIsExact) {
  const RunResult& original = with_records();
  ASSERT_TRUE(original.records.has_value());
  const std::string p = path("run.h5");
  write_result(p, original);
  EXPECT_EQ(listing(), std::set<std::string>{"run.h5"});  // no temp file left

  const RunResult back = read_result(p);
  expect_same_tally(original.tally, back.tally);
  EXPECT_EQ(back.scenario.to_yaml(), original.scenario.to_yaml());
  EXPECT_EQ(back.scenario.name, original.scenario.name);
  EXPECT_EQ(back.scenario.source, original.scenario.source);
  EXPECT_EQ(back.seed, original.seed);
  EXPECT_TRUE(same_bits(back.precision, original.precision));
  EXPECT_EQ(back.exact, original.exact);
  ASSERT_TRUE(back.records.has_value());
  EXPECT_EQ(back.records->size(), static_cast<std::size_t>(original.tally.n));
  expect_same_records(*original.records, *back.records);
  // The summary is re-derived from the raw counts and matches what the run reported.
  expect_same_summary(original.summary, back.summary);
  expect_same_summary(summarize(original.tally, original.scenario), back.summary);
}

TEST_F(ResultFile, RoundTripWithoutRecords) {
  const std::string p = path("run.h5");
  write_result(p, without_records());
  const RunResult back = read_result(p);
  EXPECT_FALSE(back.records.has_value());
  EXPECT_EQ(back.seed, 7u);
  expect_same_tally(without_records().tally, back.tally);
  h5::File f = h5::File::open_read(p);
  EXPECT_FALSE(f.has("replications"));
}

TEST_F(ResultFile, ExactResultKeepsItsStoredSummary) {
  // The exact solver has no replications to count: its tally is empty and its summary,
  // stored in the derived groups, is what the reader must return.
  RunResult r = without_records();
  r.exact = true;
  r.tally = Tally(r.scenario);
  const std::string p = path("exact.h5");
  write_result(p, r);
  EXPECT_EQ(h5::File::open_read(p).read_attr_string("method"), "exact");
  const RunResult back = read_result(p);
  EXPECT_TRUE(back.exact);
  expect_same_tally(r.tally, back.tally);
  expect_same_summary(r.summary, back.summary);

  write_result(p, without_records());
  EXPECT_EQ(h5::File::open_read(p).read_attr_string("method"), "monte_carlo");
  EXPECT_FALSE(read_result(p).exact);
}

TEST_F(ResultFile, ExactSolverResultRoundTrips) {
  Scenario s = progsurv::testing::simple_scenario();
  s.phases[0].steps[0].work = Distribution::exponential(4.0);
  s.levels[0].tenure = Distribution::exponential(12.0);
  s.succession.adoption = 0.0;
  s.finalize();
  const RunResult r = solve_exact(s);
  const std::string p = path("exact.h5");
  write_result(p, r);
  const RunResult back = read_result(p);
  EXPECT_TRUE(back.exact);
  EXPECT_EQ(back.scenario.to_yaml(), r.scenario.to_yaml());
  expect_same_tally(r.tally, back.tally);
  expect_same_summary(r.summary, back.summary);
}

TEST_F(ResultFile, DerivedGroupsHoldTheWholeSummary) {
  // Read as "exact", a Monte Carlo file yields the summary from its derived groups alone:
  // it must be the run's summary, bit for bit.
  const std::string p = good_file();
  h5::File::open_write(p).write_attr("method", "exact");
  expect_same_summary(with_records().summary, read_result(p).summary);
}

TEST_F(ResultFile, UnknownMethodIsRefused) {
  const std::string p = good_file();
  h5::File::open_write(p).write_attr("method", "guesswork");
  expect_format_error([&] { read_result(p); }, {"unknown method 'guesswork'"});
}

TEST_F(ResultFile, LayoutAndAttributes) {
  const std::string p = good_file();
  const RunResult& r = with_records();
  h5::File f = h5::File::open_read(p);
  EXPECT_EQ(f.read_attr_string("filetype"), kRunFiletype);
  EXPECT_EQ(f.read_attr_vector<std::int32_t>("format_version"),
            (std::vector<std::int32_t>{kRunFormatVersionMajor, kRunFormatVersionMinor}));
  EXPECT_EQ(f.read_attr_string("progsurv_version"), version_string());
  EXPECT_EQ(f.read_attr_string("build_info"), build_string());
  const std::string created = f.read_attr_string("created");
  EXPECT_EQ(created.size(), 20u) << created;  // 2024-01-02T03:04:05Z
  EXPECT_EQ(created.back(), 'Z');

  const h5::Group run = f.open_group("run");
  EXPECT_EQ(run.read_attr<std::uint64_t>("seed"), 42u);
  EXPECT_EQ(run.read_attr<std::int64_t>("replications"), r.tally.n);
  EXPECT_EQ(run.read_attr<std::int64_t>("chunk_size"), kChunkSize);
  EXPECT_EQ(run.read_attr<std::int64_t>("batch_size"), kBatchSize);

  const h5::Group tally = f.open_group("tally");
  h5::Dims dims;
  tally.read_dataset<std::int64_t>("end_bins", &dims);
  EXPECT_EQ(dims, (h5::Dims{kEndCategoryCount, r.tally.grid_size() + 1}));
  const auto names = tally.read_attr_strings("category_names");
  ASSERT_EQ(names.size(), static_cast<std::size_t>(kEndCategoryCount));
  EXPECT_EQ(names[0], "completed");
  EXPECT_EQ(tally.read_attr_strings("quantity_names").size(),
            static_cast<std::size_t>(kQuantityCount));

  // Derived groups agree with the summary they came from.
  const h5::Group completed = f.open_group("curves/completed");
  std::vector<double> p_completed;
  for (const Estimate& e : r.summary.curve[0]) p_completed.push_back(e.estimate);
  EXPECT_TRUE(SameDoubles(completed.read_dataset<double>("probability"), p_completed));
  EXPECT_EQ(completed.read_dataset<std::int64_t>("count"), r.summary.curve_count[0]);
  EXPECT_EQ(f.open_group("curves").read_attr_string("interval_method"), kIntervalMethod);
  EXPECT_EQ(f.open_group("curves").read_attr<double>("confidence"), kConfidence);
  for (const char* g : {"curves/survival", "outcomes", "causes", "completion_time", "value",
                        "time_decomposition", "counts", "means", "convergence"}) {
    EXPECT_TRUE(f.has(g)) << g;
  }
  const auto outcome_count = f.open_group("outcomes").read_dataset<std::int64_t>("count");
  ASSERT_EQ(outcome_count.size(), 4u);
  EXPECT_EQ(outcome_count[0] + outcome_count[1] + outcome_count[2] + outcome_count[3], r.tally.n);
  EXPECT_EQ(f.open_group("completion_time").read_dataset<std::int64_t>("histogram_counts"),
            r.tally.completion_hist);

  // Per-replication columns are chunked and compressed (shuffle, then deflate).
  const h5::Dataset outcome = f.open_group("replications").open_dataset("outcome");
  const hid_t plist = H5Dget_create_plist(outcome.id());
  ASSERT_GE(plist, 0);
  EXPECT_EQ(H5Pget_layout(plist), H5D_CHUNKED);
  ASSERT_EQ(H5Pget_nfilters(plist), 2);
  unsigned flags = 0;
  std::size_t nelmts = 1;
  unsigned level = 0;
  EXPECT_EQ(H5Pget_filter2(plist, 0, &flags, &nelmts, &level, 0, nullptr, nullptr),
            H5Z_FILTER_SHUFFLE);
  nelmts = 1;
  EXPECT_EQ(H5Pget_filter2(plist, 1, &flags, &nelmts, &level, 0, nullptr, nullptr),
            H5Z_FILTER_DEFLATE);
  EXPECT_EQ(level, 4u);
  H5Pclose(plist);
}

// h5py returns str only for variable-length strings, so every string must be one.
TEST_F(ResultFile, StringsAreVariableLengthUtf8) {
  const std::string p = good_file();
  const hid_t file = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  auto check_attr = [&](const char* object, const char* name) {
    const hid_t attr = H5Aopen_by_name(file, object, name, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(attr, 0) << object << "@" << name;
    const hid_t type = H5Aget_type(attr);
    EXPECT_EQ(H5Tget_class(type), H5T_STRING) << name;
    EXPECT_GT(H5Tis_variable_str(type), 0) << name;
    EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8) << name;
    H5Tclose(type);
    H5Aclose(attr);
  };
  for (const char* a : {"filetype", "progsurv_version", "build_info", "created", "method"}) {
    check_attr("/", a);
  }
  check_attr("/scenario", "name");
  check_attr("/run", "rng");
  check_attr("/tally", "category_names");
  check_attr("/replications", "cause_names");
  const hid_t yaml = H5Dopen2(file, "/scenario/yaml", H5P_DEFAULT);
  ASSERT_GE(yaml, 0);
  const hid_t type = H5Dget_type(yaml);
  EXPECT_GT(H5Tis_variable_str(type), 0);
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
  H5Tclose(type);
  H5Dclose(yaml);
  H5Fclose(file);
}

TEST_F(ResultFile, ForeignFileWithoutFiletype) {
  const std::string p = path("foreign.h5");
  {
    h5::File f = h5::File::create(p);
    f.create_group("data").write_dataset("x", std::vector<double>{1, 2, 3});
    f.close();
  }
  expect_format_error([&] { read_result(p); }, {p, "no 'filetype' attribute"});
}

TEST_F(ResultFile, ForeignFiletype) {
  const std::string p = path("foreign.h5");
  {
    h5::File f = h5::File::create(p);
    f.write_attr("filetype", "something-else");
    f.close();
  }
  expect_format_error([&] { read_result(p); }, {p, "'something-else'", "progsurv-run"});
}

TEST_F(ResultFile, ForeignFixedLengthFiletype) {
  // Other tools often write fixed-length strings; the message still shows the value.
  const std::string p = path("foreign.h5");
  const hid_t file = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, 14);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, "filetype", type, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(H5Awrite(attr, type, "something-else"), 0);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
  expect_format_error([&] { read_result(p); }, {"'something-else'"});
}

TEST_F(ResultFile, NumericFiletype) {
  const std::string p = path("foreign.h5");
  {
    h5::File f = h5::File::create(p);
    f.write_attr("filetype", std::int32_t{3});
    f.close();
  }
  expect_format_error([&] { read_result(p); }, {"'filetype' attribute is not a string"});
}

TEST_F(ResultFile, SweepFileIsNotARunFile) {
  const std::string p = good_file();
  h5::File::open_write(p).write_attr("filetype", kSweepFiletype);
  expect_format_error([&] { read_result(p); }, {"progsurv-sweep"});
}

TEST_F(ResultFile, NewerMajorVersionIsRefused) {
  const std::string p = good_file();
  {
    h5::File f = h5::File::open_write(p);
    f.write_attr("format_version", std::vector<std::int32_t>{kRunFormatVersionMajor + 1, 3});
    f.close();
  }
  const std::string found = std::to_string(kRunFormatVersionMajor + 1) + ".3";
  expect_format_error([&] { read_result(p); },
                      {p, "written by a newer progsurv (format " + found +
                              ", this reader understands " + std::to_string(kRunFormatOldestMajor) +
                              ".x to " + std::to_string(kRunFormatVersionMajor) + ".x)"});
}

TEST_F(ResultFile, OlderMajorVersionIsRefused) {
  const std::string p = good_file();
  h5::File::open_write(p).write_attr("format_version",
                                     std::vector<std::int32_t>{kRunFormatOldestMajor - 1, 9});
  expect_format_error([&] { read_result(p); }, {"older progsurv"});
}

TEST_F(ResultFile, NewerMinorVersionIsRead) {
  // Minor versions only add groups and attributes, which this reader ignores.
  const std::string p = good_file();
  {
    h5::File f = h5::File::open_write(p);
    f.write_attr("format_version", std::vector<std::int32_t>{kRunFormatVersionMajor, 99});
    f.create_group("added_in_a_later_minor").write_attr("x", 1.0);
    f.close();
  }
  EXPECT_EQ(read_result(p).tally.n, with_records().tally.n);
}

TEST_F(ResultFile, MissingFormatVersionIsRefused) {
  const std::string p = path("foreign.h5");
  {
    h5::File f = h5::File::create(p);
    f.write_attr("filetype", kRunFiletype);
    f.close();
  }
  expect_format_error([&] { read_result(p); }, {"format_version"});
}

TEST_F(ResultFile, TruncatedFileIsRefused) {
  const std::string good = good_file();
  const std::string p = path("truncated.h5");
  fs::copy_file(good, p);
  fs::resize_file(p, fs::file_size(p) / 2);
  expect_format_error([&] { read_result(p); }, {"not an HDF5 file or truncated: " + p});
}

TEST_F(ResultFile, NonHdf5FileIsRefused) {
  const std::string p = path("notes.h5");
  std::ofstream(p) << "name: baseline\nhorizon: 60\n";
  expect_format_error([&] { read_result(p); }, {"not an HDF5 file or truncated: " + p});
  const std::string empty = path("empty.h5");
  std::ofstream{empty};
  expect_format_error([&] { read_result(empty); }, {"not an HDF5 file or truncated"});
}

TEST_F(ResultFile, MissingFileIsRefused) {
  const std::string p = path("absent.h5");
  expect_format_error([&] { read_result(p); }, {p, "No such file"});
}

TEST_F(ResultFile, MissingDatasetIsNamed) {
  const std::string p = good_file();
  {
    h5::File f = h5::File::open_write(p);
    ASSERT_GE(H5Ldelete(f.id(), "/tally/end_bins", H5P_DEFAULT), 0);
    f.close();
  }
  expect_format_error([&] { read_result(p); }, {p, "/tally/end_bins"});
}

TEST_F(ResultFile, WrongShapeIsNamed) {
  const std::string p = good_file();
  {
    h5::File f = h5::File::open_write(p);
    ASSERT_GE(H5Ldelete(f.id(), "/tally/category_count", H5P_DEFAULT), 0);
    f.open_group("tally").write_dataset("category_count", std::vector<std::int64_t>(7, 1));
    f.close();
  }
  expect_format_error([&] { read_result(p); }, {"/tally/category_count", "shape [7]"});
}

TEST_F(ResultFile, OverwriteReplacesExistingFile) {
  const std::string p = path("run.h5");
  write_result(p, with_records());
  write_result(p, without_records());
  EXPECT_EQ(listing(), std::set<std::string>{"run.h5"});
  const RunResult back = read_result(p);
  EXPECT_EQ(back.seed, 7u);
  EXPECT_FALSE(back.records.has_value());
}

TEST_F(ResultFile, WriteIntoMissingDirectoryFails) {
  const std::string p = path("no-such-dir/run.h5");
  EXPECT_ANY_THROW(write_result(p, without_records()));
  EXPECT_TRUE(listing().empty());
}

TEST_F(ResultFile, WriteOverDirectoryFailsAndCleansUp) {
  // The temp file is complete before the rename fails: it must still be removed.
  const std::string p = path("out.h5");
  fs::create_directory(p);
  fs::create_directory(p + "/inside");
  EXPECT_ANY_THROW(write_result(p, without_records()));
  EXPECT_EQ(listing(), std::set<std::string>{"out.h5"});
  EXPECT_TRUE(fs::is_directory(p + "/inside"));
}

TEST_F(ResultFile, FailedWriteLeavesExistingFileUntouched) {
  const std::string p = good_file("run.h5");
  const std::string before = slurp(p);
  RunResult broken = without_records();
  broken.records = with_records().records;
  broken.records->value.pop_back();  // columns of unequal length
  EXPECT_THROW(write_result(p, broken), std::invalid_argument);
  broken = without_records();
  broken.tally.end_bins.pop_back();
  EXPECT_THROW(write_result(p, broken), std::invalid_argument);
  EXPECT_EQ(slurp(p), before);
  EXPECT_EQ(listing(), std::set<std::string>{"run.h5"});
  EXPECT_EQ(read_result(p).seed, 42u);
}

// --- the h5 layer ---------------------------------------------------------------------

using ResultFileH5 = TempDirTest;

TEST_F(ResultFileH5, NumbersRoundTripWithShapes) {
  const std::string p = path("numbers.h5");
  {
    h5::File f = h5::File::create(p);
    h5::Group g = f.create_group("g");
    g.write_dataset("d", std::vector<double>{1.5, -0.0, NAN, 1e300});
    g.write_dataset("i64", std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
    g.write_dataset("i32", std::vector<std::int32_t>{-7, 8});
    g.write_dataset("i8", std::vector<std::int8_t>{-1, 0, 127}, {}, h5::Storage::Compressed);
    g.write_dataset("empty", std::vector<double>{}, {}, h5::Storage::Compressed);
    g.write_scalar("u64", std::uint64_t{18446744073709551615u});
    g.write_attr("vec", std::vector<double>{0.25, 0.5});
    g.write_attr("one", std::int64_t{9});
    g.write_attr("one", std::int64_t{10});  // replaces
    h5::Dataset d =
        g.write_dataset("big", std::vector<double>(100000, 2.0), {}, h5::Storage::Compressed);
    d.write_attr("unit", "months");
    EXPECT_THROW(g.write_dataset("bad", std::vector<double>{1, 2, 3}, {2, 2}), h5::Error);
    f.close();
  }
  h5::File f = h5::File::open_read(p);
  h5::Group g = f.open_group("g");
  EXPECT_TRUE(SameDoubles(g.read_dataset<double>("d"), {1.5, -0.0, NAN, 1e300}));
  h5::Dims dims;
  EXPECT_EQ(g.read_dataset<std::int64_t>("i64", &dims),
            (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(dims, (h5::Dims{2, 3}));
  EXPECT_EQ(g.read_dataset<std::int32_t>("i32"), (std::vector<std::int32_t>{-7, 8}));
  EXPECT_EQ(g.read_dataset<std::int8_t>("i8"), (std::vector<std::int8_t>{-1, 0, 127}));
  EXPECT_TRUE(g.read_dataset<double>("empty", &dims).empty());
  EXPECT_EQ(dims, (h5::Dims{0}));
  EXPECT_EQ(g.read_scalar<std::uint64_t>("u64"), 18446744073709551615u);
  EXPECT_TRUE(g.open_dataset("u64").dims().empty());
  EXPECT_EQ(g.read_attr_vector<double>("vec"), (std::vector<double>{0.25, 0.5}));
  EXPECT_EQ(g.read_attr<std::int64_t>("one"), 10);
  EXPECT_EQ(g.read_dataset<double>("big"), std::vector<double>(100000, 2.0));
  EXPECT_EQ(g.open_dataset("big").read_attr_string("unit"), "months");
  EXPECT_FALSE(g.has("bad"));
  EXPECT_THROW(g.read_attr<double>("vec"), h5::Error);  // two elements, not one
}

TEST_F(ResultFileH5, StringsAndNavigation) {
  const std::string p = path("strings.h5");
  const std::string text = "name: Zürich ✓\nlines: [a, b]\n";
  {
    h5::File f = h5::File::create(p);
    f.write_attr("s", text);
    f.write_attr("empty", "");
    f.write_attr("list", std::vector<std::string>{"a", "", "ü"});
    h5::Group a = f.create_group("a");
    h5::Group b = a.create_group("b");
    b.write_string("text", text);
    b.write_strings("names", {"x", "y"});
    f.close();
  }
  h5::File f = h5::File::open_read(p);
  EXPECT_EQ(f.read_attr_string("s"), text);
  EXPECT_EQ(f.read_attr_string("empty"), "");
  EXPECT_EQ(f.read_attr_strings("list"), (std::vector<std::string>{"a", "", "ü"}));
  EXPECT_TRUE(f.attr_is_string("s"));
  EXPECT_TRUE(f.has("a"));
  EXPECT_TRUE(f.has("a/b/text"));
  EXPECT_TRUE(f.has("/a/b"));
  EXPECT_FALSE(f.has("a/c/text"));
  EXPECT_FALSE(f.has("a/b/text/deeper"));
  EXPECT_FALSE(f.has_attr("missing"));
  EXPECT_EQ(f.open_group("a").children(), std::vector<std::string>{"b"});
  h5::Group b = f.open_group("a/b");
  EXPECT_EQ(b.path(), "/a/b");
  EXPECT_EQ(b.read_string("text"), text);
  EXPECT_EQ(b.read_strings("names"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(b.children(), (std::vector<std::string>{"names", "text"}));
  EXPECT_THROW(b.read_dataset<double>("text"), h5::Error);  // strings are not numbers
  EXPECT_THROW(b.read_string("names"), h5::Error);          // two strings, not one
}

TEST_F(ResultFileH5, FailuresNameTheObject) {
  const std::string p = path("x.h5");
  {
    h5::File f = h5::File::create(p);
    f.create_group("g");
    EXPECT_THROW(f.create_group("g"), h5::Error);  // exists
    f.close();
  }
  h5::File f = h5::File::open_read(p);
  try {
    f.open_group("g").read_dataset<double>("nope");
    ADD_FAILURE() << "no error";
  } catch (const h5::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'/g/nope' in " + p), std::string::npos) << e.what();
  }
  try {
    h5::File::open_read(path("absent.h5"));
    ADD_FAILURE() << "no error";
  } catch (const h5::Error& e) {
    EXPECT_NE(e.detail().find("No such file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(f.create_group("new"), h5::Error);  // read-only
}

}  // namespace
// A version-1 file (written before scoping, attention and recruitment existed, committed
// as tests/data/v1-baseline.h5) still reads: its new buckets and counts read as zero.
TEST(ResultFileVersions, Version1FileStillReads) {
  const RunResult r = read_result(PROGSURV_SOURCE_DIR "/tests/data/v1-baseline.h5");
  EXPECT_EQ(r.tally.n, 5000);
  EXPECT_GT(r.tally.count(EndCategory::Completed), 0);
  EXPECT_EQ(r.tally.moments[static_cast<int>(Quantity::Scoping)].sum, 0.0);
  EXPECT_EQ(r.tally.moments[static_cast<int>(Quantity::Disengagements)].sum, 0.0);
  EXPECT_GT(r.tally.moments[static_cast<int>(Quantity::Working)].sum, 0.0);
  EXPECT_NEAR(r.summary.outcome_share_started[static_cast<int>(Outcome::Completed)].estimate, 0.166,
              0.03);
  // Its buckets still sum to the mean end time.
  double buckets = 0.0;
  for (int b = 0; b < kTimeBucketCount; ++b)
    buckets += r.summary.mean[static_cast<std::size_t>(quantity_of(static_cast<TimeBucket>(b)))];
  EXPECT_NEAR(buckets, r.summary.mean[static_cast<std::size_t>(Quantity::EndTime)], 1e-9);
}

}  // namespace progsurv
