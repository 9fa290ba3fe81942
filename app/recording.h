#pragma once
// A recorded session: the character, gains and clip it ran (their text, so a recording replays
// without the files or the policy), the simulation settings, and per control step the reset,
// push and action that were applied and where every body was afterwards. Replaying
// re-simulates them and compares each step with the recorded one, bit for bit.
//
// On disk a recording is a safetensors file (docs/recordings.md): a tensor per kind of step
// data (F64, the episode ends U8) and the description as metadata strings, written to a
// temporary file and renamed.

#include <Eigen/Core>

#include <cstdint>
#include <cstring>
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
    std::string drive;               // "policy" or "reference", at the session's start
    std::string weightsDescription;  // which weights the policy ran, at the session's start
    uint64_t seed = 0;               // the session's seed
    int actionSize = 0;              // entries per action
    int bodyCount = 0;               // bodies per pose
};

// Body placements per pose: position x, y, z [m], then rotation w, x, y, z.
inline constexpr int kPlacementValues = 7;
// A push per step: body (-1: none), force x, y, z [N, world frame], duration [s].
inline constexpr int kPushValues = 5;

// A description and the control steps taken, in order.
struct Recording {
    RecordingDescription description;
    // Per control step: the clip time [s] the episode was reset to before the step, or NaN
    // when the step continued the episode.
    std::vector<double> resetTimes;
    // [steps x kPushValues] the push that began before the step (after its reset, if any)
    std::vector<double> pushes;
    std::vector<double> actions;     // [steps x actionSize] raw actions, as applied
    std::vector<double> rewards;     // [steps] reward of the step
    std::vector<uint8_t> ends;       // [steps] sim::EpisodeEnd the step ended with
    std::vector<double> placements;  // [steps x bodyCount x kPlacementValues] after the step

    long long steps() const { return static_cast<long long>(resetTimes.size()); }
    // Makes room for `steps` control steps, so that appending them allocates nothing.
    void reserve(long long steps);
    // Appends one control step (sizes must match the description).
    void append(double resetTime, const sim::Push& push,
                const Eigen::Ref<const Eigen::VectorXd>& action, double reward, sim::EpisodeEnd end,
                const std::vector<double>& stepPlacements);
    // The push that began before step `step` (body -1 when none).
    sim::Push push(long long step) const;
    // The action of step `step` (actionSize entries).
    const double* action(long long step) const {
        return actions.data() + step * description.actionSize;
    }
    // The placements after step `step` (bodyCount x kPlacementValues entries).
    const double* placementsAfter(long long step) const {
        return placements.data() + step * description.bodyCount * kPlacementValues;
    }
};

// A recording counted (for `charsim inspect`).
struct RecordingSummary {
    static constexpr int kEndKinds = static_cast<int>(sim::EpisodeEnd::Invalid) + 1;
    long long steps = 0;
    int episodes = 0;          // episodes started (steps with a reset time)
    int pushes = 0;            // pushes given (steps with a push)
    int ends[kEndKinds] = {};  // steps by the sim::EpisodeEnd they ended with
    double meanReward = 0;     // per control step
    // Control steps over the policy rate [s]: an upper bound, as a step cut short by the end
    // of its episode counts whole.
    double simulatedSeconds = 0;
};
RecordingSummary summarizeRecording(const Recording& recording);

// How a replay compares with its recording so far. A step differs when any bit of a body
// placement, of the reward or of the episode end differs (NaN against the same NaN is equal).
struct ReplayComparison {
    long long recordedSteps = 0;        // control steps in the recording
    long long comparedSteps = 0;        // replayed and compared so far
    long long differentSteps = 0;       // steps that differ
    long long firstDifferentStep = -1;  // the first of them, or -1
    int firstDifferentBody = -1;        // the first body whose placement differed there, or -1
    double firstBodyDifference = 0;     // that body's largest difference [m or quaternion units]
    bool firstEndDiffers = false;       // the episode ended there in one run and not the other
    double largestDifference = 0;       // largest placement difference over the steps compared
    bool finished() const { return comparedSteps >= recordedSteps; }
};

// Compares the replay's step `comparison.comparedSteps` (placements after it, reward, episode
// end) with the recording's and counts it.
void compareReplayStep(const Recording& recording, const std::vector<double>& placements,
                       double reward, sim::EpisodeEnd end, ReplayComparison& comparison);

// Writes `path`.tmp and renames it onto `path`; the error names the file.
sim::Status writeRecording(const std::string& path, const Recording& recording);

// Why a session with these settings cannot be recorded (a setting not finite), or success.
sim::Status checkRecordable(const RecordingDescription& description);

// Whether a recording can be written to `path`: a probe file beside it is created and removed.
sim::Status checkRecordingWritable(const std::string& path);

// Reads and checks a recording; errors name the file and the entry or step that is wrong.
sim::Result<Recording> readRecording(const std::string& path);

}  // namespace app
