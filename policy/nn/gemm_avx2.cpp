// Eigen GEMM/GEMV kernel for avx2 (policy/nn/gemm.h); CMake compiles this file alone with the
// matching -m flags on x86, and dispatch calls it only when the CPU has them.
#if defined(__AVX2__) && defined(__FMA__)
#define CHARSIM_EIGEN_NS charsim_eigen_avx2
#define CHARSIM_GEMM_FN(name) gemmAvx2##name
#include "policy/nn/gemm_kernel.inc"
#define CHARSIM_HAVE_GEMM 1
#endif

#include <cstddef>

namespace policy::nn::detail {
// True when this kernel was compiled for its instruction set.
bool gemmAvx2Available() {
#if defined(CHARSIM_HAVE_GEMM)
    return true;
#else
    return false;
#endif
}
#if !defined(CHARSIM_HAVE_GEMM)
size_t gemmAvx2Blocking(int, int, int) {
    return 0;
}
void gemmAvx2Run(const float*, int, int, const float*, int, float*, float*) {}
void gemmAvx2Elu(float*, size_t) {}
void gemmAvx2Gelu(float*, size_t) {}
#endif
}  // namespace policy::nn::detail
