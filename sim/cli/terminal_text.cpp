// Everything the commands print through std::cout and std::cerr passes an escaping filter:
// text from files (a scenario name, a level name, a key in an error message) may hold
// control characters, and an escape sequence reaching a terminal can rewrite the screen or
// the window title. Newline and tab pass; other C0 controls, DEL and the UTF-8 encoded C1
// controls (U+0080..U+009F) are printed as \xNN (or \u00NN).
#include <cstdio>
#include <ostream>
#include <streambuf>
#include <string>

#include "cli/cli.hpp"

namespace progsurv::cli {
namespace {

bool is_control(unsigned char c) { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f; }

class EscapingBuffer : public std::streambuf {
 public:
  explicit EscapingBuffer(std::streambuf* target) : target_(target) {}

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    return put(static_cast<unsigned char>(traits_type::to_char_type(ch))) ? ch : traits_type::eof();
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i)
      if (!put(static_cast<unsigned char>(s[i]))) return i;
    return n;
  }

  int sync() override {
    if (lead_ && target_->sputc(static_cast<char>(0xc2)) == traits_type::eof()) return -1;
    lead_ = false;
    return target_->pubsync();
  }

 private:
  bool write(const char* text) {
    for (; *text; ++text)
      if (traits_type::eq_int_type(target_->sputc(*text), traits_type::eof())) return false;
    return true;
  }

  bool put(unsigned char c) {
    char text[16];
    if (lead_) {  // the byte after 0xC2: U+0080..U+009F are C1 controls
      lead_ = false;
      if (c >= 0x80 && c <= 0x9f) {
        std::snprintf(text, sizeof text, "\\u%04x", c);
        return write(text);
      }
      if (!write("\xc2")) return false;
    }
    if (c == 0xc2) {
      lead_ = true;
      return true;
    }
    if (is_control(c)) {
      std::snprintf(text, sizeof text, "\\x%02x", c);
      return write(text);
    }
    return !traits_type::eq_int_type(target_->sputc(static_cast<char>(c)), traits_type::eof());
  }

  std::streambuf* target_;
  bool lead_ = false;
};

}  // namespace

void escape_control_characters(std::ostream& stream) {
  // Lives as long as the process: the streams are flushed at exit, after main returns.
  auto* buffer = new EscapingBuffer(stream.rdbuf());
  stream.rdbuf(buffer);
}

std::string printable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    char escaped[16];
    if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
      std::snprintf(escaped, sizeof escaped, "\\u%04x", next);
      out += escaped;
      ++i;
    } else if (is_control(c) || c == '\n' || c == '\t') {
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace progsurv::cli
