#pragma once
// DeepMimic critic: state [197] -> value, 197 -> 1024 -> 512 -> 1 ReLU with state and value
// normalizers (docs/models.md). Weights reuse ActorWeights with the value normalizer in the
// action_norm slots.

#include "policy/actor.h"
#include "policy/models/normalized_mlp.h"
#include "sim/result.h"

#include <string>

namespace policy {

// Loads critic.{0,2,4,...}.weight/bias, state_norm.{mean,std}, value_norm.{mean,std} [1];
// validated as the actor is (shapes chain, finite values, state std > 0, nothing else in file).
sim::Result<ActorWeights> loadCriticWeights(const std::string& path);

// Writes weights in that layout (the value normalizer in the action_norm slots), description
// and known trained rates in __metadata__; to a temporary file, then renamed.
sim::Status saveCriticWeights(const std::string& path, const ActorWeights& weights);

class Critic {
public:
    // Takes weights from loadCriticWeights (one output).
    explicit Critic(ActorWeights weights) : m_net(std::move(weights)) {}

    // Value of one state [197].
    float value(const float* state) {
        float v = 0.0f;
        m_net.forward(state, 1, &v);
        return v;
    }
    // values [n] of states [197, n], one state per column.
    void values(const float* states, int n, float* values) { m_net.forward(states, n, values); }

    const ActorWeights& weights() const { return m_net.weights(); }

private:
    NormalizedMlp m_net;
};

}  // namespace policy
