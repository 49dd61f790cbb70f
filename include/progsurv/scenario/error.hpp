#pragma once
// Errors a user can fix: they name the file, the position and the key path.
#include <stdexcept>
#include <string>
#include <utility>

namespace progsurv {

class ScenarioError : public std::runtime_error {
 public:
  // line and column are 1-based; 0 when unknown. `system_error`: the errno when the file
  // could not be read at all (Python then raises the matching OSError subclass too).
  ScenarioError(std::string file, int line, int column, std::string key, std::string message,
                int system_error = 0)
      : std::runtime_error(format(file, line, column, key, message)),
        file_(std::move(file)),
        line_(line),
        column_(column),
        key_(std::move(key)),
        message_(std::move(message)),
        system_error_(system_error) {}

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }
  int system_error() const { return system_error_; }

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
  int system_error_ = 0;
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
  // A file that could not be read at all: its errno (Python also raises that OSError).
  FileFormatError(const std::string& what, int system_error)
      : std::runtime_error(what), system_error_(system_error) {}
  int system_error() const { return system_error_; }

 private:
  int system_error_ = 0;
};

}  // namespace progsurv
