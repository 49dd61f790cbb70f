#include "scenario/distribution_yaml.hpp"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <sstream>
#include <system_error>

namespace progsurv::yaml_detail {

namespace {

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

enum class NumberText { Number, OutOfRange, NotANumber };

// Whether the whole text is one number (from_chars is locale-independent, unlike strtod).
NumberText parse_double(const std::string& text, double& value) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // YAML allows an explicit '+'; from_chars does not.
  if (first != last && *first == '+') ++first;
  if (first == last) return NumberText::NotANumber;
  const auto result = std::from_chars(first, last, value);
  if (result.ptr != last) return NumberText::NotANumber;
  if (result.ec == std::errc::result_out_of_range) return NumberText::OutOfRange;
  return result.ec == std::errc() ? NumberText::Number : NumberText::NotANumber;
}

// YAML 1.2 spells the special floats .inf/.nan; they are numbers, just not finite ones.
bool is_yaml_special_float(const std::string& text) {
  const std::string t = lowercase(text);
  return t == ".inf" || t == "+.inf" || t == "-.inf" || t == ".nan";
}

}  // namespace

std::string join_path(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "." + child;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

int edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  // Three rows suffice for the transposition look-back.
  std::vector<int> before(m + 1), previous(m + 1), current(m + 1);
  for (std::size_t j = 0; j <= m; ++j) previous[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    current[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[m];
}

std::string suggest(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string lower = lowercase(word);
  // Short words tolerate fewer edits, or every two-letter key would "match".
  const int limit = lower.size() <= 3 ? 1 : lower.size() <= 6 ? 2 : 3;
  const std::string* best = nullptr;
  int best_distance = limit + 1;
  // The distance costs length x length: only words of a name's size are compared, and
  // words whose lengths differ by more than the limit cannot be near misses.
  const std::size_t max_compared = 256;
  for (const auto& candidate : candidates) {
    if (lower.size() > max_compared || candidate.size() > max_compared) continue;
    const std::size_t gap = lower.size() > candidate.size() ? lower.size() - candidate.size()
                                                            : candidate.size() - lower.size();
    if (gap > static_cast<std::size_t>(limit)) continue;
    const int d = edit_distance(lower, lowercase(candidate));
    if (d < best_distance && d < static_cast<int>(candidate.size())) {
      best = &candidate;
      best_distance = d;
    }
  }
  if (best) return "did you mean '" + *best + "'?";
  // A list of thousands of silos helps nobody: name the first few.
  constexpr std::size_t kListed = 20;
  if (candidates.size() > kListed) {
    std::vector<std::string> first(candidates.begin(),
                                   candidates.begin() + static_cast<std::ptrdiff_t>(kListed));
    return "expected one of: " + join(first, ", ") + ", ... (" + std::to_string(candidates.size()) +
           " in all)";
  }
  return "expected one of: " + join(candidates, ", ");
}

bool parse_finite(const std::string& text, double& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) return false;
  out = v;
  return true;
}

std::string format_double(double value) {
  char buffer[64];
  // Without a precision, to_chars writes the shortest text that reads back exactly.
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void throw_at_mark(const std::string& source, const YAML::Exception& e, const std::string& prefix) {
  const bool located = !e.mark.is_null();
  throw ScenarioError(source, located ? e.mark.line + 1 : 0, located ? e.mark.column + 1 : 0, "",
                      prefix + e.msg);
}

namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not one (overlong forms,
// surrogates and code points beyond U+10FFFF included).
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned min = 0, cp = 0;
  if ((c & 0xE0) == 0xC0)
    n = 2, min = 0x80, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    n = 3, min = 0x800, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

[[noreturn]] void fail_at_byte(const std::string& source, const std::string& text,
                               std::size_t offset, const std::string& message) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  throw ScenarioError(source, line, column, "", message);
}

}  // namespace

void check_yaml_text(const std::string& text, const std::string& source) {
  if (text.size() > kMaxYamlBytes)
    throw ScenarioError(source, 0, 0, "",
                        "the text is " + std::to_string(text.size()) + " bytes; at most " +
                            std::to_string(kMaxYamlBytes >> 20) + " MiB are accepted");
  // An HDF5 file given where a YAML file belongs would otherwise be "invalid UTF-8" at 1:1.
  if (text.compare(0, 8, "\x89HDF\r\n\x1a\n") == 0)
    throw ScenarioError(source, 0, 0, "",
                        "an HDF5 file (a progsurv result file?), not YAML; give the YAML file "
                        "of the scenario or portfolio (summary, report and export read result "
                        "files)");
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\0')
      fail_at_byte(source, text, i, "a NUL byte; YAML text may not contain one (a binary file?)");
    const std::size_t n = utf8_length(text, i);
    if (n == 0) fail_at_byte(source, text, i, "invalid UTF-8; save the file as UTF-8");
    i += n;
  }
}

