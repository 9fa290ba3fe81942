#pragma once
// Checks of command-line numbers whose messages say what was expected. CLI11's PositiveNumber
// lets NaN and infinity through, on a bad value prints its range with 1.8e308 written out, and
// CLI11 reads integers with a C base prefix ("010" is 8, "0x10" is 16).

#include <CLI/CLI.hpp>

namespace app {

// A finite decimal number > 0: "--seconds: must be a finite number > 0, found nan".
const CLI::Validator& positiveNumber();
// A finite decimal number >= 0.
const CLI::Validator& nonNegativeNumber();
// A whole number >= 1 in decimal digits, without a leading zero: "--starts: must be a whole
// number >= 1, found 2.5".
const CLI::Validator& positiveInteger();
// A whole number >= 0 in decimal digits, without a leading zero.
const CLI::Validator& nonNegativeInteger();

}  // namespace app
