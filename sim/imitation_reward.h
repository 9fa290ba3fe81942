#pragma once
// DeepMimic's 2018 observation (the 197-D state) and its five-term imitation reward, computed
// from the kinematics of the simulated and the reference character.

#include <Eigen/Core>

#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/kinematics.h"

namespace sim {

// A character's pose and velocity with everything derived from them.
struct CharacterKinematics {
    Eigen::VectorXd pose;      // [poseSize]
    Eigen::VectorXd velocity;  // [poseSize]
    KinematicFrames frames;
    BodyVelocities bodyVelocity;
    Eigen::Vector3d com = Eigen::Vector3d::Zero();          // [m]
    Eigen::Vector3d comVelocity = Eigen::Vector3d::Zero();  // [m/s]
    // Height the reward measures from [m]: 0 for the simulated character; for the reference, the
    // height its origin was lifted by at reset (DeepMimic measures it from its kin origin).
    double groundHeight = 0;

    void resize(const Character& character);
    // Recomputes frames, body velocities and centre of mass from pose and velocity.
    void update(const Character& character);
};

// Reward of one control interval, split into DeepMimic's terms (each in [0, 1]).
struct RewardTerms {
    double total = 0;
    double pose = 0, velocity = 0, endEffector = 0, root = 0, com = 0;
    // The pose term's error: sum over joints of weight * angle^2 [rad^2]; its square root is a
    // weighted RMS joint angle error.
    double poseError = 0;
};

// Weights and scales of the reward (DeepMimic's 2018 code; not the paper's values).
struct RewardWeights {
    double pose = 0.5, velocity = 0.05, endEffector = 0.15, root = 0.2, com = 0.1;
    double poseScale = 2, velocityScale = 0.1, endEffectorScale = 10, rootScale = 5, comScale = 10;
};

// Per-joint weights DiffWeight / sum(DiffWeight).
Eigen::VectorXd jointRewardWeights(const Character& character);

RewardTerms imitationReward(const Character& character, const Eigen::VectorXd& jointWeights,
                            const CharacterKinematics& simulated,
                            const CharacterKinematics& reference,
                            const RewardWeights& weights = {});

// Writes the observation: phase, root height, per body [position relative to the root joint in
// the heading frame (3), rotation w,x,y,z with w >= 0 (4)], then per body [linear (3), angular
// (3) velocity in the heading frame]. With recordWorldRootRot the root body's rotation and
// velocities stay in the world frame.
void recordState(const Character& character, const ControllerConfig& controller,
                 const CharacterKinematics& simulated, double phase,
                 Eigen::Ref<Eigen::VectorXd> state);

}  // namespace sim
