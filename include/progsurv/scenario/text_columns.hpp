#pragma once
// Names in the text tables (templates, remedies, bundles) are the user's own and may be any
// UTF-8: a table pads them by the columns they take, not by their bytes.
#include <cstddef>
#include <string>

namespace progsurv {

// The columns `text` takes in a fixed-width table: one per UTF-8 code point (combining marks
// and wide East Asian characters are not told apart).
std::size_t text_columns(const std::string& text);

// `text` followed by spaces up to `columns` columns (unchanged when it is as wide already).
std::string pad_columns(const std::string& text, std::size_t columns);

}  // namespace progsurv
