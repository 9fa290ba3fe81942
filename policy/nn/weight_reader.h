#pragma once
// Reads a model's tensors from a safetensors file by their PyTorch state_dict names, checking
// each against the shape the model expects. The first problem is kept and reported by finish().

#include "policy/safetensors.h"
#include "sim/result.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace policy::nn {


class WeightReader {
public:
    // Reads and validates the file (header, dtypes, ranges: see policy/safetensors.h).
    static sim::Result<WeightReader> open(const std::string& path);
    // Uses a file already read.
    explicit WeightReader(SafetensorsFile file);

    // Row-major float32 values of tensor `name`, which must have `shape` and finite values.
    // On a problem the first error is kept and zeros of the expected size are returned, so a
    // loader reads every tensor in sequence and checks finish() once.
    std::vector<float> read(const std::string& name, const std::vector<int64_t>& shape);

    // The first error, else an error naming any tensor in the file that was never read
    // (a file for another model, as PyTorch's load_state_dict(strict=True) refuses).
    sim::Status finish() const;

    // The file's path, for messages.
    const std::string& path() const { return m_file.path; }
    // The file's __metadata__ "description", or "safetensors <path>".
    std::string description() const;

private:
    SafetensorsFile m_file;
    std::set<std::string> m_read;
    std::string m_error;
};

}  // namespace policy::nn
