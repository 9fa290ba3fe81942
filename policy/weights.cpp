#include "policy/weights.h"

#include "policy/deepmimic_weights.h"
#include "policy/safetensors.h"
#include "policy/tf_checkpoint.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace policy {
namespace {

using sim::Error;

const char* const kStateMean = "state_norm.mean";
const char* const kStateStd = "state_norm.std";
const char* const kActionMean = "action_norm.mean";
const char* const kActionStd = "action_norm.std";

std::string layerName(size_t layer, const char* part) {
    // PyTorch nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) numbering: 0, 2, 4, ...
    return "actor." + std::to_string(2 * layer) + "." + part;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Float values of `name` after checking presence and shape.
sim::Result<std::vector<float>> tensorValues(const SafetensorsFile& file, const std::string& name,
                                             const std::vector<int64_t>& shape) {
    const SafetensorsEntry* e = file.find(name);
    if (e == nullptr) {
        return Error{file.path + ": missing tensor '" + name + "' (expected shape " +
                     shapeText(shape) + ")"};
    }
    if (e->shape != shape) {
        return Error{file.path + ": tensor '" + name + "' has shape " + shapeText(e->shape) +
                     ", expected " + shapeText(shape)};
    }
    return file.floats(*e);
}

// Refuses non-finite values and non-positive normalizer std; names the tensor and index.
sim::Status checkValues(const ActorWeights& w, const std::string& path) {
    const auto check = [&](const float* v, Eigen::Index n, const std::string& name,
                           bool positive) -> sim::Status {
        for (Eigen::Index i = 0; i < n; ++i) {
            if (!std::isfinite(v[i]) || (positive && !(v[i] > 0.0f))) {
                std::ostringstream msg;
                msg << path << ": " << name << "[" << i << "] = " << v[i] << ", expected "
                    << (positive ? "a finite value > 0" : "a finite value");
                return Error{msg.str()};
            }
        }
        return sim::Status::success();
    };
    sim::Status st = check(w.stateMean.data(), w.stateMean.size(), kStateMean, false);
    if (st)
        st = check(w.stateStd.data(), w.stateStd.size(), kStateStd, true);
    if (st)
        st = check(w.actionMean.data(), w.actionMean.size(), kActionMean, false);
    if (st)
        st = check(w.actionStd.data(), w.actionStd.size(), kActionStd, false);
    for (size_t i = 0; st && i < w.layers.size(); ++i) {
        st = check(w.layers[i].weight.data(), w.layers[i].weight.size(), layerName(i, "weight"),
                   false);
        if (st)
            st = check(w.layers[i].bias.data(), w.layers[i].bias.size(), layerName(i, "bias"),
                       false);
    }
    return st;
}

// Metadata keys of TrainedRates, in the order of its fields.
constexpr const char* kRateKeys[] = {"physics_rate", "pd_rate", "policy_rate"};

std::string rateText(double hertz) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", hertz);
    return text;
}

}  // namespace

const char* weightsFormatName(WeightsFormat format) {
    switch (format) {
        case WeightsFormat::Safetensors:
            return "safetensors";
        case WeightsFormat::DeepMimicRaw:
            return "DeepMimic raw float32";
        case WeightsFormat::TfCheckpoint:
            return "TF V2 checkpoint";
        default:
            return "unknown";
    }
}

WeightsFormat detectWeightsFormat(const std::string& path) {
    namespace fs = std::filesystem;
    const std::string file = fs::path(path).filename().string();
    if (endsWith(file, ".index") || file.find(".data-") != std::string::npos ||
        (!fs::exists(path) && fs::exists(path + ".index"))) {
        return WeightsFormat::TfCheckpoint;
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return WeightsFormat::Unknown;
    }
    const auto size = static_cast<uint64_t>(in.tellg());
    unsigned char head[9] = {};
    in.seekg(0);
    if (size >= 9 && in.read(reinterpret_cast<char*>(head), 9)) {
        uint64_t headerSize = 0;
        std::memcpy(&headerSize, head, 8);
        if (head[8] == '{' && headerSize <= size - 8) {
            return WeightsFormat::Safetensors;
        }
    }
    if (endsWith(file, ".bin") || size == deepMimicRawBytes(197, 36)) {
        return WeightsFormat::DeepMimicRaw;
    }
    return WeightsFormat::Unknown;
}

