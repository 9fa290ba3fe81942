#pragma once
// A small trainable multilayer perceptron: ReLU hidden layers, a linear output layer, all
// parameters in one flat vector (so optimizers, checkpoints and finiteness checks see one
// array), forward passes that cache activations and a hand-written backward pass.

#include <Eigen/Core>

#include <vector>

namespace policy {

// Activations of one batched forward pass, kept for the backward pass.
template <class Scalar>
struct MlpCache {
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    std::vector<Matrix> activations;  // [0]: input [in, n]; [l + 1]: output of layer l
    Matrix delta, nextDelta;          // scratch for backward
};

template <class Scalar>
class Mlp {
public:
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using MatrixMap = Eigen::Map<Matrix>;
    using ConstMatrixMap = Eigen::Map<const Matrix>;
    using VectorMap = Eigen::Map<Vector>;
    using ConstVectorMap = Eigen::Map<const Vector>;

    Mlp() = default;
    // Layer sizes {in, hidden..., out}; parameters zero until set.
    explicit Mlp(std::vector<int> sizes);

    const std::vector<int>& sizes() const { return m_sizes; }
    int numLayers() const { return static_cast<int>(m_sizes.size()) - 1; }
    int inputSize() const { return m_sizes.front(); }
    int outputSize() const { return m_sizes.back(); }
    int numParams() const { return static_cast<int>(m_params.size()); }

    // All parameters: per layer the weight [out, in] column-major, then the bias [out].
    Vector& params() { return m_params; }
    const Vector& params() const { return m_params; }
    // First parameter of layer l's weight and of its bias.
    int weightOffset(int l) const { return m_offsets[l]; }
    int biasOffset(int l) const { return m_offsets[l] + m_sizes[l + 1] * m_sizes[l]; }
    // Views of layer l inside params() (or inside a gradient vector of the same layout).
    MatrixMap weight(int l) { return weight(m_params, l); }
    ConstMatrixMap weight(int l) const { return weight(m_params, l); }
    VectorMap bias(int l) { return bias(m_params, l); }
    ConstVectorMap bias(int l) const { return bias(m_params, l); }
    MatrixMap weight(Vector& flat, int l) const;
    ConstMatrixMap weight(const Vector& flat, int l) const;
    VectorMap bias(Vector& flat, int l) const;
    ConstVectorMap bias(const Vector& flat, int l) const;

    // Batched forward: input [in, n] -> output [out, n] (== cache.activations.back()).
    const Matrix& forward(const Eigen::Ref<const Matrix>& input, MlpCache<Scalar>& cache) const;
    // Backward through the last forward on `cache`: adds dLoss/dparams to `gradient`
    // (numParams entries) given dLoss/doutput [out, n].
    void backward(const Eigen::Ref<const Matrix>& outputGradient, MlpCache<Scalar>& cache,
                  Vector& gradient) const;

    // Adds 0.5 * decay * sum of squared weights (not biases) to `loss` and its gradient.
    void addWeightDecay(Scalar decay, Scalar& loss, Vector& gradient) const;

private:
    std::vector<int> m_sizes;
    std::vector<int> m_offsets;  // first parameter of each layer
    Vector m_params;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

// DeepMimic's initialisation: Xavier-uniform hidden kernels, the output kernel uniform in
// +-outputScale (or Xavier when outputScale <= 0), zero biases. Deterministic for a seed.
template <class Scalar>
void initializeMlp(Mlp<Scalar>& mlp, double outputScale, unsigned long long seed);

}  // namespace policy
