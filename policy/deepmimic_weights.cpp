#include "policy/safetensors.h"
#include "policy/deepmimic_weights.h"

#include "policy/tf_checkpoint.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace policy {
namespace {

using sim::Error;

constexpr int kHidden0 = 1024;  // DeepMimic fc_2layers_1024units
constexpr int kHidden1 = 512;

const char* const kTfStateMean = "agent/resource/s_norm/mean";
const char* const kTfStateStd = "agent/resource/s_norm/std";
const char* const kTfActionMean = "agent/resource/a_norm/mean";
const char* const kTfActionStd = "agent/resource/a_norm/std";

Eigen::VectorXf toVector(const float* values, Eigen::Index n) {
    return Eigen::Map<const Eigen::VectorXf>(values, n);
}

// Reads a float32 tensor and checks its shape.
sim::Result<std::vector<float>> readChecked(const TfBundleIndex& index, const std::string& name,
                                            const std::vector<int64_t>& shape) {
    const TfBundleEntry* entry = index.find(name);
    if (entry == nullptr) {
        return Error{index.indexPath + ": tensor '" + name + "' is missing (expected shape " +
                     shapeText(shape) + ")"};
    }
    if (entry->shape != shape) {
        return Error{index.indexPath + ": tensor '" + name + "' has shape " +
                     shapeText(entry->shape) + ", expected " + shapeText(shape)};
    }
    return readTfFloatTensor(index, name);
}

// Name of the actor's output layer: 2018 "dense", HEAD "dist_gauss_diag/mean".
std::string outputLayerPrefix(const TfBundleIndex& index) {
    const std::string head = "agent/main/actor/dist_gauss_diag/mean/";
    return index.find(head + "kernel") != nullptr ? head : "agent/main/actor/dense/";
}

}  // namespace

size_t deepMimicRawBytes(int stateSize, int actionSize) {
    const size_t s = static_cast<size_t>(stateSize);
    const size_t a = static_cast<size_t>(actionSize);
    const size_t floats =
        2 * s + 2 * a + s * kHidden0 + kHidden0 + kHidden0 * kHidden1 + kHidden1 + kHidden1 * a + a;
    return floats * 4;
}

DenseLayer denseFromTfKernel(const float* kernel, int in, int out, const float* bias) {
    DenseLayer layer;
    layer.weight = Eigen::Map<const RowMatrixXf>(kernel, in, out).transpose();
    layer.bias = toVector(bias, out);
    return layer;
}

std::vector<std::string> deepMimicActorTensorNames() {
    return {kTfStateMean,
            kTfStateStd,
            kTfActionMean,
            kTfActionStd,
            "agent/main/actor/0/dense/kernel",
            "agent/main/actor/0/dense/bias",
            "agent/main/actor/1/dense/kernel",
            "agent/main/actor/1/dense/bias",
            "agent/main/actor/dense/kernel",
            "agent/main/actor/dense/bias"};
}

