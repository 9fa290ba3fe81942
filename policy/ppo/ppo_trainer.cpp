#include "policy/ppo/ppo_trainer.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>
#include <thread>

#include "policy/ppo/ppo_loss.h"
#include "policy/ppo/workers.h"

namespace policy {

namespace {

// Whether no entry is infinite or NaN: the exponent bits of each float are tested as integers,
// which compilers vectorize (Eigen's allFinite compares x - x with itself, entry by entry).
bool allFinite(const Eigen::VectorXf& values) {
    const float* data = values.data();
    uint32_t nonFinite = 0;
    for (Eigen::Index i = 0; i < values.size(); ++i) {
        const uint32_t bits = std::bit_cast<uint32_t>(data[i]);
        nonFinite |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    return nonFinite == 0;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Columns `indices[begin, begin + count)` of `source`.
Eigen::MatrixXf gatherColumns(const Eigen::MatrixXf& source, const std::vector<int>& indices,
                              size_t begin, size_t count) {
    Eigen::MatrixXf out(source.rows(), static_cast<Eigen::Index>(count));
    for (size_t i = 0; i < count; ++i) {
        out.col(static_cast<Eigen::Index>(i)) = source.col(indices[begin + i]);
    }
    return out;
}

// Rewrites the first layer so the network computes the same function of the raw state under
// the refitted normalizer: W' = W diag(std'/std), b' = b + W (mean' - mean) / std.
void preserveFirstLayer(Mlp<float>& net, const Eigen::VectorXf& oldMean,
                        const Eigen::VectorXf& oldStd, const RunningNormalizer& normalizer) {
    auto w = net.weight(0);
    net.bias(0) += w * (normalizer.mean() - oldMean).cwiseQuotient(oldStd);
    w = w * normalizer.std().cwiseQuotient(oldStd).asDiagonal();
}

void shuffle(std::vector<int>& indices, Random& random) {
    for (size_t i = indices.size(); i > 1; --i) {
        std::swap(indices[i - 1], indices[random.below(i)]);
    }
}

}  // namespace

sim::Result<std::unique_ptr<PpoTrainer>> PpoTrainer::create(const sim::Character& character,
                                                            const sim::ControllerConfig& gains,
                                                            const sim::Motion& motion,
                                                            const sim::EnvSettings& environment,
                                                            const PpoSettings& settings) {
    if (settings.batchSamples < 1 || settings.minibatchSize < 1 || settings.epochs < 1) {
        return sim::Error{"batch, minibatch and epochs must be positive"};
    }
    if (settings.environmentsPerThread < 0) {
        return sim::Error{"environments per thread must be 0 (automatic) or more, not " +
                          std::to_string(settings.environmentsPerThread)};
    }
    auto probe = sim::ImitationEnv::create(character, gains, motion, environment);
    if (!probe) {
        return sim::Error{probe.error()};
    }
    return std::unique_ptr<PpoTrainer>(
        new PpoTrainer(character, gains, motion, environment, settings));
}

PpoTrainer::PpoTrainer(const sim::Character& character, const sim::ControllerConfig& gains,
                       const sim::Motion& motion, const sim::EnvSettings& environment,
                       const PpoSettings& settings)
    : m_character(character),
      m_gains(gains),
      m_motion(motion),
      m_environment(environment),
      m_settings(settings),
      m_random(streamSeed(settings.seed, 0xA11CE)) {
    m_threads = settings.threads > 0 ? static_cast<unsigned>(settings.threads)
                                     : std::max(1u, std::thread::hardware_concurrency());
    if (settings.environmentsPerThread > 0) {
        m_environmentsPerThread = settings.environmentsPerThread;
    } else {
        const double stepsPerEpisode =
            std::max(settings.episodeSecondsBegin, settings.episodeSecondsEnd) *
            environment.policyRate;
        const double share = static_cast<double>(settings.batchSamples) / m_threads;
        m_environmentsPerThread =
            std::clamp(static_cast<int>(share / std::max(1.0, stepsPerEpisode)), 1, 8);
    }
    // The trainer ends episodes at the annealed limit; the env's own limit stays above it.
    m_environment.episodeTimeLimit =
        std::max(settings.episodeSecondsBegin, settings.episodeSecondsEnd) + 1;
    m_stateSize = sim::stateSize(character);
    m_actionSize = sim::actionSize(character);
    const sim::ActionNormalization norm = sim::actionNormalization(character);
    m_boundMin = ((norm.boundMin + norm.offset).cwiseProduct(norm.scale)).cast<float>();
    m_boundMax = ((norm.boundMax + norm.offset).cwiseProduct(norm.scale)).cast<float>();

    std::vector<int> actorSizes{m_stateSize}, criticSizes{m_stateSize};
    actorSizes.insert(actorSizes.end(), settings.actorHidden.begin(), settings.actorHidden.end());
    criticSizes.insert(criticSizes.end(), settings.criticHidden.begin(),
                       settings.criticHidden.end());
    actorSizes.push_back(m_actionSize);
    criticSizes.push_back(1);
    m_actor = Mlp<float>(actorSizes);
    m_critic = Mlp<float>(criticSizes);
    initializeMlp(m_actor, 0.01, streamSeed(settings.seed, 0xAC7));
    initializeMlp(m_critic, 0, streamSeed(settings.seed, 0xC817));
    m_actorState = makeOptimizerState(settings.actorOptimizer, m_actor.numParams());
    m_criticState = makeOptimizerState(settings.criticOptimizer, m_critic.numParams());

    m_normalizer =
        RunningNormalizer(m_stateSize, settings.normalizerSamples, settings.stateStdFloor);
    m_normalizer.fix(0, 0.5, 0.5);  // phase
}

double PpoTrainer::explorationRate() const {
    const double t =
        std::clamp(static_cast<double>(m_samples) / m_settings.explorationAnnealSamples, 0.0, 1.0);
    return m_settings.explorationBegin +
           (m_settings.explorationEnd - m_settings.explorationBegin) * t;
}

double PpoTrainer::episodeLimit() const {
    const double t =
        std::clamp(static_cast<double>(m_samples) / m_settings.episodeAnnealSamples, 0.0, 1.0);
    const double lerp = t * t * t * t;
    return m_settings.episodeSecondsBegin +
           (m_settings.episodeSecondsEnd - m_settings.episodeSecondsBegin) * lerp;
}

std::unique_ptr<sim::ImitationEnv> PpoTrainer::makeEnv() const {
    auto env = sim::ImitationEnv::create(m_character, m_gains, m_motion, m_environment);
    return std::move(env).value();  // checked in create()
}

RolloutBatch PpoTrainer::collect(double rate, double limit) {
    // Fresh environments every iteration, so a resumed run samples exactly what an
    // uninterrupted one would; each worker has its own stream and a fixed share.
    const unsigned workers = m_threads;
    std::vector<RolloutBatch> parts(workers);
    const uint64_t iterationSeed = streamSeed(m_settings.seed, static_cast<uint64_t>(m_iteration));
    // The actor as policy::nn runs it: its weights are packed once per thread per iteration, so
    // the small batches of the step loop skip the repacking a general GEMM does on every call.
    const ActorWeights samplingWeights = samplingActorWeights();
    auto work = [&](unsigned w) {
        RolloutSettings rollout;
        rollout.samples = shareOf(m_settings.batchSamples, workers, w);
        rollout.explorationRate = rate;
        rollout.actionStd = m_settings.actionStd;
        rollout.episodeSeconds = limit;
        rollout.seed = streamSeed(iterationSeed, w);
        NormalizedMlp actor(samplingWeights);
        std::vector<std::unique_ptr<sim::ImitationEnv>> envs;
        std::vector<sim::ImitationEnv*> pointers;
        for (int e = 0; e < m_environmentsPerThread; ++e) {
            envs.push_back(makeEnv());
            pointers.push_back(envs.back().get());
        }
        collectRollouts(pointers, actor, rollout, parts[w]);
    };
    runOnWorkers(workers, work);
    RolloutBatch batch;
    for (const RolloutBatch& part : parts) {
        batch.append(part);
    }
    return batch;
}

Eigen::MatrixXf PpoTrainer::criticValues(const Eigen::MatrixXf& normalizedStates) const {
    Eigen::MatrixXf values(1, normalizedStates.cols());
    // Chunks of 1024 columns, shared round-robin by the threads: each chunk is computed the
    // same way whichever thread takes it, so the values do not depend on the thread count.
    constexpr Eigen::Index kChunk = 1024;
    const Eigen::Index chunks = (normalizedStates.cols() + kChunk - 1) / kChunk;
    const unsigned workers = std::max<unsigned>(1, std::min<unsigned>(m_threads, chunks));
    runOnWorkers(workers, [&](unsigned w) {
        MlpCache<float> cache;
        for (Eigen::Index c = w; c < chunks; c += workers) {
            const Eigen::Index begin = c * kChunk;
            const Eigen::Index n = std::min(kChunk, normalizedStates.cols() - begin);
            values.middleCols(begin, n) =
                m_critic.forward(normalizedStates.middleCols(begin, n), cache);
        }
    });
    return (values.array() * static_cast<float>(m_settings.valueStd) +
            static_cast<float>(m_settings.valueMean))
        .matrix();
}

void PpoTrainer::computeTargets(const RolloutBatch& batch, Eigen::VectorXf& targets,
                                Eigen::VectorXf& advantages) const {
    const int n = batch.size();
    const Eigen::Map<const Eigen::MatrixXf> raw(batch.states.data(), m_stateSize, n);
    const int ends = static_cast<int>(batch.endStates.size()) / m_stateSize;
    const Eigen::Map<const Eigen::MatrixXf> rawEnds(batch.endStates.data(), m_stateSize, ends);
    Eigen::MatrixXf normalized(m_stateSize, n), normalizedEnds(m_stateSize, ends);
    m_normalizer.normalize(raw, normalized);
    m_normalizer.normalize(rawEnds, normalizedEnds);
    const Eigen::MatrixXf values = criticValues(normalized);
    const Eigen::MatrixXf endValues = criticValues(normalizedEnds);

    Eigen::VectorXf returns(n);
    for (const RolloutBatch::Path& path : batch.paths) {
        const double endValue =
            path.endState >= 0 ? static_cast<double>(endValues(0, path.endState)) : 0.0;
        lambdaReturns(batch.rewards.data() + path.begin, values.data() + path.begin,
                      path.end - path.begin, endValue, m_settings.discount, m_settings.lambda,
                      returns.data() + path.begin);
    }
    advantages = returns - values.row(0).transpose();
    // Critic targets clipped to the range of possible values, [0, 1 / (1 - gamma)].
    const float maxValue = static_cast<float>(1.0 / (1.0 - m_settings.discount));
    targets = returns.cwiseMax(0.0f).cwiseMin(maxValue);
}

bool PpoTrainer::applyUpdate(bool actor, Eigen::VectorXf& gradient, float loss) {
    if (gradientHook) {
        gradientHook(actor, gradient);
    }
    Mlp<float>& net = actor ? m_actor : m_critic;
    OptimizerState& state = actor ? m_actorState : m_criticState;
    const OptimizerSettings& optimizer =
        actor ? m_settings.actorOptimizer : m_settings.criticOptimizer;
    bool good = std::isfinite(loss) && allFinite(gradient);
    if (good) {
        // The step goes to scratch copies (reused, so nothing is allocated after the first
        // step), which are swapped in only when everything came out finite.
        TrialStep& trial = actor ? m_actorTrial : m_criticTrial;
        Eigen::VectorXf& params = trial.params;
        OptimizerState& next = trial.state;
        params = net.params();
        next.first = state.first;
        next.second = state.second;
        next.steps = state.steps;
        optimizerStep(optimizer, gradient, params, next);
        good = allFinite(params) && allFinite(next.first) && allFinite(next.second);
        if (good) {
            net.params().swap(params);
            state.first.swap(next.first);
            state.second.swap(next.second);
            state.steps = next.steps;
        }
    }
    if (!good) {
        ++m_droppedUpdates;
        ++m_consecutiveDrops;
        ++m_iterationDrops;
        return false;
    }
    m_consecutiveDrops = 0;
    return true;
}

float PpoTrainer::criticGradient(const Eigen::MatrixXf& states, const Eigen::VectorXf& targets,
                                 const std::vector<int>& indices, Eigen::VectorXf& gradient) const {
    const Eigen::MatrixXf input = gatherColumns(states, indices, 0, indices.size());
    Eigen::MatrixXf target(1, input.cols());
    for (size_t i = 0; i < indices.size(); ++i) {
        target(0, static_cast<Eigen::Index>(i)) =
            (targets[indices[i]] - static_cast<float>(m_settings.valueMean)) /
            static_cast<float>(m_settings.valueStd);
    }
    MlpCache<float> cache;
    const Eigen::MatrixXf value = m_critic.forward(input, cache);
    Eigen::MatrixXf valueGradient;
    float loss = criticLoss<float>(value, target, valueGradient);
    gradient.setZero(m_critic.numParams());
    m_critic.backward(valueGradient, cache, gradient);
    m_critic.addWeightDecay(static_cast<float>(m_settings.criticWeightDecay), loss, gradient);
    return loss;
}

float PpoTrainer::actorGradient(const Eigen::MatrixXf& states, const RolloutBatch& batch,
                                const Eigen::VectorXf& advantages, const std::vector<int>& indices,
                                Eigen::VectorXf& gradient, double& clipFraction) const {
    const Eigen::MatrixXf input = gatherColumns(states, indices, 0, indices.size());
    const Eigen::Index n = input.cols();
    Eigen::MatrixXf actions(m_actionSize, n);
    Eigen::VectorXf oldLogDensity(n), adv(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const int s = indices[static_cast<size_t>(i)];
        actions.col(i) = Eigen::Map<const Eigen::VectorXf>(
            batch.actions.data() + static_cast<size_t>(s) * m_actionSize, m_actionSize);
        oldLogDensity[i] = batch.logDensity[s];
        adv[i] = advantages[s];
    }
    MlpCache<float> cache;
    const Eigen::MatrixXf mean = m_actor.forward(input, cache);
    ActorLossSettings lossSettings;
    lossSettings.actionStd = m_settings.actionStd;
    lossSettings.ratioClip = m_settings.ratioClip;
    lossSettings.boundWeight = m_settings.actionBoundWeight;
    Eigen::MatrixXf meanGradient;
    ActorLossStats stats;
    float loss = actorLoss<float>(mean, actions, oldLogDensity, adv, m_boundMin, m_boundMax,
                                  lossSettings, meanGradient, &stats);
    clipFraction = stats.clipFraction;
    gradient.setZero(m_actor.numParams());
    m_actor.backward(meanGradient, cache, gradient);
    m_actor.addWeightDecay(static_cast<float>(m_settings.actorWeightDecay), loss, gradient);
    return loss;
}

sim::Status PpoTrainer::runMinibatches(const RolloutBatch& batch, const Eigen::MatrixXf& states,
                                       const Eigen::VectorXf& targets,
                                       const Eigen::VectorXf& advantages, std::vector<int> all,
                                       std::vector<int> explored, IterationStats& stats) {
    // Minibatch steps: one critic and one actor step each, DeepMimic's order. Neither gradient
    // reads the other network, so with several threads the two are computed at once; they are
    // applied in the same order either way, so the result does not depend on it.
    const size_t mb = static_cast<size_t>(m_settings.minibatchSize);
    const size_t steps = std::max<size_t>(1, all.size() / mb);
    const bool trainActor = !stats.actorFrozen && !explored.empty();
    double actorLossSum = 0, criticLossSum = 0, clipSum = 0;
    int actorSteps = 0;
    Eigen::VectorXf criticGrad, actorGrad;
    for (int epoch = 0; epoch < m_settings.epochs; ++epoch) {
        shuffle(all, m_random);
        shuffle(explored, m_random);
        for (size_t s = 0; s < steps; ++s) {
            const std::vector<int> criticBatch(
                all.begin() + static_cast<long>(s * mb),
                all.begin() + static_cast<long>(std::min(all.size(), (s + 1) * mb)));
            std::vector<int> actorBatch;
            if (trainActor) {
                for (size_t i = 0; i < std::min(mb, explored.size()); ++i) {
                    actorBatch.push_back(explored[(s * mb + i) % explored.size()]);
                }
            }
            float criticLoss = 0, actorLoss = 0;
            double clip = 0;
            const auto computeCritic = [&] {
                criticLoss = criticGradient(states, targets, criticBatch, criticGrad);
            };
            const auto computeActor = [&] {
                actorLoss = actorGradient(states, batch, advantages, actorBatch, actorGrad, clip);
            };
            if (trainActor && m_threads > 1 && m_settings.concurrentGradients) {
                std::thread criticThread(computeCritic);
                computeActor();
                criticThread.join();
            } else {
                computeCritic();
                if (trainActor) {
                    computeActor();
                }
            }
            applyUpdate(false, criticGrad, criticLoss);
            criticLossSum += static_cast<double>(criticLoss);
            if (trainActor) {
                applyUpdate(true, actorGrad, actorLoss);
                actorLossSum += static_cast<double>(actorLoss);
                clipSum += clip;
                ++actorSteps;
            }
            if (m_consecutiveDrops > m_settings.maxConsecutiveDrops) {
                std::ostringstream message;
                message << "training stopped at iteration " << m_iteration + 1 << ": "
                        << m_consecutiveDrops << " updates in a row had a non-finite loss, "
                        << "gradient or weight (" << m_droppedUpdates << " dropped in all); the "
                        << "last good weights are kept. Lower the step sizes or check the inputs.";
                return sim::Error{message.str()};
            }
        }
    }
    stats.criticLoss = criticLossSum / static_cast<double>(steps * m_settings.epochs);
    stats.actorLoss = actorSteps > 0 ? actorLossSum / actorSteps : 0;
    stats.clipFraction = actorSteps > 0 ? clipSum / actorSteps : 0;
    return sim::Status::success();
}

sim::Result<IterationStats> PpoTrainer::iterate() {
    IterationStats stats;
    stats.explorationRate = explorationRate();
    stats.episodeLimit = episodeLimit();
    stats.actorFrozen = m_iteration < m_settings.freezeActorIterations;
    m_iterationDrops = 0;

    // Samples, then the normalizer (while it is still fitting), then the targets.
    auto start = std::chrono::steady_clock::now();
    const RolloutBatch batch = collect(stats.explorationRate, stats.episodeLimit);
    stats.sampleSeconds = secondsSince(start);
    start = std::chrono::steady_clock::now();
    const int n = batch.size();
    const Eigen::Map<const Eigen::MatrixXf> raw(batch.states.data(), m_stateSize, n);
    if (!m_normalizer.frozen()) {
        const Eigen::VectorXf oldMean = m_normalizer.mean(), oldStd = m_normalizer.std();
        m_normalizer.update(raw);
        if (m_settings.preserveOutputsOnRefit) {
            preserveFirstLayer(m_actor, oldMean, oldStd, m_normalizer);
            preserveFirstLayer(m_critic, oldMean, oldStd, m_normalizer);
        }
    }
    Eigen::VectorXf targets, advantages;
    computeTargets(batch, targets, advantages);
    Eigen::MatrixXf states(m_stateSize, n);
    m_normalizer.normalize(raw, states);

    // The actor learns from exploratory samples only, with advantages normalized over them.
    std::vector<int> all(static_cast<size_t>(n)), explored;
    std::iota(all.begin(), all.end(), 0);
    for (int i = 0; i < n; ++i) {
        if (batch.explored[i]) {
            explored.push_back(i);
        }
    }
    Eigen::VectorXf exploredAdvantages(static_cast<Eigen::Index>(explored.size()));
    for (size_t i = 0; i < explored.size(); ++i) {
        exploredAdvantages[static_cast<Eigen::Index>(i)] = advantages[explored[i]];
    }
    normalizeAdvantages(exploredAdvantages, m_settings.advantageClip);
    for (size_t i = 0; i < explored.size(); ++i) {
        advantages[explored[i]] = exploredAdvantages[static_cast<Eigen::Index>(i)];
    }

    if (sim::Status trained = runMinibatches(batch, states, targets, advantages, std::move(all),
                                             std::move(explored), stats);
        !trained) {
        return sim::Error{trained.error()};
    }
    stats.updateSeconds = secondsSince(start);

    // Counters and statistics of the finished episodes.
    ++m_iteration;
    m_samples += n;
    stats.iteration = m_iteration;
    stats.samples = m_samples;
    stats.batchSamples = n;
    stats.invalidEpisodes = batch.invalidEpisodes;
    stats.droppedUpdates = static_cast<int>(m_iterationDrops);
    double returnSum = 0, secondsSum = 0;
    int counted = 0;
    for (int pass = 0; pass < 2 && counted == 0; ++pass) {
        for (const RolloutBatch::Path& path : batch.paths) {
            if (pass == 1 || path.ending != PathEnd::Cut) {
                returnSum += path.episodeReturn;
                secondsSum += path.episodeSeconds;
                ++counted;
                stats.falls += path.ending == PathEnd::Fall ? 1 : 0;
            }
        }
    }
    stats.episodes = counted;
    stats.meanReturn = counted > 0 ? returnSum / counted : 0;
    stats.meanEpisodeSeconds = counted > 0 ? secondsSum / counted : 0;
    return stats;
}

}  // namespace policy
