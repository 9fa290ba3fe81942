#include "sim/motion.h"

#include <algorithm>
#include <cmath>

#include "sim/json_util.h"
#include "sim/kinematics.h"

namespace sim {

using json::Json;
using json::Where;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Name of pose entry `index` (0-based, frame column index + 1) for error messages.
std::string poseEntryName(const Character& character, int index) {
    for (int j = 0; j < character.numJoints(); ++j) {
        int offset = character.paramOffset[j];
        int size = character.paramSize[j];
        if (index < offset || index >= offset + size) {
            continue;
        }
        const char* components[] = {"w", "x", "y", "z"};
        int k = index - offset;
        std::string name = character.joints[j].name;
        if (character.joints[j].type == JointType::Root) {
            return k < 3 ? "root position " + std::string(components[k + 1])
                         : "root rotation " + std::string(components[k - 3]);
        }
        if (character.joints[j].type == JointType::Spherical) {
            return name + " rotation " + components[k];
        }
        return name + " angle";
    }
    return "entry " + std::to_string(index);
}

// DeepMimic's quaternion-to-axis-angle (cMathUtil::QuaternionToAxisAngle), as a rotation vector:
// the angle 2 acos(w) wrapped to [-pi, pi], zero when sin(angle / 2) <= 1e-6. Reproduced rather
// than using quaternionToRotationVector() so reference velocities match DeepMimic's to the bit.
Eigen::Vector3d deepMimicRotationVector(const Eigen::Quaterniond& q) {
    Eigen::Quaterniond unit = q.w() > 1 ? q.normalized() : q;
    double sinHalf = std::sqrt(std::max(0.0, 1 - unit.w() * unit.w()));
    if (sinHalf <= 1e-6) {
        return Eigen::Vector3d::Zero();
    }
    double angle = 2 * std::acos(unit.w());
    angle = std::fmod(angle, 2 * kPi);
    if (angle > kPi) {
        angle -= 2 * kPi;
    } else if (angle < -kPi) {
        angle += 2 * kPi;
    }
    return unit.vec() * (angle / sinHalf);
}

Eigen::Quaterniond quaternionAt(const Eigen::Ref<const Eigen::VectorXd>& pose, int offset) {
    return Eigen::Quaterniond(pose[offset], pose[offset + 1], pose[offset + 2], pose[offset + 3]);
}

// Finite-difference velocity from pose0 to pose1 over dt (06e5b37's KinTree::CalcVel): root
// linear and angular velocity in world (q1 q0^-1), spherical joints in their own frame
// (q0^-1 q1), revolute angle rates.
void frameDifference(const Character& character, const Eigen::VectorXd& pose0,
                     const Eigen::VectorXd& pose1, double dt, Eigen::Ref<Eigen::VectorXd> out) {
    out.setZero();
    for (int j = 0; j < character.numJoints(); ++j) {
        int offset = character.paramOffset[j];
        switch (character.joints[j].type) {
            case JointType::Root: {
                out.segment<3>(offset) = (pose1.segment<3>(offset) - pose0.segment<3>(offset)) / dt;
                Eigen::Quaterniond q0 = quaternionAt(pose0, offset + 3);
                Eigen::Quaterniond q1 = quaternionAt(pose1, offset + 3);
                out.segment<3>(offset + 3) = deepMimicRotationVector(q1 * q0.conjugate()) / dt;
                break;
            }
            case JointType::Spherical: {
                Eigen::Quaterniond q0 = quaternionAt(pose0, offset);
                Eigen::Quaterniond q1 = quaternionAt(pose1, offset);
                out.segment<3>(offset) = deepMimicRotationVector(q0.conjugate() * q1) / dt;
                break;
            }
            case JointType::Revolute:
                out[offset] = (pose1[offset] - pose0[offset]) / dt;
                break;
            case JointType::Fixed:
                break;
        }
    }
}

// One pass of DeepMimic's 2nd-order Butterworth low-pass (cMathUtil::ButterworthFilter), with
// the filter state started at the first sample; `step` is +1 (forward) or -1 (backward).
void butterworthPass(double dt, double cutoff, Eigen::Ref<Eigen::VectorXd> x, int step) {
    // Bilinear-transform coefficients with frequency pre-warping.
    double wc = std::tan(cutoff * kPi * dt);
    double k1 = std::sqrt(2.0) * wc;
    double k2 = wc * wc;
    double a = k2 / (1 + k1 + k2);
    double b = 2 * a;
    double c = a;
    double k3 = b / k2;
    double d = -2 * a + k3;
    double e = 1 - 2 * a - k3;

    int n = static_cast<int>(x.size());
    int first = step > 0 ? 0 : n - 1;
    double xm1 = x[first];
    double xm2 = x[first];
    double ym1 = x[first];
    double ym2 = x[first];
    for (int i = 0; i < n; ++i) {
        int s = step > 0 ? i : n - 1 - i;
        double input = x[s];
        double y = a * input + b * xm1 + c * xm2 + d * ym1 + e * ym2;
        x[s] = y;
        xm2 = xm1;
        xm1 = input;
        ym2 = ym1;
        ym1 = y;
    }
}

// Reference velocities per frame: differences, the last frame repeating the one before, then
// a forward and a backward Butterworth pass over each column (zero phase lag overall).
void buildFrameVelocities(const Character& character, Motion& motion) {
    int numFrames = motion.numFrames();
    motion.frameVelocities = Eigen::MatrixXd::Zero(numFrames, character.poseSize);
    if (numFrames < 2) {
        return;
    }
    Eigen::VectorXd velocity(character.poseSize);
    for (int f = 0; f + 1 < numFrames; ++f) {
        double dt = motion.frameTimes[f + 1] - motion.frameTimes[f];
        frameDifference(character, motion.framePoses.row(f).transpose(),
                        motion.framePoses.row(f + 1).transpose(), dt, velocity);
        motion.frameVelocities.row(f) = velocity.transpose();
    }
    motion.frameVelocities.row(numFrames - 1) = motion.frameVelocities.row(numFrames - 2);

    if (motion.velocityFilterCutoff > 0) {
        double dt = motion.frameTimes[1] - motion.frameTimes[0];
        for (int i = 0; i < character.poseSize; ++i) {
            Eigen::VectorXd column = motion.frameVelocities.col(i);
            butterworthPass(dt, motion.velocityFilterCutoff, column, +1);
            butterworthPass(dt, motion.velocityFilterCutoff, column, -1);
            motion.frameVelocities.col(i) = column;
        }
    }
}

Status parseLoop(const Json& root, const Where& top, Motion& motion) {
    std::string loop = "none";  // DeepMimic's default when the key is absent
    CHARSIM_TRY(json::readString(root, top, "Loop", loop));
    if (loop == "wrap") {
        motion.loop = LoopMode::Wrap;
    } else if (loop == "none") {
        motion.loop = LoopMode::None;
    } else {
        std::string expected = "\"wrap\" or \"none\"";
        if (loop == "mirror") {
            expected += " (\"mirror\" is valid in DeepMimic but not supported by charsim)";
        }
        return json::fieldError(top, "Loop", expected, json::member(root, "Loop"));
    }
    return Status::success();
}

// One row: duration then a pose; values finite, duration non-negative, quaternions non-zero.
Status parseFrame(const Json& row, const std::string& source, int f, int numFrames,
                  const Character& character, Motion& motion, double& duration) {
    int expected = 1 + character.poseSize;
    Where where{source, "Frames[" + std::to_string(f) + "]"};
    if (!row.is_array() || static_cast<int>(row.size()) != expected) {
        std::string found =
            row.is_array() ? std::to_string(row.size()) + " numbers" : json::describe(&row);
        return json::entryError(
            where, "must be an array of " + std::to_string(expected) + " numbers (duration + " +
                       std::to_string(character.poseSize) + " pose entries for " +
                       character.sourcePath + "), found " + found);
    }
    for (int i = 0; i < expected; ++i) {
        const Json& value = row[i];
        double number = value.is_number() ? value.get<double>() : 0.0;
        if (!value.is_number() || !std::isfinite(number) ||
            std::abs(number) > json::kMaxMagnitude) {
            std::string name = i == 0 ? "duration" : poseEntryName(character, i - 1);
            return json::entryError(where, "entry " + std::to_string(i) + " (" + name +
                                               ") must be a finite number of magnitude at "
                                               "most 1e9, found " +
                                               json::describe(&value));
        }
        if (i == 0) {
            duration = number;
        } else {
            motion.framePoses(f, i - 1) = number;
        }
    }
    bool last = f + 1 == numFrames;
    if (duration < 0 || (!last && duration == 0)) {
        return json::entryError(where, "entry 0 (duration) must be " +
                                           std::string(last ? "non-negative" : "positive") +
                                           " [s], found " + json::describe(&row[0]));
    }
    // Normalize every quaternion, as DeepMimic's PostProcessPose does.
    for (int j = 0; j < character.numJoints(); ++j) {
        JointType type = character.joints[j].type;
        if (type != JointType::Root && type != JointType::Spherical) {
            continue;
        }
        int offset = character.paramOffset[j] + (type == JointType::Root ? 3 : 0);
        auto q = motion.framePoses.row(f).segment<4>(offset);
        double norm = q.norm();
        if (!(norm > 1e-8)) {
            return json::entryError(where, "entries " + std::to_string(offset + 1) + ".." +
                                               std::to_string(offset + 4) + " (" +
                                               poseEntryName(character, offset) +
                                               "..z) must be a non-zero quaternion, found "
                                               "norm " +
                                               std::to_string(norm));
        }
        q /= norm;
    }
    return Status::success();
}

Status parseFrames(const Json& root, const std::string& source, const Character& character,
                   Motion& motion) {
    std::optional<Error> error;
    const Json* frames = json::readArray(root, Where{source, ""}, "Frames", true, error);
    if (frames == nullptr) {
        return *error;
    }
    int numFrames = static_cast<int>(frames->size());
    if (numFrames == 0) {
        return json::entryError(Where{source, "Frames"},
                                "must hold at least 1 frame, found an empty array");
    }
    motion.framePoses = Eigen::MatrixXd::Zero(numFrames, character.poseSize);
    motion.frameTimes.assign(numFrames, 0.0);
    double time = 0;
    for (int f = 0; f < numFrames; ++f) {
        double duration = 0;
        CHARSIM_TRY(parseFrame((*frames)[f], source, f, numFrames, character, motion, duration));
        motion.frameTimes[f] = time;
        time += duration;
    }
    return Status::success();
}

// Frame index and blend weight at `time` (DeepMimic's cMotion::CalcIndexPhase). Needs >= 2
// frames; the index is in [0, numFrames - 2] and the weight in [0, 1].
void indexPhase(const Motion& motion, double time, int& index, double& phase) {
    int numFrames = motion.numFrames();
    double duration = motion.duration();
    if (motion.loop == LoopMode::None) {
        if (time <= 0) {
            index = 0;
            phase = 0;
            return;
        }
        if (time >= duration) {
            index = numFrames - 2;
            phase = 1;
            return;
        }
    } else {
        time -= std::floor(time / duration) * duration;
        if (time < 0) {
            time += duration;
        }
    }
    auto it = std::upper_bound(motion.frameTimes.begin(), motion.frameTimes.end(), time);
    index = std::clamp(static_cast<int>(it - motion.frameTimes.begin()) - 1, 0, numFrames - 2);
    double time0 = motion.frameTimes[index];
    double time1 = motion.frameTimes[index + 1];
    phase = std::clamp((time - time0) / (time1 - time0), 0.0, 1.0);
}

}  // namespace

