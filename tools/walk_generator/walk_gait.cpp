#include "tools/walk_generator/walk_gait.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

namespace walkgen {

namespace {

constexpr double kPi = std::numbers::pi;

Eigen::Quaterniond axisAngle(double angle, const Eigen::Vector3d& axis) {
    return Eigen::Quaterniond(Eigen::AngleAxisd(angle, axis));
}

// Index of the joint called `name`, checked to have `type`.
sim::Result<int> findJoint(const sim::Character& character, const std::string& name,
                           sim::JointType type) {
    for (int j = 0; j < character.numJoints(); ++j) {
        if (character.joints[j].name != name) {
            continue;
        }
        if (character.joints[j].type != type) {
            return sim::Error{character.sourcePath + ": joint \"" + name + "\" is " +
                              sim::toString(character.joints[j].type) + ", the walk needs " +
                              sim::toString(type)};
        }
        return j;
    }
    return sim::Error{character.sourcePath + ": no joint named \"" + name +
                      "\" (the walk needs humanoid3d's joint names)"};
}

// A segment whose child joint hangs straight below its parent: its length, or an error.
sim::Result<double> hangingLength(const sim::Character& character, int child) {
    const Eigen::Vector3d& attach = character.joints[child].attach;
    if (std::abs(attach.x()) > 1e-9 || std::abs(attach.z()) > 1e-9 || attach.y() >= 0) {
        return sim::Error{character.sourcePath + ": joint \"" + character.joints[child].name +
                          "\" must hang straight below its parent (Attach 0, -length, 0)"};
    }
    return -attach.y();
}

sim::Result<LegGeometry> readLeg(const sim::Character& character, const std::string& side) {
    LegGeometry leg;
    auto hip = findJoint(character, side + "_hip", sim::JointType::Spherical);
    auto knee = findJoint(character, side + "_knee", sim::JointType::Revolute);
    auto ankle = findJoint(character, side + "_ankle", sim::JointType::Spherical);
    for (const auto* found : {&hip, &knee, &ankle}) {
        if (!*found) {
            return sim::Error{found->error()};
        }
    }
    leg.hip = *hip;
    leg.knee = *knee;
    leg.ankle = *ankle;
    leg.hipAttach = character.joints[leg.hip].attach;
    auto thigh = hangingLength(character, leg.knee);
    auto shank = hangingLength(character, leg.ankle);
    if (!thigh || !shank) {
        return sim::Error{!thigh ? thigh.error() : shank.error()};
    }
    leg.thigh = *thigh;
    leg.shank = *shank;

    // The foot must be a box aligned with the ankle frame, so a flat sole is one plane.
    const sim::BodyDef& foot = character.bodies[leg.ankle];
    if (foot.shape != sim::ShapeType::Box ||
        !foot.attachRotation.isApprox(Eigen::Quaterniond::Identity(), 1e-12)) {
        return sim::Error{character.sourcePath + ": body of \"" + side +
                          "_ankle\" must be a box with zero AttachTheta (a flat sole)"};
    }
    leg.ankleHeight = -(foot.attach.y() - 0.5 * foot.param.y());
    return leg;
}

// Distance from hip to ankle at knee flexion `flexion` (law of cosines).
double legReach(const LegGeometry& leg, double flexion) {
    double a = leg.thigh, b = leg.shank;
    return std::sqrt(a * a + b * b + 2 * a * b * std::cos(flexion));
}

// Orthonormal frame with x along `along` and z along `hinge` (perpendicular to `along`).
Eigen::Matrix3d legFrame(const Eigen::Vector3d& along, const Eigen::Vector3d& hinge) {
    Eigen::Matrix3d frame;
    frame.col(0) = along;
    frame.col(1) = hinge.cross(along);
    frame.col(2) = hinge;
    return frame;
}

// Where the pelvis is at cycle phase u: root position, yaw about +Y.
struct PelvisState {
    Eigen::Vector3d position;
    Eigen::Quaterniond rotation;
};

struct Schedule {
    const GaitParams& params;
    double stride = 0;  // root advance per cycle [m]

    // Root position and rotation at phase u in [0, 1), pelvis mean height y0.
    PelvisState pelvis(double u, double y0) const {
        double midStance = 0.5 * params.dutyFactor;  // right mid-stance phase
        double time = u * params.cycleDuration;
        PelvisState state;
        state.position.x() = params.speed * time;
        // Highest at each mid-stance (twice a cycle), lowest in double support.
        state.position.y() = y0 + params.bobAmplitude * std::cos(4 * kPi * (u - midStance));
        // Toward the stance foot: right (+Z) in right stance.
        state.position.z() = params.swayAmplitude * std::cos(2 * kPi * (u - midStance));
        state.rotation =
            axisAngle(params.pelvisYaw * std::cos(2 * kPi * u), Eigen::Vector3d::UnitY());
        return state;
    }

