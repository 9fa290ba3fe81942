// PpoTrainer checkpoints: one safetensors file. Tensors hold the networks, optimizer slots and
// normalizer sums (exact bits: F32 as trained, F64 for the sums); __metadata__ holds counters
// and generator state, doubles written as hex floats so they read back bit for bit.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "policy/ppo/ppo_trainer.h"
#include "policy/safetensors.h"
#include "policy/weights.h"

namespace policy {

namespace {

constexpr const char* kFormat = "charsim-ppo-checkpoint-1";

SafetensorsTensor f32(const std::string& name, const Eigen::VectorXf& v) {
    return makeF32Tensor(name, {static_cast<int64_t>(v.size())}, v.data(),
                         static_cast<size_t>(v.size()));
}

SafetensorsTensor f64(const std::string& name, const Eigen::VectorXd& v) {
    SafetensorsTensor t{name, "F64", {static_cast<int64_t>(v.size())}, {}};
    t.bytes.resize(static_cast<size_t>(v.size()) * sizeof(double));
    if (v.size() > 0) {
        std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
    }
    return t;
}

std::string hexDouble(double x) {
    char text[64];
    std::snprintf(text, sizeof(text), "%a", x);
    return text;
}

std::string joined(const std::vector<int>& sizes) {
    std::string out;
    for (int s : sizes) {
        out += (out.empty() ? "" : ",") + std::to_string(s);
    }
    return out;
}

// The value of a metadata entry, empty when it is missing.
std::string metadataValue(const SafetensorsFile& file, const std::string& key) {
    auto it = file.metadata.find(key);
    return it == file.metadata.end() ? std::string() : it->second;
}

// A safetensors file whose metadata says it is a PPO checkpoint.
sim::Result<SafetensorsFile> readCheckpointFile(const std::string& path) {
    auto file = readSafetensors(path);
    if (file && metadataValue(*file, "format") != kFormat) {
        return sim::Error{path + ": not a PPO checkpoint (metadata format '" +
                          metadataValue(*file, "format") + "', expected '" + kFormat + "')"};
    }
    return file;
}

// Reads tensors back by name with the expected dtype and length.
class TensorReader {
public:
    TensorReader(const SafetensorsFile& file) : m_file(file) {}

