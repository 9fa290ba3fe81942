// The simulation against numbers from a build of DeepMimic's 2018 core (06e5b37, Bullet 3.24
// float32): reset states, stable-PD torques and open-loop rollouts.

#include <doctest/doctest.h>

#include <cmath>

#include "sim/imitation_env.h"
#include "sim/stable_pd.h"
#include "tests/sim/golden_data.h"

namespace {

double maxAbsDifference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    REQUIRE(a.size() == b.size());
    return (a - b).cwiseAbs().maxCoeff();
}

struct RolloutComparison {
    int goldenSteps = 0;
    int ourSteps = 0;
    double goldenEnd = 0, ourEnd = 0;
    double maxStateDiffFirst4 = 0;
    double maxRewardDiffBeforeFall = 0;
    double maxTorqueDiffStep0 = 0;
};

RolloutComparison compareRollout(const std::string& clip, const std::string& goldenFile) {
    auto scene = test::DeepMimicScene::load(clip);
    const nlohmann::json golden =
        test::readJson(test::sharedPath("deepmimic/golden/" + goldenFile));
    auto env = sim::ImitationEnv::create(scene->character, scene->gains, scene->motion,
                                         test::deepMimicWalkSettings());
    REQUIRE(env.ok());
    sim::ImitationEnv& e = **env;
    e.reset(golden["rsi_time"].get<double>());

    RolloutComparison result;
    const auto& steps = golden["steps"];
    result.goldenSteps = static_cast<int>(steps.size());
    result.goldenEnd = golden["end_time"].get<double>();
    Eigen::VectorXd state(e.stateSize());
    for (const auto& step : steps) {
        const int index = step["step"].get<int>();
        e.observe(state);
        if (index < 4) {
            result.maxStateDiffFirst4 = std::max(
                result.maxStateDiffFirst4, maxAbsDifference(state, test::toVector(step["state"])));
        }
        const Eigen::VectorXd action = test::toVector(step["action"]);
        e.setAction(action);
        const sim::StepResult outcome = e.step();
        ++result.ourSteps;
        if (index == 0) {
            result.maxTorqueDiffStep0 = maxAbsDifference(
                e.firstUpdateTorques(), test::toVector(step["pd_tau_first_update"]));
        }
        if (outcome.end == sim::EpisodeEnd::None) {
            result.maxRewardDiffBeforeFall =
                std::max(result.maxRewardDiffBeforeFall,
                         std::abs(outcome.reward.total - step["reward"].get<double>()));
        }
        if (outcome.end != sim::EpisodeEnd::None) {
            break;
        }
    }
    result.ourEnd = e.time();
    MESSAGE(goldenFile << ": golden " << result.goldenSteps << " steps, end " << result.goldenEnd
                       << " s; ours " << result.ourSteps << " steps, end " << result.ourEnd
                       << " s; max state diff (steps 0-3) " << result.maxStateDiffFirst4
                       << ", reward diff before the fall " << result.maxRewardDiffBeforeFall
                       << ", step-0 PD torque diff " << result.maxTorqueDiffStep0);
    return result;
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("reference state initialization reproduces DeepMimic's 197-D states") {
        if (!test::haveShared("deepmimic/golden/rsi_states.json")) {
            return;
        }
        for (const auto& [clip, file] : {std::pair{"humanoid3d_walk.txt", "rsi_states.json"},
                                         std::pair{"humanoid3d_run.txt", "rsi_states_run.json"}}) {
            auto scene = test::DeepMimicScene::load(clip);
            auto env = sim::ImitationEnv::create(scene->character, scene->gains, scene->motion,
                                                 test::deepMimicWalkSettings());
            REQUIRE(env.ok());
            const nlohmann::json golden =
                test::readJson(test::sharedPath(std::string("deepmimic/golden/") + file));
            double worstOverall = 0;
            for (const auto& entry : golden["entries"]) {
                const double time = entry["rsi_time"].get<double>();
                (*env)->reset(time);
                Eigen::VectorXd state((*env)->stateSize());
                (*env)->observe(state);
                const Eigen::VectorXd expected = test::toVector(entry["state"]);
                Eigen::Index worst = 0;
                const double diff = (state - expected).cwiseAbs().maxCoeff(&worst);
                INFO(file << " t=" << time << " worst entry " << worst << ": ours " << state[worst]
                          << " golden " << expected[worst]);
                CHECK(diff < 1e-5);  // float32 Bullet round-off; the issue asks 1e-4
                worstOverall = std::max(worstOverall, diff);
            }
            MESSAGE(std::string(file)
                    << ": max |state - DeepMimic state| after reset = " << worstOverall);
        }
    }

    TEST_CASE("stable PD torques equal DeepMimic's for the same state and target") {
        if (!test::haveShared("deepmimic/golden/rollout_refaction.json")) {
            return;
        }
        for (const auto& [clip, file] :
             {std::pair{"humanoid3d_walk.txt", "rollout_refaction.json"},
              std::pair{"humanoid3d_walk.txt", "rollout_meanaction.json"},
              std::pair{"humanoid3d_run.txt", "rollout_refaction_run.json"}}) {
            auto scene = test::DeepMimicScene::load(clip);
            const nlohmann::json golden =
                test::readJson(test::sharedPath(std::string("deepmimic/golden/") + file));
            sim::StablePdController pd(scene->character, scene->gains, {});
            Eigen::VectorXd target = Eigen::VectorXd::Zero(scene->character.poseSize);
            Eigen::VectorXd torques(scene->character.poseSize);
            double worst = 0;
            // Every step's first update: DeepMimic's own state in, its torques out.
            for (const auto& step : golden["steps"]) {
                sim::actionToTargetPose(scene->character, test::toVector(step["action"]), target);
                pd.setTargetPose(target);
                pd.computeTorques(test::toVector(step["sim_pose"]), test::toVector(step["sim_vel"]),
                                  1.0 / 600.0, torques);
                worst = std::max(
                    worst, maxAbsDifference(torques, test::toVector(step["pd_tau_first_update"])));
            }
            MESSAGE(std::string(file) << ": max |tau - DeepMimic tau| over "
                                      << golden["steps"].size() << " steps = " << worst << " N m");
            CHECK(worst < 1e-8);
        }
    }

    TEST_CASE(
        "open-loop rollouts fall at DeepMimic's step with states close over the first steps") {
        if (!test::haveShared("deepmimic/golden/rollout_meanaction.json")) {
            return;
        }
        for (const auto& [clip, file] :
             {std::pair{"humanoid3d_walk.txt", "rollout_refaction.json"},
              std::pair{"humanoid3d_walk.txt", "rollout_meanaction.json"},
              std::pair{"humanoid3d_run.txt", "rollout_refaction_run.json"},
              std::pair{"humanoid3d_run.txt", "rollout_meanaction_run.json"}}) {
            const RolloutComparison r = compareRollout(clip, file);
            // The fall comes in the same PD update (1/600 s) of the same control step.
            CHECK(r.ourSteps == r.goldenSteps);
            CHECK(std::abs(r.ourEnd - r.goldenEnd) < 0.5 / 600);
            // Float32 Bullet: foot-contact velocities differ first (golden README's guide: 1e-2).
            CHECK(r.maxStateDiffFirst4 < 0.02);
            CHECK(r.maxRewardDiffBeforeFall < 0.005);
        }
    }

}  // TEST_SUITE
