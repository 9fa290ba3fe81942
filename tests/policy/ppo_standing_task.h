#pragma once
// The PPO tests' cheap imitation task: the project's humanoid holding a standing pose, from a
// two-frame clip written here.

#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace test {

// The character, gains and a standing clip: every joint at identity, root upright at 0.95 m
// (the env lowers or lifts nothing above ground; the character settles onto its feet).
struct StandingTask {
    sim::Character character;
    sim::ControllerConfig gains;
    sim::Motion motion;

    StandingTask() {
        auto loaded = sim::loadCharacter(test::sourcePath("assets/characters/humanoid.json"));
        REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error()));
        character = std::move(loaded).value();
        auto config = sim::loadControllerConfig(
            test::sourcePath("assets/characters/humanoid_ctrl.json"), character);
        REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error()));
        gains = std::move(config).value();
        std::vector<double> pose(static_cast<size_t>(character.poseSize), 0.0);
        for (int j = 0; j < character.numJoints(); ++j) {
            const int o = character.paramOffset[j];
            if (character.joints[j].type == sim::JointType::Root) {
                pose[static_cast<size_t>(o + 1)] = 0.95;
                pose[static_cast<size_t>(o + 3)] = 1;
            } else if (character.joints[j].type == sim::JointType::Spherical) {
                pose[static_cast<size_t>(o)] = 1;
            }
        }
        std::ostringstream json;
        json << "{\"Loop\": \"wrap\", \"VelFilterCutoff\": 0, \"Frames\": [";
        for (int frame = 0; frame < 2; ++frame) {
            json << (frame ? ", [" : "[") << (frame ? 0.0 : 1.0);
            for (double x : pose) {
                json << ", " << x;
            }
            json << "]";
        }
        json << "]}";
        auto parsed = sim::parseMotion(json.str(), "standing", character);
        REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error()));
        motion = std::move(parsed).value();
    }
};

}  // namespace test
