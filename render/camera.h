#pragma once
// An orbit camera around a target point that can follow a moving character.

#include <glm/glm.hpp>

namespace render {

struct Camera {
    glm::vec3 target{0.0f, 0.9f, 0.0f};  // point looked at [m]
    float yaw = 0.0f;         // [rad] about world Y; 0 puts the eye on +Z, seeing the +X-facing
                              // character from its side
    float pitch = 0.2f;       // [rad] elevation of the eye above the target's horizontal plane
    float distance = 4.0f;    // eye to target [m]
    float fovY = 0.7854f;     // vertical field of view [rad]
    float nearPlane = 0.05f;  // [m]
    float farPlane = 200.0f;  // [m]

    // Eye position in world space [m].
    glm::vec3 eye() const;
    // World to view transform.
    glm::mat4 view() const;
    // View to clip transform for a viewport of the given width / height.
    glm::mat4 projection(float aspect) const;

    // Turns the eye around the target by a mouse drag of (dx, dy) pixels.
    void orbit(float dxPixels, float dyPixels);
    // Moves the eye closer (wheel > 0) or farther, by a factor per wheel notch.
    void zoom(float wheelNotches);
    // Moves the target towards `point` with a time constant of `lag` seconds over `dt`
    // seconds; dt <= 0 or lag <= 0 jumps straight there.
    void follow(const glm::vec3& point, float dt, float lag = 0.15f);
};

}  // namespace render
