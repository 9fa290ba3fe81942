#include "policy/ppo/rollout.h"

#include "policy/ppo/ppo_loss.h"
#include "policy/random.h"

namespace policy {

namespace {

// Raw action from a normalized one: a = a_n / scale - offset.
void denormalizeAction(const sim::ActionNormalization& norm, const Eigen::VectorXf& normalized,
                       Eigen::VectorXd& raw) {
    raw = normalized.cast<double>().cwiseQuotient(norm.scale) - norm.offset;
}

}  // namespace

void RolloutBatch::append(const RolloutBatch& other) {
    const int shift = size();
    const int endShift = stateSize > 0 ? static_cast<int>(endStates.size()) / stateSize : 0;
    stateSize = other.stateSize;
    actionSize = other.actionSize;
    states.insert(states.end(), other.states.begin(), other.states.end());
    actions.insert(actions.end(), other.actions.begin(), other.actions.end());
    logDensity.insert(logDensity.end(), other.logDensity.begin(), other.logDensity.end());
    rewards.insert(rewards.end(), other.rewards.begin(), other.rewards.end());
    explored.insert(explored.end(), other.explored.begin(), other.explored.end());
    endStates.insert(endStates.end(), other.endStates.begin(), other.endStates.end());
    for (Path path : other.paths) {
        path.begin += shift;
        path.end += shift;
        if (path.endState >= 0) {
            path.endState += endShift;
        }
        paths.push_back(path);
    }
    invalidEpisodes += other.invalidEpisodes;
}

namespace {

// One environment's episodes, recorded into its own batch: reset, then per control step the
// state is handed out, and the actor's mean for it comes back to be explored, recorded and
// stepped. Several recorders share one batched actor query per step.
class EpisodeRecorder {
public:
    EpisodeRecorder(sim::ImitationEnv& env, const RolloutSettings& settings, int quota,
                    uint64_t seed)
        : m_env(env),
          m_settings(settings),
          m_quota(quota),
          m_random(seed),
          m_state(env.stateSize()),
          m_rawAction(env.actionSize()),
          m_action(env.actionSize()) {
        m_out.stateSize = env.stateSize();
        m_out.actionSize = env.actionSize();
        // The step loop appends without growing (discarded episodes can only shrink them).
        const size_t steps = static_cast<size_t>(quota);
        m_out.states.reserve(steps * static_cast<size_t>(env.stateSize()));
        m_out.actions.reserve(steps * static_cast<size_t>(env.actionSize()));
        m_out.logDensity.reserve(steps);
        m_out.rewards.reserve(steps);
        m_out.explored.reserve(steps);
    }

    bool done() const { return m_recorded >= m_quota || m_discardedSteps >= 10LL * m_quota + 1000; }
    RolloutBatch& batch() { return m_out; }

    // Starts an episode if none is running, then writes the raw state to act on.
    void observe(float* rawState) {
        if (!m_inEpisode) {
            // A new episode from a random clip time (reference state initialization).
            m_env.reset(m_random.uniform01() * m_env.motion().duration());
            m_path = RolloutBatch::Path{};
            m_path.begin = m_out.size();
            m_inEpisode = true;
        }
        m_env.observe(m_state);
        for (int i = 0; i < m_env.stateSize(); ++i) {
            rawState[i] = static_cast<float>(m_state[i]);
        }
        m_out.states.insert(m_out.states.end(), rawState, rawState + m_env.stateSize());
    }

    // Explores around the actor's mean for the observed state, records and takes the step.
    void act(const Eigen::Ref<const Eigen::VectorXf>& mean) {
        const int actionSize = m_env.actionSize();
        const bool explore = m_random.uniform01() < m_settings.explorationRate;
        m_action = mean;
        if (explore) {
            for (int j = 0; j < actionSize; ++j) {
                m_action[j] += static_cast<float>(m_settings.actionStd * m_random.normal());
            }
        }
        m_out.actions.insert(m_out.actions.end(), m_action.data(), m_action.data() + actionSize);
        m_out.logDensity.push_back(gaussianLogDensity<float>(m_action, mean, m_settings.actionStd));
        m_out.explored.push_back(explore ? 1 : 0);

        denormalizeAction(m_env.actionNorm(), m_action, m_rawAction);
        m_env.setAction(m_rawAction);
        const sim::StepResult result = m_env.step();
        m_out.rewards.push_back(static_cast<float>(result.reward.total));
        m_path.episodeReturn += result.reward.total;
        ++m_recorded;
        sim::EpisodeEnd end = result.end;
        if (end == sim::EpisodeEnd::None &&
            m_env.episodeTime() >= m_settings.episodeSeconds - 1e-9) {
            end = sim::EpisodeEnd::TimeLimit;
        }
        if (end != sim::EpisodeEnd::None || m_recorded >= m_quota) {
            finishEpisode(end);
        }
    }

private:
    void finishEpisode(sim::EpisodeEnd end) {
        m_inEpisode = false;
        m_path.end = m_out.size();
        m_path.episodeSeconds = m_env.episodeTime();
        if (end == sim::EpisodeEnd::Invalid) {
            // DeepMimic discards such episodes: drop the samples and draw a new one.
            const int dropped = m_path.end - m_path.begin;
            const size_t begin = static_cast<size_t>(m_path.begin);
            m_out.states.resize(begin * static_cast<size_t>(m_env.stateSize()));
            m_out.actions.resize(begin * static_cast<size_t>(m_env.actionSize()));
            m_out.logDensity.resize(begin);
            m_out.rewards.resize(begin);
            m_out.explored.resize(begin);
            m_recorded -= dropped;
            m_discardedSteps += dropped;
            ++m_out.invalidEpisodes;
            return;
        }
        if (end == sim::EpisodeEnd::Fall || end == sim::EpisodeEnd::ClipEnd) {
            m_path.ending = PathEnd::Fall;
        } else {
            m_path.ending = end == sim::EpisodeEnd::None ? PathEnd::Cut : PathEnd::TimeLimit;
            m_env.observe(m_state);
            m_path.endState = static_cast<int>(m_out.endStates.size()) / m_env.stateSize();
            for (int i = 0; i < m_env.stateSize(); ++i) {
                m_out.endStates.push_back(static_cast<float>(m_state[i]));
            }
        }
        m_out.paths.push_back(m_path);
    }

