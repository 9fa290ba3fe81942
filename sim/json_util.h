#pragma once
// Private helpers for sim/'s JSON loaders: parse text with a located error, and read typed fields
// whose errors name the file, the entry, the field and what was expected versus found.
// Only sim/*.cpp include this header (nlohmann-json is a private dependency of sim).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "sim/result.h"
#include "sim/text_file.h"

namespace sim::json {

using Json = nlohmann::json;

// Largest magnitude accepted for any number in a data file; anything beyond is a typo or garbage.
constexpr double kMaxMagnitude = 1e9;

// Where a value lives, for messages: `file: entry: field "Name" ...`.
struct Where {
    std::string file;   // source name as given to the loader
    std::string entry;  // e.g. `Skeleton.Joints[4] ("right_knee")`; empty for the top level
};

using sim::readTextFile;

// Parses JSON text; the error names the source, the line and the column.
Result<Json> parseText(const std::string& text, const std::string& sourceName);

// A short rendering of a JSON value for "found ..." (strings quoted, long values cut).
std::string describe(const Json* value);

// `file: entry: field "F" must be EXPECTED, found FOUND` (FOUND from `value`, or "nothing").
Error fieldError(const Where& where, const std::string& field, const std::string& expected,
                 const Json* value);

// `file: entry: MESSAGE`.
Error entryError(const Where& where, const std::string& message);

// The member `field` of `object`, or nullptr when absent or null.
const Json* member(const Json& object, const std::string& field);

// A finite number of magnitude <= kMaxMagnitude. When the field is absent, `out` keeps its value
// if `required` is false, otherwise an error is returned.
Status readNumber(const Json& object, const Where& where, const std::string& field, double& out,
                  bool required = false);

// An integer (an integral-valued number is accepted, as DeepMimic reads ints through doubles).
Status readInt(const Json& object, const Where& where, const std::string& field, int& out,
               bool required = false, const std::string& expected = "an integer");

// A boolean written as true/false or as a number (0 is false, anything else true).
Status readBool(const Json& object, const Where& where, const std::string& field, bool& out,
                bool required = false);

// A string.
Status readString(const Json& object, const Where& where, const std::string& field,
                  std::string& out, bool required = false);

// An array member; returns nullptr and sets `error` when absent (if required) or not an array.
const Json* readArray(const Json& object, const Where& where, const std::string& field,
                      bool required, std::optional<Error>& error);

}  // namespace sim::json
