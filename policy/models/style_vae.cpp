#include "policy/models/style_vae.h"

#include <algorithm>
#include <cmath>

namespace policy {
namespace {

constexpr int kFlat = StyleVAE::kChannels * StyleVAE::kReduced;  // 1920

// PyTorch flattens [C, T] channel-major (c * T + t); our activations are time-major
// (t * C + c). Permutes the columns of a Linear reading the flattened encoder output.
void permuteInputs(nn::Linear& layer) {
    RowMatrixXf w(layer.weight.rows(), layer.weight.cols());
    for (int c = 0; c < StyleVAE::kChannels; ++c) {
        for (int t = 0; t < StyleVAE::kReduced; ++t) {
            w.col(t * StyleVAE::kChannels + c) = layer.weight.col(c * StyleVAE::kReduced + t);
        }
    }
    layer.weight = w;
}

// Same for the rows (and bias) of the Linear whose output is viewed as [C, T].
void permuteOutputs(nn::Linear& layer) {
    RowMatrixXf w(layer.weight.rows(), layer.weight.cols());
    Eigen::VectorXf b(layer.bias.size());
    for (int c = 0; c < StyleVAE::kChannels; ++c) {
        for (int t = 0; t < StyleVAE::kReduced; ++t) {
            w.row(t * StyleVAE::kChannels + c) = layer.weight.row(c * StyleVAE::kReduced + t);
            b[t * StyleVAE::kChannels + c] = layer.bias[c * StyleVAE::kReduced + t];
        }
    }
    layer.weight = w;
    layer.bias = b;
}

}  // namespace

sim::Result<StyleVAE> StyleVAE::load(const std::string& path) {
    auto reader = nn::WeightReader::open(path);
    if (!reader) {
        return sim::Error{reader.error()};
    }
    StyleVAE m;
    m.m_enc0.load(*reader, "encoder.0", kFeatures, kChannels, 5, 2, 2);
    m.m_enc1.load(*reader, "encoder.2", kChannels, kChannels, 5, 2, 2);
    m.m_mu.load(*reader, "fc_mu", kFlat, kLatent);
    m.m_logvar.load(*reader, "fc_logvar", kFlat, kLatent);
    m.m_decFc.load(*reader, "decoder_fc", kLatent, kFlat);
    m.m_dec1.load(*reader, "decoder.1", kChannels, kChannels, 5, 1, 2);
    m.m_dec4.load(*reader, "decoder.4", kChannels, kFeatures, 5, 1, 2);
    if (sim::Status st = reader->finish(); !st) {
        return sim::Error{st.error()};
    }
    permuteInputs(m.m_mu);
    permuteInputs(m.m_logvar);
    permuteOutputs(m.m_decFc);
    m.m_description = reader->description();
    return m;
}

void StyleVAE::encode(const float* windows, int n, float* mu, float* logvar) {
    constexpr size_t kWindow = static_cast<size_t>(kFrames) * kFeatures;
    for (int b = 0; b < n; b += kChunk) {
        const int m = std::min(kChunk, n - b);
        encodeChunk(windows + b * kWindow, m, mu + size_t(b) * kLatent,
                    logvar + size_t(b) * kLatent);
    }
}

void StyleVAE::decode(const float* z, int n, float* windows) {
    constexpr size_t kWindow = static_cast<size_t>(kFrames) * kFeatures;
    for (int b = 0; b < n; b += kChunk) {
        decodeChunk(z + size_t(b) * kLatent, std::min(kChunk, n - b), windows + b * kWindow);
    }
}

void StyleVAE::encodeChunk(const float* windows, int n, float* mu, float* logvar) {
    // [196, 60n] -> [128, 30n] -> [128, 15n]; each sample's 1920 floats are one column.
    const size_t half = static_cast<size_t>(kChannels) * (kFrames / 2) * n;
    float* h0 = m_h0.get(half);
    m_enc0.forward(windows, kFrames, n, h0, m_cols, m_gemm);
    nn::elu(h0, half);
    const size_t flat = static_cast<size_t>(kFlat) * n;
    float* h1 = m_h1.get(flat);
    m_enc1.forward(h0, kFrames / 2, n, h1, m_cols, m_gemm);
    nn::elu(h1, flat);
    m_mu.forward(h1, n, mu, m_gemm);
    m_logvar.forward(h1, n, logvar, m_gemm);
}

void StyleVAE::decodeChunk(const float* z, int n, float* windows) {
    const size_t flat = static_cast<size_t>(kFlat) * n;
    float* h = m_h1.get(flat);
    m_decFc.forward(z, n, h, m_gemm);
    nn::elu(h, flat);
    // Upsample [128, 15] -> [128, 30], conv, ELU, upsample -> [128, 60], conv to [196, 60].
    const size_t c30 = 2 * flat;
    const size_t c60 = 4 * flat;
    float* up = m_h0.get(c60);
    nn::upsampleNearest(h, kChannels, kReduced, n, 2, up);
    float* conv = m_h1.get(c60);  // h is consumed: reuse its buffer
    m_dec1.forward(up, 2 * kReduced, n, conv, m_cols, m_gemm);
    nn::elu(conv, c30);
    nn::upsampleNearest(conv, kChannels, 2 * kReduced, n, 2, up);
    m_dec4.forward(up, kFrames, n, windows, m_cols, m_gemm);
}

void StyleVAE::reconstruct(const float* windows, int n, float* out, float* mu, float* logvar) {
    const size_t latent = static_cast<size_t>(kLatent) * n;
    float* m = mu != nullptr ? mu : m_mu0.get(latent);
    float* lv = logvar != nullptr ? logvar : m_lv0.get(latent);
    encode(windows, n, m, lv);
    decode(m, n, out);
}

void StyleVAE::sample(const float* windows, int n, InitRandom& random, float* out, float* z) {
    const size_t latent = static_cast<size_t>(kLatent) * n;
    float* mu = m_mu0.get(latent);
    float* lv = m_lv0.get(latent);
    encode(windows, n, mu, lv);
    float* zz = z != nullptr ? z : m_z.get(latent);
    for (size_t i = 0; i < latent; ++i) {
        zz[i] = mu[i] + std::exp(0.5f * lv[i]) * standardNormal(random);
    }
    decode(zz, n, out);
}

float standardNormal(InitRandom& random) {
    // u1 in (0, 1] so that log(u1) is finite.
    const float u1 = 1.0f - random.uniform(0.0f, 1.0f);
    const float u2 = random.uniform(0.0f, 1.0f);
    constexpr float kTwoPi = 6.28318530717958648f;
    return std::sqrt(-2.0f * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace policy
