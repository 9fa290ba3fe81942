#pragma once
// Loading DeepMimic's golden numbers (../shared/deepmimic/golden) and the files they came from.

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>

#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/imitation_env.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace test {

inline nlohmann::json readJson(const std::string& path) {
    std::ifstream file(path);
    REQUIRE_MESSAGE(file.good(), "cannot open " << path);
    return nlohmann::json::parse(file);
}

inline Eigen::VectorXd toVector(const nlohmann::json& array) {
    Eigen::VectorXd v(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        v[static_cast<Eigen::Index>(i)] = array[i].get<double>();
    }
    return v;
}

// DeepMimic's humanoid3d with its 2018 gains and one of its clips.
struct DeepMimicScene {
    sim::Character character;
    sim::ControllerConfig gains;
    sim::Motion motion;

    static std::unique_ptr<DeepMimicScene> load(const std::string& clip) {
        auto scene = std::make_unique<DeepMimicScene>();
        auto character = sim::loadCharacter(sharedPath("deepmimic/characters/humanoid3d.txt"));
        REQUIRE_MESSAGE(character.ok(), (character.ok() ? "" : character.error()));
        scene->character = std::move(character).value();
        auto gains = sim::loadControllerConfig(
            sharedPath("deepmimic/controllers/deepmimic_2018/humanoid3d_ctrl.txt"),
            scene->character);
        REQUIRE_MESSAGE(gains.ok(), (gains.ok() ? "" : gains.error()));
        scene->gains = std::move(gains).value();
        auto motion = sim::loadMotion(sharedPath("deepmimic/motions/" + clip), scene->character);
        REQUIRE_MESSAGE(motion.ok(), (motion.ok() ? "" : motion.error()));
        scene->motion = std::move(motion).value();
        return scene;
    }
};

// The settings of DeepMimic's train_humanoid3d_{walk,run}_args.txt: every body but the feet
// ends the episode on ground contact.
inline sim::EnvSettings deepMimicWalkSettings() {
    sim::EnvSettings settings;
    settings.fallContactBodies = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14};
    return settings;
}

}  // namespace test
