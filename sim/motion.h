#pragma once
// A reference motion clip in DeepMimic's format: frames of (duration, pose), played back with
// interpolation, looping and DeepMimic's filtered reference velocities.

#include <Eigen/Core>

#include <string>
#include <vector>

#include "sim/character.h"
#include "sim/result.h"

namespace sim {

enum class LoopMode {
    None,  // "none": time is clamped to the clip
    Wrap,  // "wrap": the clip repeats, the root advancing by cycleRootDelta each cycle
};

struct Motion {
    std::string sourcePath;
    LoopMode loop = LoopMode::Wrap;  // the loader uses DeepMimic's "none" when "Loop" is absent
    std::vector<double> frameTimes;  // start time of each frame [s]; frameTimes[0] == 0
    Eigen::MatrixXd framePoses;      // [numFrames, poseSize], quaternions normalized
    // [numFrames, poseSize]: finite differences from frame i to i + 1 (the last row repeats the
    // one before), low-passed by DeepMimic's 2nd-order Butterworth run forward then backward.
    Eigen::MatrixXd frameVelocities;
    double velocityFilterCutoff = 6;  // VelFilterCutoff [Hz]; <= 0 disables filtering

    int numFrames() const { return static_cast<int>(framePoses.rows()); }
    double duration() const { return frameTimes.empty() ? 0.0 : frameTimes.back(); }
};

// Reads a DeepMimic motion file for `character`. Errors name the file, the frame and the entry.
// Refused: "mirror" loops, rows of the wrong length, non-finite or |x| > 1e9 values, negative
// durations, zero durations before the last frame, zero quaternions, and a filter cutoff at or
// above half the frame rate.
Result<Motion> loadMotion(const std::string& path, const Character& character);
// Parses motion JSON text; `sourceName` is used in error messages.
Result<Motion> parseMotion(const std::string& jsonText, const std::string& sourceName,
                           const Character& character);

// Root translation added per completed cycle of a looping clip [m] (y component is zero).
Eigen::Vector3d cycleRootDelta(const Motion& motion);

// Number of completed cycles at time t (0 for non-looping clips).
int cycleCount(const Motion& motion, double time);

// The pose at time t [s]: lerp for positions and revolute angles, shortest-arc slerp for
// quaternions, the cycle root offset added for looping clips. `pose` must have poseSize entries.
void samplePose(const Character& character, const Motion& motion, double time,
                Eigen::Ref<Eigen::VectorXd> pose);

// The reference velocity at time t [s] (DeepMimic's CalcVel: interpolated frame velocities).
void sampleVelocity(const Character& character, const Motion& motion, double time,
                    Eigen::Ref<Eigen::VectorXd> velocity);

}  // namespace sim
