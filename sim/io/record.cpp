#include "progsurv/io/record.hpp"

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <string_view>

#include "progsurv/scenario/error.hpp"
#include "scenario/distribution_yaml.hpp"
#include "scenario/text_file.hpp"

namespace progsurv {

const char* to_string(RecordColumn c) {
  switch (c) {
    case RecordColumn::SponsorLevel:
      return "sponsor_level";
    case RecordColumn::Outcome:
      return "outcome";
    case RecordColumn::Cause:
      return "cause";
    case RecordColumn::Month:
      return "month";
    case RecordColumn::Phases:
      return "phases_delivered";
  }
  return "?";
}

namespace {

// Columns a record may carry that the likelihood does not use (kept for the user's own
// bookkeeping), so a named or numbered record is still accepted.
const char* const kIgnoredColumns[] = {"id", "name", "note", "notes"};

struct Cell {
  std::string text;
  int column = 0;  // 1-based character position of the field in its line
};

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// Plain comma-separated fields; a field may be wrapped in double quotes (which are
// removed) but may not contain a comma (docs/record-format.md).
std::vector<Cell> split_line(const std::string& line) {
  std::vector<Cell> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::size_t end = comma == std::string::npos ? line.size() : comma;
    std::string_view raw(line.data() + start, end - start);
    std::size_t lead = 0;
    while (lead < raw.size() && (raw[lead] == ' ' || raw[lead] == '\t')) ++lead;
    std::string text = trim(raw);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = trim(std::string_view(text).substr(1, text.size() - 2));
    cells.push_back({text, static_cast<int>(start + lead) + 1});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cells;
}

// Excel's "CSV UTF-8" starts the file with a byte-order mark, and old Mac files end lines
// with a lone CR: both are read as plain lines (CRLF too), keeping the line numbers.
std::string normalise_line_ends(const std::string& raw) {
  std::size_t start = raw.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  std::string text;
  text.reserve(raw.size() - start);
  for (std::size_t i = start; i < raw.size(); ++i) {
    if (raw[i] != '\r') {
      text += raw[i];
    } else if (i + 1 >= raw.size() || raw[i + 1] != '\n') {
      text += '\n';  // a lone CR ends a line; the CR of CRLF is dropped
    }
  }
  return text;
}

template <class Names>
std::vector<std::string> names_of(int count, Names name) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.emplace_back(name(i));
  return out;
}

[[noreturn]] void too_large(const std::string& source, std::size_t bytes) {
  throw ScenarioError(source, 0, 0, "",
                      "the record is " + std::to_string(bytes) +
                          " bytes; a record may be at most " +
                          std::to_string(kMaxRecordBytes >> 20) + " MiB and " +
                          std::to_string(kMaxRecordRows) + " programmes");
}

}  // namespace

