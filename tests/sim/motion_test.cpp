// Motion clip loading, playback (interpolation, looping) and DeepMimic's reference velocities.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "sim/character.h"
#include "sim/kinematics.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace {

constexpr double kPi = 3.14159265358979323846;

// Root plus one spherical joint and one revolute joint: pose = 7 + 4 + 1 = 12 entries.
const char* kCharacter = R"({"Skeleton": {"Joints": [
    {"ID": 0, "Name": "root", "Type": "none", "Parent": -1},
    {"ID": 1, "Name": "hip", "Type": "spherical", "Parent": 0},
    {"ID": 2, "Name": "knee", "Type": "revolute", "Parent": 1, "AttachY": -0.4}]},
  "BodyDefs": [
    {"Shape": "sphere", "Mass": 1, "Param0": 0.1},
    {"Shape": "sphere", "Mass": 1, "Param0": 0.1},
    {"Shape": "sphere", "Mass": 1, "Param0": 0.1}]})";

sim::Character character() {
    auto loaded = sim::parseCharacter(kCharacter, "leg.txt");
    REQUIRE_MESSAGE(loaded.ok(), loaded.error());
    return std::move(loaded).value();
}

// Three frames 0.05 s apart: root walks +1 m in x and +0.2 m in z per frame, bobs in y, turns
// about Y; the knee bends.
std::string clip(const std::string& loop = "wrap", const std::string& extra = "") {
    return R"({"Loop": ")" + loop + "\"" + extra + R"(, "Frames": [
        [0.05, 0, 1.0, 0,   1, 0, 0, 0,            1, 0, 0, 0,  0.0],
        [0.05, 1, 1.1, 0.2, 0.9238795, 0, 0.3826834, 0,  1, 0, 0, 0,  0.5],
        [0.0, 2, 1.0, 0.4, 0.7071068, 0, 0.7071068, 0,  1, 0, 0, 0,  1.0]]})";
}

sim::Motion motion(const std::string& text) {
    sim::Character leg = character();
    auto loaded = sim::parseMotion(text, "clip.txt", leg);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error());
    return std::move(loaded).value();
}

std::string motionError(const std::string& text) {
    sim::Character leg = character();
    auto loaded = sim::parseMotion(text, "clip.txt", leg);
    REQUIRE_FALSE(loaded.ok());
    return loaded.error();
}

