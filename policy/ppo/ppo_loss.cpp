#include "policy/ppo/ppo_loss.h"

#include <algorithm>
#include <cmath>

namespace policy {

void lambdaReturns(const float* rewards, const float* values, int steps, double endValue,
                   double discount, double lambda, float* returns) {
    double nextReturn = endValue, nextValue = endValue;
    for (int t = steps - 1; t >= 0; --t) {
        const double r = static_cast<double>(rewards[t]) +
                         discount * ((1 - lambda) * nextValue + lambda * nextReturn);
        returns[t] = static_cast<float>(r);
        nextReturn = r;
        nextValue = static_cast<double>(values[t]);
    }
}

void normalizeAdvantages(Eigen::Ref<Eigen::VectorXf> advantages, double clip) {
    const Eigen::Index n = advantages.size();
    if (n == 0) {
        return;
    }
    const Eigen::VectorXd a = advantages.cast<double>();
    const double mean = a.mean();
    const double std = std::sqrt((a.array() - mean).square().mean());
    for (Eigen::Index i = 0; i < n; ++i) {
        const double v = (a[i] - mean) / (std + 1e-5);
        advantages[i] = static_cast<float>(std::clamp(v, -clip, clip));
    }
}

template <class Scalar>
Scalar actorLoss(const Eigen::Matrix<Scalar, -1, -1>& mean,
                 const Eigen::Matrix<Scalar, -1, -1>& actions,
                 const Eigen::Matrix<Scalar, -1, 1>& oldLogDensity,
                 const Eigen::Matrix<Scalar, -1, 1>& advantages,
                 const Eigen::Matrix<Scalar, -1, 1>& boundMin,
                 const Eigen::Matrix<Scalar, -1, 1>& boundMax, const ActorLossSettings& settings,
                 Eigen::Matrix<Scalar, -1, -1>& meanGradient, ActorLossStats* stats) {
    const Eigen::Index n = mean.cols();
    const Scalar invN = Scalar(1) / static_cast<Scalar>(n);
    const Scalar variance = Scalar(settings.actionStd * settings.actionStd);
    const Scalar lo = Scalar(1 - settings.ratioClip), hi = Scalar(1 + settings.ratioClip);
    const Scalar w = Scalar(settings.boundWeight);
    meanGradient.resize(mean.rows(), n);
    Scalar surrogate = 0, bound = 0;
    Eigen::Index clipped = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        // Surrogate: min(r A, clip(r) A); only the unclipped branch has a gradient.
        const Scalar logDensity =
            gaussianLogDensity<Scalar>(actions.col(i), mean.col(i), settings.actionStd);
        const Scalar ratio = std::exp(logDensity - oldLogDensity[i]);
        const Scalar adv = advantages[i];
        const Scalar unclipped = ratio * adv;
        const Scalar clippedValue = std::clamp(ratio, lo, hi) * adv;
        clipped += (ratio < lo || ratio > hi) ? 1 : 0;
        if (unclipped <= clippedValue) {
            surrogate += unclipped;
            // d(-r A / n)/dmean = -(A r / n) (a - mean) / sigma^2
            meanGradient.col(i) = (-adv * ratio * invN / variance) * (actions.col(i) - mean.col(i));
        } else {
            surrogate += clippedValue;
            meanGradient.col(i).setZero();
        }
        // Bound penalty: 0.5 * w * mean over samples of the summed squared violations.
        for (Eigen::Index j = 0; j < mean.rows(); ++j) {
            const Scalar m = mean(j, i);
            const Scalar violation =
                std::min(m - boundMin[j], Scalar(0)) + std::max(m - boundMax[j], Scalar(0));
            bound += Scalar(0.5) * w * violation * violation * invN;
            meanGradient(j, i) += w * violation * invN;
        }
    }
    surrogate = -surrogate * invN;
    if (stats != nullptr) {
        stats->surrogate = static_cast<double>(surrogate);
        stats->boundPenalty = static_cast<double>(bound);
        stats->clipFraction = static_cast<double>(clipped) / static_cast<double>(n);
    }
    return surrogate + bound;
}

template <class Scalar>
Scalar criticLoss(const Eigen::Matrix<Scalar, -1, -1>& value,
                  const Eigen::Matrix<Scalar, -1, -1>& target,
                  Eigen::Matrix<Scalar, -1, -1>& valueGradient) {
    const Scalar invN = Scalar(1) / static_cast<Scalar>(value.cols());
    valueGradient = (value - target) * invN;
    return Scalar(0.5) * (value - target).squaredNorm() * invN;
}

template float actorLoss(const Eigen::MatrixXf&, const Eigen::MatrixXf&, const Eigen::VectorXf&,
                         const Eigen::VectorXf&, const Eigen::VectorXf&, const Eigen::VectorXf&,
                         const ActorLossSettings&, Eigen::MatrixXf&, ActorLossStats*);
template double actorLoss(const Eigen::MatrixXd&, const Eigen::MatrixXd&, const Eigen::VectorXd&,
                          const Eigen::VectorXd&, const Eigen::VectorXd&, const Eigen::VectorXd&,
                          const ActorLossSettings&, Eigen::MatrixXd&, ActorLossStats*);
template float criticLoss(const Eigen::MatrixXf&, const Eigen::MatrixXf&, Eigen::MatrixXf&);
template double criticLoss(const Eigen::MatrixXd&, const Eigen::MatrixXd&, Eigen::MatrixXd&);

}  // namespace policy