namespace {

// Parses events without building anything; remembers where the last document started.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  YAML::Mark start = YAML::Mark::null_mark();
};

}  // namespace

YAML::Node load_yaml(const std::string& text, const std::string& source, bool one_document) {
  check_yaml_text(text, source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
    if (one_document) return root;
    // A second document would be silently ignored by Load. Ask the parser for at most
    // two documents: YAML::LoadAll can loop without end on some malformed input.
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    if (parser.HandleNextDocument(counter) && parser.HandleNextDocument(counter)) {
      const YAML::Mark& mark = counter.start;
      const bool located = !mark.is_null() && mark.line >= 0;
      throw ScenarioError(source, located ? mark.line + 1 : 0, located ? mark.column + 1 : 0, "",
                          "the text holds more than one YAML document (separated by '---'); "
                          "give exactly one");
    }
  } catch (const YAML::Exception& e) {
    // A tab in an indentation often shows as another error ("end of map not found"): name
    // the first such line up to the error's, if the parser's words do not already.
    std::string hint;
    if (e.msg.find("tab") == std::string::npos) {
      const int last = e.mark.is_null() ? std::numeric_limits<int>::max() : e.mark.line + 1;
      std::istringstream lines(text);
      std::string line;
      for (int n = 1; n <= last && std::getline(lines, line); ++n) {
        const std::size_t indent = line.find_first_not_of(" \t");
        if (line.find('\t') < std::min(indent, line.size())) {
          hint = " (line " + std::to_string(n) +
                 " is indented with a tab: YAML indents with "
                 "spaces only)";
          break;
        }
      }
    }
    YAML::Exception located(e.mark, e.msg + hint);
    throw_at_mark(source, located, "invalid YAML: ");
  }
  return root;
}

std::string flow_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << node;
  return e.c_str();
}

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

void Reader::fail(const YAML::Mark& mark, const std::string& path,
                  const std::string& message) const {
  const int line = mark.line >= 0 ? mark.line + 1 : 0;
  const int column = line > 0 && mark.column >= 0 ? mark.column + 1 : 0;
  throw ScenarioError(source_, line, column, path, message);
}

double Reader::number(const Field& field, const std::string& expected) const {
  if (!field.node.IsScalar())
    fail(field, "expected " + expected + ", got " + describe_node(field.node));
  const std::string& text = field.node.Scalar();
  double value = 0;
  const NumberText kind = parse_double(text, value);
  if (is_yaml_special_float(text) || (kind == NumberText::Number && !std::isfinite(value)))
    fail(field, "expected " + expected + ", got '" + text + "': numbers must be finite");
  if (kind == NumberText::OutOfRange)
    fail(field, "expected " + expected + ", got '" + text +
                    "', which is too large or too small to represent");
  if (kind != NumberText::Number) fail(field, "expected " + expected + ", got '" + text + "'");
  return value;
}

double Reader::months_positive(const Field& field) const {
  const double v = number(field, "a number (months)");
  if (!(v > 0)) fail(field, "must be positive (months), got " + format_double(v));
  return v;
}

double Reader::months_nonnegative(const Field& field) const {
  const double v = number(field, "a number (months)");
  if (v < 0) fail(field, "must be >= 0 (months), got " + format_double(v));
  return v;
}

double Reader::months_positive_or_never(const Field& field) const {
  if (field.node.IsScalar() && field.node.Scalar() == "never")
    return std::numeric_limits<double>::infinity();
  const double v = number(field, "a number (months) or 'never'");
  if (!(v > 0)) fail(field, "must be positive (months) or 'never', got " + format_double(v));
  return v;
}

double Reader::probability(const Field& field) const {
  const double v = number(field, "a probability (a number in [0, 1])");
  if (v < 0 || v > 1) fail(field, "must be a probability in [0, 1], got " + format_double(v));
  return v;
}

