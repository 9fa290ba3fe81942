#include "app/gui_app.h"

// glad provides the GL declarations; GLFW must not pull in the system GL header as well.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <glad/gl.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "app/gui_training_panel.h"
#include "render/camera.h"
#include "render/character_scene.h"
#include "render/renderer.h"
#include "render/screenshot.h"

namespace app {

namespace {

// Screenshot mode advances this much simulated time per frame, whatever the wall clock does.
constexpr double kScreenshotFrameSeconds = 1.0 / 60.0;
// Control steps one frame may take to catch up; beyond it the window drops time (slow-motion)
// instead of spiralling into ever longer frames.
constexpr int kMaxStepsPerFrame = 8;
// Real-time factor is measured over windows of this much wall time [s].
constexpr double kRateWindowSeconds = 0.5;
// How long the panel's push buttons push [s] (DeepMimic's perturbation tests use 0.2 s).
constexpr double kGuiPushSeconds = 0.2;
// A push is drawn as an arrow 1 m long per this many newtons.
constexpr double kPushArrowNewtons = 500;

// GLFW reports errors through a C callback; the latest one goes into the user's message.
std::string g_lastGlfwError;

void onGlfwError(int code, const char* description) {
    g_lastGlfwError = std::string(description ? description : "unknown") + " (GLFW error " +
                      std::to_string(code) + ")";
}

std::string lastGlfwError() {
    return g_lastGlfwError.empty() ? std::string("no details from GLFW") : g_lastGlfwError;
}

// What the panel changes and the loop reads.
struct GuiState {
    bool paused = false;
    bool stepRequested = false;
    bool resetRequested = false;
    bool showCharacter = true;
    bool showReference = true;
    // The reference is drawn this far to the character's side [m] (0: overlaid on it), along
    // world +Z, so both stay in view as the character walks along X.
    float referenceOffset = 1.0f;
    std::vector<BodyPlacement> referenceBeside;  // scratch: the reference moved aside
    float speed = 1.0f;                          // simulated seconds per real second
    DriveMode drive = DriveMode::Policy;
    float pushForce = 300.0f;   // force of the push buttons, on the root for 0.2 s [N]
    std::string pushMessage;    // why the last push was refused
    std::string recordPath;     // the recording's file (view --record), else empty
    std::string recordMessage;  // what the last "save recording now" did
    double accumulator = 0;     // simulated time owed to the session [s]
    double rateWindowReal = -1, rateWindowSim = 0;
    double realTimeFactor = 0;  // measured simulated / real time
};

// Owns GLFW, the window, ImGui and the renderer, and tears them down in reverse order on every
// path out of runGui.
class GuiContext {
public:
    ~GuiContext() {
        renderer.shutdown();
        if (m_imguiOpenGl) {
            ImGui_ImplOpenGL3_Shutdown();
        }
        if (m_imguiGlfw) {
            ImGui_ImplGlfw_Shutdown();
        }
        if (m_imguiContext) {
            ImGui::DestroyContext();
        }
        if (window) {
            glfwDestroyWindow(window);
        }
        if (m_glfw) {
            glfwTerminate();
        }
    }

    // Returns kGuiOk or an exit code after printing the cause.
    int open(const GuiOptions& options);