sim::Result<ActorWeights> loadSafetensorsActor(const std::string& path) {
    auto file = readSafetensors(path);
    if (!file) {
        return Error{file.error()};
    }
    const SafetensorsEntry* first = file->find(layerName(0, "weight"));
    if (first == nullptr || first->shape.size() != 2) {
        return Error{path +
                     ": tensor 'actor.0.weight' is missing or not rank 2 (expected "
                     "[hidden, stateSize], e.g. [1024,197])"};
    }
    ActorWeights w;
    int64_t in = first->shape[1];
    for (size_t i = 0; file->find(layerName(i, "weight")) != nullptr; ++i) {
        const SafetensorsEntry* e = file->find(layerName(i, "weight"));
        const int64_t out = e->shape.empty() ? 0 : e->shape[0];
        auto weight = tensorValues(*file, layerName(i, "weight"), {out, in});
        if (!weight) {
            return Error{weight.error()};
        }
        auto bias = tensorValues(*file, layerName(i, "bias"), {out});
        if (!bias) {
            return Error{bias.error()};
        }
        DenseLayer layer;
        layer.weight = Eigen::Map<const RowMatrixXf>(weight->data(), out, in);
        layer.bias = Eigen::Map<const Eigen::VectorXf>(bias->data(), out);
        w.layers.push_back(std::move(layer));
        in = out;
    }
    const int64_t s = first->shape[1];
    const int64_t a = in;
    const std::pair<const char*, Eigen::VectorXf*> norms[] = {{kStateMean, &w.stateMean},
                                                              {kStateStd, &w.stateStd},
                                                              {kActionMean, &w.actionMean},
                                                              {kActionStd, &w.actionStd}};
    for (const auto& [name, out] : norms) {
        const int64_t n = (out == &w.stateMean || out == &w.stateStd) ? s : a;
        auto v = tensorValues(*file, name, {n});
        if (!v) {
            return Error{v.error()};
        }
        *out = Eigen::Map<const Eigen::VectorXf>(v->data(), n);
    }
    const auto description = file->metadata.find("description");
    w.description =
        description != file->metadata.end() ? description->second : "safetensors " + path;
    auto rates = readTrainedRates(*file);
    if (!rates) {
        return Error{rates.error()};
    }
    w.trainedRates = *rates;
    return w;
}

sim::Result<ActorWeights> loadActorWeights(const std::string& path) {
    const WeightsFormat format = detectWeightsFormat(path);
    sim::Result<ActorWeights> w = Error{""};
    switch (format) {
        case WeightsFormat::Safetensors:
            w = loadSafetensorsActor(path);
            break;
        case WeightsFormat::DeepMimicRaw:
            w = loadDeepMimicRaw(path);
            break;
        case WeightsFormat::TfCheckpoint:
            w = loadTfCheckpointActor(path);
            break;
        default:
            if (!std::filesystem::exists(path)) {
                return Error{path + ": file not found"};
            }
            return Error{path +
                         ": unrecognized weight file (expected safetensors, a DeepMimic "
                         "raw float32 .bin, or a TF checkpoint .index/.data/stem)"};
    }
    if (!w) {
        return w;
    }
    if (const std::string shapes = checkActorWeights(*w); !shapes.empty()) {
        return Error{path + ": " + shapes};
    }
    if (sim::Status st = checkValues(*w, path); !st) {
        return Error{st.error()};
    }
    return w;
}

sim::Status saveActorWeights(const std::string& path, const ActorWeights& w) {
    if (const std::string shapes = checkActorWeights(w); !shapes.empty()) {
        return Error{path + ": not written: " + shapes};
    }
    std::vector<SafetensorsTensor> tensors;
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const DenseLayer& l = w.layers[i];
        tensors.push_back(makeF32Tensor(layerName(i, "weight"), {l.weight.rows(), l.weight.cols()},
                                        l.weight.data(), static_cast<size_t>(l.weight.size())));
        tensors.push_back(makeF32Tensor(layerName(i, "bias"), {l.bias.size()}, l.bias.data(),
                                        static_cast<size_t>(l.bias.size())));
    }
    const std::pair<const char*, const Eigen::VectorXf*> norms[] = {{kStateMean, &w.stateMean},
                                                                    {kStateStd, &w.stateStd},
                                                                    {kActionMean, &w.actionMean},
                                                                    {kActionStd, &w.actionStd}};
    for (const auto& [name, v] : norms) {
        tensors.push_back(
            makeF32Tensor(name, {v->size()}, v->data(), static_cast<size_t>(v->size())));
    }
    std::map<std::string, std::string> metadata = {{"description", w.description},
                                                   {"format", "charsim actor v1"}};
    writeTrainedRates(w.trainedRates, metadata);
    return writeSafetensors(path, tensors, metadata);
}

sim::Result<TrainedRates> readTrainedRates(const SafetensorsFile& file) {
    TrainedRates rates;
    double* fields[] = {&rates.physics, &rates.pd, &rates.policy};
    int present = 0;
    for (int i = 0; i < 3; ++i) {
        const auto entry = file.metadata.find(kRateKeys[i]);
        if (entry == file.metadata.end()) {
            continue;
        }
        ++present;
        const char* text = entry->second.c_str();
        char* end = nullptr;
        const double value = std::strtod(text, &end);
        if (end == text || *end != '\0' || !std::isfinite(value) || !(value > 0)) {
            return Error{file.path + ": metadata '" + kRateKeys[i] + "' is \"" + entry->second +
                         "\" (expected a positive number of Hz)"};
        }
        *fields[i] = value;
    }
    if (present != 0 && present != 3) {
        return Error{file.path +
                     ": metadata gives only some of physics_rate, pd_rate and policy_rate "
                     "(expected all three or none)"};
    }
    return rates;
}

void writeTrainedRates(const TrainedRates& rates, std::map<std::string, std::string>& metadata) {
    if (!rates.known()) {
        return;
    }
    const double values[] = {rates.physics, rates.pd, rates.policy};
    for (int i = 0; i < 3; ++i) {
        metadata[kRateKeys[i]] = rateText(values[i]);
    }
}

}  // namespace policy
