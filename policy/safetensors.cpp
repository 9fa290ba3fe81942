#include "policy/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace policy {
namespace {

using sim::Error;
using Json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit

std::string fail(const std::string& label, const std::string& what) {
    return label + ": " + what;
}

// Parses a non-negative integer JSON value into `out`; false when it is anything else.
bool readCount(const Json& value, uint64_t& out) {
    if (!value.is_number_integer() && !value.is_number_unsigned()) {
        return false;
    }
    if (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() < 0) {
        return false;
    }
    out = value.get<uint64_t>();
    return true;
}

// Validates one header entry and returns it, or the reason it is refused.
sim::Result<SafetensorsEntry> parseEntry(const std::string& name, const Json& value,
                                         const std::string& label) {
    const std::string where = "tensor '" + name + "'";
    if (!value.is_object()) {
        return Error{fail(label, where + " header entry is not a JSON object")};
    }
    SafetensorsEntry entry;
    entry.name = name;
    const auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string()) {
        return Error{fail(label, where + " has no \"dtype\" string")};
    }
    entry.dtype = dtype->get<std::string>();
    const int itemSize = safetensorsItemSize(entry.dtype);
    if (itemSize == 0) {
        return Error{fail(label, where + " has unknown dtype '" + entry.dtype +
                                     "' (expected F64, F32, F16, BF16, I64, I32, I16, I8, "
                                     "U64, U32, U16, U8 or BOOL)")};
    }
    const auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array()) {
        return Error{fail(label, where + " has no \"shape\" array")};
    }
    uint64_t elements = 1;
    for (const Json& dim : *shape) {
        uint64_t d = 0;
        if (!readCount(dim, d)) {
            return Error{fail(label, where + " shape " + shape->dump() +
                                         " has an entry that is not a non-negative integer")};
        }
        if (d != 0 && elements > std::numeric_limits<uint64_t>::max() / d / 8) {
            return Error{fail(label, where + " shape " + shape->dump() + " is too large")};
        }
        elements *= d;
        entry.shape.push_back(static_cast<int64_t>(d));
    }
    const auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
        !readCount((*offsets)[0], entry.begin) || !readCount((*offsets)[1], entry.end) ||
        entry.begin > entry.end) {
        return Error{fail(label, where + " needs \"data_offsets\": [begin, end] with "
                                         "0 <= begin <= end")};
    }
    const uint64_t expected = elements * static_cast<uint64_t>(itemSize);
    if (entry.end - entry.begin != expected) {
        std::ostringstream msg;
        msg << where << " shape " << shape->dump() << " of " << entry.dtype << " needs " << expected
            << " bytes, but data_offsets [" << entry.begin << ", " << entry.end << "] hold "
            << entry.end - entry.begin;
        return Error{fail(label, msg.str())};
    }
    return entry;
}

// Parses "__metadata__": an object of string values.
sim::Status parseMetadata(const Json& value, std::map<std::string, std::string>& out,
                          const std::string& label) {
    if (!value.is_object()) {
        return Error{fail(label, "\"__metadata__\" is not a JSON object")};
    }
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string()) {
            return Error{fail(label, "\"__metadata__\" value '" + key + "' is not a string")};
        }
        out[key] = item.get<std::string>();
    }
    return sim::Status::success();
}

// Checks every range lies inside the data section and no two ranges share a byte.
sim::Status checkRanges(const std::vector<SafetensorsEntry>& entries, uint64_t dataSize,
                        const std::string& label) {
    std::vector<const SafetensorsEntry*> sorted;
    for (const SafetensorsEntry& e : entries) {
        if (e.end > dataSize) {
            std::ostringstream msg;
            msg << "tensor '" << e.name << "' data_offsets [" << e.begin << ", " << e.end
                << "] run past the data section of " << dataSize << " bytes (file truncated?)";
            return Error{fail(label, msg.str())};
        }
        sorted.push_back(&e);
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    // Empty tensors own no bytes; any other range must start at or after the furthest end so far.
    const SafetensorsEntry* furthest = nullptr;
    for (const SafetensorsEntry* cur : sorted) {
        if (cur->begin == cur->end) {
            continue;
        }
        if (furthest != nullptr && cur->begin < furthest->end) {
            std::ostringstream msg;
            msg << "tensor '" << cur->name << "' bytes [" << cur->begin << ", " << cur->end
                << ") overlap tensor '" << furthest->name << "' bytes [" << furthest->begin << ", "
                << furthest->end << ")";
            return Error{fail(label, msg.str())};
        }
        if (furthest == nullptr || cur->end > furthest->end) {
            furthest = cur;
        }
    }
    return sim::Status::success();
}

}  // namespace

