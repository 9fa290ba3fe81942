#include "policy/ppo/running_normalizer.h"

#include <algorithm>
#include <cmath>

namespace policy {

RunningNormalizer::RunningNormalizer(int size, double maxSamples, double stdFloor)
    : m_maxSamples(maxSamples), m_stdFloor(stdFloor) {
    m_sum = Eigen::VectorXd::Zero(size);
    m_sumSquares = Eigen::VectorXd::Zero(size);
    m_mean = Eigen::VectorXf::Zero(size);
    m_std = Eigen::VectorXf::Ones(size);
    m_inverseStd = Eigen::VectorXf::Ones(size);
    m_fixed.assign(size, 0);
}

void RunningNormalizer::fix(int i, double mean, double std) {
    m_fixed[i] = 1;
    m_mean[i] = static_cast<float>(mean);
    m_std[i] = static_cast<float>(std);
    m_inverseStd[i] = 1.0f / m_std[i];
}

void RunningNormalizer::update(const Eigen::Ref<const Eigen::MatrixXf>& samples) {
    if (frozen() || samples.cols() == 0) {
        return;
    }
    const Eigen::MatrixXd values = samples.cast<double>();
    m_sum += values.rowwise().sum();
    m_sumSquares += values.array().square().matrix().rowwise().sum();
    m_count += static_cast<double>(samples.cols());
    for (int i = 0; i < size(); ++i) {
        if (m_fixed[i]) {
            continue;
        }
        const double mean = m_sum[i] / m_count;
        const double variance = std::max(0.0, m_sumSquares[i] / m_count - mean * mean);
        m_mean[i] = static_cast<float>(mean);
        m_std[i] = static_cast<float>(std::max(std::sqrt(variance), m_stdFloor));
        m_inverseStd[i] = 1.0f / m_std[i];
    }
}

void RunningNormalizer::normalize(const Eigen::Ref<const Eigen::MatrixXf>& samples,
                                  Eigen::Ref<Eigen::MatrixXf> out) const {
    out = ((samples.colwise() - m_mean).array().colwise() * m_inverseStd.array()).matrix();
}

void RunningNormalizer::restore(double count, const Eigen::VectorXd& sum,
                                const Eigen::VectorXd& sumSquares, const Eigen::VectorXf& mean,
                                const Eigen::VectorXf& std) {
    m_count = count;
    m_sum = sum;
    m_sumSquares = sumSquares;
    m_mean = mean;
    m_std = std;
    m_inverseStd = std.cwiseInverse();
}

void RunningNormalizer::freezeAt(const Eigen::VectorXf& mean, const Eigen::VectorXf& std) {
    m_mean = mean;
    m_std = std;
    m_inverseStd = std.cwiseInverse();
    m_count = std::max(m_count, m_maxSamples);
}

}  // namespace policy
