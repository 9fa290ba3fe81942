// DeepMimic's pretrained 2018 actors in charsim, step by step against the original core's first
// 60 control steps (policy_rollout_{walk,run}.json), and walking 20 s without a fall.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "policy/actor.h"
#include "policy/weights.h"
#include "sim/imitation_env.h"
#include "tests/test_support.h"

namespace {

Eigen::VectorXd toVector(const nlohmann::json& array) {
    Eigen::VectorXd v(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        v[static_cast<Eigen::Index>(i)] = array[i].get<double>();
    }
    return v;
}

struct Scene {
    sim::Character character;
    sim::ControllerConfig gains;
    sim::Motion motion;
    std::unique_ptr<policy::Actor> actor;
};

std::unique_ptr<Scene> loadScene(const std::string& skill) {
    auto scene = std::make_unique<Scene>();
    const std::string d = test::sharedPath("deepmimic/");
    auto character = sim::loadCharacter(d + "characters/humanoid3d.txt");
    REQUIRE(character.ok());
    scene->character = std::move(character).value();
    auto gains = sim::loadControllerConfig(d + "controllers/deepmimic_2018/humanoid3d_ctrl.txt",
                                           scene->character);
    auto motion = sim::loadMotion(d + "motions/humanoid3d_" + skill + ".txt", scene->character);
    auto weights =
        policy::loadActorWeights(d + "policies/found/humanoid3d_" + skill + "_float.bin");
    REQUIRE((gains.ok() && motion.ok() && weights.ok()));
    scene->gains = std::move(gains).value();
    scene->motion = std::move(motion).value();
    scene->actor = std::make_unique<policy::Actor>(std::move(weights).value());
    return scene;
}

sim::EnvSettings walkArgsSettings() {
    sim::EnvSettings settings;
    settings.fallContactBodies = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14};
    return settings;
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("DeepMimic's walk and run actors track the core's first 60 steps") {
        if (!test::haveShared("deepmimic/golden/policy_rollout_walk.json")) {
            return;
        }
        for (const std::string skill : {"walk", "run"}) {
            auto scene = loadScene(skill);
            std::ifstream file(
                test::sharedPath("deepmimic/golden/policy_rollout_" + skill + ".json"));
            const nlohmann::json golden = nlohmann::json::parse(file);
            auto env = sim::ImitationEnv::create(scene->character, scene->gains, scene->motion,
                                                 walkArgsSettings());
            REQUIRE(env.ok());
            sim::ImitationEnv& e = **env;
            e.reset(golden["rsi_time"].get<double>());

            Eigen::VectorXd state(e.stateSize());
            Eigen::VectorXf stateFloat(e.stateSize()), actionFloat(e.actionSize());
            double firstActionDiff = 0, maxRewardDiff = 0, maxPoseDiff = 0, rewardSum = 0,
                   goldenRewardSum = 0;
            int step = 0;
            for (const auto& expected : golden["steps"]) {
                e.observe(state);
                stateFloat = state.cast<float>();
                scene->actor->act(stateFloat, actionFloat);
                if (step == 0) {
                    // Same state in (to float32 round-off), so the same action out.
                    firstActionDiff = (actionFloat.cast<double>() - toVector(expected["action"]))
                                          .cwiseAbs()
                                          .maxCoeff();
                }
                maxPoseDiff = std::max(
                    maxPoseDiff,
                    (e.simulated().pose - toVector(expected["sim_pose"])).cwiseAbs().maxCoeff());
                e.setAction(actionFloat.cast<double>());
                const sim::StepResult result = e.step();
                REQUIRE_MESSAGE((result.end == sim::EpisodeEnd::None),
                                skill << " ended at step " << step);
                maxRewardDiff = std::max(maxRewardDiff, std::abs(result.reward.total -
                                                                 expected["reward"].get<double>()));
                rewardSum += result.reward.total;
                goldenRewardSum += expected["reward"].get<double>();
                ++step;
            }
            MESSAGE(skill << ": step-0 action diff " << firstActionDiff << ", max reward diff "
                          << maxRewardDiff << ", max sim pose diff " << maxPoseDiff
                          << ", mean reward " << rewardSum / step << " (core "
                          << goldenRewardSum / step << ")");
            CHECK(firstActionDiff < 1e-5);
            CHECK(maxRewardDiff < 0.005);
            CHECK(std::abs(rewardSum - goldenRewardSum) / step < 1e-3);
        }
    }

    TEST_CASE("DeepMimic's walk actor walks 20 s without a fall from several start times") {
        if (!test::haveShared("deepmimic/policies/found/humanoid3d_walk_float.bin")) {
            return;
        }
        auto scene = loadScene("walk");
        for (double start : {0.0, 0.5}) {
            auto env = sim::ImitationEnv::create(scene->character, scene->gains, scene->motion,
                                                 walkArgsSettings());
            REQUIRE(env.ok());
            sim::ImitationEnv& e = **env;
            e.reset(start);
            Eigen::VectorXd state(e.stateSize());
            Eigen::VectorXf stateFloat(e.stateSize()), actionFloat(e.actionSize());
            sim::EpisodeEnd end = sim::EpisodeEnd::None;
            double rewardSum = 0;
            int steps = 0;
            while (end == sim::EpisodeEnd::None) {
                e.observe(state);
                stateFloat = state.cast<float>();
                scene->actor->act(stateFloat, actionFloat);
                e.setAction(actionFloat.cast<double>());
                const sim::StepResult result = e.step();
                end = result.end;
                rewardSum += result.reward.total;
                ++steps;
            }
            INFO("start " << start << ": ended by " << sim::toString(end) << " after "
                          << e.episodeTime() << " s");
            CHECK((end == sim::EpisodeEnd::TimeLimit));
            CHECK(rewardSum / steps > 0.9);  // the core: 0.971 per step
        }
    }

}  // TEST_SUITE
