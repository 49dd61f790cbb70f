#include "progsurv/io/version.hpp"

#include <cmath>
#include <cstring>
#include <string>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include "progsurv/build_info.hpp"
#include "progsurv/io/fnv1a.hpp"

namespace progsurv {

const char* version_string() { return build_info::version; }

const char* build_string() {
  static const std::string s = std::string(build_info::compiler) + ", " + build_info::build_type +
                               ", " + build_info::system + "; " + math_library_string();
  return s.c_str();
}

const char* math_library_string() {
  static const std::string s = [] {
    // Found by comparing glibc 2.36's two x86-64 versions (GLIBC_TUNABLES=
    // glibc.cpu.hwcaps=-AVX2,-FMA) on random inputs in the ranges the draws use: each result
    // differs in its last bit between them.
    static constexpr double kLog[] = {0x1.41bd0dbce61b6p-1, 0x1.8e1dfc45351bp-1,
                                      0x1.f08ffc7f1922p-1, 0x1.b0a068aeb8f72p-1};
    static constexpr double kExp[] = {0x1.6bba5fd68356p+2, -0x1.888775d367dacp+2,
                                      0x1.39050efc19f0cp+3, -0x1.103053001b2b2p+0};
    static constexpr double kPow[][2] = {{0x1.bc4be1a281768p-1, 0x1.666b306432d6cp+0},
                                         {0x1.245dddaf0d87fp+1, 0x1.cc311bf921ee8p+1},
                                         {0x1.71ab48e3e0478p+1, 0x1.971fadb10b6c8p-2},
                                         {0x1.5abc96248f40bp+1, 0x1.4ee2765693a47p+1}};
    std::string bits;
    const auto keep = [&bits](double y) {
      char b[sizeof y];
      std::memcpy(b, &y, sizeof y);
      bits.append(b, sizeof y);
    };
    // Through volatile, so that the compiler cannot fold a call into its own exact result.
    for (volatile double x : kLog) keep(std::log(x));
    for (volatile double x : kExp) keep(std::exp(x));
    for (const auto& xy : kPow) {
      volatile double x = xy[0], y = xy[1];
      keep(std::pow(x, y));
    }
#if defined(__GLIBC__)
    const std::string library = std::string("glibc ") + gnu_get_libc_version();
#else
    const std::string library = "C library";
#endif
    return library + ", log/exp/pow " + fnv1a_hex(bits).substr(0, 8);
  }();
  return s.c_str();
}

}  // namespace progsurv
