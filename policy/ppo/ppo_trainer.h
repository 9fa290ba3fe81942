#pragma once
// DeepMimic's PPO (learning/ppo_agent.py, 2018) in process: separate actor and critic MLPs,
// samples from several environments on threads, TD(lambda) returns, the clipped surrogate,
// minibatch updates, annealed exploration and episode length, exact checkpoints.
// Settings and their DeepMimic values: docs/training.md.

#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "policy/actor.h"
#include "policy/ppo/mlp.h"
#include "policy/ppo/optimizer.h"
#include "policy/ppo/rollout.h"
#include "policy/ppo/running_normalizer.h"
#include "policy/random.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/imitation_env.h"
#include "sim/motion.h"
#include "sim/result.h"

namespace policy {

// Everything that shapes a run; defaults are DeepMimic's 2018 humanoid agent file.
struct PpoSettings {
    std::vector<int> actorHidden{1024, 512};
    std::vector<int> criticHidden{1024, 512};
    int threads = 0;  // sampling threads (0: every core)
    // Environments each thread steps together, with one batched actor query per control step.
    // 0: as many as leave each environment's share of the batch at least one episode at the
    // schedule's longest time limit (3 for 2 threads at DeepMimic's settings), at most 8; a
    // resumed run keeps its checkpoint's count.
    int environmentsPerThread = 0;
    // With threads > 1, a minibatch's critic and actor gradients are computed at once (the
    // results are the same bits as one after the other).
    bool concurrentGradients = true;
    uint64_t seed = 1;
    int batchSamples = 4096;  // samples per iteration, all workers together
    int minibatchSize = 256;
    int epochs = 1;
    double discount = 0.95;
    double lambda = 0.95;  // TD(lambda)
    double ratioClip = 0.2;
    double advantageClip = 4;
    double actionStd = 0.05;  // exploration noise, normalized action units
    double actionBoundWeight = 1;
    double explorationBegin = 1, explorationEnd = 0.2;
    double explorationAnnealSamples = 64e6;
    double episodeSecondsBegin = 0.5, episodeSecondsEnd = 20;  // time limit annealing
    double episodeAnnealSamples = 32e6;                        // lerp = (samples / this)^4
    double normalizerSamples = 1e6;  // state normalizer frozen after this many samples
    double stateStdFloor = 0.02;
    // While the normalizer is fitting, rescale the first layers so that a refit does not change
    // what the networks compute (DeepMimic does not; without it the first batches' old log
    // densities stop matching the policy and most ratios clip).
    bool preserveOutputsOnRefit = true;
    double valueMean = 10, valueStd = 10;  // critic output denormalization (val_norm)
    OptimizerSettings actorOptimizer{OptimizerKind::Momentum, 2.5e-6, 0.9};
    OptimizerSettings criticOptimizer{OptimizerKind::Momentum, 1e-2, 0.9};
    double actorWeightDecay = 5e-4;  // L2 on kernels
    double criticWeightDecay = 0;
    int freezeActorIterations = 0;  // first iterations train only the critic (fine-tuning)
    int maxConsecutiveDrops = 20;   // non-finite minibatch updates in a row before stopping
};

// What one iteration did.
struct IterationStats {
    long long iteration = 0;  // iterations completed, this one included
    long long samples = 0;    // samples collected so far
    int batchSamples = 0;
    int episodes = 0, falls = 0, invalidEpisodes = 0;  // episodes finished in this batch
    double meanReturn = 0;  // undiscounted, finished episodes (all paths if none finished)
    double meanEpisodeSeconds = 0;
    double explorationRate = 0, episodeLimit = 0;
    double actorLoss = 0, criticLoss = 0, clipFraction = 0;
    int droppedUpdates = 0;  // minibatch updates dropped as non-finite in this iteration
    double sampleSeconds = 0, updateSeconds = 0;  // wall time [s]
    bool actorFrozen = false;
};

// The networks and optimizers a checkpoint was written with: what a run must build to load it.
struct CheckpointShape {
    std::vector<int> actorHidden, criticHidden;  // hidden layer sizes
    OptimizerKind actorOptimizer = OptimizerKind::Momentum;
    OptimizerKind criticOptimizer = OptimizerKind::Momentum;
    TrainedRates rates;  // the simulation rates it trained at (unknown in older checkpoints)
};

// Reads only a checkpoint's metadata; errors name the file and the entry.
sim::Result<CheckpointShape> readCheckpointShape(const std::string& path);

class PpoTrainer {
public:
    // The environment settings' episode limit is replaced by the annealed one.
    static sim::Result<std::unique_ptr<PpoTrainer>> create(const sim::Character& character,
                                                           const sim::ControllerConfig& gains,
                                                           const sim::Motion& motion,
                                                           const sim::EnvSettings& environment,
                                                           const PpoSettings& settings);

    // Collects a batch and updates the networks. An error stops the run (non-finite updates
    // kept happening); the last good weights stay.
    sim::Result<IterationStats> iterate();

    // Test episodes of up to `seconds` with the mean action, from clip times drawn from
    // `seed`'s stream per worker (so the result depends on the thread count), one world per
    // worker. Fails on no episodes or a length not finite and > 0.
    sim::Result<EvaluationStats> evaluate(int episodes, double seconds, uint64_t seed) const;
    // The same from `starts` evenly spaced clip times k * duration / starts, an episode each,
    // each in a world of its own. Each episode lands where a charsim session from that clip
    // time with the saved actor lands, bit for bit, while `seconds` is within the session's
    // episode limit (20 s unless --episode-seconds): no start falls here exactly when `charsim
    // run --starts` sees none. Here an invalid state or a clip's end counts as a fall too.
    sim::Result<EvaluationStats> evaluateFromStarts(int starts, double seconds) const;

