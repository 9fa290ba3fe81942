#include <doctest/doctest.h>

#include <Eigen/Geometry>

#include <vector>

#include "render/character_scene.h"

namespace {

struct Placement {
    Eigen::Vector3d position;
    Eigen::Quaterniond rotation;
};

sim::Character twoBodies() {
    sim::Character character;
    sim::BodyDef capsule;
    capsule.shape = sim::ShapeType::Capsule;
    capsule.param = {0.1, 0.4, 0};
    capsule.color = {0.2, 0.4, 0.8, 1.0};
    sim::BodyDef box;
    box.shape = sim::ShapeType::Box;
    box.param = {0.2, 0.05, 0.1};
    box.color = {1.0, 0.0, 0.0, 0.5};
    character.bodies = {capsule, box};
    return character;
}

}  // namespace

TEST_SUITE("render") {
    TEST_CASE("character bodies become items with their shape, size, colour and placement") {
        const sim::Character character = twoBodies();
        const Eigen::Quaterniond turn(Eigen::AngleAxisd(0.5, Eigen::Vector3d::UnitZ()));
        const std::vector<Placement> placements = {{{1, 2, 3}, turn},
                                                   {{0, 0.05, 0}, Eigen::Quaterniond::Identity()}};
        render::Scene scene;
        render::appendCharacter(scene, character, placements, render::CharacterStyle{});
        REQUIRE(scene.items.size() == 2);
        const render::ShapeItem& first = scene.items[0];
        CHECK((first.shape == sim::ShapeType::Capsule));  // sim::toString confuses doctest
        CHECK(first.param.y == doctest::Approx(0.4f));
        CHECK(first.position.z == doctest::Approx(3.0f));
        CHECK(first.rotation.w == doctest::Approx(static_cast<float>(turn.w())));
        CHECK(first.rotation.z == doctest::Approx(static_cast<float>(turn.z())));
        CHECK(first.color.b == doctest::Approx(0.8f));
        CHECK((scene.items[1].shape == sim::ShapeType::Box));
        CHECK(scene.items[1].color.a == doctest::Approx(0.5f));
    }

    TEST_CASE("a push arrow ends at the body and runs back along the force, as long as asked") {
        render::Scene scene;
        const Eigen::Vector3d tip(1, 1, 0), vector(0, 0, 0.6);  // pushing along +z
        render::appendArrow(scene, tip, vector, 0.04, glm::vec4(1, 0, 0, 1));
        REQUIRE(scene.items.size() == 1);
        const render::ShapeItem& arrow = scene.items[0];
        CHECK((arrow.shape == sim::ShapeType::Capsule));
        CHECK(arrow.param.x == doctest::Approx(0.04f));
        CHECK(arrow.param.y + arrow.param.x == doctest::Approx(0.6f));  // cylinder + two caps
        CHECK(arrow.position.z == doctest::Approx(-0.3f));  // its middle, behind the body
        // The capsule's local +Y axis turned onto +z.
        const glm::vec3 axis = arrow.rotation * glm::vec3(0, 1, 0);
        CHECK(axis.z == doctest::Approx(1.0f));
        CHECK(std::abs(axis.x) < 1e-6f);
        render::appendArrow(scene, tip, Eigen::Vector3d::Zero(), 0.04, glm::vec4(1));
        CHECK(scene.items.size() == 1);  // no push, no arrow
    }

    TEST_CASE("the reference style makes every body translucent and tints it") {
        const sim::Character character = twoBodies();
        const std::vector<Placement> placements(2, {{0, 1, 0}, Eigen::Quaterniond::Identity()});
        render::Scene scene;
        const render::CharacterStyle style = render::referenceStyle();
        render::appendCharacter(scene, character, placements, style);
        REQUIRE(scene.items.size() == 2);
        CHECK(scene.items[0].color.a < 1.0f);
        CHECK(scene.items[0].color.a == doctest::Approx(style.alpha));
        CHECK(scene.items[1].color.a == doctest::Approx(0.5f * style.alpha));
        CHECK(scene.items[0].color.r > 0.2f);  // pulled towards the warm tint
    }

    TEST_CASE("a snapshot shorter than the body list draws only the bodies it places") {
        const sim::Character character = twoBodies();
        const std::vector<Placement> one = {{{0, 1, 0}, Eigen::Quaterniond::Identity()}};
        render::Scene scene;
        render::appendCharacter(scene, character, one, render::CharacterStyle{});
        CHECK(scene.items.size() == 1);
    }

}  // TEST_SUITE
