#include <doctest/doctest.h>

#include <glm/glm.hpp>

#include <cmath>

#include "render/camera.h"

TEST_SUITE("render") {
    TEST_CASE("default camera sees the character from its side at the set distance") {
        render::Camera camera;
        camera.pitch = 0.0f;
        const glm::vec3 eye = camera.eye();
        // The character faces +X, so a side view puts the eye on +Z at the target's height.
        CHECK(eye.x == doctest::Approx(camera.target.x));
        CHECK(eye.y == doctest::Approx(camera.target.y));
        CHECK(eye.z == doctest::Approx(camera.target.z + camera.distance));
        // The view transform maps the target straight ahead onto the -Z axis.
        const glm::vec4 ahead = camera.view() * glm::vec4(camera.target, 1.0f);
        CHECK(ahead.x == doctest::Approx(0.0f).epsilon(1e-5));
        CHECK(ahead.y == doctest::Approx(0.0f).epsilon(1e-5));
        CHECK(ahead.z == doctest::Approx(-camera.distance));
    }

    TEST_CASE("orbit keeps the eye at the same distance and clamps the pitch") {
        render::Camera camera;
        camera.orbit(120.0f, -40.0f);
        CHECK(glm::length(camera.eye() - camera.target) == doctest::Approx(camera.distance));
        camera.orbit(0.0f, 100000.0f);
        CHECK(camera.pitch < 1.5708f);
        camera.orbit(0.0f, -200000.0f);
        CHECK(camera.pitch > -1.5708f);
    }

    TEST_CASE("zoom in shortens the distance and stays within limits") {
        render::Camera camera;
        const float before = camera.distance;
        camera.zoom(1.0f);
        CHECK(camera.distance < before);
        camera.zoom(-1000.0f);
        CHECK(camera.distance <= 50.0f);
        camera.zoom(1000.0f);
        CHECK(camera.distance >= 0.5f);
    }

    TEST_CASE("follow closes the gap exponentially and the same way at any frame rate") {
        render::Camera once, often;
        const glm::vec3 point(2.0f, 1.0f, -1.0f);
        once.follow(point, 0.3f, 0.15f);
        for (int i = 0; i < 30; ++i) {
            often.follow(point, 0.01f, 0.15f);
        }
        CHECK(once.target.x == doctest::Approx(often.target.x).epsilon(1e-4));
        // After two time constants 1 - e^-2 of the gap is closed.
        const float closed = (once.target.x - 0.0f) / 2.0f;
        CHECK(closed == doctest::Approx(1.0f - std::exp(-2.0f)).epsilon(1e-4));
        render::Camera snap;
        snap.follow(point, 0.0f);
        CHECK(snap.target == point);
    }

}  // TEST_SUITE
