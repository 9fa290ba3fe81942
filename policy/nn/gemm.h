#pragma once
// Single-precision matrix products for the layers: Eigen's GEMM/GEMV kernels, compiled three
// times (SSE2, AVX2+FMA, AVX-512) and picked at run time from the CPU, so a portable build
// still runs the widest kernel the machine has. Packing buffers live in GemmScratch, so a
// product makes no heap allocation once the scratch has grown to its size.

#include <cstddef>
#include <vector>

namespace policy::nn {

// Packing space for one product at a time; grows to the largest product seen, never shrinks.
class GemmScratch {
public:
    // At least `floats` floats, aligned to 64 bytes.
    float* get(size_t floats);

private:
    std::vector<float> m_storage;
};

// y[out, n] += w[out, in] * x[in, n]: w row-major, x and y column-major with leading
// dimensions `in` and `out` (one sample or token per column). n == 1 is a GEMV.
void gemmAccumulate(const float* w, int out, int in, const float* x, int n, float* y,
                    GemmScratch& scratch);

// ELU (alpha 1) and exact GELU in place, vectorized by the same dispatched kernel.
void eluInPlace(float* x, size_t count);
void geluInPlace(float* x, size_t count);

// Name of the kernel in use: "avx512", "avx2", "baseline" (the build flags) or "generic".
const char* gemmKernelName();

// Number of times any scratch buffer of policy::nn grew (a heap allocation); tests check it
// stays put across forward calls after the first.
long scratchGrowths();

// Internal: records one growth.
void noteScratchGrowth();

// Growable float buffer for activations: grows to the largest size requested.
class Buffer {
public:
    // At least `floats` floats (contents kept only up to the old size).
    float* get(size_t floats) {
        if (m_data.size() < floats) {
            noteScratchGrowth();
            m_data.resize(floats);
        }
        return m_data.data();
    }

private:
    std::vector<float> m_data;
};

}  // namespace policy::nn