Result<Motion> parseMotion(const std::string& jsonText, const std::string& sourceName,
                           const Character& character) {
    Result<Json> root = json::parseText(jsonText, sourceName);
    if (!root) {
        return Error{root.error()};
    }
    if (!root->is_object()) {
        return Error{sourceName + ": must be a JSON object with \"Loop\" and \"Frames\", found " +
                     json::describe(&root.value())};
    }
    Where top{sourceName, ""};
    Motion motion;
    motion.sourcePath = sourceName;
    CHARSIM_TRY(parseLoop(*root, top, motion));
    CHARSIM_TRY(json::readNumber(*root, top, "VelFilterCutoff", motion.velocityFilterCutoff));
    CHARSIM_TRY(parseFrames(*root, sourceName, character, motion));

    if (motion.numFrames() > 1 && motion.velocityFilterCutoff > 0) {
        double nyquist = 0.5 / (motion.frameTimes[1] - motion.frameTimes[0]);
        if (motion.velocityFilterCutoff >= nyquist) {
            std::string expected = "below half the frame rate (" + std::to_string(nyquist) +
                                   " Hz, from Frames[0]'s duration), or <= 0 to disable "
                                   "filtering";
            const Json* value = json::member(*root, "VelFilterCutoff");
            if (value == nullptr) {
                return json::entryError(top, "field \"VelFilterCutoff\" must be " + expected +
                                                 ", found the default 6 Hz (set it explicitly)");
            }
            return json::fieldError(top, "VelFilterCutoff", expected, value);
        }
    }
    buildFrameVelocities(character, motion);
    return motion;
}

