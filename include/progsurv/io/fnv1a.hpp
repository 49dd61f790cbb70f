#pragma once
// FNV-1a 64: the one hash of bytes progsurv keeps (sweep fingerprints, journal checksums,
// shortened default output names). Not cryptographic: it tells texts apart, no more.
#include <cstddef>
#include <cstdint>
#include <string>

namespace progsurv {

inline std::uint64_t fnv1a(const char* data, std::size_t size) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The hash of `text` as 16 lower-case hex digits.
std::string fnv1a_hex(const std::string& text);

}  // namespace progsurv
