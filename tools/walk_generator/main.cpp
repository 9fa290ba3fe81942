// charsim_walk_generator: writes the project's walk clip from its character's segment lengths.
//   charsim_walk_generator --character assets/characters/humanoid.json
//                          --out assets/motions/walk.json [--speed 1.0 --cycle 1.0 ...]

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "sim/character.h"
#include "tools/walk_generator/walk_gait.h"

namespace {

// Writes `text` to `path` through a temporary file beside it, so readers never see half a file.
bool writeAtomically(const std::string& path, const std::string& text, std::string& error) {
    std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) {
            error = "cannot write " + temporary;
            return false;
        }
    }
    std::error_code code;
    std::filesystem::rename(temporary, path, code);
    if (code) {
        error = "cannot rename " + temporary + " to " + path + ": " + code.message();
        std::filesystem::remove(temporary, code);
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Generates a looping DeepMimic walk clip for a humanoid3d-topology character"};
    std::string characterPath = "assets/characters/humanoid.json";
    std::string outPath = "assets/motions/walk.json";
    walkgen::GaitParams p;
    app.add_option("--character", characterPath, "DeepMimic character file")->capture_default_str();
    app.add_option("--out", outPath, "motion file to write")->capture_default_str();
    app.add_option("--speed", p.speed, "forward speed [m/s]")->capture_default_str();
    app.add_option("--cycle", p.cycleDuration, "stride duration [s]")->capture_default_str();
    app.add_option("--duty", p.dutyFactor, "stance share of a cycle")->capture_default_str();
    app.add_option("--fps", p.framesPerSecond, "frame rate [1/s]")->capture_default_str();
    app.add_option("--bob", p.bobAmplitude, "pelvis bob, half peak to peak [m]")
        ->capture_default_str();
    app.add_option("--sway", p.swayAmplitude, "pelvis lateral sway [m]")->capture_default_str();
    app.add_option("--pelvis-yaw", p.pelvisYaw, "pelvis yaw amplitude [rad]")
        ->capture_default_str();
    app.add_option("--foot-lift", p.footLift, "swing foot peak height [m]")->capture_default_str();
    app.add_option("--lift-peak", p.liftPeak, "share of the swing at the highest lift")
        ->capture_default_str();
    app.add_option("--sole-clearance", p.soleClearance, "stance sole height [m]")
        ->capture_default_str();
    app.add_option("--min-knee", p.minKneeFlexion, "straightest knee flexion [rad]")
        ->capture_default_str();
    app.add_option("--arm-swing", p.armSwing, "shoulder swing amplitude [rad]")
        ->capture_default_str();
    app.add_option("--lean", p.trunkLean, "forward trunk lean [rad]")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    auto character = sim::loadCharacter(characterPath);
    if (!character) {
        std::fprintf(stderr, "error: %s\n", character.error().c_str());
        return 1;
    }
    auto clip = walkgen::generateWalk(*character, p);
    if (!clip) {
        std::fprintf(stderr, "error: %s\n", clip.error().c_str());
        return 1;
    }
    std::string error;
    if (!writeAtomically(outPath, walkgen::formatMotionJson(*clip), error)) {
        std::fprintf(stderr, "error: %s\n", error.c_str());
        return 1;
    }
    constexpr double kDegrees = 180 / std::numbers::pi;
    std::printf(
        "wrote %s: %zu frames, %.4f s, stride %.3f m, pelvis height %.4f m, "
        "mid-stance knee flexion %.1f deg\n",
        outPath.c_str(), clip->poses.size(), clip->frameDuration * (clip->poses.size() - 1),
        clip->strideLength, clip->meanPelvisHeight, clip->midStanceKneeFlexion * kDegrees);
    return 0;
}
