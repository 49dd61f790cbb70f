#include "progsurv/io/record.hpp"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
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
    case RecordColumn::ProposedOn:
      return "proposed_on";
    case RecordColumn::EndedOn:
      return "ended_on";
    case RecordColumn::AsOf:
      return "as_of";
  }
  return "?";
}

const char* to_string(RecordOutcome o) {
  switch (o) {
    case RecordOutcome::Completed:
      return "completed";
    case RecordOutcome::Ended:
      return "ended";
    case RecordOutcome::NotStarted:
      return "not_started";
    case RecordOutcome::Running:
      return "running";
    case RecordOutcome::Scoping:
      return "scoping";
  }
  return "?";
}

namespace {

// A calendar date as days since 1970-01-01 (proleptic Gregorian; H. Hinnant's
// days_from_civil), with its year, month and day.
struct Date {
  int y = 0, m = 0, d = 0;
  long days = 0;
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : n[m - 1];
}
long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// YYYY-MM-DD exactly (what spreadsheets write as ISO 8601), a real calendar day.
bool parse_date(const std::string& text, Date& out) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[static_cast<std::size_t>(i)] < '0' || text[static_cast<std::size_t>(i)] > '9')
      return false;
  out.y = std::stoi(text.substr(0, 4));
  out.m = std::stoi(text.substr(5, 2));
  out.d = std::stoi(text.substr(8, 2));
  if (out.m < 1 || out.m > 12 || out.d < 1 || out.d > days_in_month(out.y, out.m)) return false;
  out.days = days_from_civil(out.y, out.m, out.d);
  return true;
}

// `from` plus k calendar months, on the same day of the month or the month's last day.
long plus_months(const Date& from, long k) {
  const long index = from.y * 12L + (from.m - 1) + k;
  const int y = static_cast<int>(index / 12), m = static_cast<int>(index % 12) + 1;
  return days_from_civil(y, m, std::min(from.d, days_in_month(y, m)));
}

double months_between(const Date& from, const Date& to) {
  long k = (to.y - from.y) * 12L + (to.m - from.m);
  while (k > 0 && plus_months(from, k) > to.days) --k;
  const long anchor = plus_months(from, k);
  const long next = plus_months(from, k + 1);
  return static_cast<double>(k) +
         static_cast<double>(to.days - anchor) / static_cast<double>(next - anchor);
}

}  // namespace

double months_between(const std::string& from, const std::string& to) {
  Date a, b;
  if (!parse_date(from, a)) throw std::invalid_argument("'" + from + "' is not a date YYYY-MM-DD");
  if (!parse_date(to, b)) throw std::invalid_argument("'" + to + "' is not a date YYYY-MM-DD");
  if (b.days < a.days) throw std::invalid_argument("'" + to + "' is before '" + from + "'");
  return months_between(a, b);
}

