#include "policy/ppo/mlp.h"

#include <cassert>
#include <cmath>
#include <utility>

#include "policy/random.h"

namespace policy {

template <class Scalar>
Mlp<Scalar>::Mlp(std::vector<int> sizes) : m_sizes(std::move(sizes)) {
    assert(m_sizes.size() >= 2);
    int total = 0;
    for (int l = 0; l + 1 < static_cast<int>(m_sizes.size()); ++l) {
        m_offsets.push_back(total);
        total += m_sizes[l + 1] * m_sizes[l] + m_sizes[l + 1];
    }
    m_params = Vector::Zero(total);
}

template <class Scalar>
typename Mlp<Scalar>::MatrixMap Mlp<Scalar>::weight(Vector& flat, int l) const {
    return MatrixMap(flat.data() + m_offsets[l], m_sizes[l + 1], m_sizes[l]);
}
template <class Scalar>
typename Mlp<Scalar>::ConstMatrixMap Mlp<Scalar>::weight(const Vector& flat, int l) const {
    return ConstMatrixMap(flat.data() + m_offsets[l], m_sizes[l + 1], m_sizes[l]);
}
template <class Scalar>
typename Mlp<Scalar>::VectorMap Mlp<Scalar>::bias(Vector& flat, int l) const {
    return VectorMap(flat.data() + biasOffset(l), m_sizes[l + 1]);
}
template <class Scalar>
typename Mlp<Scalar>::ConstVectorMap Mlp<Scalar>::bias(const Vector& flat, int l) const {
    return ConstVectorMap(flat.data() + biasOffset(l), m_sizes[l + 1]);
}

template <class Scalar>
const typename Mlp<Scalar>::Matrix& Mlp<Scalar>::forward(const Eigen::Ref<const Matrix>& input,
                                                         MlpCache<Scalar>& cache) const {
    const int layers = numLayers();
    cache.activations.resize(layers + 1);
    cache.activations[0] = input;
    for (int l = 0; l < layers; ++l) {
        Matrix& out = cache.activations[l + 1];
        out.noalias() = weight(l) * cache.activations[l];
        out.colwise() += bias(l);
        if (l + 1 < layers) {
            out = out.cwiseMax(Scalar(0));
        }
    }
    return cache.activations.back();
}

template <class Scalar>
void Mlp<Scalar>::backward(const Eigen::Ref<const Matrix>& outputGradient, MlpCache<Scalar>& cache,
                           Vector& gradient) const {
    assert(gradient.size() == m_params.size());
    cache.delta = outputGradient;
    for (int l = numLayers() - 1; l >= 0; --l) {
        const Matrix& in = cache.activations[l];
        weight(gradient, l).noalias() += cache.delta * in.transpose();
        bias(gradient, l) += cache.delta.rowwise().sum();
        if (l == 0) {
            break;
        }
        // Through the weights, then through the ReLU of layer l - 1 (its output is `in`).
        cache.nextDelta.noalias() = weight(l).transpose() * cache.delta;
        cache.delta = (in.array() > Scalar(0)).select(cache.nextDelta, Scalar(0));
    }
}

template <class Scalar>
void Mlp<Scalar>::addWeightDecay(Scalar decay, Scalar& loss, Vector& gradient) const {
    if (decay == Scalar(0)) {
        return;
    }
    for (int l = 0; l < numLayers(); ++l) {
        loss += Scalar(0.5) * decay * weight(l).squaredNorm();
        weight(gradient, l) += decay * weight(l);
    }
}

template <class Scalar>
void initializeMlp(Mlp<Scalar>& mlp, double outputScale, unsigned long long seed) {
    Random random(seed);
    mlp.params().setZero();
    for (int l = 0; l < mlp.numLayers(); ++l) {
        const int in = mlp.sizes()[l], out = mlp.sizes()[l + 1];
        const bool last = l + 1 == mlp.numLayers();
        const double limit = last && outputScale > 0 ? outputScale : std::sqrt(6.0 / (in + out));
        auto w = mlp.weight(l);
        for (int c = 0; c < in; ++c) {
            for (int r = 0; r < out; ++r) {
                w(r, c) = static_cast<Scalar>(random.uniform(-limit, limit));
            }
        }
    }
}

template class Mlp<float>;
template class Mlp<double>;
template void initializeMlp(Mlp<float>&, double, unsigned long long);
template void initializeMlp(Mlp<double>&, double, unsigned long long);

}  // namespace policy