double Reader::positive(const Field& field, const std::string& what) const {
  const double v = number(field, "a number (" + what + ")");
  if (!(v > 0)) fail(field, "must be positive (" + what + "), got " + format_double(v));
  return v;
}

double Reader::nonnegative(const Field& field, const std::string& what) const {
  const double v = number(field, "a number (" + what + ")");
  if (v < 0) fail(field, "must be >= 0 (" + what + "), got " + format_double(v));
  return v;
}

int Reader::count(const Field& field) const {
  const double v = number(field, "a whole number (count)");
  if (v != std::floor(v)) fail(field, "expected a whole number (count), got " + format_double(v));
  if (v < 0) fail(field, "must be >= 0 (count), got " + format_double(v));
  if (v > INT_MAX) fail(field, "is too large (count), got " + format_double(v));
  return static_cast<int>(v);
}

bool Reader::boolean(const Field& field) const {
  if (field.node.IsScalar()) {
    // The spellings yaml-cpp itself accepts as booleans.
    const std::string t = lowercase(field.node.Scalar());
    if (t == "true" || t == "yes" || t == "on" || t == "y") return true;
    if (t == "false" || t == "no" || t == "off" || t == "n") return false;
  }
  fail(field, "expected true or false, got " + describe_node(field.node));
}

std::string Reader::string(const Field& field, const std::string& what) const {
  if (!field.node.IsScalar())
    fail(field, "expected " + what + ", got " + describe_node(field.node));
  return field.node.Scalar();
}

std::string Reader::choice(const Field& field, const std::vector<std::string>& choices) const {
  const std::string value = string(field, "one of: " + join(choices, ", "));
  if (std::find(choices.begin(), choices.end(), value) == choices.end())
    fail(field, "unknown value '" + value + "'; " + suggest(value, choices));
  return value;
}

MapReader::MapReader(const Reader& reader, const Field& field, const std::string& what)
    : reader_(reader), field_(field) {
  if (!field.node.IsMap())
    reader.fail(field, "expected " + what + ", got " + describe_node(field.node));
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
    if (!key.IsScalar())
      reader.fail(key.Mark(), field.path,
                  "map keys must be plain names, got " + describe_node(key));
    Entry entry;
    entry.key = key.Scalar();
    entry.key_mark = key.Mark();
    const std::string path = join_path(field.path, entry.key);
    if (entry.key.empty()) reader.fail(entry.key_mark, field.path, "empty key");
    const auto [slot, fresh] = index_.emplace(entry.key, entries_.size());
    if (const Entry* first = fresh ? nullptr : &entries_[slot->second])
      reader.fail(entry.key_mark, path,
                  "duplicate key '" + entry.key + "' (first given at line " +
                      std::to_string(first->key_mark.line + 1) + ")");
    const YAML::Node value = it->second;
    entry.value = Field{value, value.IsNull() ? entry.key_mark : value.Mark(), path};
    entries_.push_back(std::move(entry));
  }
}

MapReader& MapReader::allow(const std::vector<std::string>& allowed) {
  for (const auto& entry : entries_) {
    if (entry.key.size() > 64 ||
        std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end())
      reader_.fail(entry.key_mark, entry.value.path,
                   "unknown key '" + entry.key + "'; " + suggest(entry.key, allowed));
  }
  return *this;
}

const MapReader::Entry* MapReader::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

Field MapReader::required(const std::string& key) const {
  if (const Entry* entry = find(key)) return entry->value;
  missing(key);
}

void MapReader::missing(const std::string& key, const std::string& hint) const {
  reader_.fail(field_.mark, join_path(field_.path, key),
               "missing required key '" + key + "'" + (hint.empty() ? "" : "; " + hint));
}

