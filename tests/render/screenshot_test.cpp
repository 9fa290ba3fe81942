#include <doctest/doctest.h>

// stb_image's implementation comes from libstb, which charsim_render links.
#include <stb/stb_image.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/gui_app.h"
#include "app/session.h"

namespace {

// Wide enough that the panel on the left leaves the middle, where the figure is, uncovered.
constexpr int kWidth = 800;
constexpr int kHeight = 450;

// A session that needs no physics: a hand-placed stick figure walking along +X at 0.5 m/s, so
// the picture only depends on the window code and the renderer.
class FakeSession final : public app::Session {
public:
    explicit FakeSession(bool withBodies) {
        m_status.weightsDescription = "fake session (no weights)";
        if (withBodies) {
            addBody(sim::ShapeType::Sphere, {0.24, 0, 0}, {0, 0.95, 0});         // pelvis (root)
            addBody(sim::ShapeType::Capsule, {0.22, 0.35, 0}, {0, 1.3, 0});      // torso
            addBody(sim::ShapeType::Sphere, {0.2, 0, 0}, {0, 1.68, 0});          // head
            addBody(sim::ShapeType::Capsule, {0.1, 0.6, 0}, {0, 0.5, 0.1});      // right leg
            addBody(sim::ShapeType::Capsule, {0.1, 0.6, 0}, {0, 0.5, -0.1});     // left leg
            addBody(sim::ShapeType::Box, {0.22, 0.06, 0.1}, {0.05, 0.05, 0.1});  // foot
        }
    }

    const sim::Character& character() const override { return m_character; }
    const app::SessionOptions& options() const override { return m_options; }
    double clipDuration() const override { return 1.0; }
    void advanceControlStep() override {
        m_status.simTime += 1.0 / m_options.environment.policyRate;
        m_status.episodeTime = m_status.simTime;
        ++m_status.controlSteps;
        m_status.lastReward = {0.8, 0.7, 0.5, 0.9, 0.6, 0.4};
        m_status.rewardSum += m_status.lastReward.total;
    }
    void reset() override { ++m_status.episodes; }
    void setDriveMode(app::DriveMode mode) override { m_options.drive = mode; }
    const app::SessionStatus& status() const override { return m_status; }
    void snapshot(app::SceneSnapshot& out) const override {
        out.simulated.clear();
        out.reference.clear();
        const Eigen::Vector3d walk(kStart.x() + 0.5 * m_status.simTime, 0, kStart.z());
        for (const Eigen::Vector3d& local : m_local) {
            out.simulated.push_back({walk + local, Eigen::Quaterniond::Identity()});
            // The reference stands a little ahead, as if the character lagged the clip.
            out.reference.push_back(
                {walk + local + Eigen::Vector3d(0.35, 0, 0), Eigen::Quaterniond::Identity()});
        }
    }

private:
    static inline const Eigen::Vector3d kStart{3.0, 0.0, -2.0};

    void addBody(sim::ShapeType shape, const Eigen::Vector3d& param, const Eigen::Vector3d& local) {
        sim::BodyDef body;
        body.shape = shape;
        body.param = param;
        body.color = {0.85, 0.15, 0.1, 1.0};  // saturated red, unlike the grey ground and sky
        m_character.bodies.push_back(body);
        m_local.push_back(local);
    }

    sim::Character m_character;
    std::vector<Eigen::Vector3d> m_local;
    app::SessionOptions m_options;
    app::SessionStatus m_status;
};

struct Picture {
    int width = 0, height = 0;
    std::vector<unsigned char> rgb;
    const unsigned char* at(int x, int y) const {
        return rgb.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                             static_cast<std::size_t>(x)) *
                                3;
    }
};

Picture loadPicture(const std::string& path) {
    Picture picture;
    int channels = 0;
    unsigned char* data = stbi_load(path.c_str(), &picture.width, &picture.height, &channels, 3);
    if (data) {
        picture.rgb.assign(data, data + static_cast<std::size_t>(picture.width) *
                                            static_cast<std::size_t>(picture.height) * 3);
        stbi_image_free(data);
    }
    return picture;
}

