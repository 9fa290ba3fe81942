#include "policy/models/critic.h"

#include "policy/nn/weight_reader.h"
#include "policy/safetensors.h"
#include "policy/weights.h"

#include <sstream>

namespace policy {

sim::Result<ActorWeights> loadCriticWeights(const std::string& path) {
    auto file = readSafetensors(path);
    if (!file) {
        return sim::Error{file.error()};
    }
    const SafetensorsEntry* first = file->find("critic.0.weight");
    if (first == nullptr || first->shape.size() != 2) {
        return sim::Error{path +
                          ": tensor 'critic.0.weight' is missing or not rank 2 (expected "
                          "[hidden, stateSize], e.g. [1024,197])"};
    }
    const int64_t stateSize = first->shape[1];
    // Layer output sizes come from the file; the reader checks each against the chain.
    std::vector<int64_t> outs;
    for (size_t i = 0;; ++i) {
        const SafetensorsEntry* e = file->find("critic." + std::to_string(2 * i) + ".weight");
        if (e == nullptr) {
            break;
        }
        outs.push_back(e->shape.empty() ? 0 : e->shape[0]);
    }
    auto rates = readTrainedRates(*file);
    if (!rates) {
        return sim::Error{rates.error()};
    }
    nn::WeightReader reader(std::move(file).value());
    ActorWeights w;
    int64_t in = stateSize;
    for (size_t i = 0; i < outs.size(); ++i) {
        const std::string prefix = "critic." + std::to_string(2 * i);
        const std::vector<float> kernel = reader.read(prefix + ".weight", {outs[i], in});
        const std::vector<float> bias = reader.read(prefix + ".bias", {outs[i]});
        w.layers.push_back({Eigen::Map<const RowMatrixXf>(kernel.data(), outs[i], in),
                            Eigen::Map<const Eigen::VectorXf>(bias.data(), outs[i])});
        in = outs[i];
    }
    const auto vec = [&](const std::string& name, int64_t n) {
        const std::vector<float> v = reader.read(name, {n});
        return Eigen::VectorXf(Eigen::Map<const Eigen::VectorXf>(v.data(), n));
    };
    w.stateMean = vec("state_norm.mean", stateSize);
    w.stateStd = vec("state_norm.std", stateSize);
    w.actionMean = vec("value_norm.mean", 1);
    w.actionStd = vec("value_norm.std", 1);
    if (sim::Status st = reader.finish(); !st) {
        return sim::Error{st.error()};
    }
    if (in != 1) {
        return sim::Error{path + ": last critic layer has " + std::to_string(in) +
                          " outputs, expected 1 (the value)"};
    }
    for (Eigen::Index i = 0; i < w.stateStd.size(); ++i) {
        if (!(w.stateStd[i] > 0.0f)) {
            std::ostringstream msg;
            msg << path << ": state_norm.std[" << i << "] = " << w.stateStd[i]
                << ", expected a value > 0";
            return sim::Error{msg.str()};
        }
    }
    if (const std::string shapes = checkActorWeights(w); !shapes.empty()) {
        return sim::Error{path + ": " + shapes};
    }
    w.description = reader.description();
    w.trainedRates = *rates;
    return w;
}

sim::Status saveCriticWeights(const std::string& path, const ActorWeights& w) {
    if (const std::string shapes = checkActorWeights(w); !shapes.empty()) {
        return sim::Error{path + ": not written: " + shapes};
    }
    if (w.actionMean.size() != 1) {
        return sim::Error{path + ": not written: a critic has one output, these weights have " +
                          std::to_string(w.actionMean.size())};
    }
    std::vector<SafetensorsTensor> tensors;
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const std::string prefix = "critic." + std::to_string(2 * i);
        const DenseLayer& l = w.layers[i];
        tensors.push_back(makeF32Tensor(prefix + ".weight", {l.weight.rows(), l.weight.cols()},
                                        l.weight.data(), static_cast<size_t>(l.weight.size())));
        tensors.push_back(makeF32Tensor(prefix + ".bias", {l.bias.size()}, l.bias.data(),
                                        static_cast<size_t>(l.bias.size())));
    }
    const std::pair<const char*, const Eigen::VectorXf*> norms[] = {
        {"state_norm.mean", &w.stateMean},
        {"state_norm.std", &w.stateStd},
        {"value_norm.mean", &w.actionMean},
        {"value_norm.std", &w.actionStd}};
    for (const auto& [name, v] : norms) {
        tensors.push_back(
            makeF32Tensor(name, {v->size()}, v->data(), static_cast<size_t>(v->size())));
    }
    std::map<std::string, std::string> metadata = {{"description", w.description},
                                                   {"format", "charsim critic v1"}};
    writeTrainedRates(w.trainedRates, metadata);
    return writeSafetensors(path, tensors, metadata);
}

}  // namespace policy