    GLFWwindow* window = nullptr;
    render::Renderer renderer;

private:
    bool m_glfw = false, m_imguiContext = false, m_imguiGlfw = false, m_imguiOpenGl = false;
};

int GuiContext::open(const GuiOptions& options) {
    g_lastGlfwError.clear();
    glfwSetErrorCallback(onGlfwError);
    if (glfwInit() != GLFW_TRUE) {
        std::fprintf(stderr,
                     "charsim: cannot open a window: no display (%s); set DISPLAY or run under "
                     "xvfb-run\n",
                     lastGlfwError().c_str());
        return kGuiNoDisplay;
    }
    m_glfw = true;

    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SAMPLES, 4);
    const int width = std::max(options.width, 64);
    const int height = std::max(options.height, 64);
    window = glfwCreateWindow(width, height, "charsim", nullptr, nullptr);
    if (!window) {
        // Some drivers refuse multisampling; a plain framebuffer is better than no window.
        glfwWindowHint(GLFW_SAMPLES, 0);
        window = glfwCreateWindow(width, height, "charsim", nullptr, nullptr);
    }
    if (!window) {
        std::fprintf(stderr, "charsim: cannot create an OpenGL 3.3 core window: %s\n",
                     lastGlfwError().c_str());
        return kGuiNoDisplay;
    }
    glfwMakeContextCurrent(window);
    // Screenshots should not wait for vertical blanks; the interactive window should.
    glfwSwapInterval(options.screenshotPath.empty() ? 1 : 0);
    if (gladLoadGL(glfwGetProcAddress) == 0) {
        std::fprintf(stderr, "charsim: cannot load the OpenGL 3.3 functions (glad failed)\n");
        return kGuiError;
    }
    if (sim::Status status = renderer.initialize(); !status) {
        std::fprintf(stderr, "charsim: %s\n", status.error().c_str());
        return kGuiError;
    }

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    m_imguiContext = true;
    // No imgui.ini in whatever folder the program was started from.
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsDark();
    m_imguiGlfw = ImGui_ImplGlfw_InitForOpenGL(window, true);
    m_imguiOpenGl = m_imguiGlfw && ImGui_ImplOpenGL3_Init("#version 330 core");
    if (!m_imguiOpenGl) {
        std::fprintf(stderr, "charsim: cannot start the ImGui OpenGL backend\n");
        return kGuiError;
    }
    return kGuiOk;
}

// Takes control steps for `simSeconds` of simulated time at the session's policy rate.
void advanceSimulation(Session& session, GuiState& state, double simSeconds) {
    if (state.resetRequested) {
        session.reset();
        state.resetRequested = false;
        state.accumulator = 0;
    }
    if (state.stepRequested) {
        session.advanceControlStep();
        state.stepRequested = false;
    }
    if (state.paused) {
        state.accumulator = 0;
        return;
    }
    const double stepSeconds = 1.0 / std::max(session.options().environment.policyRate, 1e-3);
    state.accumulator += simSeconds;
    int steps = 0;
    // The small slack keeps 2 x (1/60) from landing a hair short of 1/30 and skipping a frame.
    while (state.accumulator >= stepSeconds - 1e-9 && steps < kMaxStepsPerFrame) {
        session.advanceControlStep();
        state.accumulator -= stepSeconds;
        ++steps;
    }
    if (steps == kMaxStepsPerFrame) {
        state.accumulator = std::min(state.accumulator, stepSeconds);
    }
}

void measureRate(const Session& session, GuiState& state, double realNow) {
    const double simNow = session.status().simTime;
    if (state.rateWindowReal < 0) {
        state.rateWindowReal = realNow;
        state.rateWindowSim = simNow;
        return;
    }
    const double realElapsed = realNow - state.rateWindowReal;
    if (realElapsed >= kRateWindowSeconds) {
        state.realTimeFactor = (simNow - state.rateWindowSim) / realElapsed;
        state.rateWindowReal = realNow;
        state.rateWindowSim = simNow;
    }
}

// A reward term as a bar with its value and name beside it (text over the yellow fill would be
// hard to read).
void drawRewardTerm(const char* label, double value) {
    ImGui::ProgressBar(static_cast<float>(std::clamp(value, 0.0, 1.0)), ImVec2(120, 0), "");
    ImGui::SameLine();
    ImGui::Text("%.3f  %s", value, label);
}

void drawStatistics(const SessionStatus& status, const GuiState& state) {
    ImGui::Text("sim time      %9.2f s", status.simTime);
    ImGui::Text("episode time  %9.2f s  (clip %.2f s)", status.episodeTime, status.clipTime);
    ImGui::Text("real-time     %9.2f x", state.realTimeFactor);
    ImGui::Text("episodes %d   falls %d   steps %lld", status.episodes, status.falls,
                status.controlSteps);
    const double meanReward =
        status.controlSteps > 0 ? status.rewardSum / static_cast<double>(status.controlSteps) : 0;
    if (status.finishedEpisodes > 0) {
        ImGui::Text("mean reward %.3f   mean episode %.2f s", meanReward,
                    status.finishedEpisodeSeconds / status.finishedEpisodes);
    } else {
        ImGui::Text("mean reward %.3f   no episode ended yet", meanReward);
    }
    ImGui::Separator();
    const RewardReadout& reward = status.lastReward;
    drawRewardTerm("reward", reward.total);
    drawRewardTerm("pose", reward.pose);
    drawRewardTerm("velocity", reward.velocity);
    drawRewardTerm("end effector", reward.endEffector);
    drawRewardTerm("root", reward.root);
    drawRewardTerm("centre of mass", reward.com);
}

// A replay's progress and whether it still lands on the recorded placements.
void drawReplayStatus(const ReplayComparison& replay) {
    ImGui::Text("replay: step %lld of %lld%s", replay.comparedSteps, replay.recordedSteps,
                replay.finished() ? " (the end)" : "");
    if (replay.differentSteps == 0) {
        ImGui::TextUnformatted("every step so far bit for bit as recorded");
    } else {
        ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.3f, 1.0f),
                           "%lld steps differ; the first is step %lld (largest %.3g)",
                           replay.differentSteps, replay.firstDifferentStep,
                           replay.largestDifference);
    }
}