ProgrammeRecord parse_record(const std::string& raw, const std::string& source) {
  using yaml_detail::suggest;
  if (raw.size() > kMaxRecordBytes) too_large(source, raw.size());
  const std::string text = normalise_line_ends(raw);
  ProgrammeRecord record;
  record.source = source;
  int index[kRecordColumnCount];
  for (int& i : index) i = -1;
  int columns = 0;
  bool have_header = false;
  int header_line = 0;

  std::size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string line =
        text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const std::string stripped = trim(line);
    if (stripped.empty() || stripped[0] == '#') continue;  // blank lines and comments
    std::vector<Cell> cells = split_line(line);

    if (!have_header) {
      have_header = true;
      header_line = line_no;
      columns = static_cast<int>(cells.size());
      const std::vector<std::string> known = names_of(
          kRecordColumnCount, [](int i) { return to_string(static_cast<RecordColumn>(i)); });
      for (int c = 0; c < columns; ++c) {
        const std::string& name = cells[c].text;
        bool found = false;
        for (int k = 0; k < kRecordColumnCount; ++k) {
          if (name != known[k]) continue;
          if (index[k] >= 0)
            throw ScenarioError(source, line_no, cells[c].column, name,
                                "column appears twice in the header");
          index[k] = c;
          found = true;
        }
        for (const char* ignored : kIgnoredColumns) found = found || name == ignored;
        if (!found) {
          std::vector<std::string> all = known;
          for (const char* ignored : kIgnoredColumns) all.emplace_back(ignored);
          throw ScenarioError(source, line_no, cells[c].column, name,
                              "unknown column in the header; " + suggest(name, all));
        }
      }
      for (RecordColumn required : {RecordColumn::Outcome, RecordColumn::Month}) {
        if (index[static_cast<int>(required)] < 0)
          throw ScenarioError(source, line_no, 1, to_string(required),
                              std::string("the header has no '") + to_string(required) +
                                  "' column (expected a header such as "
                                  "'sponsor_level,outcome,cause,month,phases_delivered')");
      }
      continue;
    }

    if (static_cast<int>(cells.size()) != columns)
      throw ScenarioError(source, line_no, 1, "",
                          "expected " + std::to_string(columns) +
                              " comma-separated fields (as "
                              "in the header on line " +
                              std::to_string(header_line) + "), found " +
                              std::to_string(cells.size()));

    ObservedProgramme p;
    p.line = line_no;
    auto cell = [&](RecordColumn c) -> const Cell* {
      const int i = index[static_cast<int>(c)];
      return i < 0 ? nullptr : &cells[static_cast<std::size_t>(i)];
    };
    auto fail = [&](RecordColumn c, const std::string& message) {
      const Cell* at = cell(c);
      throw ScenarioError(source, line_no, at ? at->column : 1, to_string(c), message);
    };
    for (int k = 0; k < kRecordColumnCount; ++k) {
      if (const Cell* at = cell(static_cast<RecordColumn>(k))) p.column[k] = at->column;
    }

    if (const Cell* c = cell(RecordColumn::SponsorLevel)) p.sponsor_level = c->text;

    const std::vector<std::string> outcomes =
        names_of(kOutcomeCount, [](int i) { return to_string(static_cast<Outcome>(i)); });
    const std::string& outcome = cell(RecordColumn::Outcome)->text;
    int outcome_index = -1;
    for (int i = 0; i < kOutcomeCount; ++i)
      if (outcome == outcomes[static_cast<std::size_t>(i)]) outcome_index = i;
    if (outcome_index < 0)
      fail(
          RecordColumn::Outcome,
          (outcome.empty() ? std::string("is empty; expected one of: completed, ended, "
                                         "not_started, running")
                           : "'" + outcome + "' is not an outcome; " + suggest(outcome, outcomes)));
    p.outcome = static_cast<Outcome>(outcome_index);

    if (const Cell* c = cell(RecordColumn::Cause); c && !c->text.empty()) {
      if (p.outcome != Outcome::Ended)
        fail(RecordColumn::Cause, "a cause is only given for an ended programme (outcome '" +
                                      outcome + "'); leave it blank");
      const std::vector<std::string> causes =
          names_of(kCauseCount, [](int i) { return to_string(static_cast<Cause>(i)); });
      for (int i = 0; i < kCauseCount; ++i)
        if (c->text == causes[static_cast<std::size_t>(i)]) p.cause = i;
      if (p.cause < 0)
        fail(RecordColumn::Cause, "'" + c->text + "' is not a cause of ending; " +
                                      suggest(c->text, causes) + " (or blank when unknown)");
    }

    const std::string& month = cell(RecordColumn::Month)->text;
    if (p.outcome == Outcome::NotStarted) {
      if (!month.empty()) {
        char* end = nullptr;
        const double v = std::strtod(month.c_str(), &end);
        if (*end != '\0' || v != 0.0)
          fail(RecordColumn::Month, "a not_started programme has no month; leave it blank or 0");
      }
    } else {
      const char* what = p.outcome == Outcome::Running
                             ? "the age in months of the running programme when observed"
                             : "the month (since the proposal) in which it ended";
      if (month.empty()) fail(RecordColumn::Month, std::string("is empty; expected ") + what);
      char* end = nullptr;
      const double v = std::strtod(month.c_str(), &end);
      if (*end != '\0' || !std::isfinite(v) || v < 0)
        fail(RecordColumn::Month,
             "'" + month + "' is not a number >= 0; expected " + std::string(what));
      p.month = v;
    }

    if (const Cell* c = cell(RecordColumn::Phases); c && !c->text.empty()) {
      char* end = nullptr;
      const long v = std::strtol(c->text.c_str(), &end, 10);
      if (*end != '\0' || v < 0 || v > 1000000)
        fail(RecordColumn::Phases,
             "'" + c->text + "' is not a whole number >= 0 (or blank when unknown)");
      p.phases = static_cast<int>(v);
      if (p.outcome == Outcome::NotStarted && p.phases != 0)
        fail(RecordColumn::Phases,
             "a not_started programme delivered no phases; expected 0 "
             "or blank");
    }
    if (record.programmes.size() == kMaxRecordRows)
      throw ScenarioError(source, line_no, 1, "",
                          "more than " + std::to_string(kMaxRecordRows) +
                              " programmes; a record may have at most " +
                              std::to_string(kMaxRecordRows) + " rows");
    record.programmes.push_back(std::move(p));
  }
  if (!have_header)
    throw ScenarioError(source, 0, 0, "",
                        "the record is empty; expected a header line such as "
                        "'sponsor_level,outcome,cause,month,phases_delivered'");
  if (record.programmes.empty())
    throw ScenarioError(source, header_line, 1, "", "the record has a header but no programmes");
  return record;
}

ProgrammeRecord read_record(const std::string& path) {
  // A regular file over the cap is refused unread (streams are cut by read_text_file).
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::size_t>(st.st_size) > kMaxRecordBytes)
    too_large(path, static_cast<std::size_t>(st.st_size));
  return parse_record(read_text_file(path), path);
}

}  // namespace progsurv
