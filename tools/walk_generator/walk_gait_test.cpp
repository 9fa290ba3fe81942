// The walk generator: leg IK against its closed form, and the shipped clip regenerated exactly.

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "sim/character.h"
#include "tools/walk_generator/walk_gait.h"

namespace {

std::string sourcePath(const std::string& relative) {
    return std::string(CHARSIM_SOURCE_DIR) + "/" + relative;
}

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

walkgen::LegGeometry testLeg() {
    walkgen::LegGeometry leg;
    leg.thigh = 0.42;
    leg.shank = 0.40;
    return leg;
}

// Ankle position for a hip rotation and knee angle: the chain the IK inverts.
Eigen::Vector3d ankleOf(const walkgen::LegGeometry& leg, const Eigen::Quaterniond& hip,
                        double knee) {
    Eigen::Quaterniond kneeRotation(Eigen::AngleAxisd(knee, Eigen::Vector3d::UnitZ()));
    return hip *
           (Eigen::Vector3d(0, -leg.thigh, 0) + kneeRotation * Eigen::Vector3d(0, -leg.shank, 0));
}

}  // namespace

TEST_SUITE("tools") {
    TEST_CASE("leg IK puts the ankle on reachable targets with the knee hinge level") {
        walkgen::LegGeometry leg = testLeg();
        const Eigen::Vector3d targets[] = {
            {0.0, -0.75, 0.0}, {0.3, -0.7, 0.02}, {-0.3, -0.72, -0.03}, {0.1, -0.5, 0.1}};
        for (const Eigen::Vector3d& target : targets) {
            Eigen::Quaterniond hip;
            double knee = 1;
            REQUIRE(walkgen::solveLeg(leg, target, 0.05, hip, knee));
            CHECK((ankleOf(leg, hip, knee) - target).norm() < 1e-12);
            CHECK(knee <= -0.05 + 1e-12);
            // The hinge (thigh Z) is perpendicular to the leg and as close to pelvis Z as that
            // allows: it has no component along the pelvis Y once the leg is in the X-Y plane.
            Eigen::Vector3d hinge = hip * Eigen::Vector3d::UnitZ();
            Eigen::Vector3d expected =
                (Eigen::Vector3d::UnitZ() - target.normalized().z() * target.normalized())
                    .normalized();
            CHECK((hinge - expected).norm() < 1e-12);
        }
    }

    TEST_CASE("leg IK refuses targets beyond the reach at the minimum knee flexion") {
        walkgen::LegGeometry leg = testLeg();
        Eigen::Quaterniond hip;
        double knee = 0;
        CHECK_FALSE(walkgen::solveLeg(leg, Eigen::Vector3d(0, -0.819, 0), 0.1, hip, knee));
        CHECK(walkgen::solveLeg(leg, Eigen::Vector3d(0, -0.815, 0), 0.1, hip, knee));
    }

    TEST_CASE("regenerating the walk reproduces the shipped clip byte for byte") {
        auto character = sim::loadCharacter(sourcePath("assets/characters/humanoid.json"));
        REQUIRE_MESSAGE(character.ok(), (character.ok() ? "" : character.error()));
        auto clip = walkgen::generateWalk(*character, walkgen::GaitParams{});
        REQUIRE_MESSAGE(clip.ok(), (clip.ok() ? "" : clip.error()));
        std::string generated = walkgen::formatMotionJson(*clip);
        CHECK(generated == readText(sourcePath("assets/motions/walk.json")));

        auto again = walkgen::generateWalk(*character, walkgen::GaitParams{});
        REQUIRE(again.ok());
        CHECK(walkgen::formatMotionJson(*again) == generated);
    }

    TEST_CASE("a stride too long for the legs is reported, not clamped") {
        auto character = sim::loadCharacter(sourcePath("assets/characters/humanoid.json"));
        REQUIRE(character.ok());
        walkgen::GaitParams params;
        params.speed = 3.0;  // 3 m strides at 1 s per cycle
        auto clip = walkgen::generateWalk(*character, params);
        REQUIRE_FALSE(clip.ok());
        CHECK(clip.error().find("out of the legs' reach") != std::string::npos);
    }
}
