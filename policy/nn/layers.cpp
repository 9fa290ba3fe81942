#include "policy/nn/layers.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace policy::nn {

using ConstMatrixMap = Eigen::Map<const Eigen::MatrixXf>;
using MatrixMap = Eigen::Map<Eigen::MatrixXf>;

void Linear::load(WeightReader& reader, const std::string& prefix, int inSize, int outSize) {
    const std::vector<float> w = reader.read(prefix + ".weight", {outSize, inSize});
    const std::vector<float> b = reader.read(prefix + ".bias", {outSize});
    weight = Eigen::Map<const RowMatrixXf>(w.data(), outSize, inSize);
    bias = Eigen::Map<const Eigen::VectorXf>(b.data(), outSize);
    packed = PackedWeights{};
}

void denseForward(const RowMatrixXf& w, const Eigen::VectorXf& bias, bool relu,
                  PackedWeights& packed, const float* x, int n, float* y, GemmScratch& scratch) {
    const int out = static_cast<int>(w.rows()), in = static_cast<int>(w.cols());
    assert(bias.size() == out);
    if (n > 1 && !packed.packs(out, in)) {
        packed.pack(w.data(), out, in);
    }
    gemmLayer(w.data(), out, in, x, n, y, GemmOutput{bias.data(), relu}, scratch, &packed);
}

void Linear::forward(const float* x, int n, float* y, GemmScratch& scratch) const {
    denseForward(weight, bias, false, packed, x, n, y, scratch);
}

void Conv1d::load(WeightReader& reader, const std::string& prefix, int in, int out, int kernelSize,
                  int strideSize, int paddingSize) {
    inChannels = in;
    outChannels = out;
    kernel = kernelSize;
    stride = strideSize;
    padding = paddingSize;
    const std::vector<float> w = reader.read(prefix + ".weight", {out, in, kernelSize});
    const std::vector<float> b = reader.read(prefix + ".bias", {out});
    // PyTorch [out, in, k] -> [out, k * in] so that im2col copies whole input columns.
    weight.resize(out, static_cast<Eigen::Index>(kernelSize) * in);
    for (int o = 0; o < out; ++o) {
        for (int c = 0; c < in; ++c) {
            for (int k = 0; k < kernelSize; ++k) {
                weight(o, k * in + c) = w[(static_cast<size_t>(o) * in + c) * kernelSize + k];
            }
        }
    }
    bias = Eigen::Map<const Eigen::VectorXf>(b.data(), out);
    packed = PackedWeights{};
}

void Conv1d::forward(const float* x, int length, int n, float* y, Buffer& cols,
                     GemmScratch& scratch) const {
    const int outLen = outLength(length);
    const size_t rows = static_cast<size_t>(kernel) * inChannels;
    float* c = cols.get(rows * outLen * n);
    // im2col: column (b, t) stacks input steps t*stride - padding + k, zero outside [0, length).
    for (int b = 0; b < n; ++b) {
        const float* xs = x + static_cast<size_t>(b) * length * inChannels;
        for (int t = 0; t < outLen; ++t) {
            float* col = c + (static_cast<size_t>(b) * outLen + t) * rows;
            for (int k = 0; k < kernel; ++k) {
                const int step = t * stride - padding + k;
                float* dst = col + static_cast<size_t>(k) * inChannels;
                if (step < 0 || step >= length) {
                    std::memset(dst, 0, sizeof(float) * inChannels);
                } else {
                    std::memcpy(dst, xs + static_cast<size_t>(step) * inChannels,
                                sizeof(float) * inChannels);
                }
            }
        }
    }
    denseForward(weight, bias, false, packed, c, outLen * n, y, scratch);
}

void upsampleNearest(const float* x, int channels, int length, int n, int factor, float* y) {
    const size_t ch = static_cast<size_t>(channels);
    for (int b = 0; b < n; ++b) {
        for (int t = 0; t < length; ++t) {
            const float* src = x + (static_cast<size_t>(b) * length + t) * ch;
            for (int f = 0; f < factor; ++f) {
                float* dst = y + ((static_cast<size_t>(b) * length + t) * factor + f) * ch;
                std::memcpy(dst, src, sizeof(float) * ch);
            }
        }
    }
}

