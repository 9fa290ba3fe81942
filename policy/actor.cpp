#include "policy/actor.h"

#include "policy/nn/layers.h"

#include <cassert>
#include <cmath>
#include <sstream>
#include <utility>

namespace policy {

std::string checkActorWeights(const ActorWeights& w) {
    std::ostringstream err;
    if (w.layers.empty()) {
        return "actor has no layers";
    }
    if (w.stateStd.size() != w.stateMean.size()) {
        err << "state_norm std has " << w.stateStd.size() << " entries, mean has "
            << w.stateMean.size();
        return err.str();
    }
    if (w.actionStd.size() != w.actionMean.size()) {
        err << "action_norm std has " << w.actionStd.size() << " entries, mean has "
            << w.actionMean.size();
        return err.str();
    }
    Eigen::Index in = w.stateMean.size();
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const DenseLayer& layer = w.layers[i];
        if (layer.weight.cols() != in) {
            err << "layer " << i << " weight is [" << layer.weight.rows() << ","
                << layer.weight.cols() << "], expected " << in << " inputs";
            return err.str();
        }
        if (layer.bias.size() != layer.weight.rows()) {
            err << "layer " << i << " bias has " << layer.bias.size() << " entries, expected "
                << layer.weight.rows();
            return err.str();
        }
        in = layer.weight.rows();
    }
    if (in != w.actionMean.size()) {
        err << "last layer has " << in << " outputs, action_norm has " << w.actionMean.size();
        return err.str();
    }
    return {};
}

Actor::Actor(ActorWeights weights) : m_weights(std::move(weights)) {
    assert(checkActorWeights(m_weights).empty());
    m_activations.reserve(m_weights.layers.size() + 1);
    m_activations.emplace_back(Eigen::VectorXf::Zero(stateSize()));
    for (const DenseLayer& layer : m_weights.layers) {
        m_activations.emplace_back(Eigen::VectorXf::Zero(layer.weight.rows()));
    }
    m_batchActivations.resize(m_activations.size());
    m_packed.resize(m_weights.layers.size());
    for (size_t i = 0; i < m_packed.size(); ++i) {
        const RowMatrixXf& w = m_weights.layers[i].weight;
        m_packed[i].pack(w.data(), static_cast<int>(w.rows()), static_cast<int>(w.cols()));
    }
}

void Actor::act(const Eigen::Ref<const Eigen::VectorXf>& state,
                Eigen::Ref<Eigen::VectorXf> action) {
    assert(state.size() == stateSize() && action.size() == actionSize());
    const ActorWeights& w = m_weights;
    m_activations[0].array() = (state.array() - w.stateMean.array()) / w.stateStd.array();
    const size_t last = w.layers.size() - 1;
    for (size_t i = 0; i <= last; ++i) {
        Eigen::VectorXf& out = m_activations[i + 1];
        out.noalias() = w.layers[i].weight * m_activations[i];
        out += w.layers[i].bias;
        if (i != last) {
            out = out.cwiseMax(0.0f);
        }
    }
    action.array() = m_activations.back().array() * w.actionStd.array() + w.actionMean.array();
}

void Actor::actBatch(const Eigen::Ref<const Eigen::MatrixXf>& states,
                     Eigen::Ref<Eigen::MatrixXf> actions) {
    assert(states.rows() == stateSize() && actions.rows() == actionSize());
    assert(states.cols() == actions.cols());
    const ActorWeights& w = m_weights;
    const Eigen::Index n = states.cols();
    Eigen::MatrixXf& x = m_batchActivations[0];
    x.resize(stateSize(), n);
    x.array() = (states.colwise() - w.stateMean).array().colwise() / w.stateStd.array();
    const size_t last = w.layers.size() - 1;
    for (size_t i = 0; i <= last; ++i) {
        Eigen::MatrixXf& out = m_batchActivations[i + 1];
        out.resize(w.layers[i].weight.rows(), n);
        nn::denseForward(w.layers[i].weight, w.layers[i].bias, i != last, m_packed[i],
                         m_batchActivations[i].data(), static_cast<int>(n), out.data(), m_gemm);
    }
    actions = (m_batchActivations.back().array().colwise() * w.actionStd.array()).matrix();
    actions.colwise() += w.actionMean;
}

InitRandom::InitRandom(uint64_t seed) : m_random(seed) {}

uint64_t InitRandom::next() {
    return m_random.next();
}

float InitRandom::uniform(float lo, float hi) {
    const float u = static_cast<float>(next() >> 40) * 0x1.0p-24f;
    return lo + (hi - lo) * u;
}

namespace {

// Fills weight [out, in] row by row with uniform values in +-limit.
DenseLayer makeLayer(int in, int out, float limit, InitRandom& random) {
    DenseLayer layer{RowMatrixXf(out, in), Eigen::VectorXf::Zero(out)};
    for (int o = 0; o < out; ++o) {
        for (int i = 0; i < in; ++i) {
            layer.weight(o, i) = random.uniform(-limit, limit);
        }
    }
    return layer;
}

}  // namespace

ActorWeights makeInitialActor(int stateSize, int actionSize, const Eigen::VectorXf& actionMean,
                              const Eigen::VectorXf& actionStd, uint64_t seed) {
    constexpr int kHidden[] = {1024, 512};
    constexpr float kOutputScale = 0.01f;  // DeepMimic ActorInitOutputScale
    assert(actionMean.size() == actionSize && actionStd.size() == actionSize);

    ActorWeights w;
    w.stateMean = Eigen::VectorXf::Zero(stateSize);
    w.stateStd = Eigen::VectorXf::Ones(stateSize);
    if (stateSize > 0) {
        w.stateMean[0] = 0.5f;  // phase in [0, 1) maps to [-1, 1)
        w.stateStd[0] = 0.5f;
    }
    w.actionMean = actionMean;
    w.actionStd = actionStd;

    InitRandom random(seed);
    int in = stateSize;
    for (int hidden : kHidden) {
        // Xavier/Glorot uniform: limit sqrt(6 / (fan_in + fan_out)).
        const float limit = std::sqrt(6.0f / static_cast<float>(in + hidden));
        w.layers.push_back(makeLayer(in, hidden, limit, random));
        in = hidden;
    }
    w.layers.push_back(makeLayer(in, actionSize, kOutputScale, random));
    w.description = "deterministic init, seed " + std::to_string(seed);
    return w;
}

}  // namespace policy
