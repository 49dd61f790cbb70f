#include "progsurv/scenario/text_columns.hpp"

namespace progsurv {

std::size_t text_columns(const std::string& text) {
  std::size_t n = 0;
  for (const char ch : text)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;  // not a continuation byte
  return n;
}

std::string pad_columns(const std::string& text, std::size_t columns) {
  const std::size_t n = text_columns(text);
  return n >= columns ? text : text + std::string(columns - n, ' ');
}

}  // namespace progsurv