// Hue in degrees [0, 360) and saturation [0, 1] of an 8-bit RGB pixel.
void hueSaturation(const unsigned char* p, double& hue, double& saturation) {
    const double r = p[0] / 255.0, g = p[1] / 255.0, b = p[2] / 255.0;
    const double high = std::max({r, g, b}), low = std::min({r, g, b});
    const double chroma = high - low;
    saturation = high > 0 ? chroma / high : 0;
    if (chroma <= 1e-9) {
        hue = 0;
    } else if (high == r) {
        hue = 60.0 * std::fmod((g - b) / chroma + 6.0, 6.0);
    } else if (high == g) {
        hue = 60.0 * ((b - r) / chroma + 2.0);
    } else {
        hue = 60.0 * ((r - g) / chroma + 4.0);
    }
}

bool isBodyRed(const unsigned char* p) {
    double hue = 0, saturation = 0;
    hueSaturation(p, hue, saturation);
    return saturation > 0.45 && (hue < 20.0 || hue > 340.0);
}

bool differs(const unsigned char* a, const unsigned char* b) {
    int total = 0;
    for (int k = 0; k < 3; ++k) {
        total += std::abs(int{a[k]} - int{b[k]});
    }
    return total > 40;
}

bool haveDisplay() {
    const char* display = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    if ((display && *display) || (wayland && *wayland)) {
        return true;
    }
    MESSAGE("skipped: no DISPLAY; run the render tests under xvfb-run (scripts/test.sh does)");
    return false;
}

// Xvfb resets itself when its last client disconnects, and a connection made during the reset
// fails; each runGui call connects and disconnects, so the next one waits a moment and retries.
int runGuiRetrying(app::Session& session, const app::GuiOptions& options) {
    int result = app::kGuiNoDisplay;
    for (int attempt = 0; attempt < 5 && result == app::kGuiNoDisplay; ++attempt) {
        if (attempt > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        result = app::runGui(session, options);
    }
    return result;
}

std::string outputPath(const std::string& name) {
    return std::string(CHARSIM_BINARY_DIR) + "/render_test_" + name + ".png";
}

// Renders `session` for `frames` frames into `path`; false (with a message) when there turned
// out to be no usable display after all.
bool render(app::Session& session, const std::string& path, bool showReference, int frames = 12) {
    std::filesystem::remove(path);
    app::GuiOptions options;
    options.width = kWidth;
    options.height = kHeight;
    options.screenshotPath = path;
    options.frames = frames;
    options.showReference = showReference;
    const int result = runGuiRetrying(session, options);
    if (result == app::kGuiNoDisplay) {
        MESSAGE("skipped: a display is set but no OpenGL 3.3 core window could be opened");
        return false;
    }
    REQUIRE(result == app::kGuiOk);
    REQUIRE(std::filesystem::exists(path));
    return true;
}

}  // namespace

