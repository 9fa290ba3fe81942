#include "render/renderer.h"

#include <glm/gtc/type_ptr.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "render/mesh.h"

namespace render {

namespace {

constexpr const char* kShapeVertexShader = R"(#version 330 core
layout(location = 0) in vec3 aPosition;
layout(location = 1) in vec3 aNormal;
layout(location = 2) in float aSide;
uniform mat4 uViewProjection;
uniform mat4 uModel;       // rotation and translation only
uniform vec3 uScale;       // per-axis scale of the unit mesh
uniform float uHalfLength; // capsule: half the cylinder length, else 0
out vec3 vWorldPosition;
out vec3 vNormal;
void main() {
    vec3 local = aPosition * uScale + vec3(0.0, aSide * uHalfLength, 0.0);
    vec4 world = uModel * vec4(local, 1.0);
    vWorldPosition = world.xyz;
    // Unit meshes only get uniform scale (spheres, capsules) or axis-aligned scale of
    // axis-aligned face normals (boxes), so the rotation alone carries the normal.
    vNormal = mat3(uModel) * aNormal;
    gl_Position = uViewProjection * world;
}
)";

constexpr const char* kShapeFragmentShader = R"(#version 330 core
in vec3 vWorldPosition;
in vec3 vNormal;
uniform vec4 uColor;
uniform vec3 uEye;
out vec4 fragColor;
const vec3 kKeyDirection = normalize(vec3(0.35, 1.0, 0.55));
const vec3 kFillDirection = normalize(vec3(-0.5, 0.3, -0.6));
void main() {
    vec3 n = normalize(vNormal);
    vec3 toEye = normalize(uEye - vWorldPosition);
    // Sky above, ground bounce below: a cheap hemisphere ambient.
    vec3 ambient = mix(vec3(0.22, 0.2, 0.18), vec3(0.38, 0.42, 0.48), 0.5 + 0.5 * n.y);
    float key = max(dot(n, kKeyDirection), 0.0);
    float fill = 0.25 * max(dot(n, kFillDirection), 0.0);
    float specular = 0.18 * pow(max(dot(n, normalize(kKeyDirection + toEye)), 0.0), 32.0);
    vec3 color = uColor.rgb * (ambient + 0.75 * key + fill) + vec3(specular);
    fragColor = vec4(color, uColor.a);
}
)";

constexpr const char* kGroundVertexShader = R"(#version 330 core
layout(location = 0) in vec3 aPosition;
uniform mat4 uViewProjection;
uniform vec3 uCenter;
out vec3 vWorldPosition;
const float kHalfSize = 80.0;
void main() {
    vWorldPosition = vec3(uCenter.x, 0.0, uCenter.z) + aPosition * kHalfSize;
    gl_Position = uViewProjection * vec4(vWorldPosition, 1.0);
}
)";

// Grid lines every metre, stronger every five, antialiased with screen-space derivatives and
// faded into the sky colour with distance so the horizon does not alias.
constexpr const char* kGroundFragmentShader = R"(#version 330 core
const int kMaxBlobs = 32;
in vec3 vWorldPosition;
uniform vec3 uEye;
uniform vec3 uSky;
uniform int uBlobCount;
uniform vec4 uBlobs[kMaxBlobs];  // xyz: shape centre [m], w: its horizontal radius [m]
out vec4 fragColor;
// A soft dark disc under each shape, fainter and wider the higher the shape floats: enough to
// show where the feet touch down without a shadow map.
float blobShadow(vec2 p) {
    float light = 1.0;
    for (int i = 0; i < uBlobCount; ++i) {
        vec4 blob = uBlobs[i];
        float height = max(blob.y, 0.0);
        float radius = blob.w + 0.15 * height;
        float d = length(p - blob.xz) / max(radius, 1e-3);
        float strength = 0.35 * clamp(1.0 - height / 1.8, 0.0, 1.0);
        light *= 1.0 - strength * (1.0 - smoothstep(0.3, 1.0, d));
    }
    return light;
}
float gridLine(vec2 p, float spacing) {
    vec2 q = p / spacing;
    vec2 width = fwidth(q);
    vec2 distanceToLine = abs(fract(q - 0.5) - 0.5) / max(width, vec2(1e-4));
    return 1.0 - clamp(min(distanceToLine.x, distanceToLine.y), 0.0, 1.0);
}
void main() {
    vec2 p = vWorldPosition.xz;
    vec3 color = vec3(0.56, 0.58, 0.56);
    color = mix(color, vec3(0.42, 0.44, 0.43), gridLine(p, 1.0));
    color = mix(color, vec3(0.30, 0.32, 0.31), gridLine(p, 5.0));
    color *= blobShadow(p);
    float fog = smoothstep(15.0, 70.0, length(vWorldPosition - uEye));
    fragColor = vec4(mix(color, uSky, fog), 1.0);
}
)";

