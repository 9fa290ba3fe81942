#include "render/character_scene.h"

#include <cmath>

namespace render {

void appendBody(Scene& scene, const sim::BodyDef& body, const Eigen::Vector3d& position,
                const Eigen::Quaterniond& rotation, const CharacterStyle& style) {
    ShapeItem item;
    item.shape = body.shape;
    item.param = glm::vec3(static_cast<float>(body.param.x()), static_cast<float>(body.param.y()),
                           static_cast<float>(body.param.z()));
    item.position = glm::vec3(static_cast<float>(position.x()), static_cast<float>(position.y()),
                              static_cast<float>(position.z()));
    const Eigen::Quaterniond q = rotation.normalized();
    item.rotation = glm::quat(static_cast<float>(q.w()), static_cast<float>(q.x()),
                              static_cast<float>(q.y()), static_cast<float>(q.z()));
    const glm::vec3 base(static_cast<float>(body.color.x()), static_cast<float>(body.color.y()),
                         static_cast<float>(body.color.z()));
    item.color = glm::vec4(glm::mix(base, style.tint, style.tintAmount),
                           static_cast<float>(body.color.w()) * style.alpha);
    scene.items.push_back(item);
}

void appendArrow(Scene& scene, const Eigen::Vector3d& tip, const Eigen::Vector3d& vector,
                 double diameter, const glm::vec4& color) {
    const double length = vector.norm();
    if (!(length > 0) || !std::isfinite(length)) {
        return;
    }
    ShapeItem item;
    item.shape = sim::ShapeType::Capsule;
    // The capsule's cylinder runs along its local Y; its hemispheres add a diameter in all.
    item.param = glm::vec3(static_cast<float>(diameter),
                           static_cast<float>(std::max(length - diameter, 0.0)), 0.0f);
    const Eigen::Vector3d centre = tip - 0.5 * vector;
    item.position = glm::vec3(static_cast<float>(centre.x()), static_cast<float>(centre.y()),
                              static_cast<float>(centre.z()));
    const Eigen::Quaterniond q =
        Eigen::Quaterniond::FromTwoVectors(Eigen::Vector3d::UnitY(), vector / length);
    item.rotation = glm::quat(static_cast<float>(q.w()), static_cast<float>(q.x()),
                              static_cast<float>(q.y()), static_cast<float>(q.z()));
    item.color = color;
    scene.items.push_back(item);
}

}  // namespace render
