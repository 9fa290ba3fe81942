// Forward kinematics, body velocities and quaternion helpers, checked against closed forms and
// against DeepMimic's own numbers (golden/kinematics*.json, see golden/README.md).

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "sim/character.h"
#include "sim/kinematics.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace {

constexpr double kPi = 3.14159265358979323846;

// Two-joint chain: root, then a revolute elbow 1 m up the root's Y axis with a body 0.5 m further.
const char* kChainCharacter = R"({
  "Skeleton": {"Joints": [
    {"ID": 0, "Name": "root", "Type": "none", "Parent": -1},
    {"ID": 1, "Name": "elbow", "Type": "revolute", "Parent": 0, "AttachY": 1.0}
  ]},
  "BodyDefs": [
    {"ID": 0, "Shape": "sphere", "Mass": 1, "Param0": 0.2},
    {"ID": 1, "Shape": "box", "Mass": 3, "AttachX": 0.5, "Param0": 1, "Param1": 0.1,
     "Param2": 0.1}
  ]
})";

sim::Character chainCharacter() {
    auto character = sim::parseCharacter(kChainCharacter, "chain.txt");
    REQUIRE_MESSAGE(character.ok(), character.error());
    return std::move(character).value();
}

double maxAbs(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return (a - b).cwiseAbs().maxCoeff();
}

Eigen::VectorXd toVector(const nlohmann::json& values) {
    Eigen::VectorXd v(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        v[static_cast<Eigen::Index>(i)] = values[i].get<double>();
    }
    return v;
}

// Quaternions compared as rotations (q and -q are equal).
double quaternionError(const Eigen::Quaterniond& a, const nlohmann::json& wxyz) {
    Eigen::Vector4d b(wxyz[0].get<double>(), wxyz[1].get<double>(), wxyz[2].get<double>(),
                      wxyz[3].get<double>());
    Eigen::Vector4d av(a.w(), a.x(), a.y(), a.z());
    return std::min((av - b).cwiseAbs().maxCoeff(), (av + b).cwiseAbs().maxCoeff());
}

struct GoldenErrors {
    double pose = 0, vel = 0, jointPos = 0, jointRot = 0, bodyPos = 0, bodyRot = 0;
    double bodyLinvel = 0, com = 0, comVel = 0;
};

// Replays every sample of a golden kinematics file and returns the largest deviations.
GoldenErrors compareWithGolden(const std::string& motionFile, const std::string& goldenFile) {
    auto character = sim::loadCharacter(test::sharedPath("deepmimic/characters/humanoid3d.txt"));
    REQUIRE_MESSAGE(character.ok(), character.error());
    auto motion = sim::loadMotion(test::sharedPath("deepmimic/motions/" + motionFile), *character);
    REQUIRE_MESSAGE(motion.ok(), motion.error());
    std::ifstream stream(test::sharedPath("deepmimic/golden/" + goldenFile));
    nlohmann::json golden = nlohmann::json::parse(stream);

    CHECK(motion->numFrames() == golden["num_frames"].get<int>());
    CHECK(motion->duration() == doctest::Approx(golden["motion_duration"].get<double>()));
    CHECK(maxAbs(sim::cycleRootDelta(*motion), toVector(golden["cycle_root_delta"])) < 1e-12);

    GoldenErrors errors;
    sim::KinematicFrames frames;
    sim::BodyVelocities velocities;
    Eigen::VectorXd pose(character->poseSize);
    Eigen::VectorXd vel(character->poseSize);
    for (const auto& sample : golden["frames"]) {
        double t = sample["t"].get<double>();
        sim::samplePose(*character, *motion, t, pose);
        sim::sampleVelocity(*character, *motion, t, vel);
        sim::forwardKinematics(*character, pose, frames);
        sim::bodyVelocities(*character, pose, vel, frames, velocities);
        errors.pose = std::max(errors.pose, maxAbs(pose, toVector(sample["pose"])));
        errors.vel = std::max(errors.vel, maxAbs(vel, toVector(sample["vel"])));
        for (int j = 0; j < character->numJoints(); ++j) {
            errors.jointPos = std::max(
                errors.jointPos, maxAbs(frames.jointPosition[j], toVector(sample["joint_pos"][j])));
            errors.bodyPos = std::max(
                errors.bodyPos, maxAbs(frames.bodyPosition[j], toVector(sample["body_pos"][j])));
            errors.bodyLinvel =
                std::max(errors.bodyLinvel,
                         maxAbs(velocities.linear[j], toVector(sample["body_linvel"][j])));
            errors.jointRot =
                std::max(errors.jointRot,
                         quaternionError(frames.jointRotation[j], sample["joint_rot_wxyz"][j]));
            errors.bodyRot = std::max(errors.bodyRot, quaternionError(frames.bodyRotation[j],
                                                                      sample["body_rot_wxyz"][j]));
        }
        errors.com = std::max(
            errors.com, maxAbs(sim::centerOfMass(*character, frames), toVector(sample["com"])));
        errors.comVel = std::max(
            errors.comVel,
            maxAbs(sim::centerOfMassVelocity(*character, velocities), toVector(sample["com_vel"])));
    }
    MESSAGE(goldenFile << " max abs errors: pose " << errors.pose << ", vel " << errors.vel
                       << ", joint_pos " << errors.jointPos << ", joint_rot " << errors.jointRot
                       << ", body_pos " << errors.bodyPos << ", body_rot " << errors.bodyRot
                       << ", body_linvel " << errors.bodyLinvel << ", com " << errors.com
                       << ", com_vel " << errors.comVel);
    return errors;
}

