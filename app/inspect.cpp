#include "app/inspect.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/recording.h"
#include "app/session.h"
#include "policy/safetensors.h"
#include "policy/weights.h"
#include "sim/action_layout.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"

namespace app {

namespace {

int inspectCharacter(const std::string& path) {
    auto character = sim::loadCharacter(path);
    if (!character) {
        std::fprintf(stderr, "charsim inspect: %s\n", character.error().c_str());
        return 1;
    }
    const sim::Character& c = *character;
    std::printf("%s: DeepMimic character, %d joints, %.3f kg\n", path.c_str(), c.numJoints(),
                c.totalMass());
    std::printf("  pose/velocity size %d, degrees of freedom %d, state size %d, action size %d\n",
                c.poseSize, c.dofCount, sim::stateSize(c), sim::actionSize(c));
    for (int j = 0; j < c.numJoints(); ++j) {
        const sim::JointDef& joint = c.joints[j];
        const sim::BodyDef& body = c.bodies[j];
        std::printf("  %2d %-16s %-9s parent %2d  body %-7s %6.3f kg  torque limit %g%s\n", j,
                    joint.name.c_str(), sim::toString(joint.type), joint.parent,
                    sim::toString(body.shape), body.mass, joint.torqueLimit,
                    joint.isEndEffector ? "  end effector" : "");
    }
    std::printf("  %zu draw shapes\n", c.drawShapes.size());
    return 0;
}

int inspectMotion(const std::string& path) {
    auto character = sim::loadCharacter(defaultAssetPath("assets/characters/humanoid.json"));
    if (!character) {
        std::fprintf(stderr, "charsim inspect: %s\n", character.error().c_str());
        return 1;
    }
    auto motion = sim::loadMotion(path, *character);
    if (!motion) {
        std::fprintf(stderr, "charsim inspect: %s\n", motion.error().c_str());
        return 1;
    }
    const sim::Motion& m = *motion;
    const Eigen::Vector3d delta = sim::cycleRootDelta(m);
    std::printf("%s: DeepMimic motion, %d frames, %.4f s, loop %s\n", path.c_str(), m.numFrames(),
                m.duration(), m.loop == sim::LoopMode::Wrap ? "wrap" : "none");
    std::printf("  pose size %d (checked against the default humanoid)\n",
                static_cast<int>(m.framePoses.cols()));
    std::printf("  root advance per cycle (%.4f, %.4f, %.4f) m\n", delta.x(), delta.y(), delta.z());
    return 0;
}

int inspectController(const std::string& path) {
    auto character = sim::loadCharacter(defaultAssetPath("assets/characters/humanoid.json"));
    if (!character) {
        std::fprintf(stderr, "charsim inspect: %s\n", character.error().c_str());
        return 1;
    }
    auto gains = sim::loadControllerConfig(path, *character);
    if (!gains) {
        std::fprintf(stderr, "charsim inspect: %s\n", gains.error().c_str());
        return 1;
    }
    std::printf("%s: DeepMimic controller, phase input %s, world root rotation %s\n", path.c_str(),
                gains->enablePhaseInput ? "on" : "off", gains->recordWorldRootRot ? "on" : "off");
    for (int j = 0; j < character->numJoints(); ++j) {
        std::printf("  %2d %-16s kp %7.1f  kd %6.1f\n", j, character->joints[j].name.c_str(),
                    gains->kp[j], gains->kd[j]);
    }
    return 0;
}

// Whether `path` is a safetensors file whose metadata says it is a charsim recording (read
// from the header alone: a recording of an hour is over 100 MB).
bool isRecording(const std::string& path) {
    if (policy::detectWeightsFormat(path) != policy::WeightsFormat::Safetensors) {
        return false;
    }
    auto metadata = policy::readSafetensorsMetadata(path);
    if (!metadata) {
        return false;  // the weights reader reports what is wrong with the header
    }
    const auto format = metadata->find("format");
    return format != metadata->end() && format->second == "charsim-recording";
}

int inspectRecording(const std::string& path) {
    auto recording = readRecording(path);
    if (!recording) {
        std::fprintf(stderr, "charsim inspect: %s\n", recording.error().c_str());
        return 1;
    }
    const RecordingDescription& description = recording->description;
    const sim::EnvSettings& env = description.environment;
    const RecordingSummary summary = summarizeRecording(*recording);
    std::printf("%s: charsim recording, %lld control steps (up to %.2f s simulated)\n",
                path.c_str(), summary.steps, summary.simulatedSeconds);
    std::printf("  drive        %s (%s)\n", description.drive.c_str(),
                description.weightsDescription.c_str());
    std::printf("  files        %s, %s, %s (their text is in the recording)\n",
                description.characterPath.c_str(), description.gainsPath.c_str(),
                description.motionPath.c_str());
    std::printf("  rates        physics %g Hz, PD %g Hz, policy %g Hz\n", env.physicsRate,
                env.pdRate, env.policyRate);
    std::printf("  episodes     %d started; ended by", summary.episodes);
    for (int end = 1; end < RecordingSummary::kEndKinds; ++end) {
        std::printf("%s %s %d", end > 1 ? "," : "",
                    sim::toString(static_cast<sim::EpisodeEnd>(end)), summary.ends[end]);
    }
    std::printf("\n");
    std::printf("  pushes       %d\n", summary.pushes);
    std::printf("  mean reward  %.4f per control step\n", summary.meanReward);
    std::printf("  checks       pass (`charsim replay %s` re-simulates it)\n", path.c_str());
    return 0;
}

}  // namespace

int inspectFile(const std::string& path) {
    if (isRecording(path)) {
        return inspectRecording(path);
    }
    if (policy::detectWeightsFormat(path) != policy::WeightsFormat::Unknown) {
        auto report = policy::inspectWeights(path);
        if (!report) {
            std::fprintf(stderr, "charsim inspect: %s\n", report.error().c_str());
            return 1;
        }
        std::printf("%s", report->text().c_str());
        return report->actorLoads ? 0 : 1;
    }
    std::ifstream file(path);
    if (!file) {
        std::fprintf(stderr, "charsim inspect: %s: cannot open the file\n", path.c_str());
        return 1;
    }
    std::stringstream text;
    text << file.rdbuf();
    const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        std::fprintf(stderr,
                     "charsim inspect: %s: not a weights file (safetensors, DeepMimic .bin, TF "
                     "checkpoint) and not a JSON object (character, controller or motion)\n",
                     path.c_str());
        return 1;
    }
    if (json.contains("Skeleton")) {
        return inspectCharacter(path);
    }
    if (json.contains("Frames")) {
        return inspectMotion(path);
    }
    if (json.contains("PDControllers")) {
        return inspectController(path);
    }
    std::fprintf(stderr,
                 "charsim inspect: %s: JSON without \"Skeleton\" (character), \"Frames\" (motion) "
                 "or \"PDControllers\" (controller)\n",
                 path.c_str());
    return 1;
}

}  // namespace app
