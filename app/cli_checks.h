#pragma once
// Checks of command-line numbers whose messages say what was expected. CLI11's PositiveNumber
// lets NaN and infinity through, and on a bad value prints its range with 1.8e308 written out.

#include <CLI/CLI.hpp>

namespace app {

// A finite number > 0: "--seconds: must be a finite number > 0, found nan".
const CLI::Validator& positiveNumber();
// A finite number >= 0.
const CLI::Validator& nonNegativeNumber();

}  // namespace app