// Shadow blobs the ground shader takes (kMaxBlobs there).
constexpr int kMaxBlobs = 32;

// Horizontal radius of an item's footprint [m], for its shadow blob.
float footprintRadius(const ShapeItem& item) {
    switch (item.shape) {
        case sim::ShapeType::Box:
            return 0.5f * std::max(item.param.x, item.param.z);
        case sim::ShapeType::Capsule:
        case sim::ShapeType::Sphere:
            break;
    }
    return 0.5f * item.param.x;
}

std::string shaderLog(GLuint object, bool isProgram) {
    GLint length = 0;
    if (isProgram) {
        glGetProgramiv(object, GL_INFO_LOG_LENGTH, &length);
    } else {
        glGetShaderiv(object, GL_INFO_LOG_LENGTH, &length);
    }
    std::string log(static_cast<std::size_t>(std::max(length, 1)), '\0');
    if (isProgram) {
        glGetProgramInfoLog(object, length, nullptr, log.data());
    } else {
        glGetShaderInfoLog(object, length, nullptr, log.data());
    }
    return log;
}

sim::Result<GLuint> compileShader(GLenum stage, const char* source, const char* name) {
    const GLuint shader = glCreateShader(stage);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = GL_FALSE;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok != GL_TRUE) {
        std::string message = std::string("render: shader '") + name +
                              "' failed to compile: " + shaderLog(shader, false);
        glDeleteShader(shader);
        return sim::Error{message};
    }
    return shader;
}

sim::Result<GLuint> linkProgram(const char* vertexSource, const char* fragmentSource,
                                const char* name) {
    auto vertex = compileShader(GL_VERTEX_SHADER, vertexSource, name);
    if (!vertex) {
        return sim::Error{vertex.error()};
    }
    auto fragment = compileShader(GL_FRAGMENT_SHADER, fragmentSource, name);
    if (!fragment) {
        glDeleteShader(*vertex);
        return sim::Error{fragment.error()};
    }
    const GLuint program = glCreateProgram();
    glAttachShader(program, *vertex);
    glAttachShader(program, *fragment);
    glLinkProgram(program);
    glDeleteShader(*vertex);
    glDeleteShader(*fragment);
    GLint ok = GL_FALSE;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (ok != GL_TRUE) {
        std::string message = std::string("render: shader program '") + name +
                              "' failed to link: " + shaderLog(program, true);
        glDeleteProgram(program);
        return sim::Error{message};
    }
    return program;
}

// Vertex attribute offsets as the void pointers glVertexAttribPointer wants.
const void* attributeOffset(std::size_t bytes) {
    return reinterpret_cast<const void*>(bytes);  // NOLINT(performance-no-int-to-ptr)
}

}  // namespace

Renderer::~Renderer() {
    shutdown();
}

