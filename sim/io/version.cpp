#include "progsurv/io/version.hpp"

#include <string>

#include "progsurv/build_info.hpp"

namespace progsurv {

const char* version_string() { return build_info::version; }

const char* build_string() {
  static const std::string s =
      std::string(build_info::compiler) + ", " + build_info::build_type + ", " + build_info::system;
  return s.c_str();
}

}  // namespace progsurv
