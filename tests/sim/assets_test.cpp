// The project's own character, PD gains and walk clip (assets/): layout, masses, and the walk's
// physical properties (planted feet, nothing below the ground, a seamless loop, joint limits).

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "sim/action_layout.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/kinematics.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace {

const char* kCharacterFile = "assets/characters/humanoid.json";
const char* kGainsFile = "assets/characters/humanoid_ctrl.json";
const char* kWalkFile = "assets/motions/walk.json";

// Stature and mass the character is built for (docs/assets.md).
constexpr double kBodyHeight = 1.70;  // [m]
constexpr double kBodyMass = 62.0;    // [kg]

sim::Character loadShippedCharacter() {
    auto character = sim::loadCharacter(test::sourcePath(kCharacterFile));
    REQUIRE_MESSAGE(character.ok(), (character.ok() ? "" : character.error()));
    return std::move(character).value();
}

sim::Motion loadShippedWalk(const sim::Character& character) {
    auto motion = sim::loadMotion(test::sourcePath(kWalkFile), character);
    REQUIRE_MESSAGE(motion.ok(), (motion.ok() ? "" : motion.error()));
    return std::move(motion).value();
}

int jointIndex(const sim::Character& character, const std::string& name) {
    for (int j = 0; j < character.numJoints(); ++j) {
        if (character.joints[j].name == name) {
            return j;
        }
    }
    FAIL("no joint " << name);
    return -1;
}

// Lowest world height of body b's collision shape [m]: sphere centre - r, capsule end centres
// - r along its local Y axis, box the lowest of its eight corners.
double lowestPoint(const sim::Character& character, const sim::KinematicFrames& frames, int b) {
    const sim::BodyDef& body = character.bodies[b];
    const Eigen::Vector3d& centre = frames.bodyPosition[b];
    const Eigen::Matrix3d rotation = frames.bodyRotation[b].toRotationMatrix();
    Eigen::Vector3d half = sim::shapeHalfExtents(body.shape, body.param);
    switch (body.shape) {
        case sim::ShapeType::Sphere:
            return centre.y() - half.x();
        case sim::ShapeType::Capsule: {
            double radius = half.x();
            double axisY = rotation(1, 1) * (half.y() - radius);  // world Y of the half axis
            return centre.y() - std::abs(axisY) - radius;
        }
        case sim::ShapeType::Box:
            return centre.y() - rotation.row(1).cwiseAbs().dot(half);
    }
    return centre.y();
}

// Poses sampled through the playback path (interpolated, wrapped) at `rate` over `seconds`.
std::vector<Eigen::VectorXd> samplePlayback(const sim::Character& character,
                                            const sim::Motion& motion, double rate,
                                            double seconds) {
    std::vector<Eigen::VectorXd> poses;
    int count = static_cast<int>(std::lround(seconds * rate));
    for (int i = 0; i <= count; ++i) {
        Eigen::VectorXd pose(character.poseSize);
        sim::samplePose(character, motion, i / rate, pose);
        poses.push_back(pose);
    }
    return poses;
}

struct Humanoid3dJoint {
    const char* name;
    sim::JointType type;
    int parent;
    double diffWeight;
    bool endEffector;
};

