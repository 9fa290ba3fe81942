#include "policy/models/normalized_mlp.h"

#include "policy/nn/layers.h"

#include <cassert>
#include <utility>

namespace policy {

NormalizedMlp::NormalizedMlp(ActorWeights weights) : m_weights(std::move(weights)) {
    assert(checkActorWeights(m_weights).empty());
    m_invStd = m_weights.stateStd.cwiseInverse();
    m_activations.resize(m_weights.layers.size() + 1);
    m_packed.resize(m_weights.layers.size());
    for (size_t i = 0; i < m_packed.size(); ++i) {
        const RowMatrixXf& w = m_weights.layers[i].weight;
        m_packed[i].pack(w.data(), static_cast<int>(w.rows()), static_cast<int>(w.cols()));
    }
}

void NormalizedMlp::forward(const float* inputs, int n, float* outputs) {
    using MatrixMap = Eigen::Map<Eigen::MatrixXf>;
    const ActorWeights& w = m_weights;
    const int in = inputSize();
    float* x = m_activations[0].get(static_cast<size_t>(in) * n);
    // Division, not multiplication by 1/std, to round as PyTorch's (s - mean) / std.
    MatrixMap(x, in, n).array() =
        (Eigen::Map<const Eigen::MatrixXf>(inputs, in, n).colwise() - w.stateMean)
            .array()
            .colwise() /
        w.stateStd.array();
    const size_t last = w.layers.size() - 1;
    for (size_t i = 0; i <= last; ++i) {
        const DenseLayer& layer = w.layers[i];
        const int rows = static_cast<int>(layer.weight.rows());
        const size_t count = static_cast<size_t>(rows) * n;
        float* y = i == last ? outputs : m_activations[i + 1].get(count);
        nn::denseForward(layer.weight, layer.bias, i != last, m_packed[i], x, n, y, m_gemm);
        x = y;
    }
    MatrixMap out(outputs, outputSize(), n);
    out.array() = out.array().colwise() * w.actionStd.array();
    out.colwise() += w.actionMean;
}

}  // namespace policy