    bool readF32(const std::string& name, Eigen::Index size, Eigen::VectorXf& out) {
        const unsigned char* data = find(name, "F32", size, sizeof(float));
        if (data != nullptr) {
            out.resize(size);
            if (size > 0) {  // an empty vector's data() may be null, which memcpy may not take
                std::memcpy(out.data(), data, static_cast<size_t>(size) * sizeof(float));
            }
        }
        return data != nullptr;
    }
    bool readF64(const std::string& name, Eigen::Index size, Eigen::VectorXd& out) {
        const unsigned char* data = find(name, "F64", size, sizeof(double));
        if (data != nullptr) {
            out.resize(size);
            if (size > 0) {  // an empty vector's data() may be null, which memcpy may not take
                std::memcpy(out.data(), data, static_cast<size_t>(size) * sizeof(double));
            }
        }
        return data != nullptr;
    }
    const std::string& error() const { return m_error; }

private:
    const unsigned char* find(const std::string& name, const char* dtype, Eigen::Index size,
                              size_t item) {
        const SafetensorsEntry* entry = m_file.find(name);
        if (entry == nullptr || entry->dtype != dtype ||
            entry->end - entry->begin != static_cast<uint64_t>(size) * item) {
            m_error = m_file.path + ": tensor " + name + " is missing or is not " + dtype + "[" +
                      std::to_string(size) + "]";
            return nullptr;
        }
        return m_file.bytes.data() + m_file.dataStart + entry->begin;
    }
    const SafetensorsFile& m_file;
    std::string m_error;
};

}  // namespace

sim::Status PpoTrainer::saveCheckpoint(const std::string& path) const {
    std::vector<SafetensorsTensor> tensors = {
        f32("actor.params", m_actor.params()),
        f32("critic.params", m_critic.params()),
        f32("actor.optimizer.first", m_actorState.first),
        f32("actor.optimizer.second", m_actorState.second),
        f32("critic.optimizer.first", m_criticState.first),
        f32("critic.optimizer.second", m_criticState.second),
        f32("state_norm.mean", m_normalizer.mean()),
        f32("state_norm.std", m_normalizer.std()),
        f64("state_norm.sum", m_normalizer.sum()),
        f64("state_norm.sum_squares", m_normalizer.sumSquares()),
    };
    std::map<std::string, std::string> meta = {
        {"format", kFormat},
        {"actor_sizes", joined(m_actor.sizes())},
        {"critic_sizes", joined(m_critic.sizes())},
        {"actor_optimizer", toString(m_settings.actorOptimizer.kind)},
        {"critic_optimizer", toString(m_settings.criticOptimizer.kind)},
        {"iteration", std::to_string(m_iteration)},
        {"samples", std::to_string(m_samples)},
        {"dropped_updates", std::to_string(m_droppedUpdates)},
        {"consecutive_drops", std::to_string(m_consecutiveDrops)},
        {"actor_optimizer_steps", std::to_string(m_actorState.steps)},
        {"critic_optimizer_steps", std::to_string(m_criticState.steps)},
        {"state_norm_count", hexDouble(m_normalizer.count())},
        {"seed", std::to_string(m_settings.seed)},
        {"threads", std::to_string(m_threads)},
        {"environments_per_thread", std::to_string(m_environmentsPerThread)},
    };
    writeTrainedRates({m_environment.physicsRate, m_environment.pdRate, m_environment.policyRate},
                      meta);
    for (int i = 0; i < 4; ++i) {
        meta["random_" + std::to_string(i)] =
            std::to_string(m_random.state()[static_cast<size_t>(i)]);
    }
    return writeSafetensors(path, tensors, meta);  // to path.tmp, then renamed
}

sim::Result<CheckpointShape> readCheckpointShape(const std::string& path) {
    auto file = readCheckpointFile(path);
    if (!file) {
        return sim::Error{file.error()};
    }
    auto meta = [&](const std::string& key) { return metadataValue(*file, key); };
    // "in,hidden...,out" -> the hidden sizes.
    auto hidden = [&](const char* key) -> sim::Result<std::vector<int>> {
        std::vector<int> sizes;
        std::stringstream text(meta(key));
        for (std::string item; std::getline(text, item, ',');) {
            char* end = nullptr;
            const long size = std::strtol(item.c_str(), &end, 10);
            if (item.empty() || *end != '\0' || size < 1 || size > (1 << 20)) {
                sizes.clear();
                break;
            }
            sizes.push_back(static_cast<int>(size));
        }
        if (sizes.size() < 2) {
            return sim::Error{path + ": metadata '" + key + "' is '" + meta(key) +
                              "' (expected layer sizes such as 197,1024,512,36)"};
        }
        return std::vector<int>(sizes.begin() + 1, sizes.end() - 1);
    };
    auto kind = [&](const char* key) -> sim::Result<OptimizerKind> {
        for (OptimizerKind k : {OptimizerKind::Momentum, OptimizerKind::Adam}) {
            if (meta(key) == toString(k)) {
                return k;
            }
        }
        return sim::Error{path + ": metadata '" + key + "' is '" + meta(key) + "' (expected " +
                          toString(OptimizerKind::Momentum) + " or " +
                          toString(OptimizerKind::Adam) + ")"};
    };
    CheckpointShape shape;
    auto actor = hidden("actor_sizes");
    if (!actor) {
        return sim::Error{actor.error()};
    }
    auto critic = hidden("critic_sizes");
    if (!critic) {
        return sim::Error{critic.error()};
    }
    auto actorKind = kind("actor_optimizer");
    if (!actorKind) {
        return sim::Error{actorKind.error()};
    }
    auto criticKind = kind("critic_optimizer");
    if (!criticKind) {
        return sim::Error{criticKind.error()};
    }
    auto rates = readTrainedRates(*file);
    if (!rates) {
        return sim::Error{rates.error()};
    }
    shape.actorHidden = *actor;
    shape.criticHidden = *critic;
    shape.actorOptimizer = *actorKind;
    shape.criticOptimizer = *criticKind;
    shape.rates = *rates;
    return shape;
}

sim::Status PpoTrainer::loadCheckpoint(const std::string& path) {
    auto file = readCheckpointFile(path);
    if (!file) {
        return sim::Error{file.error()};
    }
    auto meta = [&](const std::string& key) { return metadataValue(*file, key); };
    if (meta("actor_sizes") != joined(m_actor.sizes()) ||
        meta("critic_sizes") != joined(m_critic.sizes())) {
        return sim::Error{path + ": networks are " + meta("actor_sizes") + " / " +
                          meta("critic_sizes") + ", but this run builds " +
                          joined(m_actor.sizes()) + " / " + joined(m_critic.sizes())};
    }
    if (meta("actor_optimizer") != toString(m_settings.actorOptimizer.kind) ||
        meta("critic_optimizer") != toString(m_settings.criticOptimizer.kind)) {
        return sim::Error{path + ": written with optimizers " + meta("actor_optimizer") + " / " +
                          meta("critic_optimizer") + "; this run uses " +
                          toString(m_settings.actorOptimizer.kind) + " / " +
                          toString(m_settings.criticOptimizer.kind)};
    }
    TensorReader reader(*file);
    Eigen::VectorXf actor, critic, mean, std;
    OptimizerState actorState = m_actorState, criticState = m_criticState;
    Eigen::VectorXd sum, sumSquares;
    const bool ok =
        reader.readF32("actor.params", m_actor.numParams(), actor) &&
        reader.readF32("critic.params", m_critic.numParams(), critic) &&
        reader.readF32("actor.optimizer.first", m_actorState.first.size(), actorState.first) &&
        reader.readF32("actor.optimizer.second", m_actorState.second.size(), actorState.second) &&
        reader.readF32("critic.optimizer.first", m_criticState.first.size(), criticState.first) &&
        reader.readF32("critic.optimizer.second", m_criticState.second.size(),
                       criticState.second) &&
        reader.readF32("state_norm.mean", m_stateSize, mean) &&
        reader.readF32("state_norm.std", m_stateSize, std) &&
        reader.readF64("state_norm.sum", m_stateSize, sum) &&
        reader.readF64("state_norm.sum_squares", m_stateSize, sumSquares);
    if (!ok) {
        return sim::Error{reader.error()};
    }
    try {
        actorState.steps = std::stoll(meta("actor_optimizer_steps"));
        criticState.steps = std::stoll(meta("critic_optimizer_steps"));
        m_iteration = std::stoll(meta("iteration"));
        m_samples = std::stoll(meta("samples"));
        m_droppedUpdates = std::stoll(meta("dropped_updates"));
        m_consecutiveDrops = std::stoll(meta("consecutive_drops"));
        Random::State state;
        for (int i = 0; i < 4; ++i) {
            state[static_cast<size_t>(i)] = std::stoull(meta("random_" + std::to_string(i)));
        }
        m_random.setState(state);
        m_normalizer.restore(std::strtod(meta("state_norm_count").c_str(), nullptr), sum,
                             sumSquares, mean, std);
        if (m_settings.environmentsPerThread == 0) {
            // Automatic: go on with the run's own count, so the resume stays exact (checkpoints
            // from before the setting had one environment per thread).
            const std::string recorded = meta("environments_per_thread");
            m_environmentsPerThread = recorded.empty() ? 1 : std::stoi(recorded);
        }
    } catch (const std::exception&) {
        return sim::Error{path + ": a counter in the metadata is missing or not a number"};
    }
    if (m_environmentsPerThread < 1) {
        return sim::Error{path + ": environments_per_thread is " +
                          std::to_string(m_environmentsPerThread) + "; it must be at least 1"};
    }
    m_actor.params() = actor;
    m_critic.params() = critic;
    m_actorState = std::move(actorState);
    m_criticState = std::move(criticState);
    return sim::Status::success();
}

}  // namespace policy