TEST_SUITE("render") {
    TEST_CASE("screenshot shows the red character near the image centre") {
        if (!haveDisplay()) {
            return;
        }
        FakeSession character(true), empty(false);
        const std::string withPath = outputPath("character"), withoutPath = outputPath("empty");
        if (!render(character, withPath, false) || !render(empty, withoutPath, false)) {
            return;
        }
        const Picture with = loadPicture(withPath), without = loadPicture(withoutPath);
        REQUIRE(with.width == kWidth);
        REQUIRE(with.height == kHeight);
        REQUIRE(without.width == kWidth);

        // Pixels the bodies changed, in the bodies' colour; also where they sit.
        long count = 0;
        double sumX = 0, sumY = 0;
        for (int y = 0; y < with.height; ++y) {
            for (int x = 0; x < with.width; ++x) {
                if (differs(with.at(x, y), without.at(x, y)) && isBodyRed(with.at(x, y))) {
                    ++count;
                    sumX += x;
                    sumY += y;
                }
            }
        }
        const long total = static_cast<long>(kWidth) * kHeight;
        INFO("red pixels that the bodies added: " << count << " of " << total);
        REQUIRE(count > total / 100);
        // The camera follows the root (which has walked away from the origin), so the figure sits
        // about the middle; the root is its middle in height too.
        const double centreX = sumX / static_cast<double>(count) / kWidth;
        const double centreY = sumY / static_cast<double>(count) / kHeight;
        INFO("figure centroid at (" << centreX << ", " << centreY << ") of the image");
        CHECK(std::abs(centreX - 0.5) < 0.12);
        CHECK(std::abs(centreY - 0.5) < 0.15);

        // The empty scene is not blank either: sky above, grid below.
        CHECK(!differs(without.at(kWidth / 2, 5), without.at(kWidth - 5, 5)));
        CHECK(differs(without.at(kWidth / 2, 5), without.at(kWidth / 2, kHeight - 5)));
    }

    TEST_CASE("a screenshot of the default session shows the project's humanoid mid-image") {
        if (!haveDisplay()) {
            return;
        }
        // The real thing: the project's character and walk, rendered with and without the
        // simulated character (reference and panel off), 30 frames = 0.5 s into an episode.
        auto shot = [](bool showCharacter, const std::string& path) {
            app::SessionOptions sessionOptions;
            sessionOptions.startTime = 0;
            auto session = app::Session::create(sessionOptions);
            REQUIRE_MESSAGE(session.ok(), (session.ok() ? "" : session.error()));
            app::GuiOptions options;
            options.width = kWidth;
            options.height = kHeight;
            options.screenshotPath = path;
            options.frames = 30;
            options.showReference = false;
            options.showPanel = false;
            options.showCharacter = showCharacter;
            std::filesystem::remove(path);
            return runGuiRetrying(**session, options);
        };
        const std::string withPath = outputPath("session"), withoutPath = outputPath("no_body");
        const int first = shot(true, withPath);
        if (first == app::kGuiNoDisplay) {
            MESSAGE("skipped: no OpenGL 3.3 core window could be opened");
            return;
        }
        REQUIRE(first == app::kGuiOk);
        REQUIRE(shot(false, withoutPath) == app::kGuiOk);
        const Picture with = loadPicture(withPath), without = loadPicture(withoutPath);
        REQUIRE(with.width == kWidth);
        REQUIRE(without.width == kWidth);
        long count = 0;
        double sumX = 0, sumY = 0;
        for (int y = 0; y < with.height; ++y) {
            for (int x = 0; x < with.width; ++x) {
                if (differs(with.at(x, y), without.at(x, y))) {
                    ++count;
                    sumX += x;
                    sumY += y;
                }
            }
        }
        const long total = static_cast<long>(kWidth) * kHeight;
        INFO("pixels the character changed: " << count << " of " << total);
        REQUIRE(count > total / 100);
        CHECK(count < total / 2);  // a figure, not a repainted frame
        CHECK(std::abs(sumX / static_cast<double>(count) / kWidth - 0.5) < 0.15);
        CHECK(std::abs(sumY / static_cast<double>(count) / kHeight - 0.5) < 0.2);
    }

    TEST_CASE("the translucent reference appears only when it is switched on") {
        if (!haveDisplay()) {
            return;
        }
        FakeSession withReference(true), plain(true);
        const std::string onPath = outputPath("reference_on"),
                          offPath = outputPath("reference_off");
        if (!render(withReference, onPath, true) || !render(plain, offPath, false)) {
            return;
        }
        const Picture on = loadPicture(onPath), off = loadPicture(offPath);
        REQUIRE(on.width == off.width);
        long changed = 0;
        for (int y = 0; y < on.height; ++y) {
            for (int x = 0; x < on.width; ++x) {
                changed += differs(on.at(x, y), off.at(x, y)) ? 1 : 0;
            }
        }
        CHECK(changed > static_cast<long>(kWidth) * kHeight / 200);
    }

    TEST_CASE("a screenshot into a missing folder fails with an error, not a crash") {
        if (!haveDisplay()) {
            return;
        }
        FakeSession session(true);
        app::GuiOptions options;
        options.width = 160;
        options.height = 120;
        options.screenshotPath = std::string(CHARSIM_BINARY_DIR) + "/no/such/folder/shot.png";
        options.frames = 2;
        const int result = runGuiRetrying(session, options);
        if (result == app::kGuiNoDisplay) {
            MESSAGE("skipped: no OpenGL 3.3 core window could be opened");
            return;
        }
        CHECK(result == app::kGuiError);
    }

}  // TEST_SUITE