namespace {

struct Family {
  std::string name;
  std::vector<std::vector<std::string>> forms;  // the accepted parameter sets
};

const std::vector<Family>& families() {
  static const std::vector<Family> table = {
      {"fixed", {{"value"}}},
      {"exponential", {{"mean"}, {"rate"}}},
      {"lognormal", {{"median", "sigma"}, {"mu", "sigma"}, {"mean", "sd"}}},
      {"weibull", {{"shape", "scale"}, {"shape", "mean"}, {"shape", "median"}}},
      {"gamma", {{"shape", "scale"}, {"shape", "rate"}, {"shape", "mean"}, {"mean", "sd"}}},
      {"triangular", {{"min", "mode", "max"}}},
      {"pert", {{"min", "mode", "max"}, {"min", "mode", "max", "lambda"}}},
      {"uniform", {{"min", "max"}}},
      {"empirical", {{"values"}, {"values", "weights"}}},
      {"never", {{}}},
  };
  return table;
}

std::vector<std::string> family_names() {
  std::vector<std::string> names;
  for (const auto& f : families()) names.push_back(f.name);
  return names;
}

std::string describe_forms(const Family& family) {
  std::vector<std::string> forms;
  for (const auto& form : family.forms)
    forms.push_back(form.empty() ? "no parameters" : "(" + join(form, ", ") + ")");
  return join(forms, " or ");
}

const char* const kDistributionForms =
    "a number of months, 'never', or a map such as {dist: exponential, mean: 3}";

// Reads one family's parameters, already checked to be exactly one accepted form.
class FamilyReader {
 public:
  FamilyReader(const Reader& reader, const MapReader& map) : reader_(reader), map_(map) {}

  bool has(const std::string& key) const { return map_.has(key); }
  Field get(const std::string& key) const { return map_.required(key); }
  double months_positive(const std::string& key) const { return reader_.months_positive(get(key)); }
  double months_nonnegative(const std::string& key) const {
    return reader_.months_nonnegative(get(key));
  }
  // Dimensionless parameters: shape, sigma (spread of log-months), PERT lambda.
  double shape(const std::string& key) const {
    return reader_.positive(get(key), key == "sigma" ? "spread of log-months" : "shape parameter");
  }
  double months(const std::string& key) const {
    return reader_.number(get(key), "a number (months)");
  }
  // A parameter derived from the given ones (scale from a mean, ...) must still be usable.
  double derived(double value, const std::string& name) const {
    if (!std::isfinite(value) || !(value > 0))
      reader_.fail(map_.field(), "these parameters give " + name + " = " + format_double(value) +
                                     ", which is not a positive finite number");
    return value;
  }
  // min <= mode <= max with min < max, shared by triangular and PERT.
  void check_range(double min, double mode, double max) const {
    if (!(max > min))
      reader_.fail(get("max"), "max (" + format_double(max) + ") must be greater than min (" +
                                   format_double(min) + ")");
    if (mode < min)
      reader_.fail(get("mode"), "mode (" + format_double(mode) + ") is below min (" +
                                    format_double(min) + "); need min <= mode <= max");
    if (mode > max)
      reader_.fail(get("mode"), "mode (" + format_double(mode) + ") is above max (" +
                                    format_double(max) + "); need min <= mode <= max");
  }
  std::vector<double> list(const std::string& key, bool weights) const {
    const Field field = get(key);
    if (!field.node.IsSequence() || field.node.size() == 0)
      reader_.fail(field,
                   std::string("expected a non-empty list of ") +
                       (weights ? "weights" : "numbers (months)") + ", got " +
                       (field.node.IsSequence() ? "an empty list" : describe_node(field.node)));
    std::vector<double> out;
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const YAML::Node item = field.node[i];
      const Field item_field{item, item.IsNull() ? field.mark : item.Mark(),
                             join_path(field.path, std::to_string(i))};
      out.push_back(weights ? reader_.nonnegative(item_field, "weight")
                            : reader_.months_nonnegative(item_field));
    }
    return out;
  }

 private:
  const Reader& reader_;
  const MapReader& map_;
};

