// Eigen GEMM/GEMV kernel for AVX2 + FMA (policy/nn/gemm.h); CMake compiles this file alone with the
// matching -m flags on x86, and dispatch calls it only when the CPU has them.
#if defined(__AVX2__) && defined(__FMA__)
#define CHARSIM_GEMM_ENABLED 1
#else
#define CHARSIM_GEMM_ENABLED 0
#endif
#define CHARSIM_EIGEN_NS charsim_eigen_avx2
#define CHARSIM_GEMM_FN(name) gemmAvx2##name
#include "policy/nn/gemm_isa.inc"
