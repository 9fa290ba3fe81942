#include "render/camera.h"

#include <glm/gtc/matrix_transform.hpp>

#include <algorithm>
#include <cmath>

namespace render {

namespace {
constexpr float kOrbitRadiansPerPixel = 0.008f;
constexpr float kZoomPerNotch = 0.9f;
// Short of straight up or down, where lookAt's up vector would degenerate.
constexpr float kPitchLimit = 1.45f;
constexpr float kMinDistance = 0.5f;
constexpr float kMaxDistance = 50.0f;
}  // namespace

glm::vec3 Camera::eye() const {
    const float horizontal = distance * std::cos(pitch);
    return target + glm::vec3(horizontal * std::sin(yaw), distance * std::sin(pitch),
                              horizontal * std::cos(yaw));
}

glm::mat4 Camera::view() const {
    return glm::lookAt(eye(), target, glm::vec3(0.0f, 1.0f, 0.0f));
}

glm::mat4 Camera::projection(float aspect) const {
    return glm::perspective(fovY, std::max(aspect, 1e-3f), nearPlane, farPlane);
}

void Camera::orbit(float dxPixels, float dyPixels) {
    // Dragging right swings the eye left around the target, as in most 3D viewers.
    yaw -= dxPixels * kOrbitRadiansPerPixel;
    pitch = std::clamp(pitch + dyPixels * kOrbitRadiansPerPixel, -kPitchLimit, kPitchLimit);
}

void Camera::zoom(float wheelNotches) {
    distance =
        std::clamp(distance * std::pow(kZoomPerNotch, wheelNotches), kMinDistance, kMaxDistance);
}

void Camera::follow(const glm::vec3& point, float dt, float lag) {
    if (dt <= 0.0f || lag <= 0.0f) {
        target = point;
        return;
    }
    // Exponential smoothing, exact for any dt, so the result does not depend on frame rate.
    const float keep = std::exp(-dt / lag);
    target = point + (target - point) * keep;
}

}  // namespace render