// Buttons that push the root along a world axis for 0.2 s, and the push acting now.
void drawPushControls(Session& session, GuiState& state) {
    ImGui::SliderFloat("push force", &state.pushForce, 0.0f, 1000.0f, "%.0f N");
    const struct {
        const char* label;
        Eigen::Vector3d direction;
    } buttons[] = {{"push +x", Eigen::Vector3d::UnitX()},
                   {"-x", -Eigen::Vector3d::UnitX()},
                   {"+z", Eigen::Vector3d::UnitZ()},
                   {"-z", -Eigen::Vector3d::UnitZ()}};
    for (size_t i = 0; i < std::size(buttons); ++i) {
        const auto& button = buttons[i];
        if (i > 0) {
            ImGui::SameLine();
        }
        if (ImGui::Button(button.label)) {
            const sim::Push push{0, button.direction * static_cast<double>(state.pushForce),
                                 kGuiPushSeconds};
            const sim::Status pushed = session.push(push);
            state.pushMessage = pushed ? "" : pushed.error();
        }
    }
    if (const sim::Push& active = session.activePush(); active.body >= 0) {
        ImGui::SameLine();
        ImGui::Text("%.0f N, %.2f s left", active.force.norm(), active.seconds);
    }
    if (!state.pushMessage.empty()) {
        ImGui::TextWrapped("%s", state.pushMessage.c_str());
    }
}

// The recording kept since the session began (view --record): its length, and a button that
// writes it now (through a .tmp file, as at the end), so a long session can be kept as it goes.
void drawRecordingControls(const Session& session, GuiState& state) {
    const Recording* recording = session.recording();
    if (recording == nullptr || state.recordPath.empty()) {
        ImGui::TextDisabled("to record: charsim view --record FILE");
        return;
    }
    ImGui::Text("recording: %lld control steps", recording->steps());
    ImGui::SameLine();
    if (ImGui::Button("save recording now")) {
        if (recording->steps() == 0) {
            state.recordMessage = "nothing to save yet: no control step taken";
        } else if (const sim::Status written = writeRecording(state.recordPath, *recording);
                   written) {
            state.recordMessage = "saved " + std::to_string(recording->steps()) +
                                  " control steps to " + state.recordPath;
        } else {
            state.recordMessage = written.error();
        }
    }
    if (!state.recordMessage.empty()) {
        ImGui::TextWrapped("%s", state.recordMessage.c_str());
    }
}

