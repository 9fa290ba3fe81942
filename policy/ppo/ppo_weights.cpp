// PpoTrainer's weights in and out: starting the actor or critic from saved weights (fine-tuning)
// and exporting them as policy::Actor and policy::Critic run them, normalizers folded in.

#include <string>

#include "policy/ppo/ppo_trainer.h"

namespace policy {

namespace {

// Why `weights` cannot start `network` (layer count or a layer's shape), or "".
std::string layerShapeProblem(const ActorWeights& weights, const Mlp<float>& network,
                              const char* name) {
    const std::string n = name;
    if (static_cast<int>(weights.layers.size()) != network.numLayers()) {
        return "the initial " + n + " has " + std::to_string(weights.layers.size()) +
               " layers; the trainer's " + n + " has " + std::to_string(network.numLayers()) +
               " (set the hidden sizes)";
    }
    for (int l = 0; l < network.numLayers(); ++l) {
        const DenseLayer& layer = weights.layers[static_cast<size_t>(l)];
        const int rows = network.sizes()[l + 1], columns = network.sizes()[l];
        if (layer.weight.rows() != rows || layer.weight.cols() != columns) {
            return "initial " + n + " layer " + std::to_string(l) + " is " +
                   std::to_string(layer.weight.rows()) + "x" + std::to_string(layer.weight.cols()) +
                   "; expected " + std::to_string(rows) + "x" + std::to_string(columns) +
                   " (set the hidden sizes)";
        }
    }
    return "";
}

}  // namespace

sim::Status PpoTrainer::initActor(const ActorWeights& weights) {
    if (std::string problem = layerShapeProblem(weights, m_actor, "actor"); !problem.empty()) {
        return sim::Error{problem};
    }
    const sim::ActionNormalization norm = sim::actionNormalization(m_character);
    const Eigen::VectorXf mean = (-norm.offset).cast<float>();
    const Eigen::VectorXf std = norm.scale.cwiseInverse().cast<float>();
    // The output layer is rescaled when the file's action normalization differs from ours.
    for (int l = 0; l < m_actor.numLayers(); ++l) {
        const DenseLayer& layer = weights.layers[static_cast<size_t>(l)];
        m_actor.weight(l) = layer.weight;
        m_actor.bias(l) = layer.bias;
    }
    const int last = m_actor.numLayers() - 1;
    const Eigen::VectorXf gain = weights.actionStd.cwiseQuotient(std);
    const Eigen::VectorXf shift = (weights.actionMean - mean).cwiseQuotient(std);
    m_actor.weight(last) = gain.asDiagonal() * m_actor.weight(last);
    m_actor.bias(last) = gain.cwiseProduct(m_actor.bias(last)) + shift;
    m_normalizer.freezeAt(weights.stateMean, weights.stateStd);
    return sim::Status::success();
}

ActorWeights PpoTrainer::samplingActorWeights() const {
    ActorWeights weights = actorWeights("sampling");
    weights.actionMean.setZero();
    weights.actionStd.setOnes();
    return weights;
}

ActorWeights PpoTrainer::actorWeights(const std::string& description) const {
    ActorWeights weights;
    const sim::ActionNormalization norm = sim::actionNormalization(m_character);
    weights.stateMean = m_normalizer.mean();
    weights.stateStd = m_normalizer.std();
    weights.actionMean = (-norm.offset).cast<float>();
    weights.actionStd = norm.scale.cwiseInverse().cast<float>();
    for (int l = 0; l < m_actor.numLayers(); ++l) {
        weights.layers.push_back({m_actor.weight(l), m_actor.bias(l)});
    }
    weights.description = description;
    weights.trainedRates = {m_environment.physicsRate, m_environment.pdRate,
                            m_environment.policyRate};
    return weights;
}

ActorWeights PpoTrainer::criticWeights(const std::string& description) const {
    ActorWeights weights;
    weights.stateMean = m_normalizer.mean();
    weights.stateStd = m_normalizer.std();
    weights.actionMean = Eigen::VectorXf::Constant(1, static_cast<float>(m_settings.valueMean));
    weights.actionStd = Eigen::VectorXf::Constant(1, static_cast<float>(m_settings.valueStd));
    for (int l = 0; l < m_critic.numLayers(); ++l) {
        weights.layers.push_back({m_critic.weight(l), m_critic.bias(l)});
    }
    weights.description = description;
    weights.trainedRates = {m_environment.physicsRate, m_environment.pdRate,
                            m_environment.policyRate};
    return weights;
}

sim::Status PpoTrainer::initCritic(const ActorWeights& weights) {
    if (weights.actionMean.size() != 1) {
        return sim::Error{"the initial critic has " + std::to_string(weights.actionMean.size()) +
                          " outputs; a critic has 1 (the value)"};
    }
    if (std::string problem = layerShapeProblem(weights, m_critic, "critic"); !problem.empty()) {
        return sim::Error{problem};
    }
    for (int l = 0; l < m_critic.numLayers(); ++l) {
        m_critic.weight(l) = weights.layers[static_cast<size_t>(l)].weight;
        m_critic.bias(l) = weights.layers[static_cast<size_t>(l)].bias;
    }
    if (!m_normalizer.frozen()) {
        m_normalizer.freezeAt(weights.stateMean, weights.stateStd);
    } else {
        // x_file = (s - mean_file) / std_file = (x * std + mean - mean_file) / std_file.
        const Eigen::VectorXf gain = m_normalizer.std().cwiseQuotient(weights.stateStd);
        const Eigen::VectorXf shift =
            (m_normalizer.mean() - weights.stateMean).cwiseQuotient(weights.stateStd);
        m_critic.bias(0) += m_critic.weight(0) * shift;
        m_critic.weight(0) = m_critic.weight(0) * gain.asDiagonal();
    }
    // value = out_file * std_file + mean_file = out * std + mean.
    const int last = m_critic.numLayers() - 1;
    const float valueStd = static_cast<float>(m_settings.valueStd);
    const float valueMean = static_cast<float>(m_settings.valueMean);
    m_critic.weight(last) *= weights.actionStd[0] / valueStd;
    m_critic.bias(last) =
        (m_critic.bias(last) * weights.actionStd[0]).array() + (weights.actionMean[0] - valueMean);
    m_critic.bias(last) /= valueStd;
    return sim::Status::success();
}

}  // namespace policy
