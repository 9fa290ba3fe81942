#pragma once
// TransitionNet: source frames, a target keyframe and a style vector -> 30 in-between frames,
// a transformer over frame tokens (docs/models.md, tools/models).

#include "policy/nn/layers.h"
#include "sim/result.h"

#include <string>
#include <vector>

namespace policy {

class TransitionNet {
public:
    static constexpr int kFeatures = 196;  // frame features: the state without its phase
    static constexpr int kSource = 10;     // source frames t-9 .. t
    static constexpr int kOut = 30;        // output frames t+1 .. t+30 (1 s at 30 fps)
    static constexpr int kStyle = 256;
    static constexpr int kWidth = 256;
    static constexpr int kHeads = 4;
    static constexpr int kHidden = 512;
    static constexpr int kBlocks = 2;
    static constexpr int kTokens = kSource + 1 + kOut;  // 41

    // Loads and validates a safetensors state_dict of tools/models TransitionNet.
    static sim::Result<TransitionNet> load(const std::string& path);

    // frames [196, 30 n] from source [196, 10 n], target [196, n], style [256, n]
    // (the bytes of PyTorch's [n, 10, 196], [n, 196], [n, 256] and [n, 30, 196]).
    void forward(const float* source, const float* target, const float* style, int n,
                 float* frames);

    const std::string& description() const { return m_description; }

    // Samples per internal pass: larger batches run in chunks so scratch stays cache-sized.
    static constexpr int kChunk = 32;

private:
    void forwardChunk(const float* source, const float* target, const float* style, int n,
                      float* frames);

    struct Block {
        nn::LayerNorm norm1, norm2;
        nn::MultiheadAttention attn;
        nn::Linear mlp0, mlp2;
    };
    nn::Linear m_frameEmbed, m_styleProj, m_head;
    Eigen::MatrixXf m_queries;   // [256, 30] query_tokens, one token per column
    Eigen::MatrixXf m_position;  // [256, 41] pos_embed
    std::vector<Block> m_blocks;
    nn::LayerNorm m_norm;
    std::string m_description;
    nn::Buffer m_frameIn, m_frameEmb, m_styleEmb, m_x, m_h, m_mlp, m_tail;
    nn::AttentionScratch m_attention;
    nn::GemmScratch m_gemm;
};

}  // namespace policy
