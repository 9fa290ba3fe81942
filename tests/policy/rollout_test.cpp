// Sample collection with several environments per thread: the batched actor query must not
// change what each environment records.

#include <doctest/doctest.h>

#include <memory>

#include "policy/ppo/rollout.h"
#include "policy/random.h"
#include "sim/action_layout.h"
#include "sim/imitation_env.h"
#include "tests/policy/ppo_standing_task.h"

namespace {

std::unique_ptr<sim::ImitationEnv> makeEnv(const test::StandingTask& task) {
    auto env = sim::ImitationEnv::create(task.character, task.gains, task.motion, {});
    REQUIRE_MESSAGE(env.ok(), (env.ok() ? "" : env.error()));
    return std::move(env).value();
}

void checkSameBatch(const policy::RolloutBatch& a, const policy::RolloutBatch& b) {
    CHECK(a.states == b.states);
    CHECK(a.actions == b.actions);
    CHECK(a.logDensity == b.logDensity);
    CHECK(a.rewards == b.rewards);
    CHECK(a.explored == b.explored);
    CHECK(a.endStates == b.endStates);
    CHECK(a.invalidEpisodes == b.invalidEpisodes);
    REQUIRE(a.paths.size() == b.paths.size());
    for (size_t i = 0; i < a.paths.size(); ++i) {
        CHECK(a.paths[i].begin == b.paths[i].begin);
        CHECK(a.paths[i].end == b.paths[i].end);
        CHECK((a.paths[i].ending == b.paths[i].ending));
        CHECK(a.paths[i].endState == b.paths[i].endState);
        CHECK(a.paths[i].episodeReturn == b.paths[i].episodeReturn);
    }
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("environments stepped together record what each records alone, in order") {
        const test::StandingTask task;
        const int stateSize = sim::stateSize(task.character);
        const int actionSize = sim::actionSize(task.character);
        // Zero kernels: the mean action is the output bias, the same bits whether the actor
        // sees one state or a batch, so only the bookkeeping of the environments is compared.
        policy::ActorWeights weights;
        weights.stateMean = Eigen::VectorXf::Zero(stateSize);
        weights.stateStd = Eigen::VectorXf::Ones(stateSize);
        weights.actionMean = Eigen::VectorXf::Zero(actionSize);
        weights.actionStd = Eigen::VectorXf::Ones(actionSize);
        weights.layers.push_back(
            {policy::RowMatrixXf::Zero(8, stateSize), Eigen::VectorXf::Zero(8)});
        weights.layers.push_back(
            {policy::RowMatrixXf::Zero(actionSize, 8), Eigen::VectorXf::Zero(actionSize)});
        policy::Random random(3);
        for (int i = 0; i < actionSize; ++i) {
            weights.layers[1].bias[i] = static_cast<float>(random.uniform(-0.3, 0.3));
        }
        policy::NormalizedMlp actor(weights);
        policy::RolloutSettings settings;
        settings.samples = 61;  // 31 and 30
        settings.explorationRate = 0.5;
        settings.episodeSeconds = 0.4;  // time limits, and a cut at each quota
        settings.seed = 9;

        auto first = makeEnv(task), second = makeEnv(task);
        policy::RolloutBatch together;
        policy::collectRollouts({first.get(), second.get()}, actor, settings, together);
        CHECK(together.size() == 61);

        policy::RolloutBatch alone;
        policy::RolloutSettings part = settings;
        part.samples = 31;
        auto third = makeEnv(task);
        policy::collectRollouts({third.get()}, actor, part, alone);
        policy::RolloutBatch secondAlone;
        part.samples = 30;
        part.seed = policy::streamSeed(settings.seed, 1);
        auto fourth = makeEnv(task);
        policy::collectRollouts({fourth.get()}, actor, part, secondAlone);
        alone.append(secondAlone);
        // Every kind of ending occurs, so each bookkeeping branch is compared.
        int timeLimits = 0, cuts = 0;
        for (const policy::RolloutBatch::Path& path : alone.paths) {
            timeLimits += path.ending == policy::PathEnd::TimeLimit ? 1 : 0;
            cuts += path.ending == policy::PathEnd::Cut ? 1 : 0;
        }
        CHECK(timeLimits > 0);
        CHECK(cuts == 2);
        checkSameBatch(together, alone);
    }
}  // TEST_SUITE
