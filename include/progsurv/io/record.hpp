#pragma once
// An organisation's record of past programmes (docs/record-format.md): one CSV row per
// programme, read with errors that name the file, line, column and what was expected.
#include <cstddef>
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"

namespace progsurv {

// How a past programme stood when the record was taken: the engine's outcomes, and a
// proposal still being scoped (rule 11: not yet approved, not dead).
enum class RecordOutcome : int {
  Completed = 0,
  Ended = 1,
  NotStarted = 2,
  Running = 3,
  Scoping = 4
};
inline constexpr int kRecordOutcomeCount = 5;
const char* to_string(RecordOutcome o);

// Column indices of ObservedProgramme::column and names of the CSV header.
enum class RecordColumn : int {
  SponsorLevel = 0,
  Outcome = 1,
  Cause = 2,
  Month = 3,
  Phases = 4,
  ProposedOn = 5,
  EndedOn = 6,
  AsOf = 7
};
inline constexpr int kRecordColumnCount = 8;
const char* to_string(RecordColumn c);

// One past programme as observed. Unknown fields are -1 / empty. Dates are turned into
// months from the proposal when the record is read (docs/record-format.md).
struct ObservedProgramme {
  int line = 0;               // 1-based line of the row in the file
  std::string sponsor_level;  // "" = unknown
  RecordOutcome outcome = RecordOutcome::Completed;
  int cause = -1;  // a Cause index for ended programmes; -1 = unknown (or not ended)
  // Months from the proposal: when it ended (completed, ended), when the proposal died
  // (not_started; -1 = unknown), or its age when the record was taken (running, scoping).
  double month = 0;
  int phases = -1;  // phases delivered (so far, when running); -1 = unknown
  // 1-based character columns of each field in its line (for errors found later, e.g. a
  // level the scenario lacks), indexed by RecordColumn; 0 when the column is absent.
  int column[kRecordColumnCount] = {};
  // The column the month came from (Month, or the date that fixed it) for such errors.
  RecordColumn month_from = RecordColumn::Month;
};

struct ProgrammeRecord {
  std::string source;  // the file it came from, for error messages
  std::vector<ObservedProgramme> programmes;
};

// Months from date `from` to date `to` (ISO YYYY-MM-DD, to >= from) as the record counts
// them: the whole calendar months k with from + k months <= to (a day past the end of a
// month is its last day), plus the days left over as a fraction of the month that follows
// (docs/record-format.md). Throws std::invalid_argument for a text that is not a date.
double months_between(const std::string& from, const std::string& to);

// The caps of a record, checked when it is read (docs/robustness.md): an organisation's
// past programmes are far fewer, and a larger file is a mistake (or hostile).
inline constexpr std::size_t kMaxRecordBytes = std::size_t{8} << 20;
inline constexpr std::size_t kMaxRecordRows = 100000;

// Parses CSV text; throws ScenarioError(source, line, column, column name, what was expected)
// at the first bad row, or when the text is over kMaxRecordBytes or has more than
// kMaxRecordRows programmes. `source` names the file in messages. `as_of` (YYYY-MM-DD, or
// empty) is the date the record was taken, for rows without an as_of column of their own.
ProgrammeRecord parse_record(const std::string& text, const std::string& source = "<string>",
                             const std::string& as_of = "");
ProgrammeRecord read_record(const std::string& path, const std::string& as_of = "");

}  // namespace progsurv