sim::Status Renderer::initialize() {
    if (m_initialized) {
        return sim::Status::success();
    }
    auto shapeProgram = linkProgram(kShapeVertexShader, kShapeFragmentShader, "shape");
    if (!shapeProgram) {
        return sim::Error{shapeProgram.error()};
    }
    auto groundProgram = linkProgram(kGroundVertexShader, kGroundFragmentShader, "ground");
    if (!groundProgram) {
        glDeleteProgram(*shapeProgram);
        return sim::Error{groundProgram.error()};
    }
    m_shapeProgram = *shapeProgram;
    m_groundProgram = *groundProgram;
    m_uViewProjection = glGetUniformLocation(m_shapeProgram, "uViewProjection");
    m_uModel = glGetUniformLocation(m_shapeProgram, "uModel");
    m_uScale = glGetUniformLocation(m_shapeProgram, "uScale");
    m_uHalfLength = glGetUniformLocation(m_shapeProgram, "uHalfLength");
    m_uColor = glGetUniformLocation(m_shapeProgram, "uColor");
    m_uEye = glGetUniformLocation(m_shapeProgram, "uEye");
    m_uGroundViewProjection = glGetUniformLocation(m_groundProgram, "uViewProjection");
    m_uGroundCenter = glGetUniformLocation(m_groundProgram, "uCenter");
    m_uGroundEye = glGetUniformLocation(m_groundProgram, "uEye");
    m_uGroundSky = glGetUniformLocation(m_groundProgram, "uSky");
    m_uGroundBlobCount = glGetUniformLocation(m_groundProgram, "uBlobCount");
    m_uGroundBlobs = glGetUniformLocation(m_groundProgram, "uBlobs");

    const auto upload = [](const MeshData& data) {
        GpuMesh mesh;
        glGenVertexArrays(1, &mesh.vertexArray);
        glGenBuffers(1, &mesh.vertexBuffer);
        glGenBuffers(1, &mesh.indexBuffer);
        glBindVertexArray(mesh.vertexArray);
        glBindBuffer(GL_ARRAY_BUFFER, mesh.vertexBuffer);
        glBufferData(GL_ARRAY_BUFFER,
                     static_cast<GLsizeiptr>(data.vertices.size() * sizeof(MeshVertex)),
                     data.vertices.data(), GL_STATIC_DRAW);
        glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, mesh.indexBuffer);
        glBufferData(GL_ELEMENT_ARRAY_BUFFER,
                     static_cast<GLsizeiptr>(data.indices.size() * sizeof(std::uint32_t)),
                     data.indices.data(), GL_STATIC_DRAW);
        const auto stride = static_cast<GLsizei>(sizeof(MeshVertex));
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, stride,
                              attributeOffset(offsetof(MeshVertex, position)));
        glEnableVertexAttribArray(1);
        glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, stride,
                              attributeOffset(offsetof(MeshVertex, normal)));
        glEnableVertexAttribArray(2);
        glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride,
                              attributeOffset(offsetof(MeshVertex, side)));
        glBindVertexArray(0);
        mesh.indexCount = static_cast<GLsizei>(data.indices.size());
        return mesh;
    };
    m_sphere = upload(makeSphereMesh());
    m_capsule = upload(makeCapsuleMesh());
    m_box = upload(makeBoxMesh());

    // The ground is one quad in the XZ plane, counter-clockwise seen from above.
    MeshData quad;
    quad.vertices = {{{-1, 0, -1}, {0, 1, 0}, 0},
                     {{-1, 0, 1}, {0, 1, 0}, 0},
                     {{1, 0, 1}, {0, 1, 0}, 0},
                     {{1, 0, -1}, {0, 1, 0}, 0}};
    quad.indices = {0, 1, 2, 0, 2, 3};
    m_ground = upload(quad);

    m_initialized = true;
    return sim::Status::success();
}

void Renderer::shutdown() {
    if (!m_initialized) {
        return;
    }
    for (GpuMesh* mesh : {&m_sphere, &m_capsule, &m_box, &m_ground}) {
        glDeleteVertexArrays(1, &mesh->vertexArray);
        glDeleteBuffers(1, &mesh->vertexBuffer);
        glDeleteBuffers(1, &mesh->indexBuffer);
        *mesh = GpuMesh{};
    }
    glDeleteProgram(m_shapeProgram);
    glDeleteProgram(m_groundProgram);
    m_shapeProgram = m_groundProgram = 0;
    m_initialized = false;
}

const Renderer::GpuMesh& Renderer::meshFor(sim::ShapeType shape) const {
    switch (shape) {
        case sim::ShapeType::Capsule:
            return m_capsule;
        case sim::ShapeType::Box:
            return m_box;
        case sim::ShapeType::Sphere:
            break;
    }
    return m_sphere;
}

void Renderer::drawItem(const ShapeItem& item) {
    // Unit meshes have radius 1 / half extent 1, DeepMimic's params are full sizes.
    glm::vec3 scale = item.param * 0.5f;
    float halfLength = 0.0f;
    if (item.shape == sim::ShapeType::Sphere) {
        scale = glm::vec3(item.param.x * 0.5f);
    } else if (item.shape == sim::ShapeType::Capsule) {
        scale = glm::vec3(item.param.x * 0.5f);
        halfLength = item.param.y * 0.5f;
    }
    const glm::mat4 model = glm::translate(glm::mat4(1.0f), item.position) *
                            glm::mat4_cast(glm::normalize(item.rotation));
    glUniformMatrix4fv(m_uModel, 1, GL_FALSE, glm::value_ptr(model));
    glUniform3fv(m_uScale, 1, glm::value_ptr(scale));
    glUniform1f(m_uHalfLength, halfLength);
    glUniform4fv(m_uColor, 1, glm::value_ptr(item.color));
    const GpuMesh& mesh = meshFor(item.shape);
    glBindVertexArray(mesh.vertexArray);
    glDrawElements(GL_TRIANGLES, mesh.indexCount, GL_UNSIGNED_INT, nullptr);
}

