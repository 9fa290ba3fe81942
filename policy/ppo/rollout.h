#pragma once
// Sample collection for PPO: environments driven by the current actor with DeepMimic's
// exploration (each action, with probability `explorationRate`, gets Gaussian noise of fixed
// std in normalized units), and deterministic test episodes with the mean action.

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "policy/actor.h"
#include "policy/models/normalized_mlp.h"
#include "sim/imitation_env.h"

namespace policy {

// How a recorded path ended.
enum class PathEnd {
    Fall,       // terminal, value 0 (also a non-looping clip running out, as DeepMimic does)
    TimeLimit,  // the episode limit: the critic's value of the last state is bootstrapped
    Cut,        // the worker's sample quota ran out mid-episode: bootstrapped as well
};

// Samples of one or more workers, one column or entry per control step.
struct RolloutBatch {
    struct Path {
        int begin = 0, end = 0;  // sample range [begin, end)
        PathEnd ending = PathEnd::Cut;
        int endState = -1;          // column of endStates for bootstrapped ends, else -1
        double episodeReturn = 0;   // undiscounted sum of rewards
        double episodeSeconds = 0;  // simulated length [s]
    };
    int stateSize = 0, actionSize = 0;
    std::vector<float> states;      // [stateSize * n] raw states
    std::vector<float> actions;     // [actionSize * n] normalized actions taken
    std::vector<float> logDensity;  // [n] log density of the action under the sampler
    std::vector<float> rewards;     // [n]
    std::vector<char> explored;     // [n] 1 when noise was added
    std::vector<float> endStates;   // [stateSize * m] states after bootstrapped ends
    std::vector<Path> paths;
    int invalidEpisodes = 0;  // discarded (velocity blow-up or non-finite state)

    int size() const { return static_cast<int>(rewards.size()); }
    // Appends another batch's samples and paths (indices shifted).
    void append(const RolloutBatch& other);
};

struct RolloutSettings {
    int samples = 0;             // control steps to record
    double explorationRate = 1;  // probability that an action is exploratory
    double actionStd = 0.05;     // noise std in normalized units
    double episodeSeconds = 20;  // episode time limit of this iteration [s]
    uint64_t seed = 1;           // stream of reset times and noise
};

// Runs the environments with the actor (raw states in, means in normalized action units out)
// until settings.samples steps are recorded, split as evenly as possible between
// them; appends them to `out`, environment by environment. The environments step together, so
// the actor sees one batch of states per control step. Environment e draws its reset times
// and noise from streamSeed(settings.seed, e), the first from settings.seed itself.
void collectRollouts(const std::vector<sim::ImitationEnv*>& envs, NormalizedMlp& actor,
                     const RolloutSettings& settings, RolloutBatch& out);

// One deterministic test episode.
struct TestEpisode {
    double startTime = 0;                         // clip time it started at [s]
    double seconds = 0;                           // how long it ran [s]
    double episodeReturn = 0;                     // undiscounted sum of its rewards
    sim::EpisodeEnd end = sim::EpisodeEnd::None;  // None: it ran the whole time asked
};

// Results of deterministic test episodes.
struct EvaluationStats {
    int episodes = 0;
    // Episodes that ended before the time asked: a fall, and also an invalid state or the end
    // of a clip that does not loop (none of them is a policy that keeps going).
    int falls = 0;
    double meanReturn = 0;          // undiscounted sum of rewards per episode
    double meanSeconds = 0;         // episode length [s]
    std::vector<TestEpisode> list;  // every episode, in the order of its start

    // Sets the counts and means above from `list`, summed in its order.
    void countList();
};

// Runs test episodes with the mean action of `actor` (raw state in, raw action out, the actor
// a file holds), each from a reset time drawn from `seed`'s stream, up to `seconds` each; adds
// them to `stats` (means over all episodes added). Each control step computes what a charsim
// session's policy drive computes, in the same order and precision, so an episode here lands
// where `charsim run` with the saved actor lands, bit for bit.
void evaluateActor(sim::ImitationEnv& env, Actor& actor, int episodes, double seconds,
                   uint64_t seed, EvaluationStats& stats);
// The same from given clip times [s], an episode each.
void evaluateActorFrom(sim::ImitationEnv& env, Actor& actor, const std::vector<double>& startTimes,
                       double seconds, EvaluationStats& stats);

}  // namespace policy
