// The Bullet world and stable PD against closed-form answers: free fall, a PD-driven hinge, a
// pushed pair of links, and bitwise determinism of the whole imitation loop.

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "sim/action_layout.h"
#include "sim/controller_config.h"
#include "sim/imitation_env.h"
#include "sim/kinematics.h"
#include "sim/physics_world.h"
#include "sim/stable_pd.h"
#include "tests/test_support.h"

namespace {

// A single sphere of radius 0.1 m and 2 kg: the floating root alone.
const char* kBall = R"({"Skeleton": {"Joints": [
    {"ID": 0, "Name": "root", "Type": "none", "Parent": -1}]},
  "BodyDefs": [{"ID": 0, "Shape": "sphere", "Mass": 2, "Param0": 0.2}]})";

// A root box with a capsule on a hinge about Z, hanging along -Y.
const char* kHinge = R"({"Skeleton": {"Joints": [
    {"ID": 0, "Name": "root", "Type": "none", "Parent": -1},
    {"ID": 1, "Name": "elbow", "Type": "revolute", "Parent": 0, "AttachY": -0.1,
     "LimLow0": -3, "LimHigh0": 3, "TorqueLim": 100}]},
  "BodyDefs": [
    {"ID": 0, "Shape": "box", "Mass": 5, "Param0": 0.2, "Param1": 0.2, "Param2": 0.2},
    {"ID": 1, "Shape": "capsule", "Mass": 1, "Param0": 0.08, "Param1": 0.2, "AttachY": -0.15}]})";

const char* kHingeGains = R"({"PDControllers": [
    {"ID": 0, "Kp": 0, "Kd": 0}, {"ID": 1, "Kp": 300, "Kd": 30}]})";