int safetensorsItemSize(const std::string& dtype) {
    static const std::map<std::string, int> kSizes = {
        {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
        {"I8", 1},  {"U64", 8}, {"U32", 4}, {"U16", 2},  {"U8", 1},  {"BOOL", 1}};
    const auto it = kSizes.find(dtype);
    return it == kSizes.end() ? 0 : it->second;
}

float halfToFloat(uint16_t bits) {
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    const uint32_t exponent = (bits >> 10) & 0x1fu;
    uint32_t mantissa = bits & 0x3ffu;
    uint32_t out = 0;
    if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13);  // inf or NaN (payload kept)
    } else if (exponent != 0) {
        out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa != 0) {
        // Subnormal half: shift the leading one into the implicit bit.
        int e = -1;
        do {
            ++e;
            mantissa <<= 1;
        } while ((mantissa & 0x400u) == 0);
        out = sign | ((112u - static_cast<uint32_t>(e)) << 23) | ((mantissa & 0x3ffu) << 13);
    } else {
        out = sign;
    }
    return std::bit_cast<float>(out);
}

float bfloat16ToFloat(uint16_t bits) {
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
    for (const SafetensorsEntry& e : entries) {
        if (e.name == name) {
            return &e;
        }
    }
    return nullptr;
}

sim::Result<std::vector<float>> SafetensorsFile::floats(const SafetensorsEntry& entry) const {
    const unsigned char* src = bytes.data() + dataStart + entry.begin;
    const int itemSize = safetensorsItemSize(entry.dtype);
    const size_t count = (entry.end - entry.begin) / static_cast<uint64_t>(itemSize);
    std::vector<float> out(count);
    if (entry.dtype == "F32") {
        std::memcpy(out.data(), src, count * 4);
    } else if (entry.dtype == "F16" || entry.dtype == "BF16") {
        const bool half = entry.dtype == "F16";
        for (size_t i = 0; i < count; ++i) {
            uint16_t v = 0;
            std::memcpy(&v, src + 2 * i, 2);
            out[i] = half ? halfToFloat(v) : bfloat16ToFloat(v);
        }
    } else if (entry.dtype == "F64") {
        for (size_t i = 0; i < count; ++i) {
            double v = 0;
            std::memcpy(&v, src + 8 * i, 8);
            out[i] = static_cast<float>(v);
        }
    } else {
        return Error{path + ": tensor '" + entry.name + "' has dtype " + entry.dtype +
                     ", expected a floating-point dtype (F32, F16, BF16 or F64)"};
    }
    return out;
}

sim::Result<SafetensorsFile> parseSafetensors(std::vector<unsigned char> bytes,
                                              const std::string& label) {
    SafetensorsFile file;
    file.path = label;
    if (bytes.size() < 8) {
        return Error{fail(label, "file is " + std::to_string(bytes.size()) +
                                     " bytes, too short for the 8-byte header length")};
    }
    uint64_t headerSize = 0;
    std::memcpy(&headerSize, bytes.data(), 8);
    if (headerSize > bytes.size() - 8 || headerSize > kMaxHeaderBytes) {
        std::ostringstream msg;
        msg << "header length " << headerSize << " runs past the end of the file (" << bytes.size()
            << " bytes; at most " << bytes.size() - 8 << " possible)";
        return Error{fail(label, msg.str())};
    }
    const char* headerBegin = reinterpret_cast<const char*>(bytes.data() + 8);
    const Json header = Json::parse(headerBegin, headerBegin + headerSize, nullptr, false);
    if (header.is_discarded()) {
        return Error{fail(label, "header is not well-formed JSON")};
    }
    if (!header.is_object()) {
        return Error{fail(label, "header JSON is not an object of tensors")};
    }
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (sim::Status st = parseMetadata(value, file.metadata, label); !st) {
                return Error{st.error()};
            }
            continue;
        }
        auto entry = parseEntry(name, value, label);
        if (!entry) {
            return Error{entry.error()};
        }
        file.entries.push_back(std::move(entry.value()));
    }
    file.dataStart = 8 + headerSize;
    if (sim::Status st = checkRanges(file.entries, bytes.size() - file.dataStart, label); !st) {
        return Error{st.error()};
    }
    file.bytes = std::move(bytes);
    return file;
}

