#include <doctest/doctest.h>

#include <cmath>

#include "render/mesh.h"

namespace {

// Counts triangles whose counter-clockwise normal points towards the mesh centre, i.e. that
// back-face culling would wrongly remove when seen from outside. `side` shifts capsule halves
// apart like the vertex shader does.
int inwardTriangles(const render::MeshData& mesh, float halfLength) {
    int inward = 0;
    for (std::size_t t = 0; t + 2 < mesh.indices.size(); t += 3) {
        float p[3][3];
        for (int k = 0; k < 3; ++k) {
            const render::MeshVertex& v = mesh.vertices[mesh.indices[t + k]];
            p[k][0] = v.position[0];
            p[k][1] = v.position[1] + v.side * halfLength;
            p[k][2] = v.position[2];
        }
        const float e1[3] = {p[1][0] - p[0][0], p[1][1] - p[0][1], p[1][2] - p[0][2]};
        const float e2[3] = {p[2][0] - p[0][0], p[2][1] - p[0][1], p[2][2] - p[0][2]};
        const float n[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2],
                            e1[0] * e2[1] - e1[1] * e2[0]};
        const float area = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        if (area < 1e-7f) {
            continue;  // the collapsed triangles at a sphere's poles have no facing
        }
        const float c[3] = {(p[0][0] + p[1][0] + p[2][0]) / 3, (p[0][1] + p[1][1] + p[2][1]) / 3,
                            (p[0][2] + p[1][2] + p[2][2]) / 3};
        if (n[0] * c[0] + n[1] * c[1] + n[2] * c[2] <= 0) {
            ++inward;
        }
    }
    return inward;
}

}  // namespace

TEST_SUITE("render") {
    TEST_CASE("unit meshes face outward so back-face culling keeps their outside") {
        CHECK(inwardTriangles(render::makeSphereMesh(), 0.0f) == 0);
        CHECK(inwardTriangles(render::makeBoxMesh(), 0.0f) == 0);
        CHECK(inwardTriangles(render::makeCapsuleMesh(), 0.0f) == 0);
        CHECK(inwardTriangles(render::makeCapsuleMesh(), 2.5f) == 0);
    }

    TEST_CASE("sphere and box vertices lie on the unit sphere and unit cube") {
        for (const render::MeshVertex& v : render::makeSphereMesh().vertices) {
            const float r =
                std::sqrt(v.position[0] * v.position[0] + v.position[1] * v.position[1] +
                          v.position[2] * v.position[2]);
            CHECK(r == doctest::Approx(1.0f).epsilon(1e-5));
            CHECK(v.side == 0.0f);
        }
        const render::MeshData box = render::makeBoxMesh();
        CHECK(box.vertices.size() == 24);
        CHECK(box.indices.size() == 36);
        for (const render::MeshVertex& v : box.vertices) {
            for (float coordinate : v.position) {
                CHECK(std::abs(coordinate) == doctest::Approx(1.0f));
            }
        }
    }

    TEST_CASE("capsule halves are tagged so the shader stretches only the cylinder") {
        const render::MeshData capsule = render::makeCapsuleMesh(15, 12);
        int upper = 0, lower = 0;
        for (const render::MeshVertex& v : capsule.vertices) {
            // Upper hemisphere vertices move up, lower ones down; the equator exists on both.
            if (v.position[1] > 1e-6f) {
                CHECK(v.side == 1.0f);
            } else if (v.position[1] < -1e-6f) {
                CHECK(v.side == -1.0f);
            }
            upper += v.side > 0 ? 1 : 0;
            lower += v.side < 0 ? 1 : 0;
        }
        CHECK(upper == lower);
    }

}  // TEST_SUITE
