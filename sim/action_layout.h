#pragma once
// DeepMimic's 2018 action layout: per spherical joint [angle, axis x, y, z] (axis-angle, the
// axis normalized on use), per revolute joint [angle]; root and fixed joints take none. Sizes
// come from the character (36 for humanoid3d).

#include <Eigen/Core>

#include "sim/character.h"

namespace sim {

// Normalization and soft bounds of the action vector (DeepMimic's BuildActionOffsetScale and
// BuildActionBounds): normalized = (action + offset) * scale.
struct ActionNormalization {
    Eigen::VectorXd offset, scale;       // [actionSize]
    Eigen::VectorXd boundMin, boundMax;  // [actionSize], used only as a training penalty
};

int actionSize(const Character& character);
// Size of the 2018 state: phase, root height, 7 pose and 6 velocity entries per body.
int stateSize(const Character& character);
// First action entry of joint j (-1 for joints without one).
int actionOffset(const Character& character, int joint);

ActionNormalization actionNormalization(const Character& character);

// Turns an action into PD targets: writes the joint entries of a 43-D target pose.
void actionToTargetPose(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& action,
                        Eigen::Ref<Eigen::VectorXd> targetPose);

// The action that targets a given pose (angle in [-pi, pi], unit axis; near identity angle 0
// about +Z), as DeepMimic's QuaternionToAxisAngle encodes it.
void poseToAction(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& pose,
                  Eigen::Ref<Eigen::VectorXd> action);

}  // namespace sim
