#include "app/cli_checks.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace app {

namespace {

// strtod also reads leading spaces and C hex ("0x10"); the command line takes neither.
bool plainText(const std::string& text) {
    return !text.empty() && text.find_first_of(" \t\n\r\f\vxX") == std::string::npos;
}

// A validator that reads the text as a decimal number and asks `accepts` of it; `expected`
// says what it wanted, in the message.
CLI::Validator numberCheck(bool (*accepts)(double), const std::string& expected) {
    return CLI::Validator(
        [accepts, expected](std::string& text) -> std::string {
            char* end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            const bool whole = plainText(text) && end == text.c_str() + text.size();
            if (whole && accepts(value)) {
                return {};
            }
            return "must be " + expected + ", found " + text;
        },
        expected);
}

// A validator for whole numbers written as decimal digits (no sign but an optional '+', no
// leading zero), at least `minimum`.
CLI::Validator integerCheck(long long minimum, const std::string& expected) {
    return CLI::Validator(
        [minimum, expected](std::string& text) -> std::string {
            const std::string digits = !text.empty() && text[0] == '+' ? text.substr(1) : text;
            bool valid =
                !digits.empty() && (digits.size() == 1 || digits[0] != '0') && digits.size() <= 18;
            for (char c : digits) {
                valid = valid && std::isdigit(static_cast<unsigned char>(c));
            }
            if (valid && std::atoll(digits.c_str()) >= minimum) {
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

const CLI::Validator& positiveInteger() {
    static const CLI::Validator check = integerCheck(1, "a whole number >= 1");
    return check;
}

const CLI::Validator& nonNegativeInteger() {
    static const CLI::Validator check = integerCheck(0, "a whole number >= 0");
    return check;
}

}  // namespace app
