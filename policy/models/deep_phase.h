#pragma once
// DeepPhase: 132 motion features -> 2-D phase point (docs/models.md, tools/models).

#include "policy/nn/layers.h"
#include "sim/result.h"

#include <array>
#include <string>

namespace policy {

// Phase angle and amplitude of a phase point.
struct PhasePoint {
    float phase = 0.0f;      // [rad] atan2(y, x), in (-pi, pi]
    float amplitude = 0.0f;  // |(x, y)|
};

// 132 -> 256 -> 128 -> 32 -> 2, ELU between layers; tensors net.{0,2,4,6}.{weight,bias}.
class DeepPhase {
public:
    static constexpr int kInputs = 132;  // 11 frames x 4 end effectors x 3 (docs/models.md)
    static constexpr int kOutputs = 2;

    // Loads and validates a safetensors state_dict of tools/models DeepPhase.
    static sim::Result<DeepPhase> load(const std::string& path);

    // Phase points [2, n] from features [132, n] (one sample per column).
    void forward(const float* features, int n, float* points);
    // Phase and amplitude of one point (x, y).
    static PhasePoint phaseAmplitude(const float* point);
    // Where the weights came from.
    const std::string& description() const { return m_description; }

private:
    std::array<nn::Linear, 4> m_layers;
    std::string m_description;
    nn::Buffer m_a, m_b;
    nn::GemmScratch m_gemm;
};

}  // namespace policy
