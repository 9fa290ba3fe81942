// Eigen GEMM/GEMV kernel for avx512 (policy/nn/gemm.h); CMake compiles this file alone with the
// matching -m flags on x86, and dispatch calls it only when the CPU has them.
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define CHARSIM_EIGEN_NS charsim_eigen_avx512
#define CHARSIM_GEMM_FN(name) gemmAvx512##name
#include "policy/nn/gemm_kernel.inc"
#define CHARSIM_HAVE_GEMM 1
#endif

#include <cstddef>

namespace policy::nn::detail {
// True when this kernel was compiled for its instruction set.
bool gemmAvx512Available() {
#if defined(CHARSIM_HAVE_GEMM)
    return true;
#else
    return false;
#endif
}
#if !defined(CHARSIM_HAVE_GEMM)
size_t gemmAvx512Blocking(int, int, int) {
    return 0;
}
void gemmAvx512Run(const float*, int, int, const float*, int, float*, float*) {}
void gemmAvx512Elu(float*, size_t) {}
void gemmAvx512Gelu(float*, size_t) {}
#endif
}  // namespace policy::nn::detail