sim::Result<SafetensorsFile> readSafetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Error{path + ": cannot open file"};
    }
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    return parseSafetensors(std::move(bytes), path);
}

sim::Result<std::map<std::string, std::string>> readSafetensorsMetadata(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return Error{path + ": cannot open file"};
    }
    const auto fileSize = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    uint64_t headerSize = 0;
    if (fileSize < 8 || !in.read(reinterpret_cast<char*>(&headerSize), 8)) {
        return Error{fail(path, "file is " + std::to_string(fileSize) +
                                    " bytes, too short for the 8-byte header length")};
    }
    if (headerSize > fileSize - 8 || headerSize > kMaxHeaderBytes) {
        return Error{fail(path, "header length " + std::to_string(headerSize) +
                                    " runs past the end of the file (" + std::to_string(fileSize) +
                                    " bytes)")};
    }
    std::string headerText(headerSize, '\0');
    if (!in.read(headerText.data(), static_cast<std::streamsize>(headerSize))) {
        return Error{fail(path, "cannot read the header")};
    }
    const Json header = Json::parse(headerText, nullptr, false);
    if (header.is_discarded() || !header.is_object()) {
        return Error{fail(path, "header is not a well-formed JSON object")};
    }
    std::map<std::string, std::string> metadata;
    if (const auto found = header.find("__metadata__"); found != header.end()) {
        CHARSIM_TRY(parseMetadata(*found, metadata, path));
    }
    return metadata;
}

SafetensorsTensor makeF32Tensor(const std::string& name, std::vector<int64_t> shape,
                                const float* values, size_t count) {
    SafetensorsTensor t{name, "F32", std::move(shape), std::vector<unsigned char>(count * 4)};
    if (count > 0) {
        std::memcpy(t.bytes.data(), values, count * 4);
    }
    return t;
}

sim::Status writeSafetensors(const std::string& path, const std::vector<SafetensorsTensor>& tensors,
                             const std::map<std::string, std::string>& metadata) {
    Json header = Json::object();
    uint64_t offset = 0;
    for (const SafetensorsTensor& t : tensors) {
        uint64_t elements = 1;
        for (int64_t d : t.shape) {
            elements *= static_cast<uint64_t>(d);
        }
        const int itemSize = safetensorsItemSize(t.dtype);
        if (itemSize == 0 || elements * static_cast<uint64_t>(itemSize) != t.bytes.size()) {
            return Error{path + ": tensor '" + t.name + "' (" + t.dtype +
                         ") byte count does not match its shape; nothing written"};
        }
        header[t.name] = {{"dtype", t.dtype},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    if (!metadata.empty()) {
        header["__metadata__"] = metadata;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t headerSize = text.size();

    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            return Error{temporary + ": cannot open for writing"};
        }
        out.write(reinterpret_cast<const char*>(&headerSize), 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const SafetensorsTensor& t : tensors) {
            out.write(reinterpret_cast<const char*>(t.bytes.data()),
                      static_cast<std::streamsize>(t.bytes.size()));
        }
        out.flush();
        if (!out) {
            std::error_code ignored;
            std::filesystem::remove(temporary, ignored);
            return Error{temporary + ": write failed (disk full?); " + path + " left as it was"};
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        return Error{"cannot rename " + temporary + " to " + path + ": " + error.message()};
    }
    return sim::Status::success();
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < shape.size(); ++i) {
        s << (i ? "," : "") << shape[i];
    }
    s << ']';
    return s.str();
}

}  // namespace policy
