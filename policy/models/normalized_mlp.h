#pragma once
// The actor's network form (normalize, ReLU MLP, denormalize) on policy::nn's dispatched GEMM:
// runs an ActorWeights for the actor or the critic with no heap allocation after the first call
// at each batch size high-water mark.

#include "policy/actor.h"
#include "policy/nn/gemm.h"

#include <vector>

namespace policy {

class NormalizedMlp {
public:
    // Takes weights that pass checkActorWeights (asserted). For a critic the "action"
    // normalizer is the value normalizer (size 1).
    explicit NormalizedMlp(ActorWeights weights);

    // outputs [outputSize, n] from inputs [inputSize, n], one sample per column.
    void forward(const float* inputs, int n, float* outputs);

    int inputSize() const { return static_cast<int>(m_weights.stateMean.size()); }
    int outputSize() const { return static_cast<int>(m_weights.actionMean.size()); }
    const ActorWeights& weights() const { return m_weights; }

private:
    ActorWeights m_weights;
    Eigen::VectorXf m_invStd;  // 1 / state std
    std::vector<nn::Buffer> m_activations;
    std::vector<nn::PackedWeights> m_packed;  // per layer, packed at construction
    nn::GemmScratch m_gemm;
};

}  // namespace policy