Result<Motion> loadMotion(const std::string& path, const Character& character) {
    Result<std::string> text = json::readTextFile(path, "motion");
    if (!text) {
        return Error{text.error()};
    }
    return parseMotion(*text, path, character);
}

Eigen::Vector3d cycleRootDelta(const Motion& motion) {
    if (motion.numFrames() == 0) {
        return Eigen::Vector3d::Zero();
    }
    Eigen::Vector3d delta = motion.framePoses.row(motion.numFrames() - 1).head<3>().transpose() -
                            motion.framePoses.row(0).head<3>().transpose();
    delta.y() = 0;
    return delta;
}

int cycleCount(const Motion& motion, double time) {
    if (motion.loop != LoopMode::Wrap || !(motion.duration() > 0)) {
        return 0;
    }
    return static_cast<int>(std::floor(time / motion.duration()));
}

void samplePose(const Character& character, const Motion& motion, double time,
                Eigen::Ref<Eigen::VectorXd> pose) {
    if (motion.numFrames() < 2) {
        pose = motion.framePoses.row(0).transpose();
        return;
    }
    int index = 0;
    double phase = 0;
    indexPhase(motion, time, index, phase);
    auto pose0 = motion.framePoses.row(index);
    auto pose1 = motion.framePoses.row(index + 1);

    // Lerp positions and angles, slerp quaternions (KinTree::LerpPoses).
    for (int j = 0; j < character.numJoints(); ++j) {
        int offset = character.paramOffset[j];
        int size = character.paramSize[j];
        JointType type = character.joints[j].type;
        int lerpSize = type == JointType::Root ? 3 : (type == JointType::Spherical ? 0 : size);
        for (int k = 0; k < lerpSize; ++k) {
            pose[offset + k] = (1 - phase) * pose0[offset + k] + phase * pose1[offset + k];
        }
        if (type == JointType::Root || type == JointType::Spherical) {
            int q = offset + (type == JointType::Root ? 3 : 0);
            Eigen::Quaterniond a(pose0[q], pose0[q + 1], pose0[q + 2], pose0[q + 3]);
            Eigen::Quaterniond b(pose1[q], pose1[q + 1], pose1[q + 2], pose1[q + 3]);
            Eigen::Quaterniond blended = slerpShortest(a, b, phase);
            pose[q] = blended.w();
            pose.segment<3>(q + 1) = blended.vec();
        }
    }
    int cycles = cycleCount(motion, time);
    if (cycles != 0) {
        pose.head<3>() += cycles * cycleRootDelta(motion);
    }
}

void sampleVelocity(const Character& character, const Motion& motion, double time,
                    Eigen::Ref<Eigen::VectorXd> velocity) {
    (void)character;
    // A finished non-looping clip stands still (cMotion::CalcFrameVel).
    if (motion.numFrames() < 2 || (motion.loop == LoopMode::None && time >= motion.duration())) {
        velocity.setZero();
        return;
    }
    int index = 0;
    double phase = 0;
    indexPhase(motion, time, index, phase);
    velocity = ((1 - phase) * motion.frameVelocities.row(index) +
                phase * motion.frameVelocities.row(index + 1))
                   .transpose();
}

}  // namespace sim
