#pragma once
// Actor network of a DeepMimic policy: normalize state, MLP with ReLU hidden layers, denormalize.

#include <Eigen/Core>

#include "policy/nn/gemm.h"

#include "policy/random.h"

#include <cstdint>
#include <string>
#include <vector>

namespace policy {

// Weight matrices are row-major so that each output is one contiguous dot product.
using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One fully connected layer y = weight * x + bias.
struct DenseLayer {
    RowMatrixXf weight;    // [out, in]
    Eigen::VectorXf bias;  // [out]
};

// The simulation rates a policy was trained at [Hz]; 0 where unknown (files from elsewhere).
struct TrainedRates {
    double physics = 0;  // Bullet steps per second
    double pd = 0;       // stable-PD updates per second
    double policy = 0;   // policy queries per second

    bool known() const { return physics > 0 && pd > 0 && policy > 0; }
};

// Everything the actor needs; sizes are read from the tensors.
struct ActorWeights {
    Eigen::VectorXf stateMean;       // [stateSize] normalizer mean, x = (s - mean) / std
    Eigen::VectorXf stateStd;        // [stateSize] normalizer std (raw, not inverted)
    Eigen::VectorXf actionMean;      // [actionSize] a = a_n * std + mean
    Eigen::VectorXf actionStd;       // [actionSize]
    std::vector<DenseLayer> layers;  // ReLU after every layer except the last
    std::string description;         // where the weights came from, for logs and the UI
    TrainedRates trainedRates;       // written and read as safetensors metadata
};

// Checks that layer shapes chain and normalizer sizes match; returns "" or what is wrong.
std::string checkActorWeights(const ActorWeights& weights);

// Mean action of a DeepMimic actor; forward passes reuse scratch sized at construction.
class Actor {
public:
    // Takes the weights; they must pass checkActorWeights (asserted).
    explicit Actor(ActorWeights weights);

    // Mean action [actionSize] for one state [stateSize]; no heap allocation.
    void act(const Eigen::Ref<const Eigen::VectorXf>& state, Eigen::Ref<Eigen::VectorXf> action);

    // Mean actions [actionSize, n] for states [stateSize, n], one state per column, through
    // policy/nn's batched GEMM. The batch activations are resized to n, so a call whose n
    // differs from the previous call's allocates; calls with the same n do not.
    void actBatch(const Eigen::Ref<const Eigen::MatrixXf>& states,
                  Eigen::Ref<Eigen::MatrixXf> actions);

    // Input size (197 for the 2018 humanoid).
    int stateSize() const { return static_cast<int>(m_weights.stateMean.size()); }
    // Output size (36 for the 2018 humanoid).
    int actionSize() const { return static_cast<int>(m_weights.actionMean.size()); }
    // Where the weights came from.
    const std::string& description() const { return m_weights.description; }
    // The weights this actor runs.
    const ActorWeights& weights() const { return m_weights; }

private:
    ActorWeights m_weights;
    std::vector<Eigen::VectorXf> m_activations;       // [in of layer 0, out of each layer]
    std::vector<Eigen::MatrixXf> m_batchActivations;  // same, one column per state
    std::vector<nn::PackedWeights> m_packed;          // per layer, packed at construction
    nn::GemmScratch m_gemm;
};

// Deterministic DeepMimic-style initial actor (no trained weights): hidden sizes {1024, 512},
// Xavier-uniform hidden kernels, output kernel uniform in +-0.01, zero biases, state normalizer
// mean 0 std 1 except index 0 (phase) mean 0.5 std 0.5. Same seed, same weights on any platform.
ActorWeights makeInitialActor(int stateSize, int actionSize, const Eigen::VectorXf& actionMean,
                              const Eigen::VectorXf& actionStd, uint64_t seed);

// Deterministic generator behind makeInitialActor: xoshiro256** seeded by splitmix64.
class InitRandom {
public:
    // Expands `seed` into the 256-bit state with splitmix64.
    explicit InitRandom(uint64_t seed);
    // Next 64 random bits.
    uint64_t next();
    // Uniform float in [lo, hi): top 24 bits of next() scaled, then lo + (hi - lo) * u.
    float uniform(float lo, float hi);

private:
    Random m_random;
};

}  // namespace policy
