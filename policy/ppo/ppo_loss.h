#pragma once
// The pieces of DeepMimic's PPO that are pure functions: TD(lambda) returns, advantage
// normalization, the clipped surrogate with the action-bound penalty, and the critic's
// regression loss, each returning its gradient with respect to the network output.
// Source: DeepMimic learning/ppo_agent.py and rl_util.compute_return (2018).

#include <Eigen/Core>

namespace policy {

// Log density of a Gaussian with fixed diagonal std `sigma` at `action`, up to the constant
// (which cancels in PPO's ratio): -0.5 * sum(((action - mean) / sigma)^2).
template <class Scalar, class A, class B>
Scalar gaussianLogDensity(const Eigen::MatrixBase<A>& action, const Eigen::MatrixBase<B>& mean,
                          double sigma) {
    return Scalar(-0.5) * ((action - mean) / Scalar(sigma)).squaredNorm();
}

// TD(lambda) returns of one path of T steps: R_t = r_t + gamma ((1 - lambda) V_{t+1} +
// lambda R_{t+1}), with V_T = R_T = `endValue` (0 after a fall, the critic's estimate after a
// time-out). Equivalent to GAE: R_t - V_t is the GAE(gamma, lambda) advantage.
void lambdaReturns(const float* rewards, const float* values, int steps, double endValue,
                   double discount, double lambda, float* returns);

// DeepMimic's advantage normalization: (adv - mean) / (std + 1e-5), clipped to +-clip.
void normalizeAdvantages(Eigen::Ref<Eigen::VectorXf> advantages, double clip);

struct ActorLossSettings {
    double actionStd = 0.05;   // exploration noise in normalized action units
    double ratioClip = 0.2;    // PPO's epsilon
    double boundWeight = 1.0;  // weight of 0.5 * mean squared bound violation
};

// Diagnostics of one actor loss evaluation.
struct ActorLossStats {
    double surrogate = 0;     // -mean(min(r A, clip(r) A))
    double boundPenalty = 0;  // weighted bound term
    double clipFraction = 0;  // share of samples whose ratio left [1 - eps, 1 + eps]
};

// PPO's clipped surrogate plus the bound penalty for a minibatch; all in normalized action
// units. mean, actions: [A, n]; oldLogDensity, advantages: [n]; bounds: [A]. Writes
// dLoss/dmean into `meanGradient` [A, n] and returns the loss.
template <class Scalar>
Scalar actorLoss(const Eigen::Matrix<Scalar, -1, -1>& mean,
                 const Eigen::Matrix<Scalar, -1, -1>& actions,
                 const Eigen::Matrix<Scalar, -1, 1>& oldLogDensity,
                 const Eigen::Matrix<Scalar, -1, 1>& advantages,
                 const Eigen::Matrix<Scalar, -1, 1>& boundMin,
                 const Eigen::Matrix<Scalar, -1, 1>& boundMax, const ActorLossSettings& settings,
                 Eigen::Matrix<Scalar, -1, -1>& meanGradient, ActorLossStats* stats = nullptr);

// Critic regression in normalized value units: 0.5 * mean((target - value)^2). value and
// target: [1, n]. Writes dLoss/dvalue into `valueGradient` and returns the loss.
template <class Scalar>
Scalar criticLoss(const Eigen::Matrix<Scalar, -1, -1>& value,
                  const Eigen::Matrix<Scalar, -1, -1>& target,
                  Eigen::Matrix<Scalar, -1, -1>& valueGradient);

}  // namespace policy
