#pragma once
// The desktop window: a GLFW + OpenGL 3.3 view of a running Session with an ImGui panel, and a
// headless-friendly screenshot mode that renders a fixed number of frames to a PNG.

#include <string>

#include "app/session.h"

namespace app {

struct GuiOptions {
    int width = 1280;  // window size [screen pixels]
    int height = 720;
    std::string screenshotPath;    // non-empty: render `frames` frames, write this PNG, return
    int frames = 0;                // frames to render; 0 runs until the window is closed
    bool showCharacter = true;     // draw the simulated character
    bool showReference = true;     // draw the kinematic reference, translucent, beside it
    float referenceOffset = 1.0f;  // the reference's distance to the character's side [m]
    bool showPanel = true;         // draw the ImGui panel (also into screenshots)
    std::string recordPath;        // where the panel's "save recording now" writes (view --record)
};

// runGui's return values.
inline constexpr int kGuiOk = 0;
inline constexpr int kGuiError = 1;      // GL loader, shader, screenshot write or session failure
inline constexpr int kGuiNoDisplay = 2;  // no window system or no OpenGL 3.3 core context

// Opens the window "charsim" and runs `session` in it: wall-clock driven (times the speed
// slider) in a window, or 1/60 s of simulated time per frame in screenshot mode so the picture
// is deterministic. Failures print one line naming the cause to stderr and return non-zero.
int runGui(Session& session, const GuiOptions& options);

}  // namespace app
