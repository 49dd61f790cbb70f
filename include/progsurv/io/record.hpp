#pragma once
// An organisation's record of past programmes (docs/record-format.md): one CSV row per
// programme, read with errors that name the file, line, column and what was expected.
#include <cstddef>
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"

namespace progsurv {

// One past programme as observed. Unknown fields are -1 / empty.
struct ObservedProgramme {
  int line = 0;               // 1-based line of the row in the file
  std::string sponsor_level;  // "" = unknown
  Outcome outcome = Outcome::Completed;
  int cause = -1;    // a Cause index for ended programmes; -1 = unknown (or not ended)
  double month = 0;  // month it ended (completed, ended) or its age when observed (running)
  int phases = -1;   // phases delivered; -1 = unknown
  // 1-based character columns of each field in its line (for errors found later, e.g. a
  // level the scenario lacks): sponsor_level, outcome, cause, month, phases_delivered.
  int column[5] = {0, 0, 0, 0, 0};
};

struct ProgrammeRecord {
  std::string source;  // the file it came from, for error messages
  std::vector<ObservedProgramme> programmes;
};

// Column indices of ObservedProgramme::column and names of the CSV header.
enum class RecordColumn : int { SponsorLevel = 0, Outcome = 1, Cause = 2, Month = 3, Phases = 4 };
inline constexpr int kRecordColumnCount = 5;
const char* to_string(RecordColumn c);

// The caps of a record, checked when it is read (docs/robustness.md): an organisation's
// past programmes are far fewer, and a larger file is a mistake (or hostile).
inline constexpr std::size_t kMaxRecordBytes = std::size_t{8} << 20;
inline constexpr std::size_t kMaxRecordRows = 100000;

// Parses CSV text; throws ScenarioError(source, line, column, column name, what was expected)
// at the first bad row, or when the text is over kMaxRecordBytes or has more than
// kMaxRecordRows programmes. `source` names the file in messages.
ProgrammeRecord parse_record(const std::string& text, const std::string& source = "<string>");
ProgrammeRecord read_record(const std::string& path);

}  // namespace progsurv
