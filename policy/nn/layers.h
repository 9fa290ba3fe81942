#pragma once
// Layers of the PyTorch definitions (tools/models/charsim_models.py), float32, batched.
// Activations are column-major: one sample (MLP) or one time step / token (sequence layers) per
// column, so a PyTorch [B, T, C] tensor is a [C, T*B] matrix with the same bytes. Layers own
// their weights; callers pass output and scratch memory, so a forward allocates nothing.

#include "policy/actor.h"
#include "policy/nn/gemm.h"
#include "policy/nn/weight_reader.h"

#include <Eigen/Core>

#include <string>

namespace policy::nn {

// y = W x + b (nn.Linear): tensors `<prefix>.weight` [out, in], `<prefix>.bias` [out].
struct Linear {
    RowMatrixXf weight;    // [out, in]; fixed once forward() has run
    Eigen::VectorXf bias;  // [out]
    // weight laid out for the GEMM kernel by the first batched forward (so that code which
    // rearranges `weight` after load() is still right); load() clears it. That first call
    // writes it: do not start it on one layer from two threads.
    mutable PackedWeights packed;

    // Reads `<prefix>.weight` and `<prefix>.bias` with the given sizes.
    void load(WeightReader& reader, const std::string& prefix, int in, int out);
    int in() const { return static_cast<int>(weight.cols()); }
    int out() const { return static_cast<int>(weight.rows()); }
    // y [out, n] = W x [in, n] + b.
    void forward(const float* x, int n, float* y, GemmScratch& scratch) const;
};

// nn.Conv1d over time: x [inChannels, length * n] -> y [outChannels, outLength * n].
struct Conv1d {
    RowMatrixXf weight;    // [out, kernel * in]: tap-major, column k * in + c (PyTorch: c*K+k)
    Eigen::VectorXf bias;  // [out]
    mutable PackedWeights packed;  // as Linear's
    int inChannels = 0;
    int outChannels = 0;
    int kernel = 1;
    int stride = 1;
    int padding = 0;

    // Reads `<prefix>.weight` [out, in, kernel] and `<prefix>.bias` [out].
    void load(WeightReader& reader, const std::string& prefix, int in, int out, int kernelSize,
              int strideSize, int paddingSize);
    // Output length for an input of `length` steps (PyTorch's formula, dilation 1).
    int outLength(int length) const { return (length + 2 * padding - kernel) / stride + 1; }
    // Forward through im2col (`cols` grows to [kernel * in, outLength * n]) and one GEMM.
    void forward(const float* x, int length, int n, float* y, Buffer& cols,
                 GemmScratch& scratch) const;
};

// nn.Upsample(scale_factor, mode="nearest") over time: [c, length * n] -> [c, length*f * n].
void upsampleNearest(const float* x, int channels, int length, int n, int factor, float* y);

// nn.LayerNorm over the rows of each column: (x - mean) / sqrt(var + eps) * weight + bias.
struct LayerNorm {
    Eigen::VectorXf weight;  // [width]
    Eigen::VectorXf bias;    // [width]
    float eps = 1e-5f;

    // Reads `<prefix>.weight` and `<prefix>.bias` [width].
    void load(WeightReader& reader, const std::string& prefix, int width);
    // y [width, n] from x [width, n]; y may equal x.
    void forward(const float* x, int n, float* y) const;
};

// Scratch of MultiheadAttention::forward.
struct AttentionScratch {
    Buffer qkv;      // [3 * width, tokens * n]
    Buffer context;  // [width, tokens * n]
    Buffer scores;   // [tokens, tokens]
};

// nn.MultiheadAttention(width, heads, batch_first=True), self-attention without mask:
// in_proj_weight [3*width, width] (q, k, v rows), out_proj; softmax(q k^T / sqrt(d)) v per head.
struct MultiheadAttention {
    Linear inProj;   // `<prefix>.in_proj_weight`, `<prefix>.in_proj_bias`
    Linear outProj;  // `<prefix>.out_proj.weight`, `.bias`
    int heads = 1;

    // Reads the four tensors of nn.MultiheadAttention at `prefix`.
    void load(WeightReader& reader, const std::string& prefix, int width, int headCount);
    int width() const { return outProj.out(); }
    // y [width, tokens * n] from x [width, tokens * n], tokens of one sample contiguous.
    void forward(const float* x, int tokens, int n, float* y, AttentionScratch& scratch,
                 GemmScratch& gemm) const;
};

// y [out, n] = w x [in, n] + bias, then max(y, 0) when `relu`, through `packed`, which is
// filled from w on the first call with more than one column (a single column reads w directly).
void denseForward(const RowMatrixXf& w, const Eigen::VectorXf& bias, bool relu,
                  PackedWeights& packed, const float* x, int n, float* y, GemmScratch& scratch);

// In-place activations over `count` floats.
void relu(float* x, size_t count);
// ELU with alpha 1: x for x > 0, expm1(x) otherwise.
void elu(float* x, size_t count);
// Exact GELU: x * (1 + erf(x / sqrt 2)) / 2 (PyTorch's default, approximate="none").
void gelu(float* x, size_t count);

// Copies `count` floats.
void copyFloats(const float* from, size_t count, float* to);

}  // namespace policy::nn