namespace {

// Columns a record may carry that the likelihood does not use (kept for the user's own
// bookkeeping), so a named or numbered record is still accepted.
const char* const kIgnoredColumns[] = {"id", "name", "note", "notes"};

// A month given beside dates may be rounded to the nearest whole month; a larger gap is a
// mistake in one of them.
constexpr double kMonthTolerance = 0.5;

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

ProgrammeRecord parse_record(const std::string& raw, const std::string& source,
                             const std::string& as_of) {
  using yaml_detail::suggest;
  if (raw.size() > kMaxRecordBytes) too_large(source, raw.size());
  Date record_date;
  const bool have_record_date = !as_of.empty();
  const std::string record_date_text = as_of;
  if (have_record_date && !parse_date(as_of, record_date))
    throw ScenarioError(source, 0, 0, "as_of",
                        "the record date '" + as_of + "' is not a date; expected YYYY-MM-DD");
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
      if (index[static_cast<int>(RecordColumn::Outcome)] < 0)
        throw ScenarioError(source, line_no, 1, "outcome",
                            "the header has no 'outcome' column (expected a header such as "
                            "'sponsor_level,outcome,cause,month,phases_delivered')");
      // Months, or the dates they are computed from.
      if (index[static_cast<int>(RecordColumn::Month)] < 0 &&
          index[static_cast<int>(RecordColumn::ProposedOn)] < 0)
        throw ScenarioError(source, line_no, 1, "month",
                            "the header has no 'month' column and no 'proposed_on' column "
                            "(expected a header such as "
                            "'sponsor_level,outcome,cause,month,phases_delivered', or dates: "
                            "'outcome,proposed_on,ended_on')");
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

    const std::vector<std::string> outcomes = names_of(
        kRecordOutcomeCount, [](int i) { return to_string(static_cast<RecordOutcome>(i)); });
    const std::string& outcome = cell(RecordColumn::Outcome)->text;
    int outcome_index = -1;
    for (int i = 0; i < kRecordOutcomeCount; ++i)
      if (outcome == outcomes[static_cast<std::size_t>(i)]) outcome_index = i;
    if (outcome_index < 0)
      fail(
          RecordColumn::Outcome,
          (outcome.empty() ? std::string("is empty; expected one of: completed, ended, "
                                         "not_started, running, scoping")
                           : "'" + outcome + "' is not an outcome; " + suggest(outcome, outcomes)));
    p.outcome = static_cast<RecordOutcome>(outcome_index);
    // Running and scoping rows are censored: their month is an age, not an end.
    const bool censored =
        p.outcome == RecordOutcome::Running || p.outcome == RecordOutcome::Scoping;

    if (const Cell* c = cell(RecordColumn::Cause); c && !c->text.empty()) {
      if (p.outcome != RecordOutcome::Ended)
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

    // Dates: months from the proposal to the end, or to the record date for a row that
    // has not ended (docs/record-format.md, "Dates").
    auto date_of = [&](RecordColumn c, Date& d) {
      const Cell* at = cell(c);
      if (!at || at->text.empty()) return false;
      if (!parse_date(at->text, d))
        fail(c, "'" + at->text + "' is not a date; expected YYYY-MM-DD (e.g. 2024-03-31)");
      return true;
    };
    Date proposed, ended, as_of;
    const bool has_proposed = date_of(RecordColumn::ProposedOn, proposed);
    const bool has_ended = date_of(RecordColumn::EndedOn, ended);
    const bool own_as_of = date_of(RecordColumn::AsOf, as_of);
    const bool has_as_of = own_as_of || have_record_date;
    if (!own_as_of && have_record_date) as_of = record_date;
    const std::string as_of_text =
        own_as_of ? cell(RecordColumn::AsOf)->text : record_date_text + " (the record date)";
    const std::string proposed_text = has_proposed ? cell(RecordColumn::ProposedOn)->text : "";
    const std::string ended_text = has_ended ? cell(RecordColumn::EndedOn)->text : "";
    if (has_ended && censored)
      fail(RecordColumn::EndedOn,
           "a " + outcome + " programme has not ended; leave ended_on blank");
    if (has_ended && !has_proposed)
      fail(RecordColumn::EndedOn,
           "ended_on needs proposed_on (months count from the proposal); give proposed_on, or "
           "the month and no ended_on");
    if (has_ended && ended.days < proposed.days)
      fail(RecordColumn::EndedOn,
           "'" + ended_text + "' is before proposed_on '" + proposed_text + "'");
    if (has_ended && has_as_of && ended.days > as_of.days)
      fail(RecordColumn::EndedOn, "'" + ended_text + "' is after as_of " + as_of_text +
                                      ": a record cannot hold an end after it was taken");
    if (has_proposed && has_as_of && as_of.days < proposed.days)
      fail(own_as_of ? RecordColumn::AsOf : RecordColumn::ProposedOn,
           "proposed_on '" + proposed_text + "' is after as_of " + as_of_text +
               ": a record cannot hold a proposal made after it was taken");
    double dated = -1.0;  // months from the dates, -1 if they give none
    RecordColumn dated_from = RecordColumn::Month;
    if (has_ended) {
      dated = months_between(proposed, ended);
      dated_from = RecordColumn::EndedOn;
    } else if (censored && has_proposed) {
      if (!has_as_of)
        fail(RecordColumn::ProposedOn,
             "a " + outcome +
                 " programme dated by its proposal needs the date the record was taken: an "
                 "as_of column, or as_of in the fit file");
      dated = months_between(proposed, as_of);
      dated_from = own_as_of ? RecordColumn::AsOf : RecordColumn::ProposedOn;
    }

    const Cell* month_cell = cell(RecordColumn::Month);
    const std::string month = month_cell ? month_cell->text : "";
    const char* what = censored ? "the age in months (since the proposal) when the record was taken"
                       : p.outcome == RecordOutcome::NotStarted
                           ? "the month (since the proposal) in which the proposal died, or blank "
                             "when unknown"
                           : "the month (since the proposal) in which it ended";
    double given = -1.0;
    if (!month.empty()) {
      char* end = nullptr;
      given = std::strtod(month.c_str(), &end);
      if (*end != '\0' || !std::isfinite(given) || given < 0)
        fail(RecordColumn::Month,
             "'" + month + "' is not a number >= 0; expected " + std::string(what));
    }
    if (given >= 0 && dated >= 0 && std::abs(given - dated) > kMonthTolerance) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f", dated);
      const std::string span = has_ended
                                   ? "proposed_on " + proposed_text + " to ended_on " + ended_text
                                   : "proposed_on " + proposed_text + " to as_of " + as_of_text;
      fail(RecordColumn::Month, "'" + month + "' disagrees with the dates: " + span + " is " + buf +
                                    " months; correct one of them, or leave month blank");
    }
    if (dated >= 0) {
      p.month = dated;
      p.month_from = dated_from;
    } else if (given >= 0) {
      p.month = given;
    } else if (p.outcome == RecordOutcome::NotStarted) {
      p.month = -1.0;  // when the proposal died is unknown
    } else {
      fail(RecordColumn::Month, std::string("is empty; expected ") + what +
                                    (censored ? " (or proposed_on with the record date as_of)"
                                              : " (or the dates proposed_on and ended_on)"));
    }

    if (const Cell* c = cell(RecordColumn::Phases); c && !c->text.empty()) {
      char* end = nullptr;
      const long v = std::strtol(c->text.c_str(), &end, 10);
      if (*end != '\0' || v < 0 || v > 1000000)
        fail(RecordColumn::Phases,
             "'" + c->text + "' is not a whole number >= 0 (or blank when unknown)");
      p.phases = static_cast<int>(v);
      if ((p.outcome == RecordOutcome::NotStarted || p.outcome == RecordOutcome::Scoping) &&
          p.phases != 0)
        fail(RecordColumn::Phases,
             "a " + outcome + " programme has delivered no phases; expected 0 or blank");
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

ProgrammeRecord read_record(const std::string& path, const std::string& as_of) {
  // A regular file over the cap is refused unread (streams are cut by read_text_file).
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::size_t>(st.st_size) > kMaxRecordBytes)
    too_large(path, static_cast<std::size_t>(st.st_size));
  return parse_record(read_text_file(path), path, as_of);
}

}  // namespace progsurv