void drawControls(Session& session, GuiState& state) {
    if (ImGui::Button(state.paused ? "Resume" : "Pause")) {
        state.paused = !state.paused;
    }
    ImGui::SameLine();
    if (ImGui::Button("Step")) {
        state.stepRequested = true;
    }
    if (const ReplayComparison* replay = session.replayComparison()) {
        drawReplayStatus(*replay);
    } else {
        ImGui::SameLine();
        if (ImGui::Button("Reset")) {
            state.resetRequested = true;
        }
        const char* drives[] = {"policy", "reference"};
        int drive = state.drive == DriveMode::Policy ? 0 : 1;
        if (ImGui::Combo("drive", &drive, drives, 2)) {
            state.drive = drive == 0 ? DriveMode::Policy : DriveMode::Reference;
            session.setDriveMode(state.drive);
        }
        drawPushControls(session, state);
        drawRecordingControls(session, state);
    }
    ImGui::Checkbox("show character", &state.showCharacter);
    ImGui::SameLine();
    ImGui::Checkbox("show reference", &state.showReference);
    if (state.showReference) {
        ImGui::SliderFloat("ref. offset", &state.referenceOffset, 0.0f, 2.0f, "%.2f m");
    }
    ImGui::SliderFloat("speed", &state.speed, 0.05f, 4.0f, "%.2f x", ImGuiSliderFlags_Logarithmic);
}

void drawPanel(Session& session, GuiState& state) {
    ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(340, 0), ImGuiCond_FirstUseEver);
    ImGui::Begin("charsim");
    const SessionStatus& status = session.status();
    drawStatistics(status, state);
    ImGui::Separator();
    drawControls(session, state);
    ImGui::Separator();
    ImGui::TextWrapped("weights: %s", status.weightsDescription.empty()
                                          ? "(none)"
                                          : status.weightsDescription.c_str());
    ImGui::TextDisabled("drag: orbit   wheel: zoom   space: pause");
    ImGui::End();
}

// Mouse and keys reach the camera and the pause toggle only when ImGui does not want them.
void handleInput(GLFWwindow* window, render::Camera& camera, GuiState& state, bool& spaceWasDown) {
    const ImGuiIO& io = ImGui::GetIO();
    if (!io.WantCaptureMouse) {
        if (io.MouseDown[0]) {
            camera.orbit(io.MouseDelta.x, io.MouseDelta.y);
        }
        if (io.MouseWheel != 0.0f) {
            camera.zoom(io.MouseWheel);
        }
    }
    const bool spaceDown = glfwGetKey(window, GLFW_KEY_SPACE) == GLFW_PRESS;
    if (spaceDown && !spaceWasDown && !io.WantCaptureKeyboard) {
        state.paused = !state.paused;
    }
    spaceWasDown = spaceDown;
}

void buildScene(const Session& session, const SceneSnapshot& snapshot, GuiState& state,
                render::Scene& scene) {
    scene.items.clear();
    if (state.showCharacter) {
        render::appendCharacter(scene, session.character(), snapshot.simulated,
                                render::CharacterStyle{});
    }
    if (state.showReference) {
        state.referenceBeside = snapshot.reference;  // reuses its capacity after the first frame
        for (BodyPlacement& body : state.referenceBeside) {
            body.position.z() += static_cast<double>(state.referenceOffset);
        }
        render::appendCharacter(scene, session.character(), state.referenceBeside,
                                render::referenceStyle());
    }
    // A push acting now: a red arrow into the pushed body, 1 m per kPushArrowNewtons.
    const sim::Push& push = session.activePush();
    if (push.body >= 0 && static_cast<size_t>(push.body) < snapshot.simulated.size()) {
        render::appendArrow(scene, snapshot.simulated[static_cast<size_t>(push.body)].position,
                            push.force / kPushArrowNewtons, 0.04, glm::vec4(0.9f, 0.2f, 0.15f, 1));
    }
}

