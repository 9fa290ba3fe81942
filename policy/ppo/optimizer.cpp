#include "policy/ppo/optimizer.h"

#include <cmath>

namespace policy {

const char* toString(OptimizerKind kind) {
    return kind == OptimizerKind::Momentum ? "momentum" : "adam";
}

double defaultStepSize(OptimizerKind kind, bool critic) {
    const bool adam = kind == OptimizerKind::Adam;
    return critic ? (adam ? 1e-3 : 1e-2) : (adam ? 1e-4 : 2.5e-6);
}

OptimizerState makeOptimizerState(const OptimizerSettings& settings, int size) {
    OptimizerState state;
    state.first = Eigen::VectorXf::Zero(size);
    if (settings.kind == OptimizerKind::Adam) {
        state.second = Eigen::VectorXf::Zero(size);
    }
    return state;
}

void optimizerStep(const OptimizerSettings& settings, const Eigen::VectorXf& gradient,
                   Eigen::VectorXf& params, OptimizerState& state) {
    ++state.steps;
    const float lr = static_cast<float>(settings.stepSize);
    if (settings.kind == OptimizerKind::Momentum) {
        state.first = static_cast<float>(settings.momentum) * state.first + gradient;
        params -= lr * state.first;
        return;
    }
    const float b1 = static_cast<float>(settings.beta1), b2 = static_cast<float>(settings.beta2);
    state.first = b1 * state.first + (1 - b1) * gradient;
    state.second = b2 * state.second + (1 - b2) * gradient.cwiseAbs2();
    const double t = static_cast<double>(state.steps);
    const float correction1 = static_cast<float>(1 - std::pow(settings.beta1, t));
    const float correction2 = static_cast<float>(1 - std::pow(settings.beta2, t));
    const float eps = static_cast<float>(settings.epsilon);
    params.array() -= lr * (state.first.array() / correction1) /
                      ((state.second.array() / correction2).sqrt() + eps);
}

}  // namespace policy
