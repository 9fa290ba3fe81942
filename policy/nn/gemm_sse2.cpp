// Eigen GEMM/GEMV kernel for sse2 (policy/nn/gemm.h); CMake compiles this file alone with the
// matching -m flags on x86, and dispatch calls it only when the CPU has them.
#if 1
#define CHARSIM_EIGEN_NS charsim_eigen_sse2
#define CHARSIM_GEMM_FN(name) gemmSse2##name
#include "policy/nn/gemm_kernel.inc"
#define CHARSIM_HAVE_GEMM 1
#endif

#include <cstddef>

namespace policy::nn::detail {
// True when this kernel was compiled for its instruction set.
bool gemmSse2Available() {
#if defined(CHARSIM_HAVE_GEMM)
    return true;
#else
    return false;
#endif
}
#if !defined(CHARSIM_HAVE_GEMM)
size_t gemmSse2Blocking(int, int, int) {
    return 0;
}
void gemmSse2Run(const float*, int, int, const float*, int, float*, float*) {}
void gemmSse2Elu(float*, size_t) {}
void gemmSse2Gelu(float*, size_t) {}
#endif
}  // namespace policy::nn::detail
