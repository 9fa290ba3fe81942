// PpoTrainer's test episodes: the mean action, from random or evenly spaced clip times, split
// over the trainer's threads.

#include <algorithm>
#include <cmath>
#include <string>

#include "policy/ppo/ppo_trainer.h"
#include "policy/ppo/workers.h"

namespace policy {

namespace {

// Why an evaluation of `episodes` episodes of up to `seconds` cannot run, or success.
sim::Status checkEvaluation(int episodes, double seconds) {
    if (episodes < 1) {
        return sim::Error{"evaluation: at least one episode is needed, asked for " +
                          std::to_string(episodes)};
    }
    if (!(std::isfinite(seconds) && seconds > 0)) {
        return sim::Error{
            "evaluation: the episode length must be a finite number of seconds "
            "> 0, found " +
            std::to_string(seconds)};
    }
    return sim::Status::success();
}

}  // namespace

sim::Result<std::unique_ptr<sim::ImitationEnv>> PpoTrainer::makeEvaluationEnv(
    double seconds) const {
    sim::EnvSettings environment = m_environment;
    environment.episodeTimeLimit = seconds + 1;  // the episodes stop at `seconds` themselves
    return sim::ImitationEnv::create(m_character, m_gains, m_motion, environment);
}

template <class Evaluate>
sim::Result<EvaluationStats> PpoTrainer::evaluateOnWorkers(int episodes,
                                                           const Evaluate& evaluateShare) const {
    const unsigned workers = std::min<unsigned>(m_threads, static_cast<unsigned>(episodes));
    std::vector<EvaluationStats> parts(workers);
    std::vector<sim::Status> statuses(workers, sim::Status::success());
    // The actor a saved actor.safetensors holds, run as charsim's sessions run it.
    const ActorWeights weights = actorWeights("evaluation");
    auto work = [&](unsigned w) {
        int first = 0;
        for (unsigned before = 0; before < w; ++before) {
            first += shareOf(episodes, workers, before);
        }
        Actor actor(weights);
        statuses[w] = evaluateShare(actor, w, first, shareOf(episodes, workers, w), parts[w]);
    };
    runOnWorkers(workers, work);
    // The totals from the episodes in order: for fixed start times they do not depend on the
    // thread count (random ones are drawn per worker, so evaluate()'s do).
    EvaluationStats total;
    for (unsigned w = 0; w < workers; ++w) {
        if (!statuses[w]) {
            return sim::Error{statuses[w].error()};
        }
        total.list.insert(total.list.end(), parts[w].list.begin(), parts[w].list.end());
    }
    total.countList();
    return total;
}

sim::Result<EvaluationStats> PpoTrainer::evaluate(int episodes, double seconds,
                                                  uint64_t seed) const {
    CHARSIM_TRY(checkEvaluation(episodes, seconds));
    const auto evaluateShare = [&](Actor& actor, unsigned worker, int /*first*/, int count,
                                   EvaluationStats& stats) -> sim::Status {
        auto env = makeEvaluationEnv(seconds);
        if (!env) {
            return sim::Error{env.error()};
        }
        evaluateActor(**env, actor, count, seconds, streamSeed(seed, worker), stats);
        return sim::Status::success();
    };
    return evaluateOnWorkers(episodes, evaluateShare);
}

sim::Result<EvaluationStats> PpoTrainer::evaluateFromStarts(int starts, double seconds) const {
    CHARSIM_TRY(checkEvaluation(starts, seconds));
    const double duration = m_motion.duration();
    const auto evaluateShare = [&](Actor& actor, unsigned /*worker*/, int first, int count,
                                   EvaluationStats& stats) -> sim::Status {
        // Each start in a world of its own: Bullet keeps contact caches across resets, so a
        // start would otherwise depend on which starts its worker ran before it.
        for (int k = first; k < first + count; ++k) {
            auto env = makeEvaluationEnv(seconds);
            if (!env) {
                return sim::Error{env.error()};
            }
            evaluateActorFrom(**env, actor, {duration * k / starts}, seconds, stats);
        }
        return sim::Status::success();
    };
    return evaluateOnWorkers(starts, evaluateShare);
}

}  // namespace policy
