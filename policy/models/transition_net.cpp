#include "policy/models/transition_net.h"

#include <algorithm>
#include <cstring>

namespace policy {

sim::Result<TransitionNet> TransitionNet::load(const std::string& path) {
    auto reader = nn::WeightReader::open(path);
    if (!reader) {
        return sim::Error{reader.error()};
    }
    TransitionNet m;
    // PyTorch [tokens, width] row-major is our [width, tokens] column-major: same bytes.
    const std::vector<float> q = reader->read("query_tokens", {kOut, kWidth});
    const std::vector<float> p = reader->read("pos_embed", {kTokens, kWidth});
    m.m_queries = Eigen::Map<const Eigen::MatrixXf>(q.data(), kWidth, kOut);
    m.m_position = Eigen::Map<const Eigen::MatrixXf>(p.data(), kWidth, kTokens);
    m.m_frameEmbed.load(*reader, "frame_embed", kFeatures, kWidth);
    m.m_styleProj.load(*reader, "style_proj", kStyle, kWidth);
    m.m_blocks.resize(kBlocks);
    for (int i = 0; i < kBlocks; ++i) {
        const std::string prefix = "blocks." + std::to_string(i) + ".";
        Block& b = m.m_blocks[i];
        b.norm1.load(*reader, prefix + "norm1", kWidth);
        b.attn.load(*reader, prefix + "attn", kWidth, kHeads);
        b.norm2.load(*reader, prefix + "norm2", kWidth);
        b.mlp0.load(*reader, prefix + "mlp.0", kWidth, kHidden);
        b.mlp2.load(*reader, prefix + "mlp.2", kHidden, kWidth);
    }
    m.m_norm.load(*reader, "norm", kWidth);
    m.m_head.load(*reader, "head", kWidth, kFeatures);
    if (sim::Status st = reader->finish(); !st) {
        return sim::Error{st.error()};
    }
    m.m_description = reader->description();
    return m;
}

void TransitionNet::forward(const float* source, const float* target, const float* style, int n,
                            float* frames) {
    for (int b = 0; b < n; b += kChunk) {
        forwardChunk(source + size_t(b) * kSource * kFeatures, target + size_t(b) * kFeatures,
                     style + size_t(b) * kStyle, std::min(kChunk, n - b),
                     frames + size_t(b) * kOut * kFeatures);
    }
}

void TransitionNet::forwardChunk(const float* source, const float* target, const float* style,
                                 int n, float* frames) {
    using MatrixMap = Eigen::Map<Eigen::MatrixXf>;
    const int framesIn = kSource + 1;
    const size_t columns = static_cast<size_t>(kTokens) * n;

    // Embed the 11 input frames of every sample in one GEMM: gather source + target.
    float* in = m_frameIn.get(static_cast<size_t>(kFeatures) * framesIn * n);
    for (int b = 0; b < n; ++b) {
        float* dst = in + static_cast<size_t>(b) * framesIn * kFeatures;
        std::memcpy(dst, source + static_cast<size_t>(b) * kSource * kFeatures,
                    sizeof(float) * kSource * kFeatures);
        std::memcpy(dst + kSource * kFeatures, target + static_cast<size_t>(b) * kFeatures,
                    sizeof(float) * kFeatures);
    }
    float* emb = m_frameEmb.get(static_cast<size_t>(kWidth) * framesIn * n);
    m_frameEmbed.forward(in, framesIn * n, emb, m_gemm);
    float* styleEmb = m_styleEmb.get(static_cast<size_t>(kWidth) * n);
    m_styleProj.forward(style, n, styleEmb, m_gemm);

    // Tokens: frame embeddings, then the query tokens; plus position and style.
    float* x = m_x.get(kWidth * columns);
    for (int b = 0; b < n; ++b) {
        MatrixMap tokens(x + static_cast<size_t>(b) * kTokens * kWidth, kWidth, kTokens);
        tokens.leftCols(framesIn) =
            MatrixMap(emb + static_cast<size_t>(b) * framesIn * kWidth, kWidth, framesIn);
        tokens.rightCols(kOut) = m_queries;
        tokens += m_position;
        tokens.colwise() += Eigen::Map<const Eigen::VectorXf>(styleEmb + b * kWidth, kWidth);
    }

    // Pre-LayerNorm transformer blocks.
    float* h = m_h.get(kWidth * columns);
    float* hidden = m_mlp.get(kHidden * columns);
    MatrixMap xm(x, kWidth, static_cast<Eigen::Index>(columns));
    MatrixMap hm(h, kWidth, static_cast<Eigen::Index>(columns));
    for (const Block& block : m_blocks) {
        block.norm1.forward(x, static_cast<int>(columns), h);
        float* attn = m_tail.get(kWidth * columns);
        block.attn.forward(h, kTokens, n, attn, m_attention, m_gemm);
        xm += MatrixMap(attn, kWidth, static_cast<Eigen::Index>(columns));
        block.norm2.forward(x, static_cast<int>(columns), h);
        block.mlp0.forward(h, static_cast<int>(columns), hidden, m_gemm);
        nn::gelu(hidden, kHidden * columns);
        block.mlp2.forward(hidden, static_cast<int>(columns), h, m_gemm);
        xm += hm;
    }

    // Final norm and head on the 30 query tokens of each sample.
    float* tail = m_tail.get(static_cast<size_t>(kWidth) * kOut * n);
    for (int b = 0; b < n; ++b) {
        m_norm.forward(x + (static_cast<size_t>(b) * kTokens + framesIn) * kWidth, kOut,
                       tail + static_cast<size_t>(b) * kOut * kWidth);
    }
    m_head.forward(tail, kOut * n, frames, m_gemm);
}

}  // namespace policy