    // Starts from trained actor weights (hidden sizes must match the settings); its state
    // normalizer is taken and frozen.
    sim::Status initActor(const ActorWeights& weights);
    // The actor as policy::Actor runs it (raw state in, raw action out).
    ActorWeights actorWeights(const std::string& description) const;
    // The critic as policy::Critic runs it (raw state in, value out; value normalizer in the
    // action slots), for saveCriticWeights.
    ActorWeights criticWeights(const std::string& description) const;
    // Starts the critic from saved weights (fine-tuning a shipped policy with its critic). The
    // layer sizes must match the trainer's. Its state normalizer is adopted (and frozen) when
    // none is fixed yet; after initActor the first layer is rescaled to the actor's instead,
    // and the output layer to this run's value normalizer.
    sim::Status initCritic(const ActorWeights& weights);

    // Writes actor, critic, normalizer, optimizer slots, counters and generator state to
    // `path` + ".tmp" and renames it onto `path`.
    sim::Status saveCheckpoint(const std::string& path) const;
    // Continues from a checkpoint written with the same network sizes.
    sim::Status loadCheckpoint(const std::string& path);

    const PpoSettings& settings() const { return m_settings; }
    long long iteration() const { return m_iteration; }
    long long samples() const { return m_samples; }
    long long droppedUpdates() const { return m_droppedUpdates; }
    int threads() const { return static_cast<int>(m_threads); }
    int environmentsPerThread() const { return m_environmentsPerThread; }
    const Mlp<float>& actor() const { return m_actor; }
    const Mlp<float>& critic() const { return m_critic; }
    const RunningNormalizer& stateNormalizer() const { return m_normalizer; }
    double explorationRate() const;
    double episodeLimit() const;

    // Called on each gradient before it is applied (tests inject non-finite values here).
    std::function<void(bool actor, Eigen::VectorXf& gradient)> gradientHook;

private:
    PpoTrainer(const sim::Character& character, const sim::ControllerConfig& gains,
               const sim::Motion& motion, const sim::EnvSettings& environment,
               const PpoSettings& settings);

    std::unique_ptr<sim::ImitationEnv> makeEnv() const;
    // An environment for test episodes of up to `seconds` (ppo_evaluation.cpp).
    sim::Result<std::unique_ptr<sim::ImitationEnv>> makeEvaluationEnv(double seconds) const;
    // Runs evaluateShare(actor, worker, first, count, stats) -> Status on each worker for its
    // share of `episodes` (first: its first episode's index) and adds up the statistics.
    template <class Evaluate>
    sim::Result<EvaluationStats> evaluateOnWorkers(int episodes,
                                                   const Evaluate& evaluateShare) const;
    // The actor with the state normalizer, outputs left in normalized action units.
    ActorWeights samplingActorWeights() const;
    RolloutBatch collect(double rate, double limit);
    void computeTargets(const RolloutBatch& batch, Eigen::VectorXf& targets,
                        Eigen::VectorXf& advantages) const;
    Eigen::MatrixXf criticValues(const Eigen::MatrixXf& normalizedStates) const;
    bool applyUpdate(bool actor, Eigen::VectorXf& gradient, float loss);
    // The iteration's minibatch steps over `all` samples (critic) and the `explored` ones
    // (actor); fills the loss and clip statistics. Fails when non-finite updates persist.
    sim::Status runMinibatches(const RolloutBatch& batch, const Eigen::MatrixXf& states,
                               const Eigen::VectorXf& targets, const Eigen::VectorXf& advantages,
                               std::vector<int> all, std::vector<int> explored,
                               IterationStats& stats);
    // The loss of one minibatch and its gradient (numParams entries), weight decay included;
    // neither changes the networks.
    float criticGradient(const Eigen::MatrixXf& states, const Eigen::VectorXf& targets,
                         const std::vector<int>& indices, Eigen::VectorXf& gradient) const;
    float actorGradient(const Eigen::MatrixXf& states, const RolloutBatch& batch,
                        const Eigen::VectorXf& advantages, const std::vector<int>& indices,
                        Eigen::VectorXf& gradient, double& clipFraction) const;

    const sim::Character& m_character;
    const sim::ControllerConfig& m_gains;
    const sim::Motion& m_motion;
    sim::EnvSettings m_environment;
    PpoSettings m_settings;
    unsigned m_threads = 1;
    int m_environmentsPerThread = 1;
    int m_stateSize = 0, m_actionSize = 0;
    Eigen::VectorXf m_boundMin, m_boundMax;  // normalized action bounds

    Mlp<float> m_actor, m_critic;
    RunningNormalizer m_normalizer;
    OptimizerState m_actorState, m_criticState;
    // applyUpdate's trial steps, one per network so their sizes never change.
    struct TrialStep {
        Eigen::VectorXf params;
        OptimizerState state;
    };
    TrialStep m_actorTrial, m_criticTrial;
    Random m_random;  // minibatch shuffles
    long long m_iteration = 0, m_samples = 0;
    long long m_droppedUpdates = 0, m_consecutiveDrops = 0, m_iterationDrops = 0;
};

}  // namespace policy
