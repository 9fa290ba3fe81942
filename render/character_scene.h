#pragma once
// Turns a character description plus per-body world placements into scene items.

#include <Eigen/Core>
#include <Eigen/Geometry>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "render/scene.h"
#include "sim/character.h"

namespace render {

// How one copy of the character is drawn.
struct CharacterStyle {
    float alpha = 1.0f;       // multiplies each body's alpha; < 1 draws translucent
    glm::vec3 tint{1.0f};     // target colour mixed in by `tintAmount`
    float tintAmount = 0.0f;  // 0 keeps the BodyDef colours, 1 paints everything `tint`
};

// The translucent, warm-tinted look of the kinematic reference (DeepMimic's bodies are blue-grey,
// so a warm ghost stays distinguishable where the two overlap).
inline CharacterStyle referenceStyle() {
    return {0.4f, glm::vec3(1.0f, 0.75f, 0.4f), 0.7f};
}

// Appends one item for `body` whose frame (centre of mass, shape axes) is at `position`,
// `rotation` in the world. The attach rotation must already be part of `rotation`.
void appendBody(Scene& scene, const sim::BodyDef& body, const Eigen::Vector3d& position,
                const Eigen::Quaterniond& rotation, const CharacterStyle& style);

// Appends an arrow (a capsule of `diameter` [m]) that ends at `tip` and points along `vector`,
// as long as `vector` [m]: a push drawn at the body it pushes. A zero vector appends nothing.
void appendArrow(Scene& scene, const Eigen::Vector3d& tip, const Eigen::Vector3d& vector,
                 double diameter, const glm::vec4& color);

// Appends every body of `character`, placed by `placements` (one per body, in body order, each
// with `position` and `rotation` members such as app::BodyPlacement). Extra placements are
// ignored and missing ones skip their bodies, so a snapshot taken mid-reload cannot overrun.
template <class Placement>
void appendCharacter(Scene& scene, const sim::Character& character,
                     const std::vector<Placement>& placements, const CharacterStyle& style) {
    const std::size_t count = std::min(character.bodies.size(), placements.size());
    for (std::size_t i = 0; i < count; ++i) {
        appendBody(scene, character.bodies[i], placements[i].position, placements[i].rotation,
                   style);
    }
}

}  // namespace render