void checkContains(const std::string& text, const std::string& part) {
    CHECK_MESSAGE(text.find(part) != std::string::npos, "message: " << text);
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("motion frames accumulate durations into frame times and normalize quaternions") {
        sim::Motion clipMotion = motion(R"({"Loop": "none", "Frames": [
        [0.025, 0, 1, 0,  2, 0, 0, 0,  0, 0, 0, 3,  0],
        [0.0,  0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0]]})");
        REQUIRE(clipMotion.numFrames() == 2);
        CHECK(clipMotion.frameTimes[1] == 0.025);
        CHECK(clipMotion.duration() == 0.025);
        CHECK(clipMotion.framePoses(0, 3) == 1.0);
        CHECK(clipMotion.framePoses(0, 10) == 1.0);
        CHECK(clipMotion.velocityFilterCutoff == 6.0);
    }

    TEST_CASE("motion loop wrap carries only horizontal root offset") {
        sim::Character leg = character();
        sim::Motion clipMotion = motion(clip());
        Eigen::Vector3d delta = sim::cycleRootDelta(clipMotion);
        CHECK(delta.isApprox(Eigen::Vector3d(2, 0, 0.4)));
        Eigen::VectorXd a(leg.poseSize);
        Eigen::VectorXd b(leg.poseSize);
        for (double t : {0.01, 0.05, 0.077}) {
            sim::samplePose(leg, clipMotion, t, a);
            sim::samplePose(leg, clipMotion, t + clipMotion.duration(), b);
            Eigen::VectorXd difference = b - a;
            CHECK(std::abs(difference[0] - delta.x()) < 1e-12);
            CHECK(difference[1] == 0.0);
            CHECK(std::abs(difference[2] - delta.z()) < 1e-12);
            CHECK(difference.tail(leg.poseSize - 3).cwiseAbs().maxCoeff() < 1e-12);
            // Two cycles back: floor-based cycle count at negative times.
            sim::samplePose(leg, clipMotion, t - 2 * clipMotion.duration(), b);
            CHECK(std::abs(b[0] - (a[0] - 2 * delta.x())) < 1e-12);
        }
        CHECK(sim::cycleCount(clipMotion, -0.1) == -1);
        CHECK(sim::cycleCount(clipMotion, 0.25) == 2);
    }

    TEST_CASE("motion sampling lerps positions and angles and slerps rotations") {
        sim::Character leg = character();
        sim::Motion clipMotion = motion(clip());
        Eigen::VectorXd pose(leg.poseSize);
        sim::samplePose(leg, clipMotion, 0.025, pose);
        CHECK(pose[0] == doctest::Approx(0.5));
        CHECK(pose[1] == doctest::Approx(1.05));
        CHECK(pose[11] == doctest::Approx(0.25));
        // Halfway between identity and 45 degrees about Y is 22.5 degrees about Y.
        Eigen::Quaterniond root(pose[3], pose[4], pose[5], pose[6]);
        Eigen::Quaterniond expected(Eigen::AngleAxisd(kPi / 8, Eigen::Vector3d::UnitY()));
        CHECK(sim::rotationAngle(root * expected.conjugate()) < 1e-6);
        // Frame times hit frames exactly.
        sim::samplePose(leg, clipMotion, 0.05, pose);
        CHECK(pose[0] == 1.0);
    }

    TEST_CASE("non-looping motion clamps to its ends and stands still after the end") {
        sim::Character leg = character();
        sim::Motion clipMotion = motion(clip("none"));
        Eigen::VectorXd pose(leg.poseSize);
        Eigen::VectorXd vel(leg.poseSize);
        sim::samplePose(leg, clipMotion, 5.0, pose);
        CHECK(pose[0] == 2.0);
        sim::samplePose(leg, clipMotion, -1.0, pose);
        CHECK(pose[0] == 0.0);
        sim::sampleVelocity(leg, clipMotion, 5.0, vel);
        CHECK(vel.norm() == 0.0);
        sim::sampleVelocity(leg, clipMotion, 0.03, vel);
        CHECK(vel.norm() > 0.0);
    }

    TEST_CASE("unfiltered frame velocities are DeepMimic's finite differences") {
        sim::Character leg = character();
        sim::Motion clipMotion = motion(clip("wrap", R"(, "VelFilterCutoff": 0)"));
        const Eigen::MatrixXd& v = clipMotion.frameVelocities;
        CHECK(v(0, 0) == doctest::Approx(20.0));  // 1 m in 0.05 s
        CHECK(v(0, 1) == doctest::Approx(2.0));
        // Root turns 45 degrees about world Y in 0.05 s.
        CHECK(v(0, 4) == doctest::Approx(5 * kPi).epsilon(1e-6));
        CHECK(v(0, 6) == 0.0);  // pad
        CHECK(v(0, 11) == doctest::Approx(10.0));
        // The last frame repeats the one before it.
        CHECK(v.row(2) == v.row(1));
    }

    TEST_CASE("filtered velocities of a uniform motion keep the exact constant rate") {
        // The Butterworth passes start from the first sample and have unit DC gain, so a constant
        // velocity survives them unchanged; a wrong coefficient would bend it.
        sim::Character leg = character();
        std::string frames;
        for (int f = 0; f < 12; ++f) {
            frames += (f ? ",\n" : "") + std::string("[") + (f < 11 ? "0.04" : "0") + ", " +
                      std::to_string(0.1 * f) + ", 1, 0,  1, 0, 0, 0,  1, 0, 0, 0, " +
                      std::to_string(-0.05 * f) + "]";
        }
        sim::Motion clipMotion = motion(R"({"Loop": "none", "Frames": [)" + frames + "]}");
        for (int f = 0; f < clipMotion.numFrames(); ++f) {
            CHECK(clipMotion.frameVelocities(f, 0) == doctest::Approx(2.5).epsilon(1e-9));
            CHECK(clipMotion.frameVelocities(f, 11) == doctest::Approx(-1.25).epsilon(1e-9));
        }
    }

    TEST_CASE("a one-frame clip is a constant pose with zero velocity") {
        sim::Character leg = character();
        sim::Motion clipMotion = motion(R"({"Loop": "wrap", "Frames": [
        [0, 0.5, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0.3]]})");
        Eigen::VectorXd pose(leg.poseSize);
        Eigen::VectorXd vel(leg.poseSize);
        for (double t : {-1.0, 0.0, 3.7}) {
            sim::samplePose(leg, clipMotion, t, pose);
            sim::sampleVelocity(leg, clipMotion, t, vel);
            CHECK(pose[0] == 0.5);
            CHECK(pose[11] == 0.3);
            CHECK(vel.norm() == 0.0);
        }
    }

    TEST_CASE("motion loader names the frame and the counts of a short row") {
        std::string error = motionError(R"({"Loop": "wrap", "Frames": [
        [0.5, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0],
        [0.0, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0]]})");
        checkContains(error,
                      "clip.txt: Frames[1]: must be an array of 13 numbers (duration + 12 pose "
                      "entries for leg.txt), found 12 numbers");
    }

    TEST_CASE("motion loader refuses non-numbers, huge values and bad durations by entry") {
        std::string text = motionError(R"({"Loop": "wrap", "Frames": [
        [0.5, 0, 1, 0,  1, 0, 0, 0,  1, 0, "x", 0,  0],
        [0.0, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0]]})");
        checkContains(text,
                      "clip.txt: Frames[0]: entry 10 (hip rotation y) must be a finite number");
        checkContains(text, "found \"x\"");
        std::string huge = motionError(R"({"Loop": "wrap", "Frames": [
        [0.5, 1e300, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0],
        [0.0, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0]]})");
        checkContains(huge,
                      "Frames[0]: entry 1 (root position x) must be a finite number of "
                      "magnitude at most 1e9, found 1e+300");
        std::string negative = motionError(R"({"Loop": "wrap", "Frames": [
        [-0.5, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0],
        [0.0, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0]]})");
        checkContains(negative, "Frames[0]: entry 0 (duration) must be positive [s], found -0.5");
    }

    TEST_CASE("motion loader refuses zero quaternions, mirror loops and empty clips") {
        std::string zero = motionError(R"({"Loop": "wrap", "Frames": [
        [0.5, 0, 1, 0,  1, 0, 0, 0,  0, 0, 0, 0,  0],
        [0.0, 0, 1, 0,  1, 0, 0, 0,  1, 0, 0, 0,  0]]})");
        checkContains(zero,
                      "Frames[0]: entries 8..11 (hip rotation w..z) must be a non-zero "
                      "quaternion");
        std::string mirror = motionError(clip("mirror"));
        checkContains(mirror,
                      "clip.txt: field \"Loop\" must be \"wrap\" or \"none\" (\"mirror\" is "
                      "valid in DeepMimic but not supported by charsim), found \"mirror\"");
        std::string empty = motionError(R"({"Loop": "wrap", "Frames": []})");
        checkContains(empty, "clip.txt: Frames: must hold at least 1 frame, found an empty array");
        std::string missing = motionError(R"({"Loop": "wrap"})");
        checkContains(missing, "clip.txt: field \"Frames\" must be an array, found nothing");
        std::string badJson = motionError("{\"Loop\": wrap}");
        checkContains(badJson, "clip.txt: not valid JSON at line 1");
    }

    TEST_CASE("DeepMimic walk loads with 39 frames, 1.2666 s and a 1.23859 m cycle offset") {
        if (!test::haveShared("deepmimic/motions/humanoid3d_walk.txt")) {
            return;
        }
        auto leg = sim::loadCharacter(test::sharedPath("deepmimic/characters/humanoid3d.txt"));
        REQUIRE(leg.ok());
        auto walk =
            sim::loadMotion(test::sharedPath("deepmimic/motions/humanoid3d_walk.txt"), *leg);
        REQUIRE_MESSAGE(walk.ok(), walk.error());
        CHECK(walk->numFrames() == 39);
        CHECK(walk->loop == sim::LoopMode::Wrap);
        CHECK(walk->duration() == doctest::Approx(1.266616));
        CHECK(sim::cycleRootDelta(*walk).isApprox(Eigen::Vector3d(1.23859, 0, 0)));
        auto missing = sim::loadMotion("/nonexistent/walk.txt", *leg);
        REQUIRE_FALSE(missing.ok());
        checkContains(missing.error(), "/nonexistent/walk.txt: cannot open motion file");
    }

}  // TEST_SUITE
