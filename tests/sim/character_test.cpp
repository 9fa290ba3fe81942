// Character and controller file loading: layouts derived from DeepMimic's humanoid, defaults, and
// the error messages a person fixing a broken file would read.

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "sim/character.h"
#include "sim/controller_config.h"
#include "tests/test_support.h"

namespace {

// A three-joint character (root, spherical, revolute) with one body per joint; `jointExtra`
// replaces the knee's fields and `bodyExtra` the knee body's, to break one thing at a time.
std::string smallCharacter(const std::string& kneeFields = R"("Type": "revolute", "Parent": 1)",
                           const std::string& kneeBody = R"("Shape": "capsule", "Mass": 3,
                               "Param0": 0.1, "Param1": 0.3)") {
    return R"({"Skeleton": {"Joints": [
        {"ID": 0, "Name": "root", "Type": "none", "Parent": -1, "AttachY": 5},
        {"ID": 1, "Name": "hip", "Type": "spherical", "Parent": 0, "AttachZ": 0.1,
         "TorqueLim": 200, "LimLow0": -1.2, "LimHigh0": 1.2},
        {"ID": 2, "Name": "knee", )" +
           kneeFields + R"(, "AttachY": -0.4}
      ]},
      "BodyDefs": [
        {"ID": 0, "Shape": "sphere", "Mass": 6, "Param0": 0.18},
        {"ID": 1, "Shape": "box", "Mass": 4.5, "Param0": 0.1, "Param1": 0.2, "Param2": 0.3},
        {"ID": 2, )" +
           kneeBody + R"(}
      ]})";
}

std::string loadError(const std::string& text) {
    auto character = sim::parseCharacter(text, "humanoid.txt");
    REQUIRE_FALSE(character.ok());
    return character.error();
}

