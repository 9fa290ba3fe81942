#pragma once
// Unit meshes the renderer instances for every shape, built once on the CPU.

#include <cstdint>
#include <vector>

namespace render {

// One vertex. `side` is 0 for spheres and boxes; for capsules it is +1 on the upper hemisphere
// and -1 on the lower one, and the vertex shader shifts the vertex by side * halfLength along
// local Y, so one unit capsule mesh serves every radius and length.
struct MeshVertex {
    float position[3];
    float normal[3];
    float side;
};

// Indexed triangles, counter-clockwise seen from outside.
struct MeshData {
    std::vector<MeshVertex> vertices;
    std::vector<std::uint32_t> indices;
};

// Unit sphere (radius 1) from `stacks` latitude bands and `slices` longitude segments.
MeshData makeSphereMesh(int stacks = 16, int slices = 24);
// Unit capsule: a sphere of radius 1 split at the equator, with the equator ring doubled so the
// band between the two copies becomes the cylinder once the halves are pushed apart. `stacks`
// is rounded up to an even number.
MeshData makeCapsuleMesh(int stacks = 16, int slices = 24);
// Cube spanning [-1, 1] on each axis, with flat normals (4 vertices per face).
MeshData makeBoxMesh();

}  // namespace render
