#include "policy/nn/gemm.h"

#include <atomic>
#include <cstdint>

namespace policy::nn {
namespace detail {
bool gemmSse2Available();
void gemmSse2Elu(float* x, size_t count);
void gemmSse2Gelu(float* x, size_t count);
size_t gemmSse2Blocking(int out, int in, int n);
size_t gemmSse2PackedFloats(int out, int in);
void gemmSse2Pack(const float* w, int out, int in, float* packed);
void gemmSse2Run(const float* w, const float* packed, int out, int in, const float* x, int n,
                 float* y, float* space, const GemmOutput& output);
bool gemmAvx2Available();
void gemmAvx2Elu(float* x, size_t count);
void gemmAvx2Gelu(float* x, size_t count);
size_t gemmAvx2Blocking(int out, int in, int n);
size_t gemmAvx2PackedFloats(int out, int in);
void gemmAvx2Pack(const float* w, int out, int in, float* packed);
void gemmAvx2Run(const float* w, const float* packed, int out, int in, const float* x, int n,
                 float* y, float* space, const GemmOutput& output);
bool gemmAvx512Available();
void gemmAvx512Elu(float* x, size_t count);
void gemmAvx512Gelu(float* x, size_t count);
size_t gemmAvx512Blocking(int out, int in, int n);
size_t gemmAvx512PackedFloats(int out, int in);
void gemmAvx512Pack(const float* w, int out, int in, float* packed);
void gemmAvx512Run(const float* w, const float* packed, int out, int in, const float* x, int n,
                   float* y, float* space, const GemmOutput& output);
}  // namespace detail

namespace {

std::atomic<long> g_growths{0};

struct Kernel {
    const char* name;
    size_t (*blocking)(int, int, int);
    size_t (*packedFloats)(int, int);
    void (*pack)(const float*, int, int, float*);
    void (*run)(const float*, const float*, int, int, const float*, int, float*, float*,
                const GemmOutput&);
    void (*elu)(float*, size_t);
    void (*gelu)(float*, size_t);
};

// The widest kernel both compiled in and supported by this CPU (and its OS, which
// __builtin_cpu_supports checks through XGETBV for AVX state).
Kernel pickKernel() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (detail::gemmAvx512Available() && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq")) {
        return {"avx512",
                detail::gemmAvx512Blocking,
                detail::gemmAvx512PackedFloats,
                detail::gemmAvx512Pack,
                detail::gemmAvx512Run,
                detail::gemmAvx512Elu,
                detail::gemmAvx512Gelu};
    }
    if (detail::gemmAvx2Available() && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma")) {
        return {"avx2",
                detail::gemmAvx2Blocking,
                detail::gemmAvx2PackedFloats,
                detail::gemmAvx2Pack,
                detail::gemmAvx2Run,
                detail::gemmAvx2Elu,
                detail::gemmAvx2Gelu};
    }
    return {"baseline",           detail::gemmSse2Blocking, detail::gemmSse2PackedFloats,
            detail::gemmSse2Pack, detail::gemmSse2Run,      detail::gemmSse2Elu,
            detail::gemmSse2Gelu};
#else
    return {"generic",
            detail::gemmSse2Blocking,
            detail::gemmSse2PackedFloats,
            detail::gemmSse2Pack,
            detail::gemmSse2Run,
            detail::gemmSse2Elu,
            detail::gemmSse2Gelu};
#endif
}

const Kernel& kernel() {
    static const Kernel k = pickKernel();
    return k;
}

}  // namespace

float* GemmScratch::get(size_t floats) {
    const size_t padded = floats + 16;
    if (m_storage.size() < padded) {
        noteScratchGrowth();
        m_storage.resize(padded);
    }
    const auto address = reinterpret_cast<uintptr_t>(m_storage.data());
    const size_t skip = ((64 - address % 64) % 64) / sizeof(float);
    return m_storage.data() + skip;
}

void PackedWeights::pack(const float* w, int out, int in) {
    const Kernel& k = kernel();
    m_out = out;
    m_in = in;
    m_packed = true;
    m_storage.assign(k.packedFloats(out, in), 0.0f);
    if (!m_storage.empty()) {
        k.pack(w, out, in, m_storage.data());
    }
}

void gemmLayer(const float* w, int out, int in, const float* x, int n, float* y,
               const GemmOutput& output, GemmScratch& scratch, const PackedWeights* packed) {
    const Kernel& k = kernel();
    const size_t space = k.blocking(out, in, n);
    const float* prepacked = packed != nullptr && packed->packs(out, in) ? packed->data() : nullptr;
    k.run(w, prepacked, out, in, x, n, y, space > 0 ? scratch.get(space) : nullptr, output);
}

void gemmAccumulate(const float* w, int out, int in, const float* x, int n, float* y,
                    GemmScratch& scratch, const PackedWeights* packed) {
    gemmLayer(w, out, in, x, n, y, GemmOutput{}, scratch, packed);
}

void eluInPlace(float* x, size_t count) {
    kernel().elu(x, count);
}

void geluInPlace(float* x, size_t count) {
    kernel().gelu(x, count);
}

const char* gemmKernelName() {
    return kernel().name;
}

long scratchGrowths() {
    return g_growths.load(std::memory_order_relaxed);
}

void noteScratchGrowth() {
    g_growths.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace policy::nn
