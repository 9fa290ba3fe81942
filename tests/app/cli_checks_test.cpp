// The command line's number checks: what they let through and what they say otherwise.

#include <doctest/doctest.h>

#include <string>

#include "app/cli_checks.h"

namespace {

// The message CLI11 gives for `--value TEXT` under `check`, or "" when it parses.
std::string parse(const CLI::Validator& check, const std::string& text) {
    CLI::App app;
    double value = 0;
    app.add_option("--value", value)->check(check);
    try {
        app.parse(std::vector<std::string>{text, "--value"});  // CLI11 reads the vector backwards
    } catch (const CLI::ParseError& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("number flags take finite decimal numbers and name what they expected otherwise") {
        for (const char* good : {"1", "0.5", "2e3", "+7", "20.0"}) {
            CAPTURE(good);
            CHECK(parse(app::positiveNumber(), good).empty());
        }
        for (const char* bad : {"0", "-1", "nan", "inf", " 5", "0x10", "5s", ""}) {
            CAPTURE(bad);
            const std::string message = parse(app::positiveNumber(), bad);
            CHECK(message.find("must be a finite number > 0, found " + std::string(bad)) !=
                  std::string::npos);
        }
        CHECK(parse(app::nonNegativeNumber(), "0").empty());
        CHECK(parse(app::nonNegativeNumber(), "-0.1").find("must be a finite number >= 0") !=
              std::string::npos);
    }

    TEST_CASE("count flags take whole decimal numbers: no fraction, exponent or C prefix") {
        for (const char* good : {"1", "10", "+3", "60000000"}) {
            CAPTURE(good);
            CHECK(parse(app::positiveInteger(), good).empty());
        }
        // "010" would be 8 and "0x10" 16 to CLI11's integer reader.
        for (const char* bad : {"0", "-2", "2.5", "1e3", "010", "0x10", " 5", "5 ", "nan"}) {
            CAPTURE(bad);
            const std::string message = parse(app::positiveInteger(), bad);
            CHECK(message.find("must be a whole number >= 1, found") != std::string::npos);
        }
        CHECK(parse(app::nonNegativeInteger(), "0").empty());
        CHECK(parse(app::nonNegativeInteger(), "-1").find("must be a whole number >= 0") !=
              std::string::npos);
    }
}