// humanoid3d's topology (FACTS.md section 1): the 197-D state / 36-D action layout rests on it.
const Humanoid3dJoint kTopology[] = {
    {"root", sim::JointType::Root, -1, 1.0, false},
    {"chest", sim::JointType::Spherical, 0, 0.5, false},
    {"neck", sim::JointType::Spherical, 1, 0.3, false},
    {"right_hip", sim::JointType::Spherical, 0, 0.5, false},
    {"right_knee", sim::JointType::Revolute, 3, 0.3, false},
    {"right_ankle", sim::JointType::Spherical, 4, 0.2, true},
    {"right_shoulder", sim::JointType::Spherical, 1, 0.3, false},
    {"right_elbow", sim::JointType::Revolute, 6, 0.2, false},
    {"right_wrist", sim::JointType::Fixed, 7, 0.0, true},
    {"left_hip", sim::JointType::Spherical, 0, 0.5, false},
    {"left_knee", sim::JointType::Revolute, 9, 0.3, false},
    {"left_ankle", sim::JointType::Spherical, 10, 0.2, true},
    {"left_shoulder", sim::JointType::Spherical, 1, 0.3, false},
    {"left_elbow", sim::JointType::Revolute, 12, 0.2, false},
    {"left_wrist", sim::JointType::Fixed, 13, 0.0, true},
};

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("shipped character has humanoid3d's joints, state 197 and action 36") {
        sim::Character character = loadShippedCharacter();
        REQUIRE(character.numJoints() == 15);
        for (int j = 0; j < 15; ++j) {
            CAPTURE(j);
            CHECK(character.joints[j].name == kTopology[j].name);
            CHECK(std::string(sim::toString(character.joints[j].type)) ==
                  sim::toString(kTopology[j].type));
            CHECK(character.joints[j].parent == kTopology[j].parent);
            CHECK(character.joints[j].diffWeight == doctest::Approx(kTopology[j].diffWeight));
            CHECK(character.joints[j].isEndEffector == kTopology[j].endEffector);
            CHECK(character.joints[j].attachRotation.isApprox(Eigen::Quaterniond::Identity()));
        }
        CHECK(character.poseSize == 43);
        CHECK(sim::stateSize(character) == 197);
        CHECK(sim::actionSize(character) == 36);
        // Knee and elbow limits are simulated; they must match humanoid3d's.
        for (const char* knee : {"right_knee", "left_knee"}) {
            const sim::JointDef& joint = character.joints[jointIndex(character, knee)];
            CHECK(joint.limitLow.x() == doctest::Approx(-3.14));
            CHECK(joint.limitHigh.x() == doctest::Approx(0.0));
        }
        for (const char* elbow : {"right_elbow", "left_elbow"}) {
            const sim::JointDef& joint = character.joints[jointIndex(character, elbow)];
            CHECK(joint.limitLow.x() == doctest::Approx(0.0));
            CHECK(joint.limitHigh.x() == doctest::Approx(3.14));
        }
    }

    TEST_CASE("shipped character weighs and stands as documented") {
        sim::Character character = loadShippedCharacter();
        CHECK(character.totalMass() == doctest::Approx(kBodyMass).epsilon(0.001));
        for (int b = 0; b < character.numJoints(); ++b) {
            CAPTURE(character.joints[b].name);
            const sim::BodyDef& body = character.bodies[b];
            bool foot = character.joints[b].name.find("ankle") != std::string::npos;
            CHECK(body.enableFallContact == !foot);
            CHECK(body.collisionGroup == 1);
            CHECK(body.attachRotation.isApprox(Eigen::Quaterniond::Identity()));
        }
        // Rest pose: sole to the top of the head is the stature.
        Eigen::VectorXd rest = Eigen::VectorXd::Zero(character.poseSize);
        for (int j = 0; j < character.numJoints(); ++j) {
            sim::JointType type = character.joints[j].type;
            if (type == sim::JointType::Root || type == sim::JointType::Spherical) {
                rest[character.paramOffset[j] + (type == sim::JointType::Root ? 3 : 0)] = 1;
            }
        }
        sim::KinematicFrames frames;
        sim::forwardKinematics(character, rest, frames);
        int head = jointIndex(character, "neck");
        double top =
            frames.bodyPosition[head].y() +
            sim::shapeHalfExtents(character.bodies[head].shape, character.bodies[head].param).y();
        double sole = lowestPoint(character, frames, jointIndex(character, "right_ankle"));
        CHECK(top - sole == doctest::Approx(kBodyHeight).epsilon(0.002));
    }

    TEST_CASE("shipped PD gains load with phase input and world root rotation") {
        sim::Character character = loadShippedCharacter();
        auto gains = sim::loadControllerConfig(test::sourcePath(kGainsFile), character);
        REQUIRE_MESSAGE(gains.ok(), (gains.ok() ? "" : gains.error()));
        CHECK(gains->enablePhaseInput);
        CHECK_FALSE(gains->recordWorldRootPos);
        CHECK(gains->recordWorldRootRot);
        CHECK(gains->kp[0] == 0);
        for (int j = 1; j < character.numJoints(); ++j) {
            CAPTURE(character.joints[j].name);
            bool actuated = character.joints[j].type != sim::JointType::Fixed;
            CHECK((gains->kp[j] > 0) == actuated);
            CHECK(gains->kd[j] == doctest::Approx(0.1 * gains->kp[j]));  // humanoid3d's ratio
        }
    }

    TEST_CASE("shipped walk keeps stance feet planted and flat on the ground") {
        sim::Character character = loadShippedCharacter();
        sim::Motion motion = loadShippedWalk(character);
        REQUIRE(motion.loop == sim::LoopMode::Wrap);
        const double rate = 480;  // playback samples per second, 8 per frame at 60 frames/s
        std::vector<Eigen::VectorXd> poses =
            samplePlayback(character, motion, rate, 2 * motion.duration());
        sim::KinematicFrames frames;
        for (const char* name : {"right_ankle", "left_ankle"}) {
            CAPTURE(name);
            int foot = jointIndex(character, name);
            // Stance runs: samples with the sole within 1.5 mm of its lowest height, which
            // must itself be within a few mm of the ground.
            std::vector<double> sole;
            for (const Eigen::VectorXd& pose : poses) {
                sim::forwardKinematics(character, pose, frames);
                sole.push_back(lowestPoint(character, frames, foot));
            }
            double ground = *std::min_element(sole.begin(), sole.end());
            CHECK(ground >= 0);
            CHECK(ground < 3e-3);
            double worstSlip = 0, worstTilt = 0;
            int runs = 0, longestRun = 0, run = 0;
            Eigen::Vector3d anchor = Eigen::Vector3d::Zero();
            for (std::size_t i = 0; i < poses.size(); ++i) {
                sim::forwardKinematics(character, poses[i], frames);
                bool stance = sole[i] < ground + 1.5e-3;
                if (stance && run == 0) {
                    anchor = frames.bodyPosition[foot];
                }
                if (stance) {
                    ++run;
                    worstSlip = std::max(worstSlip, (frames.bodyPosition[foot] - anchor).norm());
                    Eigen::Vector3d up = frames.bodyRotation[foot] * Eigen::Vector3d::UnitY();
                    worstTilt = std::max(worstTilt, std::acos(std::min(1.0, up.y())));
                } else if (run > 0) {
                    runs += 1;
                    longestRun = std::max(longestRun, run);
                    run = 0;
                }
            }
            MESSAGE(std::string(name) << ": sole at " << ground * 1e3 << " mm, worst stance slip "
                                      << worstSlip * 1e3 << " mm, tilt " << worstTilt
                                      << " rad, longest stance " << longestRun / rate << " s");
            CHECK(runs >= 1);
            CHECK(longestRun / rate > 0.4 * motion.duration());  // a real stance, not a touch
            CHECK(worstSlip < 5e-3);
            CHECK(worstTilt < 1e-3);
        }
    }

    TEST_CASE("shipped walk puts nothing below the ground and always a foot on it") {
        sim::Character character = loadShippedCharacter();
        sim::Motion motion = loadShippedWalk(character);
        std::vector<Eigen::VectorXd> poses =
            samplePlayback(character, motion, 480, 2 * motion.duration());
        int feet[2] = {jointIndex(character, "right_ankle"), jointIndex(character, "left_ankle")};
        sim::KinematicFrames frames;
        double lowest = 1e9, highestSupport = 0;
        for (const Eigen::VectorXd& pose : poses) {
            sim::forwardKinematics(character, pose, frames);
            for (int b = 0; b < character.numJoints(); ++b) {
                lowest = std::min(lowest, lowestPoint(character, frames, b));
            }
            double support = std::min(lowestPoint(character, frames, feet[0]),
                                      lowestPoint(character, frames, feet[1]));
            highestSupport = std::max(highestSupport, support);
        }
        MESSAGE("lowest shape point " << lowest * 1e3 << " mm; supporting sole at most "
                                      << highestSupport * 1e3 << " mm above the ground");
        CHECK(lowest >= 0);
        CHECK(highestSupport < 3e-3);  // a walk has no flight phase
    }

    TEST_CASE("shipped walk loops without a seam: last frame is the first one a stride on") {
        sim::Character character = loadShippedCharacter();
        sim::Motion motion = loadShippedWalk(character);
        int n = motion.numFrames();
        REQUIRE(n >= 10);
        Eigen::VectorXd first = motion.framePoses.row(0).transpose();
        Eigen::VectorXd last = motion.framePoses.row(n - 1).transpose();
        Eigen::Vector3d advance = sim::cycleRootDelta(motion);
        CHECK(advance.x() > 0.5);
        CHECK(std::abs(advance.z()) < 1e-9);
        Eigen::VectorXd shifted = first;
        shifted.head<3>() += advance;
        double mismatch = (last - shifted).cwiseAbs().maxCoeff();
        MESSAGE("loop mismatch " << mismatch << ", stride " << advance.x() << " m");
        CHECK(mismatch < 1e-9);

        // Smooth across the seam: the second difference there is no larger than inside.
        auto step = [&](int i) {
            return Eigen::VectorXd(motion.framePoses.row(i + 1) - motion.framePoses.row(i));
        };
        double interior = 0;
        for (int i = 0; i + 2 < n; ++i) {
            interior = std::max(interior, (step(i + 1) - step(i)).cwiseAbs().maxCoeff());
        }
        double seam = (step(0) - step(n - 2)).cwiseAbs().maxCoeff();
        MESSAGE("second difference at the seam " << seam << ", inside at most " << interior);
        CHECK(seam <= 1.5 * interior + 1e-12);
    }

    TEST_CASE("shipped walk keeps knees and elbows in their limits and quaternions unit") {
        sim::Character character = loadShippedCharacter();
        sim::Motion motion = loadShippedWalk(character);
        for (int j = 0; j < character.numJoints(); ++j) {
            if (character.joints[j].type != sim::JointType::Revolute) {
                continue;
            }
            CAPTURE(character.joints[j].name);
            auto angles = motion.framePoses.col(character.paramOffset[j]);
            CHECK(angles.minCoeff() >= character.joints[j].limitLow.x());
            CHECK(angles.maxCoeff() <= character.joints[j].limitHigh.x());
        }
        // The loader normalizes quaternions; check the file's own numbers.
        std::ifstream in(test::sourcePath(kWalkFile));
        nlohmann::json file = nlohmann::json::parse(in);
        double worst = 0;
        for (const auto& row : file.at("Frames")) {
            for (int j = 0; j < character.numJoints(); ++j) {
                sim::JointType type = character.joints[j].type;
                if (type != sim::JointType::Root && type != sim::JointType::Spherical) {
                    continue;
                }
                int q = 1 + character.paramOffset[j] + (type == sim::JointType::Root ? 3 : 0);
                Eigen::Vector4d quaternion(row[q].get<double>(), row[q + 1].get<double>(),
                                           row[q + 2].get<double>(), row[q + 3].get<double>());
                worst = std::max(worst, std::abs(quaternion.norm() - 1));
            }
        }
        CHECK(worst < 1e-8);
    }
}
