#include "sim/kinematics.h"

#include <cmath>

namespace sim {

namespace {

// Below this vector-part norm a quaternion is treated with first-order formulas.
constexpr double kSmallAngle = 1e-12;

Eigen::Quaterniond quaternionAt(const Eigen::Ref<const Eigen::VectorXd>& pose, int offset) {
    // Pose vectors store quaternions as (w, x, y, z).
    return Eigen::Quaterniond(pose[offset], pose[offset + 1], pose[offset + 2], pose[offset + 3]);
}

}  // namespace

void KinematicFrames::resize(int numJoints) {
    jointPosition.resize(numJoints, Eigen::Vector3d::Zero());
    jointRotation.resize(numJoints, Eigen::Quaterniond::Identity());
    bodyPosition.resize(numJoints, Eigen::Vector3d::Zero());
    bodyRotation.resize(numJoints, Eigen::Quaterniond::Identity());
}

void BodyVelocities::resize(int numJoints) {
    linear.resize(numJoints, Eigen::Vector3d::Zero());
    angular.resize(numJoints, Eigen::Vector3d::Zero());
}

Eigen::Quaterniond jointLocalRotation(const Character& character, int joint,
                                      const Eigen::Ref<const Eigen::VectorXd>& pose) {
    int offset = character.paramOffset[joint];
    switch (character.joints[joint].type) {
        case JointType::Root:
            return quaternionAt(pose, offset + 3).normalized();
        case JointType::Spherical:
            return quaternionAt(pose, offset).normalized();
        case JointType::Revolute:
            return Eigen::Quaterniond(Eigen::AngleAxisd(pose[offset], Eigen::Vector3d::UnitZ()));
        case JointType::Fixed:
            break;
    }
    return Eigen::Quaterniond::Identity();
}

void forwardKinematics(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& pose,
                       KinematicFrames& frames) {
    int numJoints = character.numJoints();
    if (static_cast<int>(frames.jointPosition.size()) != numJoints) {
        frames.resize(numJoints);
    }
    for (int j = 0; j < numJoints; ++j) {
        const JointDef& joint = character.joints[j];
        Eigen::Quaterniond local = jointLocalRotation(character, j, pose);
        if (joint.parent < 0) {
            // The root joint sits at the pose's root position, rotated by the root quaternion.
            int offset = character.paramOffset[j];
            frames.jointPosition[j] = pose.segment<3>(offset);
            frames.jointRotation[j] = joint.attachRotation * local;
        } else {
            const Eigen::Quaterniond& parentRotation = frames.jointRotation[joint.parent];
            frames.jointPosition[j] =
                frames.jointPosition[joint.parent] + parentRotation * joint.attach;
            frames.jointRotation[j] = parentRotation * joint.attachRotation * local;
        }
        const BodyDef& body = character.bodies[j];
        frames.bodyPosition[j] = frames.jointPosition[j] + frames.jointRotation[j] * body.attach;
        frames.bodyRotation[j] = frames.jointRotation[j] * body.attachRotation;
    }
}

void bodyVelocities(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& pose,
                    const Eigen::Ref<const Eigen::VectorXd>& velocity,
                    const KinematicFrames& frames, BodyVelocities& velocities) {
    (void)pose;  // the frames already hold everything the pose contributes
    int numJoints = character.numJoints();
    if (static_cast<int>(velocities.linear.size()) != numJoints) {
        velocities.resize(numJoints);
    }
    // Joint-origin velocities are propagated down the tree (parents come first), then shifted to
    // each body's centre of mass: v_b = v_j + w_j x (p_b - p_j).
    for (int j = 0; j < numJoints; ++j) {
        const JointDef& joint = character.joints[j];
        int offset = character.paramOffset[j];
        Eigen::Vector3d linear;
        Eigen::Vector3d angular;
        if (joint.parent < 0) {
            linear = velocity.segment<3>(offset);
            angular = velocity.segment<3>(offset + 3);
        } else {
            // The parent's joint-origin velocity is recovered from its body velocity.
            const Eigen::Vector3d& parentAngular = velocities.angular[joint.parent];
            Eigen::Vector3d parentLinear = velocities.linear[joint.parent] +
                                           parentAngular.cross(frames.jointPosition[joint.parent] -
                                                               frames.bodyPosition[joint.parent]);
            linear = parentLinear + parentAngular.cross(frames.jointPosition[j] -
                                                        frames.jointPosition[joint.parent]);
            angular = parentAngular;
            if (joint.type == JointType::Spherical) {
                angular += frames.jointRotation[j] * velocity.segment<3>(offset);
            } else if (joint.type == JointType::Revolute) {
                angular += frames.jointRotation[j] * (Eigen::Vector3d::UnitZ() * velocity[offset]);
            }
        }
        velocities.angular[j] = angular;
        velocities.linear[j] =
            linear + angular.cross(frames.bodyPosition[j] - frames.jointPosition[j]);
    }
}

Eigen::Vector3d centerOfMass(const Character& character, const KinematicFrames& frames) {
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    double mass = 0;
    for (int j = 0; j < character.numJoints(); ++j) {
        sum += character.bodies[j].mass * frames.bodyPosition[j];
        mass += character.bodies[j].mass;
    }
    return mass > 0 ? Eigen::Vector3d(sum / mass) : Eigen::Vector3d::Zero();
}

Eigen::Vector3d centerOfMassVelocity(const Character& character, const BodyVelocities& velocities) {
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    double mass = 0;
    for (int j = 0; j < character.numJoints(); ++j) {
        sum += character.bodies[j].mass * velocities.linear[j];
        mass += character.bodies[j].mass;
    }
    return mass > 0 ? Eigen::Vector3d(sum / mass) : Eigen::Vector3d::Zero();
}

double headingAngle(const Eigen::Quaterniond& rootRotation) {
    Eigen::Vector3d direction = rootRotation * Eigen::Vector3d::UnitX();
    return std::atan2(-direction.z(), direction.x());
}

Eigen::Quaterniond headingRemoval(const Eigen::Quaterniond& rootRotation) {
    return Eigen::Quaterniond(
        Eigen::AngleAxisd(-headingAngle(rootRotation), Eigen::Vector3d::UnitY()));
}

Eigen::Quaterniond slerpShortest(const Eigen::Quaterniond& a, const Eigen::Quaterniond& b,
                                 double t) {
    // Eigen's slerp flips b onto a's hemisphere, so it follows the shorter arc.
    return a.slerp(t, b).normalized();
}

double rotationAngle(const Eigen::Quaterniond& q) {
    return 2.0 * std::atan2(q.vec().norm(), std::abs(q.w()));
}

Eigen::Vector3d quaternionToRotationVector(const Eigen::Quaterniond& q) {
    // q and -q are the same rotation; use the one with w >= 0 so the angle is in [0, pi].
    double sign = q.w() < 0 ? -1.0 : 1.0;
    Eigen::Vector3d v = sign * q.vec();
    double w = sign * q.w();
    double sinHalf = v.norm();
    if (sinHalf < kSmallAngle) {
        return 2.0 * v / (w > 0 ? w : 1.0);
    }
    double angle = 2.0 * std::atan2(sinHalf, w);
    return v * (angle / sinHalf);
}

Eigen::Quaterniond rotationVectorToQuaternion(const Eigen::Vector3d& v) {
    double angle = v.norm();
    if (angle < kSmallAngle) {
        return Eigen::Quaterniond(1.0, 0.5 * v.x(), 0.5 * v.y(), 0.5 * v.z()).normalized();
    }
    return Eigen::Quaterniond(Eigen::AngleAxisd(angle, v / angle));
}

}  // namespace sim
