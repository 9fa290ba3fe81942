// Eigen GEMM/GEMV kernel for AVX-512 (F, DQ) (policy/nn/gemm.h); CMake compiles this file alone
// with the matching -m flags on x86, and dispatch calls it only when the CPU has them.
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define CHARSIM_GEMM_ENABLED 1
#else
#define CHARSIM_GEMM_ENABLED 0
#endif
#define CHARSIM_EIGEN_NS charsim_eigen_avx512
#define CHARSIM_GEMM_FN(name) gemmAvx512##name
#include "policy/nn/gemm_isa.inc"