    sim::ImitationEnv& m_env;
    const RolloutSettings& m_settings;
    const int m_quota;
    Random m_random;
    RolloutBatch m_out;
    RolloutBatch::Path m_path;
    bool m_inEpisode = false;
    int m_recorded = 0;
    long long m_discardedSteps = 0;
    Eigen::VectorXd m_state, m_rawAction;
    Eigen::VectorXf m_action;
};

}  // namespace

void collectRollouts(const std::vector<sim::ImitationEnv*>& envs, NormalizedMlp& actor,
                     const RolloutSettings& settings, RolloutBatch& out) {
    const int count = static_cast<int>(envs.size());
    std::vector<EpisodeRecorder> recorders;
    recorders.reserve(envs.size());
    for (int e = 0; e < count; ++e) {
        // Environment 0 draws from the worker's own stream, the others from streams of it.
        const int quota = settings.samples / count + (e < settings.samples % count ? 1 : 0);
        const uint64_t seed = e == 0 ? settings.seed : streamSeed(settings.seed, e);
        recorders.emplace_back(*envs[static_cast<size_t>(e)], settings, quota, seed);
    }
    Eigen::MatrixXf states(actor.inputSize(), count), means(actor.outputSize(), count);
    std::vector<int> running;
    while (true) {
        running.clear();
        for (int e = 0; e < count; ++e) {
            if (!recorders[static_cast<size_t>(e)].done()) {
                running.push_back(e);
            }
        }
        if (running.empty()) {
            break;
        }
        const int n = static_cast<int>(running.size());
        for (int k = 0; k < n; ++k) {
            recorders[static_cast<size_t>(running[k])].observe(states.col(k).data());
        }
        actor.forward(states.data(), n, means.data());
        for (int k = 0; k < n; ++k) {
            recorders[static_cast<size_t>(running[k])].act(means.col(k));
        }
    }
    for (EpisodeRecorder& recorder : recorders) {
        out.append(recorder.batch());
    }
}

void evaluateActor(sim::ImitationEnv& env, Actor& actor, int episodes, double seconds,
                   uint64_t seed, EvaluationStats& stats) {
    Random random(seed);
    std::vector<double> startTimes(static_cast<size_t>(std::max(episodes, 0)));
    for (double& time : startTimes) {
        time = random.uniform01() * env.motion().duration();
    }
    evaluateActorFrom(env, actor, startTimes, seconds, stats);
}

void EvaluationStats::countList() {
    episodes = static_cast<int>(list.size());
    falls = 0;
    double returnSum = 0, secondsSum = 0;
    for (const TestEpisode& episode : list) {
        falls += episode.end != sim::EpisodeEnd::None ? 1 : 0;
        returnSum += episode.episodeReturn;
        secondsSum += episode.seconds;
    }
    meanReturn = episodes > 0 ? returnSum / episodes : 0;
    meanSeconds = episodes > 0 ? secondsSum / episodes : 0;
}

void evaluateActorFrom(sim::ImitationEnv& env, Actor& actor, const std::vector<double>& startTimes,
                       double seconds, EvaluationStats& stats) {
    Eigen::VectorXd state(env.stateSize()), rawAction(env.actionSize());
    Eigen::VectorXf stateFloat(env.stateSize()), actionFloat(env.actionSize());
    for (double startTime : startTimes) {
        env.reset(startTime);
        TestEpisode episode;
        episode.startTime = startTime;
        while (true) {
            // As app::Session's policy drive: float network, double simulation.
            env.observe(state);
            stateFloat = state.cast<float>();
            actor.act(stateFloat, actionFloat);
            rawAction = actionFloat.cast<double>();
            env.setAction(rawAction);
            const sim::StepResult result = env.step();
            episode.episodeReturn += result.reward.total;
            // A time limit past `seconds` (evaluation environments set one) is no failure.
            if (result.end != sim::EpisodeEnd::None && result.end != sim::EpisodeEnd::TimeLimit) {
                episode.end = result.end;
                break;
            }
            if (result.end != sim::EpisodeEnd::None || env.episodeTime() >= seconds - 1e-9) {
                break;
            }
        }
        episode.seconds = env.episodeTime();
        stats.list.push_back(episode);
    }
    stats.countList();
}

}  // namespace policy