Distribution read_family(const Reader& reader, const MapReader& map, const Family& family) {
  const FamilyReader p(reader, map);
  const std::string& name = family.name;
  if (name == "fixed") return Distribution::fixed(p.months_nonnegative("value"));
  if (name == "never") return Distribution::never();
  if (name == "exponential") {
    if (p.has("mean")) return Distribution::exponential(p.months_positive("mean"));
    const double rate = reader.positive(p.get("rate"), "rate per month");
    return Distribution::exponential(p.derived(1.0 / rate, "mean"));
  }
  if (name == "lognormal") {
    if (p.has("median"))
      return Distribution::lognormal(p.months_positive("median"), p.shape("sigma"));
    if (p.has("mu")) {
      const double mu = reader.number(p.get("mu"), "a number (log-months)");
      return Distribution::lognormal(p.derived(std::exp(mu), "median"), p.shape("sigma"));
    }
    // mean = median * exp(sigma^2 / 2), variance = mean^2 * (exp(sigma^2) - 1).
    const double mean = p.months_positive("mean");
    const double sd = p.months_positive("sd");
    const double cv2 = (sd / mean) * (sd / mean);
    const double sigma = p.derived(std::sqrt(std::log1p(cv2)), "sigma");
    return Distribution::lognormal(p.derived(mean / std::sqrt(1.0 + cv2), "median"), sigma);
  }
  if (name == "weibull") {
    const double shape = p.shape("shape");
    if (p.has("scale")) return Distribution::weibull(shape, p.months_positive("scale"));
    if (p.has("mean")) {
      const double mean = p.months_positive("mean");
      return Distribution::weibull(shape,
                                   p.derived(mean / std::tgamma(1.0 + 1.0 / shape), "scale"));
    }
    const double median = p.months_positive("median");
    return Distribution::weibull(shape,
                                 p.derived(median / std::pow(std::log(2.0), 1.0 / shape), "scale"));
  }
  if (name == "gamma") {
    if (p.has("sd")) {
      const double mean = p.months_positive("mean");
      const double sd = p.months_positive("sd");
      return Distribution::gamma(p.derived((mean / sd) * (mean / sd), "shape"),
                                 p.derived(sd * sd / mean, "scale"));
    }
    const double shape = p.shape("shape");
    if (p.has("scale")) return Distribution::gamma(shape, p.months_positive("scale"));
    if (p.has("rate")) {
      const double rate = reader.positive(p.get("rate"), "rate per month");
      return Distribution::gamma(shape, p.derived(1.0 / rate, "scale"));
    }
    return Distribution::gamma(shape, p.derived(p.months_positive("mean") / shape, "scale"));
  }
  if (name == "triangular" || name == "pert") {
    const double min = p.months_nonnegative("min");
    const double mode = p.months("mode");
    const double max = p.months("max");
    p.check_range(min, mode, max);
    if (name == "triangular") return Distribution::triangular(min, mode, max);
    const double lambda = p.has("lambda") ? p.shape("lambda") : 4.0;
    return Distribution::pert(min, mode, max, lambda);
  }
  if (name == "uniform") {
    const double min = p.months_nonnegative("min");
    const double max = p.months("max");
    if (!(max > min))
      reader.fail(p.get("max"), "max (" + format_double(max) + ") must be greater than min (" +
                                    format_double(min) + ")");
    return Distribution::uniform(min, max);
  }
  // empirical
  std::vector<double> values = p.list("values", false);
  std::vector<double> weights;
  if (p.has("weights")) {
    weights = p.list("weights", true);
    if (weights.size() != values.size())
      reader.fail(p.get("weights"), "has " + std::to_string(weights.size()) + " weights for " +
                                        std::to_string(values.size()) +
                                        " values; give one weight per value");
    double total = 0;
    for (double w : weights) total += w;
    if (!(total > 0) || !std::isfinite(total))
      reader.fail(p.get("weights"), "weights must have a positive, finite sum");
  }
  return Distribution::empirical(std::move(values), std::move(weights));
}

}  // namespace