void Renderer::drawGround(const Scene& scene, const Camera& camera,
                          const glm::mat4& viewProjection) {
    // Opaque shapes cast blobs; the translucent reference does not, so it reads as a ghost.
    std::vector<glm::vec4> blobs;
    for (const ShapeItem& item : scene.items) {
        if (item.color.a >= 1.0f && static_cast<int>(blobs.size()) < kMaxBlobs) {
            blobs.emplace_back(item.position, footprintRadius(item));
        }
    }
    glUseProgram(m_groundProgram);
    glUniform1i(m_uGroundBlobCount, static_cast<GLint>(blobs.size()));
    if (!blobs.empty()) {
        glUniform4fv(m_uGroundBlobs, static_cast<GLsizei>(blobs.size()),
                     glm::value_ptr(blobs.front()));
    }
    glUniformMatrix4fv(m_uGroundViewProjection, 1, GL_FALSE, glm::value_ptr(viewProjection));
    glUniform3fv(m_uGroundCenter, 1, glm::value_ptr(camera.target));
    const glm::vec3 eye = camera.eye();
    glUniform3fv(m_uGroundEye, 1, glm::value_ptr(eye));
    glUniform3fv(m_uGroundSky, 1, glm::value_ptr(m_clearColor));
    glBindVertexArray(m_ground.vertexArray);
    glDrawElements(GL_TRIANGLES, m_ground.indexCount, GL_UNSIGNED_INT, nullptr);
}

void Renderer::draw(const Scene& scene, const Camera& camera, int width, int height) {
    if (!m_initialized || width <= 0 || height <= 0) {
        return;
    }
    glViewport(0, 0, width, height);
    glClearColor(m_clearColor.r, m_clearColor.g, m_clearColor.b, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LESS);
    glDepthMask(GL_TRUE);
    glDisable(GL_BLEND);
    glEnable(GL_CULL_FACE);
    glCullFace(GL_BACK);
    glFrontFace(GL_CCW);

    const glm::mat4 viewProjection =
        camera.projection(static_cast<float>(width) / static_cast<float>(height)) * camera.view();
    if (scene.drawGround) {
        drawGround(scene, camera, viewProjection);
    }

    glUseProgram(m_shapeProgram);
    glUniformMatrix4fv(m_uViewProjection, 1, GL_FALSE, glm::value_ptr(viewProjection));
    const glm::vec3 eye = camera.eye();
    glUniform3fv(m_uEye, 1, glm::value_ptr(eye));

    // Opaque first, then translucent ones back to front with depth writes off, so the
    // reference character shows through without hiding what is behind it.
    std::vector<const ShapeItem*> translucent;
    for (const ShapeItem& item : scene.items) {
        if (item.color.a >= 1.0f) {
            drawItem(item);
        } else if (item.color.a > 0.0f) {
            translucent.push_back(&item);
        }
    }
    if (!translucent.empty()) {
        std::sort(translucent.begin(), translucent.end(),
                  [&eye](const ShapeItem* a, const ShapeItem* b) {
                      return glm::length(a->position - eye) > glm::length(b->position - eye);
                  });
        // Depth first, then colour where depth matches: only the nearest translucent surface
        // blends, so the overlapping joints of the ghost do not show through one another.
        // Both passes are pushed back a little in depth, so where the reference coincides
        // with the simulated character (as at every reset) the solid one wins cleanly
        // instead of z-fighting under a tinted film.
        glEnable(GL_POLYGON_OFFSET_FILL);
        glPolygonOffset(1.0f, 4.0f);
        glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_FALSE);
        for (const ShapeItem* item : translucent) {
            drawItem(*item);
        }
        glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
        glDepthFunc(GL_LEQUAL);
        glDepthMask(GL_FALSE);
        glEnable(GL_BLEND);
        glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
        for (const ShapeItem* item : translucent) {
            drawItem(*item);
        }
        glDisable(GL_BLEND);
        glDepthMask(GL_TRUE);
        glDepthFunc(GL_LESS);
        glDisable(GL_POLYGON_OFFSET_FILL);
    }
    glBindVertexArray(0);
    glUseProgram(0);
}

}  // namespace render
