// Pushes on the imitation environment: one acts for exactly the PD updates of its duration,
// ends with the episode, moves the character along it, and bad ones are refused. (The force's
// effect against Newton's second law is checked in physics_test.cpp.)

#include <doctest/doctest.h>

#include <string>

#include "sim/controller_config.h"
#include "sim/imitation_env.h"
#include "tests/test_support.h"

namespace {

struct ProjectFiles {
    sim::Character character;
    sim::ControllerConfig gains;
    sim::Motion motion;
};

ProjectFiles loadProjectFiles() {
    auto character = sim::loadCharacter(test::sourcePath("assets/characters/humanoid.json"));
    REQUIRE_MESSAGE(character.ok(), character.error());
    auto gains = sim::loadControllerConfig(test::sourcePath("assets/characters/humanoid_ctrl.json"),
                                           *character);
    auto motion = sim::loadMotion(test::sourcePath("assets/motions/walk.json"), *character);
    REQUIRE((gains.ok() && motion.ok()));
    return {std::move(character).value(), std::move(gains).value(), std::move(motion).value()};
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("a push acts for the PD updates of its duration and ends with the episode") {
        const ProjectFiles files = loadProjectFiles();
        sim::EnvSettings settings;
        settings.physicsRate = 600;
        auto env = sim::ImitationEnv::create(files.character, files.gains, files.motion, settings);
        REQUIRE(env.ok());
        Eigen::VectorXd action((*env)->actionSize());

        (*env)->reset(0.1);
        // 0.1 s is 60 PD updates at 600 Hz: three control steps of 20.
        REQUIRE((*env)->push({0, Eigen::Vector3d(200, 0, 0), 0.1}).ok());
        for (int step = 0; step < 3; ++step) {
            CHECK((*env)->activePush().body == 0);
            CHECK((*env)->activePush().seconds == doctest::Approx(0.1 - step / 30.0));
            (*env)->referenceAction(action);
            (*env)->setAction(action);
            (*env)->step();
        }
        CHECK((*env)->activePush().body == -1);

        REQUIRE((*env)->push({0, Eigen::Vector3d(200, 0, 0), 1.0}).ok());
        (*env)->reset(0.1);
        CHECK((*env)->activePush().body == -1);
    }

    TEST_CASE("a pushed character moves away from an unpushed one, along the push") {
        const ProjectFiles files = loadProjectFiles();
        sim::EnvSettings settings;
        settings.physicsRate = 600;
        auto rootZAfter = [&](double force) {
            auto env =
                sim::ImitationEnv::create(files.character, files.gains, files.motion, settings);
            REQUIRE(env.ok());
            (*env)->reset(0.2);
            REQUIRE((*env)->push({0, Eigen::Vector3d(0, 0, force), 0.2}).ok());
            Eigen::VectorXd action((*env)->actionSize());
            for (int step = 0; step < 9; ++step) {  // 0.3 s
                (*env)->referenceAction(action);
                (*env)->setAction(action);
                (*env)->step();
            }
            return (*env)->simulated().pose[2];  // root z
        };
        const double still = rootZAfter(0);
        // 300 N for 0.2 s on the 62 kg humanoid: about 1 m/s sideways, some 0.15 m in 0.3 s.
        CHECK(rootZAfter(300) - still > 0.08);
        CHECK(rootZAfter(-300) - still < -0.08);
    }

    TEST_CASE("a push on a body that does not exist, or with a non-finite force, is refused") {
        const ProjectFiles files = loadProjectFiles();
        auto env = sim::ImitationEnv::create(files.character, files.gains, files.motion, {});
        REQUIRE(env.ok());
        (*env)->reset(0);
        const sim::Status outOfRange = (*env)->push({15, Eigen::Vector3d(1, 0, 0), 0.2});
        CHECK_FALSE(outOfRange.ok());
        CHECK(outOfRange.error().find("body 15") != std::string::npos);
        CHECK_FALSE((*env)->push({0, Eigen::Vector3d(std::nan(""), 0, 0), 0.2}).ok());
        CHECK_FALSE((*env)->push({0, Eigen::Vector3d(1, 0, 0), -1}).ok());
        const sim::Status tooLong = (*env)->push({0, Eigen::Vector3d(1, 0, 0), 1e9});
        CHECK_FALSE(tooLong.ok());
        CHECK(tooLong.error().find("duration") != std::string::npos);
        CHECK((*env)->activePush().body == -1);
    }
}