Distribution read_distribution(const Reader& reader, const Field& field) {
  const YAML::Node& node = field.node;
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text == "never") return Distribution::never();
    double value = 0;
    if (parse_double(text, value) != NumberText::NotANumber || is_yaml_special_float(text)) {
      const double fixed = reader.months_nonnegative(field);
      return Distribution::fixed(fixed);
    }
    for (const auto& family : families()) {
      if (family.name == text)
        reader.fail(field, "'" + text + "' needs parameters: write {dist: " + text +
                               ", ...} with " + describe_forms(family));
    }
    if (edit_distance(lowercase(text), "never") <= 2)
      reader.fail(field, "unknown distribution '" + text + "'; did you mean 'never'?");
  }
  if (!node.IsMap())
    reader.fail(field, std::string("expected a distribution: ") + kDistributionForms + "; got " +
                           describe_node(node));

  MapReader map(reader, field, "a distribution");
  const MapReader::Entry* dist = map.find("dist");
  if (!dist)
    map.missing("dist",
                std::string("a distribution map names its family, e.g. ") +
                    "{dist: exponential, mean: 3}; families: " + join(family_names(), ", "));
  const std::string name = reader.string(dist->value, "a distribution name");
  const auto family = std::find_if(families().begin(), families().end(),
                                   [&](const Family& f) { return f.name == name; });
  if (family == families().end())
    reader.fail(dist->value,
                "unknown distribution '" + name + "'; " + suggest(name, family_names()));

  std::vector<std::string> allowed = {"dist"};
  for (const auto& form : family->forms)
    for (const auto& key : form)
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) allowed.push_back(key);
  for (const auto& entry : map.entries()) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) != allowed.end()) continue;
    std::vector<std::string> parameters(allowed.begin() + 1, allowed.end());
    const std::string hint = parameters.empty() ? "it takes no parameters"
                                                : suggest(entry.key, parameters) + " (" + name +
                                                      " takes " + describe_forms(*family) + ")";
    reader.fail(entry.key_mark, entry.value.path,
                "unknown parameter '" + entry.key + "' for " + name + "; " + hint);
  }

  std::vector<std::string> given;
  for (const auto& entry : map.entries())
    if (entry.key != "dist") given.push_back(entry.key);
  std::vector<std::string> given_sorted = given;
  std::sort(given_sorted.begin(), given_sorted.end());
  bool matches = false;
  // When the given keys are one short of accepted sets, name the key(s) that would
  // complete them: "missing sigma", "missing one of: scale, rate, mean".
  std::vector<std::string> one_short;
  for (const auto& form : family->forms) {
    std::vector<std::string> sorted = form;
    std::sort(sorted.begin(), sorted.end());
    matches = matches || sorted == given_sorted;
    std::vector<std::string> lacking;
    std::set_difference(sorted.begin(), sorted.end(), given_sorted.begin(), given_sorted.end(),
                        std::back_inserter(lacking));
    if (lacking.size() == 1 && sorted.size() == given_sorted.size() + 1) {
      if (std::find(one_short.begin(), one_short.end(), lacking[0]) == one_short.end())
        one_short.push_back(lacking[0]);
    }
  }
  if (!matches) {
    std::string hint;
    if (one_short.size() == 1) hint = "; missing " + one_short[0];
    if (one_short.size() > 1) hint = "; missing one of: " + join(one_short, ", ");
    reader.fail(field, name + " takes " + describe_forms(*family) + "; got " +
                           (given.empty() ? "no parameters" : "(" + join(given, ", ") + ")") +
                           hint);
  }
  return read_family(reader, map, *family);
}

std::string distribution_to_yaml(const Distribution& dist) {
  const auto num = format_double;
  switch (dist.kind()) {
    case DistKind::Never:
      return "never";
    case DistKind::Fixed:
      return "{dist: fixed, value: " + num(dist.a()) + "}";
    case DistKind::Exponential:
      return "{dist: exponential, mean: " + num(dist.a()) + "}";
    case DistKind::Lognormal:
      return "{dist: lognormal, median: " + num(dist.a()) + ", sigma: " + num(dist.b()) + "}";
    case DistKind::Weibull:
      return "{dist: weibull, shape: " + num(dist.a()) + ", scale: " + num(dist.b()) + "}";
    case DistKind::Gamma:
      return "{dist: gamma, shape: " + num(dist.a()) + ", scale: " + num(dist.b()) + "}";
    case DistKind::Triangular:
      return "{dist: triangular, min: " + num(dist.a()) + ", mode: " + num(dist.b()) +
             ", max: " + num(dist.c()) + "}";
    case DistKind::Pert:
      return "{dist: pert, min: " + num(dist.a()) + ", mode: " + num(dist.b()) +
             ", max: " + num(dist.c()) + ", lambda: " + num(dist.d()) + "}";
    case DistKind::Uniform:
      return "{dist: uniform, min: " + num(dist.a()) + ", max: " + num(dist.b()) + "}";
    case DistKind::Empirical: {
      std::vector<std::string> values, weights;
      for (double v : dist.values()) values.push_back(num(v));
      for (double w : dist.weights()) weights.push_back(num(w));
      return "{dist: empirical, values: [" + join(values, ", ") + "], weights: [" +
             join(weights, ", ") + "]}";
    }
  }
  return "never";
}

}  // namespace progsurv::yaml_detail
