#pragma once
// `charsim inspect FILE`: what a character, controller, motion or weights file holds.

#include <string>

namespace app {

// Prints a summary of the file to stdout (errors to stderr); returns the exit code.
int inspectFile(const std::string& path);

}  // namespace app