void LayerNorm::load(WeightReader& reader, const std::string& prefix, int width) {
    const std::vector<float> w = reader.read(prefix + ".weight", {width});
    const std::vector<float> b = reader.read(prefix + ".bias", {width});
    weight = Eigen::Map<const Eigen::VectorXf>(w.data(), width);
    bias = Eigen::Map<const Eigen::VectorXf>(b.data(), width);
}

void LayerNorm::forward(const float* x, int n, float* y) const {
    const Eigen::Index width = weight.size();
    for (int j = 0; j < n; ++j) {
        const auto in = Eigen::Map<const Eigen::ArrayXf>(x + j * width, width);
        auto out = Eigen::Map<Eigen::ArrayXf>(y + j * width, width);
        // Two-pass mean and biased variance, as PyTorch's CPU kernel.
        const float mean = in.mean();
        const float var = (in - mean).square().mean();
        const float inv = 1.0f / std::sqrt(var + eps);
        out = (in - mean) * inv * weight.array() + bias.array();
    }
}

void MultiheadAttention::load(WeightReader& reader, const std::string& prefix, int widthSize,
                              int headCount) {
    assert(widthSize % headCount == 0);
    heads = headCount;
    const std::vector<float> w =
        reader.read(prefix + ".in_proj_weight", {3 * widthSize, widthSize});
    const std::vector<float> b = reader.read(prefix + ".in_proj_bias", {3 * widthSize});
    inProj.weight = Eigen::Map<const RowMatrixXf>(w.data(), 3 * widthSize, widthSize);
    inProj.packed = PackedWeights{};
    inProj.bias = Eigen::Map<const Eigen::VectorXf>(b.data(), 3 * widthSize);
    outProj.load(reader, prefix + ".out_proj", widthSize, widthSize);
}

void MultiheadAttention::forward(const float* x, int tokens, int n, float* y,
                                 AttentionScratch& scratch, GemmScratch& gemm) const {
    const int d = width();
    const int dh = d / heads;
    const size_t columns = static_cast<size_t>(tokens) * n;
    float* qkv = scratch.qkv.get(3 * d * columns);
    float* ctx = scratch.context.get(d * columns);
    float* s = scratch.scores.get(static_cast<size_t>(tokens) * tokens);
    inProj.forward(x, static_cast<int>(columns), qkv, gemm);

    using Strided = Eigen::Map<const Eigen::MatrixXf, 0, Eigen::OuterStride<>>;
    using StridedOut = Eigen::Map<Eigen::MatrixXf, 0, Eigen::OuterStride<>>;
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    MatrixMap scores(s, tokens, tokens);
    for (int b = 0; b < n; ++b) {
        const float* base = qkv + static_cast<size_t>(b) * tokens * 3 * d;
        for (int h = 0; h < heads; ++h) {
            const Strided q(base + h * dh, dh, tokens, Eigen::OuterStride<>(3 * d));
            const Strided k(base + d + h * dh, dh, tokens, Eigen::OuterStride<>(3 * d));
            const Strided v(base + 2 * d + h * dh, dh, tokens, Eigen::OuterStride<>(3 * d));
            // scores(j, i) = k_j . q_i / sqrt(dh); softmax over keys j for each query i.
            scores.noalias() = k.transpose() * q;
            scores *= scale;
            for (int i = 0; i < tokens; ++i) {
                auto col = scores.col(i).array();
                col = (col - col.maxCoeff()).exp();
                col /= col.sum();
            }
            StridedOut out(ctx + static_cast<size_t>(b) * tokens * d + h * dh, dh, tokens,
                           Eigen::OuterStride<>(d));
            out.noalias() = v * scores;
        }
    }
    outProj.forward(ctx, static_cast<int>(columns), y, gemm);
}

void relu(float* x, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        x[i] = std::max(x[i], 0.0f);
    }
}

void elu(float* x, size_t count) {
    eluInPlace(x, count);
}

void gelu(float* x, size_t count) {
    geluInPlace(x, count);
}

void copyFloats(const float* from, size_t count, float* to) {
    std::memcpy(to, from, sizeof(float) * count);
}

}  // namespace policy::nn
