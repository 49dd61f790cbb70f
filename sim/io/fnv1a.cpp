// FNV-1a 64 as hex (fnv1a.hpp).
#include "progsurv/io/fnv1a.hpp"

#include <cstdio>

namespace progsurv {

std::string fnv1a_hex(const std::string& text) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(fnv1a(text.data(), text.size())));
  return buf;
}

}  // namespace progsurv
