#pragma once
// A recorded session: the character, gains and clip it ran (their text, so a recording replays
// without the files or the policy), the simulation settings, and per control step the action
// that was applied and where every body was afterwards. Replaying re-simulates the recorded
// actions and compares each step's body placements with the recorded ones, bit for bit.
//
// On disk a recording is a safetensors file (docs/recordings.md): F64 tensors per control step
// and the description as metadata strings, written to a temporary file and renamed.

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/imitation_env.h"
#include "sim/result.h"

namespace app {

// What a session ran: enough to rebuild it exactly (drive and weights are for the reader).
struct RecordingDescription {
    std::string characterText, gainsText, motionText;  // the files' contents
    std::string characterPath, gainsPath, motionPath;  // where they were read from
    sim::EnvSettings environment;                      // rates, physics, episodes (measureTime off)
    std::string drive;                                 // "policy" or "reference"
    std::string weightsDescription;                    // which weights the policy ran
    uint64_t seed = 0;                                 // the session's seed
    int actionSize = 0;                                // entries per action
    int bodyCount = 0;                                 // bodies per pose
};

// Body placements per pose: position x, y, z [m], then rotation w, x, y, z.
inline constexpr int kPlacementValues = 7;

// A description and the control steps taken, in order.
struct Recording {
    RecordingDescription description;
    // Per control step: the clip time [s] the episode was reset to before the step, or NaN
    // when the step continued the episode.
    std::vector<double> resetTimes;
    std::vector<double> actions;     // [steps x actionSize] raw actions, as applied
    std::vector<double> rewards;     // [steps] reward of the step
    std::vector<uint8_t> ends;       // [steps] sim::EpisodeEnd the step ended with
    std::vector<double> placements;  // [steps x bodyCount x kPlacementValues] after the step

    long long steps() const { return static_cast<long long>(resetTimes.size()); }
    // Makes room for `steps` control steps, so that appending them allocates nothing.
    void reserve(long long steps);
    // Appends one control step (sizes must match the description).
    void append(double resetTime, const Eigen::Ref<const Eigen::VectorXd>& action, double reward,
                sim::EpisodeEnd end, const std::vector<double>& stepPlacements);
    // The action of step `step` (actionSize entries).
    const double* action(long long step) const {
        return actions.data() + step * description.actionSize;
    }
    // The placements after step `step` (bodyCount x kPlacementValues entries).
    const double* placementsAfter(long long step) const {
        return placements.data() + step * description.bodyCount * kPlacementValues;
    }
};

// Writes `path`.tmp and renames it onto `path`; the error names the file.
sim::Status writeRecording(const std::string& path, const Recording& recording);

// Reads and checks a recording; errors name the file and the entry or step that is wrong.
sim::Result<Recording> readRecording(const std::string& path);

}  // namespace app
