#include "render/mesh.h"

#include <cmath>
#include <numbers>

namespace render {

namespace {

// A latitude ring: its angle from the equator and which capsule half it belongs to.
struct Ring {
    float latitude;  // [rad], +pi/2 at the north pole
    float side;
};

// Triangulates a stack of rings from north to south, each with slices + 1 vertices (the seam
// vertex is repeated so the texture-free mesh stays simple to index).
MeshData makeRingMesh(const std::vector<Ring>& rings, int slices) {
    MeshData mesh;
    const float pi = std::numbers::pi_v<float>;
    for (const Ring& ring : rings) {
        for (int s = 0; s <= slices; ++s) {
            const float longitude = 2.0f * pi * static_cast<float>(s) / static_cast<float>(slices);
            const float x = std::cos(ring.latitude) * std::cos(longitude);
            const float y = std::sin(ring.latitude);
            const float z = -std::cos(ring.latitude) * std::sin(longitude);
            mesh.vertices.push_back({{x, y, z}, {x, y, z}, ring.side});
        }
    }
    const auto stride = static_cast<std::uint32_t>(slices + 1);
    for (std::uint32_t r = 0; r + 1 < rings.size(); ++r) {
        for (std::uint32_t s = 0; s < static_cast<std::uint32_t>(slices); ++s) {
            const std::uint32_t a = r * stride + s;  // upper ring
            const std::uint32_t b = a + stride;      // lower ring
            mesh.indices.insert(mesh.indices.end(), {a, b, a + 1, a + 1, b, b + 1});
        }
    }
    return mesh;
}

float latitudeOf(int ring, int stacks) {
    const float pi = std::numbers::pi_v<float>;
    return pi / 2.0f - pi * static_cast<float>(ring) / static_cast<float>(stacks);
}

}  // namespace

MeshData makeSphereMesh(int stacks, int slices) {
    std::vector<Ring> rings;
    for (int r = 0; r <= stacks; ++r) {
        rings.push_back({latitudeOf(r, stacks), 0.0f});
    }
    return makeRingMesh(rings, slices);
}

MeshData makeCapsuleMesh(int stacks, int slices) {
    stacks += stacks % 2;
    std::vector<Ring> rings;
    for (int r = 0; r <= stacks; ++r) {
        const float latitude = latitudeOf(r, stacks);
        if (2 * r == stacks) {
            // The doubled equator: the band between these two rings is the cylinder wall.
            rings.push_back({latitude, 1.0f});
            rings.push_back({latitude, -1.0f});
        } else {
            rings.push_back({latitude, 2 * r < stacks ? 1.0f : -1.0f});
        }
    }
    return makeRingMesh(rings, slices);
}

MeshData makeBoxMesh() {
    MeshData mesh;
    // Each face: its normal and two in-plane axes with u x v = normal, so the corners below run
    // counter-clockwise seen from outside.
    const float faces[6][3][3] = {
        {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, {{-1, 0, 0}, {0, 0, 1}, {0, 1, 0}},
        {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}, {{0, -1, 0}, {1, 0, 0}, {0, 0, 1}},
        {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}, {{0, 0, -1}, {0, 1, 0}, {1, 0, 0}},
    };
    const float corners[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
    for (const auto& face : faces) {
        const auto base = static_cast<std::uint32_t>(mesh.vertices.size());
        for (const auto& c : corners) {
            MeshVertex v{};
            for (int k = 0; k < 3; ++k) {
                v.position[k] = face[0][k] + c[0] * face[1][k] + c[1] * face[2][k];
                v.normal[k] = face[0][k];
            }
            mesh.vertices.push_back(v);
        }
        mesh.indices.insert(mesh.indices.end(),
                            {base, base + 1, base + 2, base, base + 2, base + 3});
    }
    return mesh;
}

}  // namespace render
