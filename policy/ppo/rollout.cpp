#include "policy/ppo/rollout.h"

#include "policy/ppo/ppo_loss.h"
#include "policy/random.h"

namespace policy {

namespace {

// Actor forward for one state: raw state in, normalized mean action out.
class ActorRunner {
public:
    ActorRunner(const Mlp<float>& actor, const RunningNormalizer& normalizer)
        : m_actor(actor), m_normalizer(normalizer) {
        m_input.resize(actor.inputSize(), 1);
    }
    const Eigen::MatrixXf& run(const Eigen::VectorXd& state) {
        m_raw = state.cast<float>();
        m_normalizer.normalize(m_raw, m_input);
        return m_actor.forward(m_input, m_cache);
    }
    const Eigen::MatrixXf& rawState() const { return m_raw; }

private:
    const Mlp<float>& m_actor;
    const RunningNormalizer& m_normalizer;
    Eigen::MatrixXf m_raw, m_input;
    MlpCache<float> m_cache;
};

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

void collectRollout(sim::ImitationEnv& env, const Mlp<float>& actor,
                    const RunningNormalizer& normalizer, const RolloutSettings& settings,
                    RolloutBatch& out) {
    const int stateSize = env.stateSize(), actionSize = env.actionSize();
    out.stateSize = stateSize;
    out.actionSize = actionSize;
    Random random(settings.seed);
    ActorRunner runner(actor, normalizer);
    Eigen::VectorXd state(stateSize), rawAction(actionSize);
    Eigen::VectorXf action(actionSize);
    const double duration = env.motion().duration();

    int recorded = 0;
    long long discardedSteps = 0;
    while (recorded < settings.samples && discardedSteps < 10LL * settings.samples + 1000) {
        // A new episode from a random clip time (reference state initialization).
        env.reset(random.uniform01() * duration);
        RolloutBatch::Path path;
        path.begin = out.size();
        sim::EpisodeEnd end = sim::EpisodeEnd::None;
        while (true) {
            env.observe(state);
            const Eigen::MatrixXf& mean = runner.run(state);
            const bool explore = random.uniform01() < settings.explorationRate;
            action = mean.col(0);
            if (explore) {
                for (int j = 0; j < actionSize; ++j) {
                    action[j] += static_cast<float>(settings.actionStd * random.normal());
                }
            }
            out.states.insert(out.states.end(), runner.rawState().data(),
                              runner.rawState().data() + stateSize);
            out.actions.insert(out.actions.end(), action.data(), action.data() + actionSize);
            out.logDensity.push_back(
                gaussianLogDensity<float>(action, mean.col(0), settings.actionStd));
            out.explored.push_back(explore ? 1 : 0);

            denormalizeAction(env.actionNorm(), action, rawAction);
            env.setAction(rawAction);
            const sim::StepResult result = env.step();
            out.rewards.push_back(static_cast<float>(result.reward.total));
            path.episodeReturn += result.reward.total;
            ++recorded;
            end = result.end;
            if (end == sim::EpisodeEnd::None &&
                env.episodeTime() >= settings.episodeSeconds - 1e-9) {
                end = sim::EpisodeEnd::TimeLimit;
            }
            if (end != sim::EpisodeEnd::None || recorded >= settings.samples) {
                break;
            }
        }
        path.end = out.size();
        path.episodeSeconds = env.episodeTime();

        if (end == sim::EpisodeEnd::Invalid) {
            // DeepMimic discards such episodes: drop the samples and draw a new one.
            const int dropped = path.end - path.begin;
            out.states.resize(out.states.size() - static_cast<size_t>(dropped) * stateSize);
            out.actions.resize(out.actions.size() - static_cast<size_t>(dropped) * actionSize);
            out.logDensity.resize(path.begin);
            out.rewards.resize(path.begin);
            out.explored.resize(path.begin);
            recorded -= dropped;
            discardedSteps += dropped;
            ++out.invalidEpisodes;
            continue;
        }
        if (end == sim::EpisodeEnd::Fall || end == sim::EpisodeEnd::ClipEnd) {
            path.ending = PathEnd::Fall;
        } else {
            path.ending = end == sim::EpisodeEnd::None ? PathEnd::Cut : PathEnd::TimeLimit;
            env.observe(state);
            path.endState = static_cast<int>(out.endStates.size()) / stateSize;
            for (int i = 0; i < stateSize; ++i) {
                out.endStates.push_back(static_cast<float>(state[i]));
            }
        }
        out.paths.push_back(path);
    }
}

void evaluateActor(sim::ImitationEnv& env, const Mlp<float>& actor,
                   const RunningNormalizer& normalizer, int episodes, double seconds, uint64_t seed,
                   EvaluationStats& stats) {
    Random random(seed);
    ActorRunner runner(actor, normalizer);
    Eigen::VectorXd state(env.stateSize()), rawAction(env.actionSize());
    Eigen::VectorXf action(env.actionSize());
    double returnSum = stats.meanReturn * stats.episodes;
    double secondsSum = stats.meanSeconds * stats.episodes;
    for (int e = 0; e < episodes; ++e) {
        env.reset(random.uniform01() * env.motion().duration());
        while (true) {
            env.observe(state);
            action = runner.run(state).col(0);
            denormalizeAction(env.actionNorm(), action, rawAction);
            env.setAction(rawAction);
            const sim::StepResult result = env.step();
            returnSum += result.reward.total;
            if (result.end == sim::EpisodeEnd::Fall || result.end == sim::EpisodeEnd::Invalid ||
                result.end == sim::EpisodeEnd::ClipEnd) {
                ++stats.falls;
                break;
            }
            if (result.end != sim::EpisodeEnd::None || env.episodeTime() >= seconds - 1e-9) {
                break;
            }
        }
        secondsSum += env.episodeTime();
        ++stats.episodes;
    }
    stats.meanReturn = stats.episodes > 0 ? returnSum / stats.episodes : 0;
    stats.meanSeconds = stats.episodes > 0 ? secondsSum / stats.episodes : 0;
}

}  // namespace policy
