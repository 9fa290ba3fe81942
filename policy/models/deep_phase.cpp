#include "policy/models/deep_phase.h"

#include <cmath>

namespace policy {

sim::Result<DeepPhase> DeepPhase::load(const std::string& path) {
    auto reader = nn::WeightReader::open(path);
    if (!reader) {
        return sim::Error{reader.error()};
    }
    constexpr int kSizes[] = {kInputs, 256, 128, 32, kOutputs};
    DeepPhase model;
    for (int i = 0; i < 4; ++i) {
        model.m_layers[i].load(*reader, "net." + std::to_string(2 * i), kSizes[i], kSizes[i + 1]);
    }
    if (sim::Status st = reader->finish(); !st) {
        return sim::Error{st.error()};
    }
    model.m_description = reader->description();
    return model;
}

void DeepPhase::forward(const float* features, int n, float* points) {
    const float* in = features;
    for (int i = 0; i < 4; ++i) {
        const nn::Linear& layer = m_layers[i];
        const size_t count = static_cast<size_t>(layer.out()) * n;
        float* out = i == 3 ? points : (i % 2 == 0 ? m_a : m_b).get(count);
        layer.forward(in, n, out, m_gemm);
        if (i != 3) {
            nn::elu(out, count);
        }
        in = out;
    }
}

PhasePoint DeepPhase::phaseAmplitude(const float* point) {
    return {std::atan2(point[1], point[0]), std::hypot(point[0], point[1])};
}

}  // namespace policy
