#pragma once
// Errors a user can fix: they name the file, the position and the key path.
#include <stdexcept>
#include <string>
#include <utility>

namespace progsurv {

class ScenarioError : public std::runtime_error {
 public:
  // line and column are 1-based; 0 when unknown.
  ScenarioError(std::string file, int line, int column, std::string key, std::string message)
      : std::runtime_error(format(file, line, column, key, message)),
        file_(std::move(file)),
        line_(line),
        column_(column),
        key_(std::move(key)),
        message_(std::move(message)) {}

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }

 private:
  static std::string format(const std::string& file, int line, int column, const std::string& key,
                            const std::string& message) {
    std::string s = shorten(file);
    if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
    s += ": ";
    if (!key.empty()) s += "'" + shorten(key) + "': ";
    return s + shorten(message, 2000);
  }
  // A hostile 10 MB key must not become a 10 MB message.
  static std::string shorten(const std::string& text, std::size_t limit = 200) {
    if (text.size() <= limit) return text;
    return text.substr(0, limit) + "... (" + std::to_string(text.size()) + " bytes)";
  }
  std::string file_;
  int line_, column_;
  std::string key_, message_;
};

// A request that cannot be honoured as given: an option out of range, an output path that
// must not be written, a run that would need more memory or events than allowed. The
// command exits 2; Python raises ValueError.
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A UsageError about one argument; option() is its name as the library spells it ("lever",
// "range", "tolerance"), for each front end to name it in its own spelling (--lever in the
// command, lever= in Python): the check is written once, the message fits both.
class OptionError : public UsageError {
 public:
  OptionError(std::string option, const std::string& message)
      : UsageError(message), option_(std::move(option)) {}
  const std::string& option() const { return option_; }

 private:
  std::string option_;
};

// A file on disk that is not what a reader expects (foreign, newer, truncated).
class FileFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace progsurv
