#pragma once
// StyleVAE: a 60-frame motion window -> 256-d style (mu, logvar) -> reconstructed window
// (docs/models.md, tools/models). Conv1d encoder, Upsample + Conv1d decoder.

#include "policy/actor.h"
#include "policy/nn/layers.h"
#include "sim/result.h"

#include <cstdint>
#include <string>

namespace policy {

class StyleVAE {
public:
    static constexpr int kFrames = 60;     // window length, 30 fps
    static constexpr int kFeatures = 196;  // frame features: the state without its phase
    static constexpr int kChannels = 128;
    static constexpr int kReduced = 15;  // frames after two stride-2 convolutions
    static constexpr int kLatent = 256;

    // Loads and validates a safetensors state_dict of tools/models StyleVAE.
    static sim::Result<StyleVAE> load(const std::string& path);

    // mu and logvar [256, n] of windows [196, 60 * n] (PyTorch [n, 60, 196] bytes).
    void encode(const float* windows, int n, float* mu, float* logvar);
    // Windows [196, 60 * n] from latents z [256, n].
    void decode(const float* z, int n, float* windows);
    // Deterministic reconstruction: decode(mu); mu and logvar may be null.
    void reconstruct(const float* windows, int n, float* out, float* mu = nullptr,
                     float* logvar = nullptr);
    // Reparameterized sample: z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) drawn in column
    // order from `random` by Box-Muller; then decoded. Same generator state, same result.
    void sample(const float* windows, int n, InitRandom& random, float* out, float* z = nullptr);

    const std::string& description() const { return m_description; }

    // Samples per internal pass: larger batches run in chunks so scratch stays cache-sized.
    static constexpr int kChunk = 64;

private:
    void encodeChunk(const float* windows, int n, float* mu, float* logvar);
    void decodeChunk(const float* z, int n, float* windows);

    nn::Conv1d m_enc0, m_enc1, m_dec1, m_dec4;
    nn::Linear m_mu, m_logvar, m_decFc;
    std::string m_description;
    nn::Buffer m_h0, m_h1, m_cols, m_mu0, m_lv0, m_z;
    nn::GemmScratch m_gemm;
};

// A standard normal float from two uniforms of `random` (Box-Muller, cosine branch).
float standardNormal(InitRandom& random);

}  // namespace policy
