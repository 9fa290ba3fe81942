#pragma once
// What the renderer draws: a plain list of shaded shapes over a ground grid. Built fresh each
// frame from a snapshot of the simulation; the renderer never sees sim state itself.

#include <glm/glm.hpp>
#include <glm/gtc/quaternion.hpp>

#include <vector>

#include "sim/character.h"

namespace render {

// One shape in world space (Y up, the character faces +X).
struct ShapeItem {
    sim::ShapeType shape = sim::ShapeType::Sphere;
    // DeepMimic's Param0..2 [m]: sphere diameter; capsule diameter and cylinder length along
    // local Y; box full extents along local X, Y, Z.
    glm::vec3 param{0.1f, 0.1f, 0.1f};
    glm::vec3 position{0.0f};                    // shape centre [m]
    glm::quat rotation{1.0f, 0.0f, 0.0f, 0.0f};  // shape frame to world (w, x, y, z)
    glm::vec4 color{0.6f, 0.6f, 0.6f, 1.0f};     // linear RGBA; alpha < 1 draws translucent
};

struct Scene {
    std::vector<ShapeItem> items;
    bool drawGround = true;  // the grid on y = 0
};

}  // namespace render
