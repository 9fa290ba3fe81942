#pragma once
// Reading and writing a whole text file, with errors that name it, and numbers for messages.

#include <string>

#include "sim/result.h"

namespace sim {

// The file's bytes; the error names the path and what the file was meant to be ("motion").
Result<std::string> readTextFile(const std::string& path, const std::string& what);

// Writes `text` to `path`.tmp and renames it onto `path`, so a crash or a full disk never leaves
// half a file there; on failure the temporary file is removed and the error names the file.
Status writeTextFile(const std::string& path, const std::string& text, const std::string& what);

// A number as printf's %g writes it (6 significant digits, no trailing zeros), for messages.
std::string shortNumber(double value);

}  // namespace sim
