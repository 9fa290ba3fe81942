#include "app/session.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <random>

#include "policy/actor.h"
#include "policy/weights.h"
#include "sim/controller_config.h"
#include "sim/imitation_env.h"
#include "sim/motion.h"

namespace app {

const char* toString(DriveMode mode) {
    return mode == DriveMode::Policy ? "policy" : "reference";
}

std::string noProgressMessage(const SessionStatus& status) {
    return std::to_string(status.stepsWithoutProgress) +
           " control steps in a row ended before simulating anything (a non-finite action or "
           "torque); the policy (" +
           status.weightsDescription + ") or the settings produce NaN or infinite values";
}

std::string defaultAssetPath(const std::string& relative) {
    const char* home = std::getenv("CHARSIM_HOME");
    const std::string root = home != nullptr ? home : CHARSIM_DEFAULT_ASSET_DIR;
    return root + "/" + relative;
}

namespace {

// SessionStatus::ratesSource when a policy file set the rates.
constexpr const char* kRatesFromPolicy = "the policy file";

constexpr const char* kDefaultCharacter = "assets/characters/humanoid.json";
constexpr const char* kDefaultGains = "assets/characters/humanoid_ctrl.json";
constexpr const char* kDefaultMotion = "assets/motions/walk.json";
constexpr const char* kDefaultPolicy = "weights/walk_actor.safetensors";

// Uniform double in [0, 1) from a 64-bit engine, the same on every platform (unlike the
// standard distributions, whose algorithms are implementation-defined).
double uniform01(std::mt19937_64& engine) {
    return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

class SimulationSession final : public Session {
public:
    // Loads the files and builds the environment and the actor; errors name the file.
    sim::Status load(const SessionOptions& options);

    const sim::Character& character() const override { return m_character; }
    double clipDuration() const override { return m_motion.duration(); }
    const SessionOptions& options() const override { return m_options; }
    const SessionStatus& status() const override { return m_status; }
    void setDriveMode(DriveMode mode) override { m_options.drive = mode; }
    const policy::ActorWeights* policyWeights() const override { return &m_actor->weights(); }
    sim::Status setPolicyWeights(policy::ActorWeights weights) override;
    void reset() override;
    void advanceControlStep() override;
    void snapshot(SceneSnapshot& out) const override;

private:
    // Applies a policy file's trained rates unless rates were given; warns when they differ.
    void adoptTrainedRates(const policy::TrainedRates& trained, const std::string& policyPath);

    // Description: loaded once.
    SessionOptions m_options;
    sim::Character m_character;
    sim::ControllerConfig m_gains;
    sim::Motion m_motion;

    // State: the environment, the policy and the running statistics.
    std::unique_ptr<sim::ImitationEnv> m_env;
    std::unique_ptr<policy::Actor> m_actor;
    std::mt19937_64 m_random;  // reset times
    SessionStatus m_status;
    bool m_needsReset = true;

    // Scratch for one control step.
    Eigen::VectorXd m_state, m_action;
    Eigen::VectorXf m_stateFloat, m_actionFloat;
};

void SimulationSession::adoptTrainedRates(const policy::TrainedRates& trained,
                                          const std::string& policyPath) {
    if (!trained.known()) {
        return;
    }
    sim::EnvSettings& env = m_options.environment;
    if (!m_options.ratesGiven) {
        env.physicsRate = trained.physics;
        env.pdRate = trained.pd;
        env.policyRate = trained.policy;
        m_status.ratesSource = kRatesFromPolicy;
        return;
    }
    if (env.physicsRate != trained.physics || env.pdRate != trained.pd ||
        env.policyRate != trained.policy) {
        spdlog::warn(
            "{} was trained at physics {} Hz, PD {} Hz, policy {} Hz; running at {}, {} "
            "and {} Hz as asked",
            policyPath, trained.physics, trained.pd, trained.policy, env.physicsRate, env.pdRate,
            env.policyRate);
    }
}

sim::Status SimulationSession::load(const SessionOptions& options) {
    m_options = options;
    m_status.ratesSource = m_options.ratesGiven ? "as given" : "defaults";
    auto resolve = [](std::string& path, const char* fallback) {
        if (path.empty()) {
            path = defaultAssetPath(fallback);
        }
    };
    resolve(m_options.characterPath, kDefaultCharacter);
    resolve(m_options.gainsPath, kDefaultGains);
    resolve(m_options.motionPath, kDefaultMotion);

    auto character = sim::loadCharacter(m_options.characterPath);
    if (!character) {
        return sim::Error{character.error()};
    }
    m_character = std::move(character).value();
    auto gains = sim::loadControllerConfig(m_options.gainsPath, m_character);
    if (!gains) {
        return sim::Error{gains.error()};
    }
    m_gains = std::move(gains).value();
    auto motion = sim::loadMotion(m_options.motionPath, m_character);
    if (!motion) {
        return sim::Error{motion.error()};
    }
    m_motion = std::move(motion).value();

    // Policy weights: the given file, else the shipped walk policy, else a seeded init (made
    // once the environment knows the action normalization).
    std::string policyPath = m_options.policyPath;
    if (policyPath.empty() && std::filesystem::exists(defaultAssetPath(kDefaultPolicy))) {
        policyPath = defaultAssetPath(kDefaultPolicy);
    }
    std::optional<policy::ActorWeights> loadedWeights;
    if (!policyPath.empty()) {
        auto weights = policy::loadActorWeights(policyPath);
        if (!weights) {
            return sim::Error{weights.error()};
        }
        loadedWeights = std::move(weights).value();
        adoptTrainedRates(loadedWeights->trainedRates, policyPath);
    }

    sim::EnvSettings settings = m_options.environment;
    settings.measureTime = m_options.measureTime;
    auto env = sim::ImitationEnv::create(m_character, m_gains, m_motion, settings);
    if (!env) {
        const bool fromPolicy = m_status.ratesSource == kRatesFromPolicy;
        return sim::Error{(fromPolicy ? policyPath + " records rates that do not work: " : "") +
                          env.error()};
    }
    m_env = std::move(env).value();

    const sim::ActionNormalization& norm = m_env->actionNorm();
    if (loadedWeights) {
        m_actor = std::make_unique<policy::Actor>(std::move(*loadedWeights));
    } else {
        const Eigen::VectorXf mean = (-norm.offset).cast<float>();
        const Eigen::VectorXf std = norm.scale.cwiseInverse().cast<float>();
        m_actor = std::make_unique<policy::Actor>(policy::makeInitialActor(
            m_env->stateSize(), m_env->actionSize(), mean, std, m_options.seed));
    }
    if (m_actor->stateSize() != m_env->stateSize() ||
        m_actor->actionSize() != m_env->actionSize()) {
        return sim::Error{policyPath + ": the policy maps " + std::to_string(m_actor->stateSize()) +
                          " state entries to " + std::to_string(m_actor->actionSize()) +
                          " actions, but the character needs " +
                          std::to_string(m_env->stateSize()) + " -> " +
                          std::to_string(m_env->actionSize())};
    }
    m_status.weightsDescription = m_actor->description();

    m_random.seed(m_options.seed);
    m_status.fallsByBody.assign(static_cast<size_t>(m_character.numJoints()), 0);
    m_state.resize(m_env->stateSize());
    m_action.resize(m_env->actionSize());
    m_stateFloat.resize(m_env->stateSize());
    m_actionFloat.resize(m_env->actionSize());
    return sim::Status::success();
}

sim::Status SimulationSession::setPolicyWeights(policy::ActorWeights weights) {
    if (std::string problem = policy::checkActorWeights(weights); !problem.empty()) {
        return sim::Error{"new policy weights: " + problem};
    }
    const int stateSize = static_cast<int>(weights.stateMean.size());
    const int actionSize = static_cast<int>(weights.actionMean.size());
    if (stateSize != m_env->stateSize() || actionSize != m_env->actionSize()) {
        return sim::Error{"new policy weights map " + std::to_string(stateSize) + " -> " +
                          std::to_string(actionSize) + "; the character needs " +
                          std::to_string(m_env->stateSize()) + " -> " +
                          std::to_string(m_env->actionSize())};
    }
    m_actor = std::make_unique<policy::Actor>(std::move(weights));
    m_status.weightsDescription = m_actor->description();
    return sim::Status::success();
}

void SimulationSession::reset() {
    const double start =
        m_options.startTime >= 0 ? m_options.startTime : uniform01(m_random) * m_motion.duration();
    m_env->reset(start);
    ++m_status.episodes;
    m_status.episodeTime = 0;
    m_status.clipTime = start;
    m_needsReset = false;
}

void SimulationSession::advanceControlStep() {
    if (m_needsReset) {
        reset();
    }
    const auto start = std::chrono::steady_clock::now();
    if (m_options.drive == DriveMode::Policy) {
        m_env->observe(m_state);
        m_stateFloat = m_state.cast<float>();
        m_actor->act(m_stateFloat, m_actionFloat);
        m_action = m_actionFloat.cast<double>();
    } else {
        m_env->referenceAction(m_action);
    }
    m_env->setAction(m_action);
    if (m_options.measureTime) {
        m_status.stageSeconds.network +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const sim::StepResult result = m_env->step();
    if (m_options.measureTime) {
        const sim::StageTimings& timings = m_env->timings();
        m_status.stageSeconds.pd = timings.pd;
        m_status.stageSeconds.physics = timings.physics;
        m_status.stageSeconds.readback = timings.readback;
    }

    const double stepSeconds = result.updates / m_options.environment.pdRate;
    m_status.stepsWithoutProgress = result.updates == 0 ? m_status.stepsWithoutProgress + 1 : 0;
    m_status.simTime += stepSeconds;
    m_status.episodeTime = m_env->episodeTime();
    m_status.clipTime = m_env->time();
    ++m_status.controlSteps;
    m_status.rewardSum += result.reward.total;
    m_status.poseErrorSum += result.reward.poseError;
    m_status.lastReward = {result.reward.total,       result.reward.pose, result.reward.velocity,
                           result.reward.endEffector, result.reward.root, result.reward.com};
    if (result.end != sim::EpisodeEnd::None) {
        ++m_status.finishedEpisodes;
        m_status.finishedEpisodeSeconds += m_env->episodeTime();
        switch (result.end) {
            case sim::EpisodeEnd::Fall:
                ++m_status.falls;
                ++m_status.ends.fall;
                if (const int body = m_env->fallenBody(); body >= 0) {
                    ++m_status.fallsByBody[static_cast<size_t>(body)];
                }
                break;
            case sim::EpisodeEnd::Invalid:
                ++m_status.invalidEpisodes;
                ++m_status.ends.invalid;
                break;
            case sim::EpisodeEnd::TimeLimit:
                ++m_status.ends.timeLimit;
                break;
            case sim::EpisodeEnd::ClipEnd:
                ++m_status.ends.clipEnd;
                break;
            case sim::EpisodeEnd::None:
                break;
        }
        m_needsReset = true;
    }
}

void SimulationSession::snapshot(SceneSnapshot& out) const {
    const int n = m_character.numJoints();
    out.simulated.resize(n);
    out.reference.resize(n);
    for (int b = 0; b < n; ++b) {
        out.simulated[b] = {m_env->simulated().frames.bodyPosition[b],
                            m_env->simulated().frames.bodyRotation[b]};
        out.reference[b] = {m_env->reference().frames.bodyPosition[b],
                            m_env->reference().frames.bodyRotation[b]};
    }
}

}  // namespace

sim::Result<std::unique_ptr<Session>> Session::create(const SessionOptions& options) {
    auto session = std::make_unique<SimulationSession>();
    sim::Status status = session->load(options);
    if (!status) {
        return sim::Error{status.error()};
    }
    return std::unique_ptr<Session>(std::move(session));
}

}  // namespace app
