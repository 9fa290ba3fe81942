#pragma once
// Single-precision matrix products for the layers, compiled three times (SSE2, AVX2+FMA,
// AVX-512) and picked at run time from the CPU, so a portable build still runs the widest kernel
// the machine has: Eigen's GEMV for one column, the packed kernel of gemm_packed_avx512.inc for
// batches on AVX-512, Eigen's GEMM otherwise. Packing buffers live in GemmScratch, so a product
// makes no heap allocation once the scratch has grown to its size.

#include <cstddef>
#include <new>
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

// Allocates on 64-byte boundaries, so a copy of a packing stays aligned.
template <class T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::align_val_t kAlignment{64};
    AlignedAllocator() = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) {}
    T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
    void deallocate(T* p, size_t) noexcept { ::operator delete(p, kAlignment); }
    template <class U>
    bool operator==(const AlignedAllocator<U>&) const {
        return true;
    }
    template <class U>
    bool operator!=(const AlignedAllocator<U>&) const {
        return false;
    }
};

// A weight matrix laid out once for the kernel in use (the AVX-512 kernel reads 64-row panels),
// so products with it skip packing the weights on every call. Pack again whenever the weights
// change.
class PackedWeights {
public:
    // Packs the row-major w [out, in].
    void pack(const float* w, int out, int in);
    // Whether pack() ran for an [out, in] matrix.
    bool packs(int out, int in) const { return m_packed && out == m_out && in == m_in; }
    // The packing, or null where the kernel multiplies row-major weights as they are.
    const float* data() const { return m_storage.empty() ? nullptr : m_storage.data(); }

private:
    std::vector<float, AlignedAllocator<float>> m_storage;
    int m_out = 0, m_in = 0;
    bool m_packed = false;
};

// What a product leaves in y besides w x.
struct GemmOutput {
    const float* bias = nullptr;  // [out]: y = bias + w x (y's old values unread); null: y += w x
    bool relu = false;            // then y = max(y, 0), as std::max (NaN stays NaN)
};

// y[out, n] += w[out, in] * x[in, n]: w row-major, x and y column-major with leading
// dimensions `in` and `out` (one sample or token per column). n == 1 is a GEMV. `packed`, when
// given, must hold w's packing: the product then reads it instead of packing w itself.
void gemmAccumulate(const float* w, int out, int in, const float* x, int n, float* y,
                    GemmScratch& scratch, const PackedWeights* packed = nullptr);

// A dense layer: y = w x + bias, through a ReLU when `output.relu`. Bitwise what writing the
// bias, gemmAccumulate and a ReLU pass give; the packed kernel does it in its tile stores, which
// saves two passes over y (at batch 4096 a 1024-row y is 16 MB, past the caches).
void gemmLayer(const float* w, int out, int in, const float* x, int n, float* y,
               const GemmOutput& output, GemmScratch& scratch,
               const PackedWeights* packed = nullptr);

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