sim::Result<ActorWeights> loadDeepMimicRaw(const std::string& path, int stateSize, int actionSize) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return Error{path + ": cannot open file"};
    }
    const auto size = static_cast<size_t>(in.tellg());
    const size_t expected = deepMimicRawBytes(stateSize, actionSize);
    if (size != expected) {
        std::ostringstream msg;
        msg << path << ": raw DeepMimic actor export must be exactly " << expected << " bytes ("
            << expected / 4 << " float32 for state " << stateSize << ", action " << actionSize
            << ", hidden " << kHidden0 << "/" << kHidden1 << "), file is " << size << " bytes";
        return Error{msg.str()};
    }
    std::vector<float> f(expected / 4);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(f.data()), static_cast<std::streamsize>(expected));
    if (!in) {
        return Error{path + ": read failed"};
    }
    // Walk the tensors in file order (found/README.md).
    const float* p = f.data();
    const auto take = [&p](size_t n) {
        const float* start = p;
        p += n;
        return start;
    };
    ActorWeights w;
    const size_t s = static_cast<size_t>(stateSize);
    const size_t a = static_cast<size_t>(actionSize);
    w.stateMean = toVector(take(s), stateSize);
    w.stateStd = toVector(take(s), stateSize);
    w.actionMean = toVector(take(a), actionSize);
    w.actionStd = toVector(take(a), actionSize);
    const float* k0 = take(s * kHidden0);
    w.layers.push_back(denseFromTfKernel(k0, stateSize, kHidden0, take(kHidden0)));
    const float* k1 = take(size_t{kHidden0} * kHidden1);
    w.layers.push_back(denseFromTfKernel(k1, kHidden0, kHidden1, take(kHidden1)));
    const float* k2 = take(kHidden1 * a);
    w.layers.push_back(denseFromTfKernel(k2, kHidden1, actionSize, take(a)));
    w.description = "DeepMimic raw float32 export " + path;
    return w;
}

sim::Result<ActorWeights> loadTfCheckpointActor(const std::string& path) {
    auto index = readTfBundleIndex(path);
    if (!index) {
        return Error{index.error()};
    }
    const TfBundleEntry* mean = index->find(kTfStateMean);
    const TfBundleEntry* amean = index->find(kTfActionMean);
    if (mean == nullptr || mean->shape.size() != 1 || amean == nullptr ||
        amean->shape.size() != 1) {
        return Error{index->indexPath + ": tensors '" + kTfStateMean + "' and '" + kTfActionMean +
                     "' (rank 1) are needed to size the actor; not a DeepMimic checkpoint?"};
    }
    const int64_t s = mean->shape[0];
    const int64_t a = amean->shape[0];
    ActorWeights w;
    // Normalizers, then hidden layers actor/0, actor/1, ... while present, then the head.
    const std::pair<const char*, Eigen::VectorXf*> norms[] = {{kTfStateMean, &w.stateMean},
                                                              {kTfStateStd, &w.stateStd},
                                                              {kTfActionMean, &w.actionMean},
                                                              {kTfActionStd, &w.actionStd}};
    for (const auto& [name, out] : norms) {
        const int64_t n = (out == &w.stateMean || out == &w.stateStd) ? s : a;
        auto v = readChecked(*index, name, {n});
        if (!v) {
            return Error{v.error()};
        }
        *out = toVector(v->data(), n);
    }
    int64_t in = s;
    std::vector<std::string> prefixes;
    for (int k = 0;; ++k) {
        const std::string prefix = "agent/main/actor/" + std::to_string(k) + "/dense/";
        if (index->find(prefix + "kernel") == nullptr) {
            break;
        }
        prefixes.push_back(prefix);
    }
    prefixes.push_back(outputLayerPrefix(*index));
    for (size_t k = 0; k < prefixes.size(); ++k) {
        const std::string& prefix = prefixes[k];
        const TfBundleEntry* kernel = index->find(prefix + "kernel");
        const bool isHead = k + 1 == prefixes.size();
        if (kernel == nullptr || kernel->shape.size() != 2) {
            return Error{index->indexPath + ": tensor '" + prefix +
                         "kernel' is missing or not "
                         "rank 2 (expected [" +
                         std::to_string(in) + ", outputs])"};
        }
        const int64_t out = isHead ? a : kernel->shape[1];
        auto kv = readChecked(*index, prefix + "kernel", {in, out});
        if (!kv) {
            return Error{kv.error()};
        }
        auto bv = readChecked(*index, prefix + "bias", {out});
        if (!bv) {
            return Error{bv.error()};
        }
        w.layers.push_back(
            denseFromTfKernel(kv->data(), static_cast<int>(in), static_cast<int>(out), bv->data()));
        in = out;
    }
    w.description = "DeepMimic TF checkpoint " + index->stem;
    return w;
}

}  // namespace policy
