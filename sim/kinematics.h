#pragma once
// Forward kinematics over a character's joint tree: world frames of joints and bodies from a
// pose vector, and body velocities from a pose and a velocity vector.

#include <Eigen/Core>
#include <Eigen/Geometry>

#include <vector>

#include "sim/character.h"

namespace sim {

// World placement of every joint and body, filled by forwardKinematics().
struct KinematicFrames {
    std::vector<Eigen::Vector3d> jointPosition;     // joint origins [m]
    std::vector<Eigen::Quaterniond> jointRotation;  // joint frames in world
    std::vector<Eigen::Vector3d> bodyPosition;      // body centres of mass [m]
    std::vector<Eigen::Quaterniond> bodyRotation;   // body frames in world

    void resize(int numJoints);
};

// World velocities of every body centre of mass, filled by bodyVelocities().
struct BodyVelocities {
    std::vector<Eigen::Vector3d> linear;   // [m/s]
    std::vector<Eigen::Vector3d> angular;  // [rad/s], world frame

    void resize(int numJoints);
};

// Reads joint j's local rotation (parent joint frame to joint frame, attach rotation excluded)
// from a pose vector. Identity for fixed joints; about Z for revolute joints.
Eigen::Quaterniond jointLocalRotation(const Character& character, int joint,
                                      const Eigen::Ref<const Eigen::VectorXd>& pose);

// Joint and body world frames for `pose`. `frames` is resized once and then reused.
void forwardKinematics(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& pose,
                       KinematicFrames& frames);

// Body world velocities for `pose` and `velocity` (root: world linear and angular velocity;
// spherical: angular velocity in the joint's own frame; revolute: rate about local Z).
void bodyVelocities(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& pose,
                    const Eigen::Ref<const Eigen::VectorXd>& velocity,
                    const KinematicFrames& frames, BodyVelocities& velocities);

// Centre of mass of the whole character [m] and its velocity [m/s].
Eigen::Vector3d centerOfMass(const Character& character, const KinematicFrames& frames);
Eigen::Vector3d centerOfMassVelocity(const Character& character, const BodyVelocities& velocities);

// Yaw of the root about +Y: atan2(-d_z, d_x) with d the root rotation applied to +X (DeepMimic).
double headingAngle(const Eigen::Quaterniond& rootRotation);

// Rotation that removes the heading: RotY(-heading).
Eigen::Quaterniond headingRemoval(const Eigen::Quaterniond& rootRotation);

// Quaternion helpers used across sim/.
// Shortest-arc spherical interpolation between unit quaternions.
Eigen::Quaterniond slerpShortest(const Eigen::Quaterniond& a, const Eigen::Quaterniond& b,
                                 double t);
// Rotation angle of a unit quaternion in [0, pi].
double rotationAngle(const Eigen::Quaterniond& q);
// Axis-angle vector of a unit quaternion, angle in [-pi, pi] (shortest arc).
Eigen::Vector3d quaternionToRotationVector(const Eigen::Quaterniond& q);
Eigen::Quaterniond rotationVectorToQuaternion(const Eigen::Vector3d& v);

}  // namespace sim
