#pragma once
// Reading a whole text file, with an error that names it.

#include <string>

#include "sim/result.h"

namespace sim {

// The file's bytes; the error names the path and what the file was meant to be ("motion").
Result<std::string> readTextFile(const std::string& path, const std::string& what);

}  // namespace sim
