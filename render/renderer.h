#pragma once
// OpenGL 3.3 core drawing of a render::Scene: Lambert + ambient + a little specular on the
// shapes, a procedural grid on the ground, translucent items blended after the opaque ones.

#include <glad/gl.h>

#include "render/camera.h"
#include "render/scene.h"
#include "sim/result.h"

namespace render {

class Renderer {
public:
    Renderer() = default;
    ~Renderer();
    Renderer(const Renderer&) = delete;
    Renderer& operator=(const Renderer&) = delete;

    // Compiles the shaders and uploads the unit meshes. Needs a current OpenGL 3.3 core context
    // with glad loaded (gladLoadGL(glfwGetProcAddress)); errors carry the shader log.
    sim::Status initialize();
    // Frees the GPU objects; the context that initialize() ran in must still be current.
    void shutdown();
    bool initialized() const { return m_initialized; }

    // Clears the bound framebuffer and draws `scene` seen by `camera` into a viewport of
    // width x height pixels.
    void draw(const Scene& scene, const Camera& camera, int width, int height);

    // Colour behind everything (linear RGB).
    void setClearColor(float r, float g, float b) { m_clearColor = {r, g, b}; }

private:
    struct GpuMesh {
        GLuint vertexArray = 0;
        GLuint vertexBuffer = 0;
        GLuint indexBuffer = 0;
        GLsizei indexCount = 0;
    };

    void drawItem(const ShapeItem& item);
    void drawGround(const Scene& scene, const Camera& camera, const glm::mat4& viewProjection);
    const GpuMesh& meshFor(sim::ShapeType shape) const;

    bool m_initialized = false;
    GLuint m_shapeProgram = 0;
    GLuint m_groundProgram = 0;
    GpuMesh m_sphere, m_capsule, m_box, m_ground;
    glm::vec3 m_clearColor{0.72f, 0.78f, 0.85f};

    // Uniform locations of the shape program, looked up once.
    GLint m_uViewProjection = -1, m_uModel = -1, m_uScale = -1, m_uHalfLength = -1;
    GLint m_uColor = -1, m_uEye = -1;
    // Uniform locations of the ground program.
    GLint m_uGroundViewProjection = -1, m_uGroundCenter = -1, m_uGroundEye = -1;
    GLint m_uGroundSky = -1, m_uGroundBlobCount = -1, m_uGroundBlobs = -1;
};

}  // namespace render