    // World target of a leg's ankle joint at cycle phase u; `offset` is the leg's landing phase
    // (0 right, 0.5 left) and `lateral` its Z. Sets `stance` when the foot is on the ground.
    Eigen::Vector3d ankle(double u, double offset, double lateral, double ankleHeight,
                          bool& stance) const {
        double p = u - offset;
        if (p < 0) {
            p += 1;
        }
        double landingTime = (u - p) * params.cycleDuration;
        // The stance foot lands half the stance excursion ahead of the hip.
        double landingX = params.speed * landingTime + 0.5 * params.dutyFactor * stride;
        Eigen::Vector3d target(landingX, ankleHeight + params.soleClearance, lateral);
        stance = p < params.dutyFactor;
        if (!stance) {
            // Swing: minimum-jerk forward travel (Flash and Hogan 1985), sin^2 lift; zero
            // velocity at both ends, and the foot rises before it travels.
            double s = (p - params.dutyFactor) / (1 - params.dutyFactor);
            target.x() += stride * s * s * s * (10 - 15 * s + 6 * s * s);
            // The lift's time is warped so its peak falls at liftPeak of the swing.
            double w = std::pow(s, std::log(0.5) / std::log(params.liftPeak));
            target.y() += params.footLift * std::sin(kPi * w) * std::sin(kPi * w);
        }
        return target;
    }
};

sim::Status checkParams(const GaitParams& p) {
    auto bad = [](const char* what) { return sim::Status(sim::Error{std::string(what)}); };
    if (!(p.speed > 0) || !(p.cycleDuration > 0) || !(p.framesPerSecond > 0)) {
        return bad("speed, cycle duration and frame rate must be positive");
    }
    if (!(p.dutyFactor > 0.5 && p.dutyFactor < 1)) {
        return bad("duty factor must lie in (0.5, 1): walking has double support");
    }
    if (std::lround(p.cycleDuration * p.framesPerSecond) < 4) {
        return bad("a cycle needs at least 4 frames (raise the frame rate or the cycle duration)");
    }
    if (!(p.liftPeak > 0 && p.liftPeak < 1)) {
        return bad("lift peak must lie in (0, 1)");
    }
    if (p.footLift < 0 || p.minKneeFlexion < 0 || p.soleClearance < 0) {
        return bad("foot lift, sole clearance and minimum knee flexion must not be negative");
    }
    return sim::Status::success();
}

void writeQuaternion(Eigen::VectorXd& pose, int offset, Eigen::Quaterniond q) {
    q.normalize();
    if (q.w() < 0) {
        q.coeffs() = -q.coeffs();  // one sign per rotation keeps the file canonical
    }
    pose[offset] = q.w();
    pose.segment<3>(offset + 1) = q.vec();
}

// Joint indices of the upper body.
struct UpperBody {
    int chest = -1, neck = -1;
    int shoulder[2] = {-1, -1}, elbow[2] = {-1, -1};  // [right, left]
};

sim::Result<UpperBody> readUpperBody(const sim::Character& character) {
    UpperBody upper;
    std::vector<std::pair<int*, std::pair<const char*, sim::JointType>>> wanted = {
        {&upper.chest, {"chest", sim::JointType::Spherical}},
        {&upper.neck, {"neck", sim::JointType::Spherical}},
        {&upper.shoulder[0], {"right_shoulder", sim::JointType::Spherical}},
        {&upper.shoulder[1], {"left_shoulder", sim::JointType::Spherical}},
        {&upper.elbow[0], {"right_elbow", sim::JointType::Revolute}},
        {&upper.elbow[1], {"left_elbow", sim::JointType::Revolute}},
    };
    for (auto& [index, spec] : wanted) {
        auto found = findJoint(character, spec.first, spec.second);
        if (!found) {
            return sim::Error{found.error()};
        }
        *index = *found;
    }
    return upper;
}

// Trunk counter-rotation and arm swing at phase u.
void writeUpperBody(const sim::Character& character, const UpperBody& upper, const GaitParams& p,
                    double u, double pelvisYaw, Eigen::VectorXd& pose) {
    const Eigen::Vector3d kX = Eigen::Vector3d::UnitX(), kY = Eigen::Vector3d::UnitY(),
                          kZ = Eigen::Vector3d::UnitZ();
    // The thorax turns against the pelvis by half its yaw and leans forward (-Z); the neck
    // undoes both so the head faces +X, level.
    double thoraxYaw = -0.5 * pelvisYaw;
    Eigen::Quaterniond chest = axisAngle(thoraxYaw - pelvisYaw, kY) * axisAngle(-p.trunkLean, kZ);
    Eigen::Quaterniond neck = axisAngle(p.trunkLean, kZ) * axisAngle(-thoraxYaw, kY);
    writeQuaternion(pose, character.paramOffset[upper.chest], chest);
    writeQuaternion(pose, character.paramOffset[upper.neck], neck);

    // Each arm swings against its own leg: the right arm is back when the right foot lands.
    for (int side = 0; side < 2; ++side) {
        double sign = side == 0 ? 1.0 : -1.0;
        double swing = -sign * p.armSwing * std::cos(2 * kPi * u);
        // Positive X rotation moves a right arm inward, so abduction is -X on the right.
        Eigen::Quaterniond shoulder =
            axisAngle(swing + p.trunkLean, kZ) * axisAngle(-sign * p.armAbduction, kX);
        writeQuaternion(pose, character.paramOffset[upper.shoulder[side]], shoulder);
        double forward = p.armSwing > 0 ? swing / p.armSwing : 0;
        pose[character.paramOffset[upper.elbow[side]]] =
            std::max(0.0, p.elbowFlexion * (1 + 0.5 * forward));
    }
}

// Highest mean pelvis height at which both stance ankles stay within reach in every frame;
// NaN when some stance ankle is horizontally farther from its hip than the leg reaches. (Swing
// targets out of reach are pulled toward the hip instead: see generateWalk.)
double pelvisHeight(const Schedule& schedule, const LegGeometry legs[2], int numFrames) {
    const double offsets[2] = {0.0, 0.5};
    double y0 = std::numeric_limits<double>::infinity();
    for (int i = 0; i < numFrames; ++i) {
        double u = static_cast<double>(i) / numFrames;
        PelvisState at = schedule.pelvis(u, 0.0);
        for (int side = 0; side < 2; ++side) {
            const LegGeometry& leg = legs[side];
            bool stance = false;
            Eigen::Vector3d ankle =
                schedule.ankle(u, offsets[side], leg.hipAttach.z(), leg.ankleHeight, stance);
            if (!stance) {
                continue;
            }
            Eigen::Vector3d hip = at.position + at.rotation * leg.hipAttach;
            double reach = legReach(leg, schedule.params.minKneeFlexion);
            double horizontal2 = (ankle - hip).cwiseProduct(Eigen::Vector3d(1, 0, 1)).squaredNorm();
            if (horizontal2 >= reach * reach) {
                return std::numeric_limits<double>::quiet_NaN();
            }
            double vertical = std::sqrt(reach * reach - horizontal2);
            y0 = std::min(y0, ankle.y() + vertical - hip.y());
        }
    }
    return y0;
}

}  // namespace

bool solveLeg(const LegGeometry& leg, const Eigen::Vector3d& target, double minFlexion,
              Eigen::Quaterniond& hipRotation, double& kneeAngle) {
    double a = leg.thigh, b = leg.shank;
    double distance = target.norm();
    if (distance > legReach(leg, minFlexion) * (1 + 1e-12) || distance < std::abs(a - b)) {
        return false;
    }
    // Knee flexion from the law of cosines; the knee bends about -Z (foot goes backward).
    double cosFlexion = std::clamp((distance * distance - a * a - b * b) / (2 * a * b), -1.0, 1.0);
    double flexion = std::acos(cosFlexion);
    kneeAngle = -flexion;

    // Ankle relative to the hip with the hip unrotated, then the rotation taking that leg
    // frame onto the target direction with the hinge nearest the pelvis Z axis.
    Eigen::Vector3d rest(b * std::sin(kneeAngle), -a - b * std::cos(kneeAngle), 0);
    Eigen::Vector3d along = target / distance;
    Eigen::Vector3d hinge = Eigen::Vector3d::UnitZ() - along.z() * along;
    if (hinge.norm() < 1e-9) {
        return false;  // leg pointing along the pelvis Z axis: the hinge is undefined
    }
    Eigen::Matrix3d from = legFrame(rest.normalized(), Eigen::Vector3d::UnitZ());
    Eigen::Matrix3d to = legFrame(along, hinge.normalized());
    hipRotation = Eigen::Quaterniond(Eigen::Matrix3d(to * from.transpose())).normalized();
    return true;
}

sim::Result<WalkClip> generateWalk(const sim::Character& character, const GaitParams& params) {
    if (sim::Status status = checkParams(params); !status) {
        return sim::Error{"walk parameters: " + status.error()};
    }
    auto right = readLeg(character, "right");
    auto left = readLeg(character, "left");
    auto upper = readUpperBody(character);
    if (!right || !left || !upper) {
        return sim::Error{!right ? right.error() : (!left ? left.error() : upper.error())};
    }
    const LegGeometry legs[2] = {*right, *left};
    const double offsets[2] = {0.0, 0.5};

    // Timing: a whole number of frames per cycle, the last frame closing the loop.
    int numFrames = static_cast<int>(std::lround(params.cycleDuration * params.framesPerSecond));
    Schedule schedule{params, params.speed * params.cycleDuration};
    WalkClip clip;
    clip.frameDuration = params.cycleDuration / numFrames;
    clip.strideLength = schedule.stride;
    clip.meanPelvisHeight = pelvisHeight(schedule, legs, numFrames);
    if (std::isnan(clip.meanPelvisHeight)) {
        return sim::Error{"walk parameters: a stride of " + std::to_string(schedule.stride) +
                          " m puts the feet out of the legs' reach (lower the speed, shorten "
                          "the cycle or lower the duty factor)"};
    }

    if (character.poseSize < 7) {
        return sim::Error{character.sourcePath + ": no root joint to carry the walk"};
    }
    for (int i = 0; i < numFrames; ++i) {
        double u = static_cast<double>(i) / numFrames;
        Eigen::VectorXd pose = Eigen::VectorXd::Zero(std::max(character.poseSize, 7));
        PelvisState pelvis = schedule.pelvis(u, clip.meanPelvisHeight);
        pose.head<3>() = pelvis.position;
        writeQuaternion(pose, 3, pelvis.rotation);

        // Legs: IK to the ankle target, then the ankle keeps the foot level and facing +X.
        for (int side = 0; side < 2; ++side) {
            const LegGeometry& leg = legs[side];
            bool stance = false;
            Eigen::Vector3d ankle =
                schedule.ankle(u, offsets[side], leg.hipAttach.z(), leg.ankleHeight, stance);
            Eigen::Vector3d target =
                pelvis.rotation.inverse() * (ankle - pelvis.position) - leg.hipAttach;
            // A swing foot beyond reach (just after lift-off, just before landing, where a
            // human foot would roll over heel or toe) is pulled toward the hip: it rises.
            double reach = legReach(leg, params.minKneeFlexion);
            if (!stance && target.norm() > reach) {
                target *= reach / target.norm();
            }
            Eigen::Quaterniond hip;
            double knee = 0;
            if (!solveLeg(leg, target, params.minKneeFlexion * (1 - 1e-9), hip, knee)) {
                return sim::Error{"walk parameters: frame " + std::to_string(i) +
                                  ": the ankle target is out of the leg's reach (shorten the "
                                  "stride or lower the duty factor)"};
            }
            Eigen::Quaterniond shank =
                pelvis.rotation * hip * axisAngle(knee, Eigen::Vector3d::UnitZ());
            writeQuaternion(pose, character.paramOffset[leg.hip], hip);
            pose[character.paramOffset[leg.knee]] = knee;
            writeQuaternion(pose, character.paramOffset[leg.ankle], shank.inverse());
            if (side == 0 && i == std::lround(0.5 * params.dutyFactor * numFrames)) {
                clip.midStanceKneeFlexion = -knee;
            }
        }
        writeUpperBody(character, *upper, params, u, params.pelvisYaw * std::cos(2 * kPi * u),
                       pose);
        clip.poses.push_back(std::move(pose));
    }
    // The closing frame is the first one carried forward by a stride, so wrap playback is
    // continuous bit for bit.
    clip.poses.push_back(clip.poses.front());
    clip.poses.back()[0] += schedule.stride;
    return clip;
}

std::string formatMotionJson(const WalkClip& clip) {
    auto number = [](double value) {
        if (std::abs(value) < 5e-10) {
            value = 0;  // no "-0.000000000"
        }
        char text[32];
        std::snprintf(text, sizeof text, "%.9f", value);
        return std::string(text);
    };
    std::string out = "{\n    \"Loop\": \"wrap\",\n    \"Frames\": [\n";
    for (std::size_t i = 0; i < clip.poses.size(); ++i) {
        bool lastFrame = i + 1 == clip.poses.size();
        out += "        [" + number(lastFrame ? 0.0 : clip.frameDuration);
        for (Eigen::Index k = 0; k < clip.poses[i].size(); ++k) {
            out += ", " + number(clip.poses[i][k]);
        }
        out += lastFrame ? "]\n" : "],\n";
    }
    out += "    ]\n}\n";
    return out;
}

}  // namespace walkgen
