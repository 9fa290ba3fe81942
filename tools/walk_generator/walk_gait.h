#pragma once
// A parametric walk for a humanoid3d-topology character: pelvis trajectory, flat-footed stance,
// lifted swing arcs, analytic two-link leg IK, counter-swinging arms. Produces the frames of a
// looping DeepMimic motion clip; everything is a pure function of the character and parameters.

#include <Eigen/Core>
#include <Eigen/Geometry>

#include <string>
#include <vector>

#include "sim/character.h"
#include "sim/result.h"

namespace walkgen {

// Gait parameters. Phase 0 is the right foot landing; the left foot lands half a cycle later.
struct GaitParams {
    double speed = 1.0;           // forward speed along +X [m/s]
    double cycleDuration = 1.0;   // one stride (right landing to right landing) [s]
    double dutyFactor = 0.58;     // share of the cycle a foot is on the ground
    double framesPerSecond = 60;  // frame rate; rounded so a cycle is a whole number of frames
    double bobAmplitude = 0.025;  // pelvis vertical oscillation, half of peak to peak [m]
    double swayAmplitude = 0.02;  // pelvis lateral shift toward the stance foot [m]
    double pelvisYaw = 0.06;      // pelvis rotation about +Y, right hip forward at landing [rad]
    double footLift = 0.08;       // peak sole height of the swing foot [m]
    double liftPeak = 0.3;        // share of the swing at which the foot is highest
    // Stance sole height [m]: playback interpolates joint angles between frames, which lets a
    // planted foot dip by up to ~0.5 mm at 60 frames/s; this margin keeps it above the ground.
    double soleClearance = 0.001;
    double minKneeFlexion = 0.1;  // straightest knee the IK may use; sets the pelvis height [rad]
    double armSwing = 0.3;        // shoulder swing about the chest's Z axis [rad]
    double armAbduction = 0.08;   // arms held out from the trunk [rad]
    double elbowFlexion = 0.3;    // mean elbow flexion [rad]
    double trunkLean = 0.05;      // forward lean of the chest [rad]
};

// Joint indices and segment geometry read from the character.
struct LegGeometry {
    int hip = -1, knee = -1, ankle = -1;
    Eigen::Vector3d hipAttach{0, 0, 0};  // hip joint in the root frame [m]
    double thigh = 0;                    // hip to knee [m]
    double shank = 0;                    // knee to ankle [m]
    double ankleHeight = 0;              // ankle joint above the flat sole [m]
};

// Hip rotation (local, in the pelvis frame) and knee angle that put the ankle at `target`
// (pelvis frame, relative to the hip joint) with the knee hinge kept as close as possible to
// the pelvis Z axis. Returns false when the target is beyond the reach at `minFlexion`.
bool solveLeg(const LegGeometry& leg, const Eigen::Vector3d& target, double minFlexion,
              Eigen::Quaterniond& hipRotation, double& kneeAngle);

// A generated clip: frames at a fixed step, the last frame equal to the first shifted by the
// per-cycle root advance.
struct WalkClip {
    double frameDuration = 0;            // [s]
    std::vector<Eigen::VectorXd> poses;  // [numFrames][poseSize]
    double meanPelvisHeight = 0;         // root height around which the pelvis bobs [m]
    double midStanceKneeFlexion = 0;     // right knee flexion at right mid-stance [rad]
    double strideLength = 0;             // root advance per cycle [m]
};

// Builds the walk for `character` (humanoid3d joint names and types). Errors name the missing
// joint or the parameter that makes the gait unreachable.
sim::Result<WalkClip> generateWalk(const sim::Character& character, const GaitParams& params);

// The clip as DeepMimic motion JSON ("Loop": "wrap"), formatted the same on every run.
std::string formatMotionJson(const WalkClip& clip);

}  // namespace walkgen