// Checks that an error message holds `part`, printing the whole message when it does not.
void checkContains(const std::string& text, const std::string& part) {
    CHECK_MESSAGE(text.find(part) != std::string::npos, "message: " << text);
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("humanoid3d layouts match DeepMimic: pose 43, dofs 34, state 197, action 36") {
        if (!test::haveShared("deepmimic/characters/humanoid3d.txt")) {
            return;
        }
        auto character =
            sim::loadCharacter(test::sharedPath("deepmimic/characters/humanoid3d.txt"));
        REQUIRE_MESSAGE(character.ok(), character.error());
        CHECK(character->numJoints() == 15);
        CHECK(character->poseSize == 43);
        CHECK(character->dofCount == 34);
        CHECK(character->drawShapes.size() == 29);
        CHECK(character->totalMass() == doctest::Approx(45.0));

        int spherical = 0;
        int revolute = 0;
        for (const sim::JointDef& joint : character->joints) {
            spherical += joint.type == sim::JointType::Spherical ? 1 : 0;
            revolute += joint.type == sim::JointType::Revolute ? 1 : 0;
        }
        // State: phase + root height + 15 bodies * (pos 3 + quat 4 + linvel 3 + angvel 3).
        CHECK(2 + 13 * static_cast<int>(character->bodies.size()) == 197);
        // Action: axis-angle (4) per spherical joint, one angle per revolute joint.
        CHECK(4 * spherical + revolute == 36);

        // DeepMimic's pose offsets (golden/kinematics.json header).
        const int offsets[15] = {0, 7, 11, 15, 19, 20, 24, 28, 29, 29, 33, 34, 38, 42, 43};
        for (int j = 0; j < 15; ++j) {
            CHECK(character->paramOffset[j] == offsets[j]);
        }
        CHECK(character->joints[4].name == "right_knee");
        CHECK(character->joints[4].parent == 3);
        CHECK(character->joints[4].attach.y() == doctest::Approx(-0.421546));
        CHECK(character->joints[5].isEndEffector);
        // The wrists have no TorqueLim in the file: DeepMimic's default is unlimited.
        CHECK(std::isinf(character->joints[8].torqueLimit));
        CHECK(std::string(sim::toString(character->joints[8].type)) == "fixed");
        CHECK(std::string(sim::toString(character->bodies[5].shape)) == "box");
        CHECK(character->bodies[5].attach.x() == doctest::Approx(0.045));
    }

    TEST_CASE("missing joint fields take DeepMimic's defaults and the root attach is forced to 0") {
        auto character = sim::parseCharacter(smallCharacter(), "small.txt");
        REQUIRE_MESSAGE(character.ok(), character.error());
        const sim::JointDef& knee = character->joints[2];
        CHECK(knee.limitLow.x() == 1.0);  // low > high: no limit
        CHECK(knee.limitHigh.x() == 0.0);
        CHECK(std::isinf(knee.torqueLimit));
        CHECK(knee.diffWeight == 1.0);
        CHECK_FALSE(knee.isEndEffector);
        CHECK(character->joints[0].attach.norm() == 0.0);
        CHECK(character->poseSize == 7 + 4 + 1);
        CHECK(character->dofCount == 6 + 3 + 1);
        CHECK(character->dofOffset[2] == 9);
        CHECK(sim::shapeHalfExtents(sim::ShapeType::Capsule, character->bodies[2].param)
                  .isApprox(Eigen::Vector3d(0.05, 0.2, 0.05)));
    }

    TEST_CASE("character loader names the file and line of bad JSON") {
        std::string error = loadError("{\"Skeleton\": {\"Joints\": [\n  {\"ID\": 0,,}]}}");
        checkContains(error, "humanoid.txt: not valid JSON at line 2");
    }

    TEST_CASE("character loader reports a missing file by path") {
        auto character = sim::loadCharacter("/nonexistent/humanoid.txt");
        REQUIRE_FALSE(character.ok());
        checkContains(character.error(), "/nonexistent/humanoid.txt: cannot open character file");
    }

    TEST_CASE("character loader names the entry and field of a wrongly typed parent") {
        std::string error = loadError(smallCharacter(R"("Type": "revolute", "Parent": "abc")"));
        CHECK(error ==
              "humanoid.txt: Skeleton.Joints[2] (\"knee\"): field \"Parent\" must be an "
              "integer joint index below 2, found \"abc\"");
    }

    TEST_CASE("character loader refuses a parent that is not an earlier joint") {
        std::string error = loadError(smallCharacter(R"("Type": "revolute", "Parent": 2)"));
        checkContains(error,
                      "Skeleton.Joints[2] (\"knee\"): field \"Parent\" must be an integer "
                      "joint index below 2, found 2");
    }

    TEST_CASE("character loader refuses a missing parent on a non-root joint") {
        std::string error = loadError(smallCharacter(R"("Type": "revolute")"));
        checkContains(error,
                      "field \"Parent\" must be an integer joint index below 2, found "
                      "nothing (the field is missing)");
    }

    TEST_CASE("character loader refuses unknown and unsupported joint types") {
        std::string unknown = loadError(smallCharacter(R"("Type": "hinge", "Parent": 1)"));
        checkContains(unknown,
                      "Skeleton.Joints[2] (\"knee\"): field \"Type\" must be one of "
                      "\"none\", \"revolute\", \"spherical\", \"fixed\"");
        checkContains(unknown, "found \"hinge\"");
        std::string planar = loadError(smallCharacter(R"("Type": "planar", "Parent": 1)"));
        checkContains(planar, "\"planar\" is valid in DeepMimic but not supported by charsim");
    }

    TEST_CASE("character loader refuses a root that is not joint 0 of type none") {
        std::string error = loadError(smallCharacter(R"("Type": "none", "Parent": 1)"));
        checkContains(error, "Skeleton.Joints[2] (\"knee\"): field \"Type\" must be \"revolute\"");
    }

    TEST_CASE("character loader refuses huge and non-numeric values with the field named") {
        std::string huge = loadError(smallCharacter(R"("Type": "revolute", "Parent": 1,
                                                  "AttachX": 1e300)"));
        checkContains(huge,
                      "Skeleton.Joints[2] (\"knee\"): field \"AttachX\" must be a finite "
                      "number of magnitude at most 1e9, found 1e+300");
        std::string overflow = loadError(smallCharacter(R"("Type": "revolute", "Parent": 1,
                                                      "AttachX": 1e999)"));
        checkContains(overflow, "humanoid.txt: not valid JSON");
        std::string text = loadError(smallCharacter(R"("Type": "revolute", "Parent": 1,
                                                  "DiffWeight": [1])"));
        checkContains(text, "field \"DiffWeight\" must be a number, found [1]");
    }

    TEST_CASE("character loader refuses bodies with missing mass, bad shapes or bad sizes") {
        std::string mass = loadError(smallCharacter(R"("Type": "revolute", "Parent": 1)",
                                                    R"("Shape": "sphere", "Param0": 0.1)"));
        checkContains(mass, "BodyDefs[2]: field \"Mass\" must be a number, found nothing");
        std::string negative =
            loadError(smallCharacter(R"("Type": "revolute", "Parent": 1)",
                                     R"("Shape": "sphere", "Mass": -1, "Param0": 0.1)"));
        checkContains(negative,
                      "BodyDefs[2]: field \"Mass\" must be a positive mass [kg], found -1");
        std::string cylinder =
            loadError(smallCharacter(R"("Type": "revolute", "Parent": 1)",
                                     R"("Shape": "cylinder", "Mass": 1, "Param0": 1)"));
        checkContains(cylinder, "field \"Shape\" must be one of \"sphere\", \"capsule\", \"box\"");
        std::string size = loadError(smallCharacter(
            R"("Type": "revolute", "Parent": 1)", R"("Shape": "sphere", "Mass": 1, "Param0": 0)"));
        checkContains(size,
                      "BodyDefs[2]: field \"Param0\" must be a positive sphere size [m], "
                      "found 0");
    }

    TEST_CASE("character loader refuses a body count that differs from the joint count") {
        std::string text = smallCharacter();
        std::string shortened = text.substr(0, text.rfind(",\n        {\"ID\": 2")) + "]}";
        std::string error = loadError(shortened);
        checkContains(error, "humanoid.txt: BodyDefs: must hold one entry per joint (3), found 2");
    }

    TEST_CASE("character loader refuses an ID that differs from the array index") {
        std::string text = smallCharacter();
        text.replace(text.find("\"ID\": 2, \"Name\""), 7, "\"ID\": 7");
        std::string error = loadError(text);
        checkContains(error,
                      "Skeleton.Joints[2] (\"knee\"): field \"ID\" must be the entry's array "
                      "index 2, found 7");
    }

    TEST_CASE("controller config gives unlisted joints zero gains and reads the flags") {
        auto character = sim::parseCharacter(smallCharacter(), "small.txt");
        REQUIRE(character.ok());
        auto config = sim::parseControllerConfig(R"({"UpdateRate": 60, "EnablePhaseInput": false,
        "RecordWorldRootRot": 0, "PDControllers": [{"ID": 2, "Kp": 500, "Kd": 50}]})",
                                                 "ctrl.txt", *character);
        REQUIRE_MESSAGE(config.ok(), config.error());
        CHECK(config->kp[2] == 500);
        CHECK(config->kd[2] == 50);
        CHECK(config->kp[1] == 0);
        CHECK(config->kd[0] == 0);
        CHECK_FALSE(config->enablePhaseInput);
        CHECK_FALSE(config->recordWorldRootRot);
        CHECK(config->queryRate == 30);  // UpdateRate is ignored, as in DeepMimic
    }

    TEST_CASE("controller config refuses unknown joint IDs and negative gains") {
        auto character = sim::parseCharacter(smallCharacter(), "small.txt");
        REQUIRE(character.ok());
        auto unknown = sim::parseControllerConfig(
            R"({"PDControllers": [{"ID": 9, "Name": "tail", "Kp": 1, "Kd": 1}]})", "ctrl.txt",
            *character);
        REQUIRE_FALSE(unknown.ok());
        CHECK(unknown.error() ==
              "ctrl.txt: PDControllers[0] (\"tail\"): field \"ID\" must be an "
              "integer joint index in [0, 2], found 9");
        auto negative = sim::parseControllerConfig(
            R"({"PDControllers": [{"ID": 1, "Kp": -5, "Kd": 1}]})", "ctrl.txt", *character);
        REQUIRE_FALSE(negative.ok());
        checkContains(negative.error(), "field \"Kp\" must be a non-negative gain, found -5");
    }

    TEST_CASE("controller config reads DeepMimic's 2018 humanoid gains") {
        if (!test::haveShared("deepmimic/controllers/deepmimic_2018/humanoid3d_ctrl.txt")) {
            return;
        }
        auto character =
            sim::loadCharacter(test::sharedPath("deepmimic/characters/humanoid3d.txt"));
        REQUIRE(character.ok());
        auto config = sim::loadControllerConfig(
            test::sharedPath("deepmimic/controllers/deepmimic_2018/humanoid3d_ctrl.txt"),
            *character);
        REQUIRE_MESSAGE(config.ok(), config.error());
        CHECK(config->kp[1] == 1000);
        CHECK(config->kd[1] == 100);
        CHECK(config->kp[7] == 300);
        CHECK(config->kp[8] == 0);
        CHECK(config->enablePhaseInput);
        CHECK_FALSE(config->recordWorldRootPos);
        CHECK(config->recordWorldRootRot);
        CHECK(config->queryRate == 30);
    }

}  // TEST_SUITE