sim::Character parse(const char* text) {
    auto character = sim::parseCharacter(text, "inline");
    REQUIRE_MESSAGE(character.ok(), (character.ok() ? "" : character.error()));
    return std::move(character).value();
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("a body in free fall drops g t^2 / 2 and gains speed g t") {
        const sim::Character ball = parse(kBall);
        for (double scale : {1.0, 4.0}) {
            sim::PhysicsSettings settings;
            settings.worldScale = scale;
            sim::PhysicsWorld world(ball, settings);
            Eigen::VectorXd pose = Eigen::VectorXd::Zero(ball.poseSize);
            Eigen::VectorXd velocity = Eigen::VectorXd::Zero(ball.poseSize);
            pose << 0, 20, 0, 1, 0, 0, 0;
            world.setState(pose, velocity);
            const double dt = 1.0 / 600.0;
            const int updates = 600;  // 1 s
            for (int i = 0; i < updates; ++i) {
                world.step(dt, 2);
            }
            world.readState(pose, velocity);
            const double t = updates * dt;
            const double g = settings.gravity;
            // Symplectic Euler falls ahead of the exact curve by g h t / 2 (h = 1/1200 s).
            const double h = dt / 2;
            CHECK(pose[1] == doctest::Approx(20 - 0.5 * g * t * t - 0.5 * g * h * t).epsilon(1e-5));
            CHECK(std::abs(pose[1] - (20 - 0.5 * g * t * t)) < 0.005);
            CHECK(velocity[1] == doctest::Approx(-g * t).epsilon(1e-5));
            CHECK(std::abs(pose[0]) < 1e-9);
            CHECK(std::abs(pose[2]) < 1e-9);
        }
    }

    TEST_CASE("stable PD drives a hinge to its target and holds it") {
        const sim::Character character = parse(kHinge);
        auto gains = sim::parseControllerConfig(kHingeGains, "inline", character);
        REQUIRE_MESSAGE(gains.ok(), (gains.ok() ? "" : gains.error()));
        sim::PhysicsSettings settings;
        settings.gravity = 0;  // weightless, so the only torque is the PD's
        sim::RigidBodyModelOptions model;
        model.gravity = 0;
        sim::PhysicsWorld world(character, settings);
        sim::StablePdController pd(character, *gains, model);

        Eigen::VectorXd pose = Eigen::VectorXd::Zero(character.poseSize);
        Eigen::VectorXd velocity = Eigen::VectorXd::Zero(character.poseSize);
        pose[1] = 2;  // well above the ground
        pose[3] = 1;
        world.setState(pose, velocity);
        const int hinge = character.paramOffset[1];
        Eigen::VectorXd target = pose;
        target[hinge] = 1.0;
        pd.setTargetPose(target);

        Eigen::VectorXd torques(character.poseSize);
        double largestAngle = 0;
        for (int i = 0; i < 600; ++i) {  // 1 s at 600 Hz
            world.readState(pose, velocity);
            pd.computeTorques(pose, velocity, 1.0 / 600.0, torques);
            pd.clampTorques(torques);
            world.applyJointTorques(torques);
            world.step(1.0 / 600.0, 2);
            largestAngle = std::max(largestAngle, pose[hinge]);
        }
        world.readState(pose, velocity);
        // Kp 300 and Kd 30 on a light link are overdamped: no overshoot, settled within 1 s.
        CHECK(pose[hinge] == doctest::Approx(1.0).epsilon(0.01));
        CHECK(std::abs(velocity[hinge]) < 0.05);
        CHECK(largestAngle < 1.02);
    }

    TEST_CASE("a push on one body accelerates the centre of mass by F / M, joints and all") {
        const sim::Character hinge = parse(kHinge);
        for (double scale : {1.0, 4.0}) {
            CAPTURE(scale);
            sim::PhysicsSettings settings;
            settings.worldScale = scale;
            settings.gravity = 0;
            sim::PhysicsWorld world(hinge, settings);
            Eigen::VectorXd pose = Eigen::VectorXd::Zero(hinge.poseSize);
            Eigen::VectorXd velocity = Eigen::VectorXd::Zero(hinge.poseSize);
            pose[1] = 20;  // far above the ground
            pose[3] = 1;   // identity root rotation
            world.setState(pose, velocity);
            // 12 N along +x on the capsule, off the centre of mass: the pair also spins, but
            // the internal joint forces cancel and the centre of mass moves as a point would.
            const Eigen::Vector3d force(12, 0, 0);
            const double dt = 1.0 / 600.0, seconds = 0.5;
            for (int i = 0; i < 300; ++i) {
                world.applyBodyForce(1, force);
                world.step(dt, 2);
            }
            world.readState(pose, velocity);
            sim::KinematicFrames frames;
            sim::BodyVelocities bodies;
            sim::forwardKinematics(hinge, pose, frames);
            sim::bodyVelocities(hinge, pose, velocity, frames, bodies);
            const Eigen::Vector3d comVelocity = sim::centerOfMassVelocity(hinge, bodies);
            const double expected = force.x() / 6.0 * seconds;  // 1 m/s
            // Within 0.2 %: Bullet integrates the spinning pair in float32, semi-implicitly
            // (measured 5e-4 along x, 9e-4 m/s across).
            CHECK(comVelocity.x() == doctest::Approx(expected).epsilon(2e-3));
            CHECK(std::abs(comVelocity.y()) < 2e-3);
            CHECK(std::abs(comVelocity.z()) < 2e-3);
            CHECK(std::abs(velocity[hinge.paramOffset[1]]) > 0.1);  // it did spin the hinge
        }
    }

    TEST_CASE("two runs with one seed give bitwise-identical states after 2 s") {
        if (!test::haveShared("deepmimic/characters/humanoid3d.txt")) {
            return;
        }
        auto character =
            sim::loadCharacter(test::sharedPath("deepmimic/characters/humanoid3d.txt"));
        REQUIRE(character.ok());
        auto gains = sim::loadControllerConfig(
            test::sharedPath("deepmimic/controllers/deepmimic_2018/humanoid3d_ctrl.txt"),
            *character);
        auto motion =
            sim::loadMotion(test::sharedPath("deepmimic/motions/humanoid3d_walk.txt"), *character);
        REQUIRE(gains.ok());
        REQUIRE(motion.ok());

        auto run = [&](double startTime) {
            sim::EnvSettings settings;
            settings.fallContactBodies = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14};
            auto env = sim::ImitationEnv::create(*character, *gains, *motion, settings);
            REQUIRE(env.ok());
            (*env)->reset(startTime);
            Eigen::VectorXd action((*env)->actionSize());
            Eigen::VectorXd state((*env)->stateSize());
            for (int step = 0; step < 60; ++step) {  // 2 s
                (*env)->referenceAction(action);
                (*env)->setAction(action);
                if ((*env)->step().end != sim::EpisodeEnd::None) {
                    (*env)->reset(startTime);
                }
            }
            (*env)->observe(state);
            return state;
        };
        const Eigen::VectorXd first = run(0.3);
        const Eigen::VectorXd second = run(0.3);
        const Eigen::VectorXd other = run(0.4);
        CHECK(std::memcmp(first.data(), second.data(), sizeof(double) * first.size()) == 0);
        CHECK((first - other).cwiseAbs().maxCoeff() > 1e-3);  // the comparison can fail
    }

}  // TEST_SUITE

TEST_SUITE("sim") {
    TEST_CASE("a non-finite action ends the episode as invalid and never reaches Bullet") {
        if (!test::haveShared("deepmimic/characters/humanoid3d.txt")) {
            return;
        }
        auto character =
            sim::loadCharacter(test::sharedPath("deepmimic/characters/humanoid3d.txt"));
        auto gains = sim::loadControllerConfig(
            test::sharedPath("deepmimic/controllers/deepmimic_2018/humanoid3d_ctrl.txt"),
            *character);
        auto motion =
            sim::loadMotion(test::sharedPath("deepmimic/motions/humanoid3d_walk.txt"), *character);
        REQUIRE((character.ok() && gains.ok() && motion.ok()));
        auto env = sim::ImitationEnv::create(*character, *gains, *motion, {});
        REQUIRE(env.ok());
        (*env)->reset(0.2);
        const Eigen::VectorXd before = (*env)->simulated().pose;
        Eigen::VectorXd action((*env)->actionSize());
        (*env)->referenceAction(action);
        action[3] = std::nan("");
        (*env)->setAction(action);
        CHECK(((*env)->step().end == sim::EpisodeEnd::Invalid));
        CHECK((*env)->simulated().pose.allFinite());
        CHECK(((*env)->simulated().pose - before).cwiseAbs().maxCoeff() == 0.0);
        // The next episode runs normally.
        (*env)->reset(0.2);
        (*env)->referenceAction(action);
        (*env)->setAction(action);
        CHECK(((*env)->step().end == sim::EpisodeEnd::None));
    }

}  // TEST_SUITE