int saveScreenshot(const std::string& path, int width, int height) {
    const render::Image image = render::readFramebuffer(width, height);
    if (sim::Status status = render::writePng(path, image); !status) {
        std::fprintf(stderr, "charsim: %s\n", status.error().c_str());
        return kGuiError;
    }
    std::printf("charsim: wrote %s (%d x %d)\n", path.c_str(), width, height);
    return kGuiOk;
}

int runLoop(Session& session, const GuiOptions& options, GuiContext& context) {
    const bool screenshot = !options.screenshotPath.empty();
    const int frames = screenshot ? std::max(options.frames, 1) : options.frames;
    GuiState state;
    state.showReference = options.showReference;
    state.showCharacter = options.showCharacter;
    state.referenceOffset = options.referenceOffset;
    state.drive = session.options().drive;
    state.recordPath = options.recordPath;
    render::Camera camera;
    render::Scene scene;
    SceneSnapshot snapshot;
    bool spaceWasDown = false;
    // A replay runs its recording's actions: there is nothing to train.
    const bool replaying = session.replayComparison() != nullptr;
    TrainingPanel training;
    if (options.showPanel) {
        // ImGui lays out an auto-sized window during its first frame without drawing it; one
        // untimed layout pass here makes the panel show from the first frame (and in a
        // one-frame screenshot).
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        drawPanel(session, state);
        if (!replaying) {
            training.draw(session);
        }
        ImGui::EndFrame();
    }
    double lastTime = glfwGetTime();

    for (int frame = 0; frames == 0 || frame < frames; ++frame) {
        glfwPollEvents();
        if (glfwWindowShouldClose(context.window)) {
            break;
        }
        const double now = glfwGetTime();
        const double realDt = std::min(now - lastTime, 0.25);
        lastTime = now;
        const double frameDt = screenshot ? kScreenshotFrameSeconds : realDt;

        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        handleInput(context.window, camera, state, spaceWasDown);

        // Newest trained weights first, then advance the simulation (steps only) and look.
        if (!replaying) {
            training.update(session);
        }
        advanceSimulation(session, state,
                          screenshot ? frameDt : frameDt * static_cast<double>(state.speed));
        measureRate(session, state, now);
        session.snapshot(snapshot);
        buildScene(session, snapshot, state, scene);
        if (!snapshot.simulated.empty()) {
            const Eigen::Vector3d& root = snapshot.simulated.front().position;
            camera.follow(glm::vec3(static_cast<float>(root.x()), static_cast<float>(root.y()),
                                    static_cast<float>(root.z())),
                          frame == 0 ? 0.0f : static_cast<float>(frameDt));
        }
        if (options.showPanel) {
            drawPanel(session, state);
            if (!replaying) {
                training.draw(session);
            }
        }

        int width = 0, height = 0;
        glfwGetFramebufferSize(context.window, &width, &height);
        context.renderer.draw(scene, camera, width, height);
        ImGui::Render();
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

        if (screenshot && frame + 1 == frames) {
            // Read the finished back buffer before swapping makes its content undefined.
            const int result = saveScreenshot(options.screenshotPath, width, height);
            glfwSwapBuffers(context.window);
            return result;
        }
        glfwSwapBuffers(context.window);
    }
    if (screenshot) {
        std::fprintf(stderr, "charsim: the window closed before the screenshot was taken\n");
        return kGuiError;
    }
    return kGuiOk;
}

}  // namespace

int runGui(Session& session, const GuiOptions& options) {
    try {
        GuiContext context;
        if (const int opened = context.open(options); opened != kGuiOk) {
            return opened;
        }
        return runLoop(session, options, context);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "charsim: the window stopped: %s\n", error.what());
        return kGuiError;
    }
}

}  // namespace app
