#pragma once
// First-order optimizers over a flat parameter vector: SGD with momentum as TensorFlow's
// MomentumOptimizer does it (v = m v + g; p -= lr v), which DeepMimic uses, and Adam (Kingma
// and Ba 2015, bias-corrected) as an option.

#include <Eigen/Core>

#include <string>

namespace policy {

enum class OptimizerKind { Momentum, Adam };
// "momentum" or "adam".
const char* toString(OptimizerKind kind);

// The step size charsim uses when none is given: DeepMimic's for momentum (actor 2.5e-6,
// critic 1e-2), and 1e-4 / 1e-3 for Adam.
double defaultStepSize(OptimizerKind kind, bool critic);

struct OptimizerSettings {
    OptimizerKind kind = OptimizerKind::Momentum;
    double stepSize = 1e-3;
    double momentum = 0.9;              // Momentum only
    double beta1 = 0.9, beta2 = 0.999;  // Adam only
    double epsilon = 1e-8;              // Adam only
};

// The optimizer's slots, same size as the parameters; all of it goes into a checkpoint.
struct OptimizerState {
    Eigen::VectorXf first;   // momentum buffer / Adam's first moment
    Eigen::VectorXf second;  // Adam's second moment (empty for Momentum)
    long long steps = 0;
};

// Slots for `size` parameters, zero.
OptimizerState makeOptimizerState(const OptimizerSettings& settings, int size);

// One step: updates `params` and `state` from `gradient` (of the loss to minimize).
void optimizerStep(const OptimizerSettings& settings, const Eigen::VectorXf& gradient,
                   Eigen::VectorXf& params, OptimizerState& state);

}  // namespace policy
