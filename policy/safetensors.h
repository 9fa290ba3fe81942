#pragma once
// Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
// u64 little-endian header length N, N bytes of JSON, then the raw little-endian tensor bytes.

#include "sim/result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace policy {

// One tensor entry of a safetensors header; begin/end are byte offsets into the data section.
struct SafetensorsEntry {
    std::string name;
    std::string dtype;           // "F32", "F16", "BF16", "F64", "I32", ...
    std::vector<int64_t> shape;  // row-major dimensions, empty for a scalar
    uint64_t begin = 0;          // [bytes] from the start of the data section
    uint64_t end = 0;            // [bytes] one past the last byte
};

// A validated safetensors file held in memory.
struct SafetensorsFile {
    std::string path;
    std::vector<SafetensorsEntry> entries;        // in header (name) order
    std::map<std::string, std::string> metadata;  // the optional "__metadata__" object
    std::vector<unsigned char> bytes;             // the whole file
    uint64_t dataStart = 0;                       // [bytes] 8 + header length

    // The entry called `name`, or nullptr.
    const SafetensorsEntry* find(const std::string& name) const;
    // Values of a floating-point tensor widened (F16, BF16) or narrowed (F64) to float32,
    // in row-major order; an error names the file and tensor for integer dtypes.
    sim::Result<std::vector<float>> floats(const SafetensorsEntry& entry) const;
};

// Bytes per element of a safetensors dtype string, or 0 when the dtype is unknown.
int safetensorsItemSize(const std::string& dtype);

// Reads and validates a file: header length inside the file, JSON well formed, known dtypes,
// shape product * item size == byte range, ranges inside the data section and not overlapping.
sim::Result<SafetensorsFile> readSafetensors(const std::string& path);

// Only the "__metadata__" object, read from the header without the tensor bytes (for telling
// file kinds apart); errors as readSafetensors gives for the header.
sim::Result<std::map<std::string, std::string>> readSafetensorsMetadata(const std::string& path);

// Same as readSafetensors for bytes already in memory; `label` names them in errors.
sim::Result<SafetensorsFile> parseSafetensors(std::vector<unsigned char> bytes,
                                              const std::string& label);

// A tensor to write: dtype, shape and its raw little-endian bytes.
struct SafetensorsTensor {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    std::vector<unsigned char> bytes;
};

// An F32 tensor of the given shape from `count` floats (count must equal the shape product).
SafetensorsTensor makeF32Tensor(const std::string& name, std::vector<int64_t> shape,
                                const float* values, size_t count);

// Writes tensors in the given order, header padded with spaces to a multiple of 8 bytes, to
// `path`.tmp, then renames it onto `path`: a crash or a full disk never leaves half a file there.
sim::Status writeSafetensors(const std::string& path, const std::vector<SafetensorsTensor>& tensors,
                             const std::map<std::string, std::string>& metadata = {});

// IEEE half (binary16) bits to float, exact for every value including subnormals, inf, NaN.
float halfToFloat(uint16_t bits);
// bfloat16 bits to float (exact: the upper half of a float32).
float bfloat16ToFloat(uint16_t bits);

// A tensor shape as text, e.g. "[197,1024]", for messages.
std::string shapeText(const std::vector<int64_t>& shape);

}  // namespace policy