void checkGolden(const GoldenErrors& errors) {
    // Measured agreement is at double round-off (~1e-15, body_linvel ~4e-14); the bounds leave
    // room for compiler and libm differences, far below anything a policy would notice.
    CHECK(errors.pose < 1e-12);
    CHECK(errors.vel < 1e-10);
    CHECK(errors.jointPos < 1e-12);
    CHECK(errors.jointRot < 1e-12);
    CHECK(errors.bodyPos < 1e-12);
    CHECK(errors.bodyRot < 1e-12);
    CHECK(errors.bodyLinvel < 1e-10);
    CHECK(errors.com < 1e-12);
    CHECK(errors.comVel < 1e-10);
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("forward kinematics places a bent chain where trigonometry says") {
        sim::Character character = chainCharacter();
        Eigen::VectorXd pose = Eigen::VectorXd::Zero(character.poseSize);
        pose.head<3>() << 1, 2, 3;
        // Root turned 90 degrees about +X (local Y maps to world +Z), elbow bent 90 degrees about
        // Z.
        Eigen::Quaterniond root(Eigen::AngleAxisd(kPi / 2, Eigen::Vector3d::UnitX()));
        pose.segment<4>(3) << root.w(), root.x(), root.y(), root.z();
        pose[7] = kPi / 2;

        sim::KinematicFrames frames;
        sim::forwardKinematics(character, pose, frames);
        CHECK(maxAbs(frames.jointPosition[1], Eigen::Vector3d(1, 2, 4)) < 1e-12);
        // The body's +X offset turns to the joint's +Y (elbow), which the root maps to world +Z.
        CHECK(maxAbs(frames.bodyPosition[1], Eigen::Vector3d(1, 2, 4.5)) < 1e-12);
        CHECK(maxAbs(frames.bodyPosition[0], Eigen::Vector3d(1, 2, 3)) < 1e-12);
        // COM: (1 kg at z = 3 + 3 kg at z = 4.5) / 4 kg.
        CHECK(maxAbs(sim::centerOfMass(character, frames), Eigen::Vector3d(1, 2, 4.125)) < 1e-12);
    }

    TEST_CASE("body velocities add the joint rate's lever arm to the root motion") {
        sim::Character character = chainCharacter();
        REQUIRE(character.poseSize == 8);
        Eigen::VectorXd pose = Eigen::VectorXd::Zero(8);
        pose[3] = 1;  // identity root rotation
        Eigen::VectorXd vel = Eigen::VectorXd::Zero(character.poseSize);
        vel.head<3>() << 0.5, 0, 0;  // root moves along +X
        vel[7] = 2;                  // elbow spins at 2 rad/s about Z

        sim::KinematicFrames frames;
        sim::BodyVelocities velocities;
        sim::forwardKinematics(character, pose, frames);
        sim::bodyVelocities(character, pose, vel, frames, velocities);
        // Body 1 sits 0.5 m along +X from the elbow: w x r = (0,0,2) x (0.5,0,0) = (0,1,0).
        CHECK(maxAbs(velocities.linear[1], Eigen::Vector3d(0.5, 1, 0)) < 1e-12);
        CHECK(maxAbs(velocities.angular[1], Eigen::Vector3d(0, 0, 2)) < 1e-12);
        CHECK(maxAbs(velocities.linear[0], Eigen::Vector3d(0.5, 0, 0)) < 1e-12);
        CHECK(maxAbs(sim::centerOfMassVelocity(character, velocities),
                     Eigen::Vector3d(0.5, 0.75, 0)) < 1e-12);
    }

    TEST_CASE("shortest-arc slerp takes the short way between q and a negated neighbour") {
        Eigen::Quaterniond a(Eigen::AngleAxisd(0.2, Eigen::Vector3d::UnitY()));
        Eigen::Quaterniond b(Eigen::AngleAxisd(0.6, Eigen::Vector3d::UnitY()));
        Eigen::Quaterniond negB(-b.w(), -b.x(), -b.y(), -b.z());
        Eigen::Quaterniond mid = sim::slerpShortest(a, negB, 0.5);
        // Halfway along the short arc is 0.4 rad about Y, not the long way round.
        CHECK(sim::rotationAngle(
                  mid * Eigen::Quaterniond(Eigen::AngleAxisd(0.4, Eigen::Vector3d::UnitY()))
                            .conjugate()) < 1e-12);
        CHECK(std::abs(mid.norm() - 1) < 1e-15);
        CHECK(sim::rotationAngle(sim::slerpShortest(a, negB, 0.0) * a.conjugate()) < 1e-12);
        CHECK(sim::rotationAngle(sim::slerpShortest(a, negB, 1.0) * b.conjugate()) < 1e-12);
        for (double t = 0; t <= 1.0; t += 0.125) {
            CHECK(std::abs(sim::slerpShortest(a, negB, t).norm() - 1) < 1e-15);
        }
    }

    TEST_CASE("rotation vectors round-trip and take the shortest angle") {
        Eigen::Vector3d v(0.3, -1.1, 0.7);
        Eigen::Quaterniond q = sim::rotationVectorToQuaternion(v);
        CHECK(maxAbs(sim::quaternionToRotationVector(q), v) < 1e-12);
        Eigen::Quaterniond negQ(-q.w(), -q.x(), -q.y(), -q.z());
        CHECK(maxAbs(sim::quaternionToRotationVector(negQ), v) < 1e-12);
        CHECK(std::abs(sim::rotationAngle(q) - v.norm()) < 1e-12);
        // A 1.5 pi turn is a -0.5 pi turn.
        Eigen::Quaterniond big(Eigen::AngleAxisd(1.5 * kPi, Eigen::Vector3d::UnitZ()));
        CHECK(maxAbs(sim::quaternionToRotationVector(big), Eigen::Vector3d(0, 0, -0.5 * kPi)) <
              1e-12);
        CHECK(sim::quaternionToRotationVector(Eigen::Quaterniond::Identity()).norm() == 0.0);
    }

    TEST_CASE("heading is the yaw of the root's +X axis and its removal zeroes it") {
        Eigen::Quaterniond yaw(Eigen::AngleAxisd(0.8, Eigen::Vector3d::UnitY()));
        Eigen::Quaterniond tilt(Eigen::AngleAxisd(0.3, Eigen::Vector3d::UnitZ()));
        Eigen::Quaterniond root = yaw * tilt;
        CHECK(sim::headingAngle(root) == doctest::Approx(0.8).epsilon(1e-12));
        CHECK(std::abs(sim::headingAngle(sim::headingRemoval(root) * root)) < 1e-12);
    }

    TEST_CASE("kinematics of the DeepMimic walk match DeepMimic's golden samples") {
        if (!test::haveShared("deepmimic/golden/kinematics.json")) {
            return;
        }
        checkGolden(compareWithGolden("humanoid3d_walk.txt", "kinematics.json"));
    }

    TEST_CASE("kinematics of the DeepMimic run match DeepMimic's golden samples") {
        if (!test::haveShared("deepmimic/golden/kinematics_run.json")) {
            return;
        }
        checkGolden(compareWithGolden("humanoid3d_run.txt", "kinematics_run.json"));
    }

}  // TEST_SUITE
