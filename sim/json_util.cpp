#include "sim/json_util.h"

#include <cmath>

namespace sim::json {

namespace {

std::string prefix(const Where& where) {
    return where.entry.empty() ? where.file + ": " : where.file + ": " + where.entry + ": ";
}

// Line and column (1-based) of a byte offset in `text`.
std::string lineColumn(const std::string& text, std::size_t byte) {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < text.size() && i + 1 < byte; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<Json> parseText(const std::string& text, const std::string& sourceName) {
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        return Error{sourceName + ": not valid JSON at " + lineColumn(text, e.byte) + ": " +
                     e.what()};
    } catch (const nlohmann::json::exception& e) {
        return Error{sourceName + ": not valid JSON: " + e.what() +
                     " (numbers must be finite and fit in a double)"};
    }
}

std::string describe(const Json* value) {
    if (value == nullptr) {
        return "nothing (the field is missing)";
    }
    std::string text = value->dump();
    constexpr std::size_t kMaxLength = 60;
    if (text.size() > kMaxLength) {
        text = text.substr(0, kMaxLength) + "...";
    }
    return text;
}

Error fieldError(const Where& where, const std::string& field, const std::string& expected,
                 const Json* value) {
    return Error{prefix(where) + "field \"" + field + "\" must be " + expected + ", found " +
                 describe(value)};
}

Error entryError(const Where& where, const std::string& message) {
    return Error{prefix(where) + message};
}

const Json* member(const Json& object, const std::string& field) {
    if (!object.is_object()) {
        return nullptr;
    }
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

Status readNumber(const Json& object, const Where& where, const std::string& field, double& out,
                  bool required) {
    const Json* value = member(object, field);
    if (value == nullptr) {
        if (required) {
            return fieldError(where, field, "a number", value);
        }
        return Status::success();
    }
    if (!value->is_number()) {
        return fieldError(where, field, "a number", value);
    }
    double number = value->get<double>();
    if (!std::isfinite(number) || std::abs(number) > kMaxMagnitude) {
        return fieldError(where, field, "a finite number of magnitude at most 1e9", value);
    }
    out = number;
    return Status::success();
}

Status readInt(const Json& object, const Where& where, const std::string& field, int& out,
               bool required, const std::string& expected) {
    const Json* value = member(object, field);
    if (value == nullptr) {
        if (required) {
            return fieldError(where, field, expected, value);
        }
        return Status::success();
    }
    if (!value->is_number()) {
        return fieldError(where, field, expected, value);
    }
    double number = value->get<double>();
    if (!std::isfinite(number) || std::floor(number) != number || std::abs(number) > 1e6) {
        return fieldError(where, field, expected, value);
    }
    out = static_cast<int>(number);
    return Status::success();
}

Status readBool(const Json& object, const Where& where, const std::string& field, bool& out,
                bool required) {
    const Json* value = member(object, field);
    if (value == nullptr) {
        if (required) {
            return fieldError(where, field, "true, false, 0 or 1", value);
        }
        return Status::success();
    }
    if (value->is_boolean()) {
        out = value->get<bool>();
        return Status::success();
    }
    if (value->is_number() && std::isfinite(value->get<double>())) {
        out = value->get<double>() != 0;
        return Status::success();
    }
    return fieldError(where, field, "true, false, 0 or 1", value);
}

Status readString(const Json& object, const Where& where, const std::string& field,
                  std::string& out, bool required) {
    const Json* value = member(object, field);
    if (value == nullptr) {
        if (required) {
            return fieldError(where, field, "a string", value);
        }
        return Status::success();
    }
    if (!value->is_string()) {
        return fieldError(where, field, "a string", value);
    }
    out = value->get<std::string>();
    return Status::success();
}

const Json* readArray(const Json& object, const Where& where, const std::string& field,
                      bool required, std::optional<Error>& error) {
    const Json* value = member(object, field);
    if (value == nullptr) {
        if (required) {
            error = fieldError(where, field, "an array", value);
        }
        return nullptr;
    }
    if (!value->is_array()) {
        error = fieldError(where, field, "an array", value);
        return nullptr;
    }
    return value;
}

}  // namespace sim::json
