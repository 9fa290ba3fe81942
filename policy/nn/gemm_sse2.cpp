// Eigen GEMM/GEMV kernel for SSE2, the baseline (policy/nn/gemm.h); CMake compiles this file alone
// with the matching -m flags on x86, and dispatch calls it only when the CPU has them.
#if 1
#define CHARSIM_GEMM_ENABLED 1
#else
#define CHARSIM_GEMM_ENABLED 0
#endif
#define CHARSIM_EIGEN_NS charsim_eigen_sse2
#define CHARSIM_GEMM_FN(name) gemmSse2##name
#include "policy/nn/gemm_isa.inc"
