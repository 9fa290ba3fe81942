#include "sim/imitation_reward.h"

#include <cmath>

namespace sim {

namespace {

Eigen::Quaterniond readQuaternion(const Eigen::VectorXd& v, int offset) {
    return {v[offset], v[offset + 1], v[offset + 2], v[offset + 3]};
}

// End-effector position relative to the root, height kept absolute, in the heading frame.
Eigen::Vector3d endEffectorOffset(const CharacterKinematics& kin, int joint) {
    Eigen::Vector3d offset = kin.frames.jointPosition[joint] - kin.frames.jointPosition[0];
    offset.y() = kin.frames.jointPosition[joint].y() - kin.groundHeight;
    return headingRemoval(kin.frames.jointRotation[0]) * offset;
}

}  // namespace

void CharacterKinematics::resize(const Character& character) {
    pose = Eigen::VectorXd::Zero(character.poseSize);
    velocity = Eigen::VectorXd::Zero(character.poseSize);
    frames.resize(character.numJoints());
    bodyVelocity.resize(character.numJoints());
}

void CharacterKinematics::update(const Character& character) {
    forwardKinematics(character, pose, frames);
    bodyVelocities(character, pose, velocity, frames, bodyVelocity);
    com = centerOfMass(character, frames);
    comVelocity = centerOfMassVelocity(character, bodyVelocity);
}

Eigen::VectorXd jointRewardWeights(const Character& character) {
    Eigen::VectorXd weights(character.numJoints());
    for (int j = 0; j < character.numJoints(); ++j) {
        weights[j] = character.joints[j].diffWeight;
    }
    const double sum = weights.sum();
    return sum > 0 ? Eigen::VectorXd(weights / sum) : weights;
}

RewardTerms imitationReward(const Character& character, const Eigen::VectorXd& jointWeights,
                            const CharacterKinematics& simulated,
                            const CharacterKinematics& reference, const RewardWeights& weights) {
    double poseError = 0;
    double velocityError = 0;
    double endEffectorError = 0;
    for (int j = 0; j < character.numJoints(); ++j) {
        const int offset = character.paramOffset[j];
        const double w = jointWeights[j];
        switch (character.joints[j].type) {
            case JointType::Root: {
                const Eigen::Quaterniond a = readQuaternion(simulated.pose, offset + 3);
                const Eigen::Quaterniond b = readQuaternion(reference.pose, offset + 3);
                const double angle = rotationAngle(a.conjugate() * b);
                poseError += w * angle * angle;
                velocityError += w * (simulated.velocity.segment<3>(offset + 3) -
                                      reference.velocity.segment<3>(offset + 3))
                                         .squaredNorm();
                break;
            }
            case JointType::Spherical: {
                const Eigen::Quaterniond a = readQuaternion(simulated.pose, offset);
                const Eigen::Quaterniond b = readQuaternion(reference.pose, offset);
                const double angle = rotationAngle(a.conjugate() * b);
                poseError += w * angle * angle;
                velocityError += w * (simulated.velocity.segment<3>(offset) -
                                      reference.velocity.segment<3>(offset))
                                         .squaredNorm();
                break;
            }
            case JointType::Revolute: {
                const double angle = simulated.pose[offset] - reference.pose[offset];
                const double rate = simulated.velocity[offset] - reference.velocity[offset];
                poseError += w * angle * angle;
                velocityError += w * rate * rate;
                break;
            }
            case JointType::Fixed:
                break;
        }
        if (character.joints[j].isEndEffector) {
            endEffectorError +=
                (endEffectorOffset(simulated, j) - endEffectorOffset(reference, j)).squaredNorm();
        }
    }

    // Root: position (height from the ground), rotation, linear and angular velocity.
    const Eigen::Quaterniond simRoot = readQuaternion(simulated.pose, 3);
    const Eigen::Quaterniond refRoot = readQuaternion(reference.pose, 3);
    const double rootAngle = rotationAngle(simRoot.conjugate() * refRoot);
    Eigen::Vector3d rootOffset = simulated.pose.head<3>() - reference.pose.head<3>();
    rootOffset.y() -= simulated.groundHeight - reference.groundHeight;
    const double rootError =
        rootOffset.squaredNorm() + 0.1 * rootAngle * rootAngle +
        0.01 * (simulated.velocity.head<3>() - reference.velocity.head<3>()).squaredNorm() +
        0.001 * (simulated.velocity.segment<3>(3) - reference.velocity.segment<3>(3)).squaredNorm();
    const double comError = 0.1 * (simulated.comVelocity - reference.comVelocity).squaredNorm();

    RewardTerms terms;
    terms.poseError = poseError;
    terms.pose = std::exp(-weights.poseScale * poseError);
    terms.velocity = std::exp(-weights.velocityScale * velocityError);
    terms.endEffector = std::exp(-weights.endEffectorScale * endEffectorError);
    terms.root = std::exp(-weights.rootScale * rootError);
    terms.com = std::exp(-weights.comScale * comError);
    terms.total = weights.pose * terms.pose + weights.velocity * terms.velocity +
                  weights.endEffector * terms.endEffector + weights.root * terms.root +
                  weights.com * terms.com;
    return terms;
}

void recordState(const Character& character, const ControllerConfig& controller,
                 const CharacterKinematics& simulated, double phase,
                 Eigen::Ref<Eigen::VectorXd> state) {
    const int numBodies = character.numJoints();
    const Eigen::Vector3d rootPosition = simulated.frames.jointPosition[0];
    const Eigen::Quaterniond heading = headingRemoval(simulated.frames.jointRotation[0]);

    state[0] = controller.enablePhaseInput ? phase : 0.0;
    state[1] = rootPosition.y();
    int index = 2;
    for (int b = 0; b < numBodies; ++b) {
        const bool worldFrame = b == 0 && controller.recordWorldRootRot;
        state.segment<3>(index) = heading * (simulated.frames.bodyPosition[b] - rootPosition);
        Eigen::Quaterniond rotation = simulated.frames.bodyRotation[b];
        if (!worldFrame) {
            rotation = heading * rotation;
        }
        if (rotation.w() < 0) {
            rotation.coeffs() = -rotation.coeffs();
        }
        state[index + 3] = rotation.w();
        state[index + 4] = rotation.x();
        state[index + 5] = rotation.y();
        state[index + 6] = rotation.z();
        index += 7;
    }
    for (int b = 0; b < numBodies; ++b) {
        const bool worldFrame = b == 0 && controller.recordWorldRootRot;
        const Eigen::Vector3d& linear = simulated.bodyVelocity.linear[b];
        const Eigen::Vector3d& angular = simulated.bodyVelocity.angular[b];
        state.segment<3>(index) = worldFrame ? linear : Eigen::Vector3d(heading * linear);
        state.segment<3>(index + 3) = worldFrame ? angular : Eigen::Vector3d(heading * angular);
        index += 6;
    }
}

}  // namespace sim
