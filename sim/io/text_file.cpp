#include "io/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "progsurv/scenario/error.hpp"

namespace progsurv {

std::string read_text_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file)
    throw ScenarioError(path, 0, 0, "", std::string("cannot read file: ") + std::strerror(errno));
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  // fopen succeeds on a directory on Linux; the read then fails with EISDIR.
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed)
    throw ScenarioError(path, 0, 0, "",
                        std::string("cannot read file: ") + std::strerror(read_errno));
  return text;
}

}  // namespace progsurv
