#include "app/cli_checks.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace app {

namespace {

// A validator that reads the text as a number and asks `accepts` of it; `expected` says what
// it wanted in the message.
CLI::Validator numberCheck(bool (*accepts)(double), const std::string& expected) {
    return CLI::Validator(
        [accepts, expected](std::string& text) -> std::string {
            char* end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            const bool whole = !text.empty() && end == text.c_str() + text.size();
            if (whole && accepts(value)) {
                return {};
            }
            return "must be " + expected + ", found " + text;
        },
        expected);
}

}  // namespace

const CLI::Validator& positiveNumber() {
    static const CLI::Validator check = numberCheck(
        [](double value) { return std::isfinite(value) && value > 0; }, "a finite number > 0");
    return check;
}

const CLI::Validator& nonNegativeNumber() {
    static const CLI::Validator check = numberCheck(
        [](double value) { return std::isfinite(value) && value >= 0; }, "a finite number >= 0");
    return check;
}

}  // namespace app
