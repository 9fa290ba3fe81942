#pragma once
// DeepMimic's state normalizer: per-entry running mean and standard deviation over the first
// samples seen, then frozen. Entries marked fixed keep their given mean and std. The network
// sees (s - mean) / std, unclipped.

#include <Eigen/Core>

#include <vector>

namespace policy {

class RunningNormalizer {
public:
    RunningNormalizer() = default;
    // `size` entries with mean 0, std 1; fitting stops once `maxSamples` were seen.
    RunningNormalizer(int size, double maxSamples, double stdFloor);

    // Keeps entry i at mean/std, never updated (DeepMimic's phase: mean 0.5, std 0.5).
    void fix(int i, double mean, double std);
    // Adds the samples (one per column, [size, n]) unless frozen, then updates mean and std.
    void update(const Eigen::Ref<const Eigen::MatrixXf>& samples);
    bool frozen() const { return m_count >= m_maxSamples; }

    const Eigen::VectorXf& mean() const { return m_mean; }
    const Eigen::VectorXf& std() const { return m_std; }
    int size() const { return static_cast<int>(m_mean.size()); }
    // (samples - mean) / std, column by column.
    void normalize(const Eigen::Ref<const Eigen::MatrixXf>& samples,
                   Eigen::Ref<Eigen::MatrixXf> out) const;

    // Everything a checkpoint needs to continue exactly.
    double count() const { return m_count; }
    double maxSamples() const { return m_maxSamples; }
    const Eigen::VectorXd& sum() const { return m_sum; }
    const Eigen::VectorXd& sumSquares() const { return m_sumSquares; }
    const std::vector<char>& fixedMask() const { return m_fixed; }
    void restore(double count, const Eigen::VectorXd& sum, const Eigen::VectorXd& sumSquares,
                 const Eigen::VectorXf& mean, const Eigen::VectorXf& std);
    // Sets mean and std directly and freezes (weights brought from a trained policy).
    void freezeAt(const Eigen::VectorXf& mean, const Eigen::VectorXf& std);

private:
    double m_count = 0, m_maxSamples = 0, m_stdFloor = 0;
    Eigen::VectorXd m_sum, m_sumSquares;
    Eigen::VectorXf m_mean, m_std, m_inverseStd;
    std::vector<char> m_fixed;
};

}  // namespace policy
