#include "app/session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>

#include "policy/actor.h"
#include "policy/weights.h"
#include "sim/controller_config.h"
#include "sim/imitation_env.h"
#include "sim/motion.h"
#include "sim/text_file.h"

namespace app {

const char* toString(DriveMode mode) {
    switch (mode) {
        case DriveMode::Policy:
            return "policy";
        case DriveMode::Reference:
            return "reference";
        case DriveMode::Replay:
            return "replay";
    }
    return "unknown";
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

// The longest session a recording makes room for up front [s].
constexpr double kMaxReserveSeconds = 3600;

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
    void setDriveMode(DriveMode mode) override;
    sim::Status push(const sim::Push& push) override;
    const sim::Push& activePush() const override { return m_env->activePush(); }
    const policy::ActorWeights* policyWeights() const override {
        return m_actor ? &m_actor->weights() : nullptr;
    }
    const Recording* recording() const override { return m_recording.get(); }
    const ReplayComparison* replayComparison() const override {
        return m_options.replay ? &m_replay : nullptr;
    }
    sim::Status setPolicyWeights(policy::ActorWeights weights) override;
    void reset() override;
    void advanceControlStep() override;
    void snapshot(SceneSnapshot& out) const override;

private:
    // A replay's options: the recording's files, settings and seed.
    void adoptRecordedOptions();
    // Keeps a recording from now on; `description` holds the files' text and paths. Fails,
    // keeping none, when a setting could not be written (checkRecordable).
    sim::Status startRecording(RecordingDescription description);
    // Character, gains and clip: from their files, or from the recording being replayed.
    sim::Status loadDescription(RecordingDescription& texts);
    // Applies a policy file's trained rates unless rates were given; warns when they differ.
    void adoptTrainedRates(const policy::TrainedRates& trained, const std::string& policyPath);
    // The policy file's weights: the given file, else the shipped walk policy, else none (the
    // resolved path goes into the options).
    sim::Result<std::optional<policy::ActorWeights>> loadPolicyWeights();
    // The actor: the loaded weights, else a seeded initialization.
    sim::Status makeActor(std::optional<policy::ActorWeights> loadedWeights);
    void startEpisode(double clipTime);
    // The replayed step's reset and action (false at the recording's end).
    bool replayStep();
    // The simulated bodies' placements (bodies x kPlacementValues).
    void writePlacements(std::vector<double>& out) const;
    void countEpisodeEnd(sim::EpisodeEnd end);

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
    // Clip time the current episode started at, until the step after the reset records it.
    double m_unrecordedReset = std::numeric_limits<double>::quiet_NaN();
    sim::Push m_unrecordedPush;  // a push given since the last step, until that step records it
    std::unique_ptr<Recording> m_recording;  // with SessionOptions::record
    ReplayComparison m_replay;               // with SessionOptions::replay

    // Scratch for one control step.
    Eigen::VectorXd m_state, m_action;
    Eigen::VectorXf m_stateFloat, m_actionFloat;
    std::vector<double> m_placements;  // bodies x kPlacementValues
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

sim::Status SimulationSession::loadDescription(RecordingDescription& texts) {
    if (m_options.replay) {
        texts = m_options.replay->description;
    } else {
        const struct {
            std::string& path;
            const char* fallback;
            const char* what;
            std::string& text;
        } files[] = {{m_options.characterPath, kDefaultCharacter, "character", texts.characterText},
                     {m_options.gainsPath, kDefaultGains, "controller", texts.gainsText},
                     {m_options.motionPath, kDefaultMotion, "motion", texts.motionText}};
        for (const auto& file : files) {
            if (file.path.empty()) {
                file.path = defaultAssetPath(file.fallback);
            }
            auto text = sim::readTextFile(file.path, file.what);
            if (!text) {
                return sim::Error{text.error()};
            }
            file.text = std::move(text).value();
        }
        texts.characterPath = m_options.characterPath;
        texts.gainsPath = m_options.gainsPath;
        texts.motionPath = m_options.motionPath;
    }
    auto character = sim::parseCharacter(texts.characterText, texts.characterPath);
    if (!character) {
        return sim::Error{character.error()};
    }
    m_character = std::move(character).value();
    auto gains = sim::parseControllerConfig(texts.gainsText, texts.gainsPath, m_character);
    if (!gains) {
        return sim::Error{gains.error()};
    }
    m_gains = std::move(gains).value();
    auto motion = sim::parseMotion(texts.motionText, texts.motionPath, m_character);
    if (!motion) {
        return sim::Error{motion.error()};
    }
    m_motion = std::move(motion).value();
    return sim::Status::success();
}

sim::Status SimulationSession::load(const SessionOptions& options) {
    m_options = options;
    if (m_options.replay) {
        adoptRecordedOptions();
    }
    m_status.ratesSource = m_options.replay       ? "the recording"
                           : m_options.ratesGiven ? "as given"
                                                  : "defaults";
    RecordingDescription description;
    CHARSIM_TRY(loadDescription(description));
    std::optional<policy::ActorWeights> loadedWeights;
    if (!m_options.replay) {
        auto weights = loadPolicyWeights();
        if (!weights) {
            return sim::Error{weights.error()};
        }
        loadedWeights = std::move(weights).value();
    }

    sim::EnvSettings settings = m_options.environment;
    settings.measureTime = m_options.measureTime;
    auto env = sim::ImitationEnv::create(m_character, m_gains, m_motion, settings);
    if (!env) {
        const bool fromPolicy = m_status.ratesSource == kRatesFromPolicy;
        return sim::Error{
            (fromPolicy ? m_options.policyPath + " records rates that do not work: " : "") +
            env.error()};
    }
    m_env = std::move(env).value();

    if (m_options.replay) {
        const RecordingDescription& recorded = m_options.replay->description;
        if (recorded.actionSize != m_env->actionSize() ||
            recorded.bodyCount != m_character.numJoints()) {
            return sim::Error{"the recording holds " + std::to_string(recorded.actionSize) +
                              " action entries and " + std::to_string(recorded.bodyCount) +
                              " bodies per step, but its character has " +
                              std::to_string(m_env->actionSize()) + " and " +
                              std::to_string(m_character.numJoints())};
        }
        m_status.weightsDescription =
            "recorded: " + recorded.drive + " drive, " + recorded.weightsDescription;
    } else {
        CHARSIM_TRY(makeActor(std::move(loadedWeights)));
    }

    m_random.seed(m_options.seed);
    m_status.fallsByBody.assign(static_cast<size_t>(m_character.numJoints()), 0);
    m_state.resize(m_env->stateSize());
    m_action.resize(m_env->actionSize());
    m_stateFloat.resize(m_env->stateSize());
    m_actionFloat.resize(m_env->actionSize());
    m_placements.resize(static_cast<size_t>(m_character.numJoints()) * kPlacementValues);
    if (m_options.record) {
        CHARSIM_TRY(startRecording(std::move(description)));
    }
    return sim::Status::success();
}

void SimulationSession::adoptRecordedOptions() {
    // Everything the recording says replaces the options (but measureTime and record).
    const RecordingDescription& recorded = m_options.replay->description;
    m_options.characterPath = recorded.characterPath;
    m_options.gainsPath = recorded.gainsPath;
    m_options.motionPath = recorded.motionPath;
    m_options.policyPath.clear();
    m_options.environment = recorded.environment;
    m_options.drive = DriveMode::Replay;
    m_options.seed = recorded.seed;
    m_options.startTime = -1;
    m_options.ratesGiven = true;
    m_replay.recordedSteps = m_options.replay->steps();
}

sim::Status SimulationSession::startRecording(RecordingDescription description) {
    description.environment = m_options.environment;
    description.drive = toString(m_options.drive);
    description.weightsDescription = m_status.weightsDescription;
    description.seed = m_options.seed;
    description.actionSize = m_env->actionSize();
    description.bodyCount = m_character.numJoints();
    // Found now, not at the end of the session, and before room for the steps is made.
    CHARSIM_TRY(checkRecordable(description));
    m_recording = std::make_unique<Recording>();
    m_recording->description = std::move(description);
    // Episodes that end inside a step add steps: a quarter more, and a few.
    // Up to an hour (about 160 MB at 30 Hz with the quarter more); a longer session grows the
    // buffers as it goes.
    const double seconds = std::clamp(m_options.recordReserveSeconds, 0.0, kMaxReserveSeconds);
    const double steps = seconds * m_options.environment.policyRate;
    m_recording->reserve(static_cast<long long>(std::ceil(1.25 * steps)) + 64);
    return sim::Status::success();
}

sim::Result<std::optional<policy::ActorWeights>> SimulationSession::loadPolicyWeights() {
    std::string& policyPath = m_options.policyPath;
    if (policyPath == kInitialPolicy) {
        return std::optional<policy::ActorWeights>{};  // the untrained actor, by request
    }
    if (policyPath.empty() && std::filesystem::exists(defaultAssetPath(kDefaultPolicy))) {
        policyPath = defaultAssetPath(kDefaultPolicy);
    }
    if (policyPath.empty()) {
        return std::optional<policy::ActorWeights>{};
    }
    auto weights = policy::loadActorWeights(policyPath);
    if (!weights) {
        return sim::Error{weights.error()};
    }
    adoptTrainedRates(weights->trainedRates, policyPath);
    return std::optional<policy::ActorWeights>{std::move(weights).value()};
}

sim::Status SimulationSession::makeActor(std::optional<policy::ActorWeights> loadedWeights) {
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
        return sim::Error{
            m_options.policyPath + ": the policy maps " + std::to_string(m_actor->stateSize()) +
            " state entries to " + std::to_string(m_actor->actionSize()) +
            " actions, but the character needs " + std::to_string(m_env->stateSize()) + " -> " +
            std::to_string(m_env->actionSize())};
    }
    m_status.weightsDescription = m_actor->description();
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

void SimulationSession::setDriveMode(DriveMode mode) {
    if (!m_options.replay && mode != DriveMode::Replay) {
        m_options.drive = mode;
    }
}

void SimulationSession::reset() {
    if (m_options.replay) {
        return;  // the recording says when episodes start
    }
    startEpisode(m_options.startTime >= 0 ? m_options.startTime
                                          : uniform01(m_random) * m_motion.duration());
}

void SimulationSession::startEpisode(double clipTime) {
    m_env->reset(clipTime);
    ++m_status.episodes;
    m_status.episodeTime = 0;
    m_status.clipTime = clipTime;
    m_needsReset = false;
    m_unrecordedReset = clipTime;
    m_unrecordedPush = {};  // the reset ended it
}

sim::Status SimulationSession::push(const sim::Push& push) {
    if (m_options.replay) {
        return sim::Error{"a replay gives only the recording's pushes"};
    }
    CHARSIM_TRY(m_env->checkPush(push));  // a refused push starts no episode
    if (m_needsReset) {
        reset();
    }
    CHARSIM_TRY(m_env->push(push));
    // Recorded as given: a push of no duration cancels the one acting, in the replay too.
    m_unrecordedPush = push;
    return sim::Status::success();
}

bool SimulationSession::replayStep() {
    const Recording& recording = *m_options.replay;
    const long long step = m_replay.comparedSteps;
    if (step >= recording.steps()) {
        return false;
    }
    if (const double resetTime = recording.resetTimes[static_cast<size_t>(step)];
        !std::isnan(resetTime)) {
        startEpisode(resetTime);
    }
    if (const sim::Push push = recording.push(step); push.body >= 0) {
        if (const sim::Status pushed = m_env->push(push); pushed) {
            m_unrecordedPush = push;
        } else {
            // readRecording checks pushes; a recording built in memory may not have been.
            spdlog::warn("replay, control step {}: {}", step, pushed.error());
        }
    }
    m_action = Eigen::Map<const Eigen::VectorXd>(recording.action(step), m_env->actionSize());
    return true;
}

void SimulationSession::advanceControlStep() {
    if (m_options.replay) {
        if (!replayStep()) {
            return;  // the recording is over: the session stays where it ended
        }
    } else if (m_needsReset) {
        reset();
    }
    const auto start = std::chrono::steady_clock::now();
    if (m_options.drive == DriveMode::Policy) {
        m_env->observe(m_state);
        m_stateFloat = m_state.cast<float>();
        m_actor->act(m_stateFloat, m_actionFloat);
        m_action = m_actionFloat.cast<double>();
    } else if (m_options.drive == DriveMode::Reference) {
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
        countEpisodeEnd(result.end);
        m_needsReset = true;
    }
    if (m_recording || m_options.replay) {
        writePlacements(m_placements);
    }
    if (m_recording) {
        m_recording->append(m_unrecordedReset, m_unrecordedPush, m_action, result.reward.total,
                            result.end, m_placements);
    }
    // Pushes count when they reach a step: several given between two steps are one.
    m_status.pushes += m_unrecordedPush.body >= 0 ? 1 : 0;
    m_unrecordedReset = std::numeric_limits<double>::quiet_NaN();
    m_unrecordedPush = {};
    if (m_options.replay) {
        compareReplayStep(*m_options.replay, m_placements, result.reward.total, result.end,
                          m_replay);
    }
}

void SimulationSession::countEpisodeEnd(sim::EpisodeEnd end) {
    ++m_status.finishedEpisodes;
    m_status.finishedEpisodeSeconds += m_env->episodeTime();
    switch (end) {
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
}

void SimulationSession::writePlacements(std::vector<double>& out) const {
    const sim::KinematicFrames& frames = m_env->simulated().frames;
    for (int b = 0; b < m_character.numJoints(); ++b) {
        double* placement = out.data() + static_cast<size_t>(b) * kPlacementValues;
        const Eigen::Vector3d& position = frames.bodyPosition[b];
        const Eigen::Quaterniond& rotation = frames.bodyRotation[b];
        const double values[kPlacementValues] = {position.x(), position.y(), position.z(),
                                                 rotation.w(), rotation.x(), rotation.y(),
                                                 rotation.z()};
        std::copy(values, values + kPlacementValues, placement);
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
