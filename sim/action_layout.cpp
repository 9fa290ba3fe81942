#include "sim/action_layout.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <Eigen/Geometry>

namespace sim {

namespace {

int actionEntries(JointType type) {
    switch (type) {
        case JointType::Spherical:
            return 4;
        case JointType::Revolute:
            return 1;
        case JointType::Root:
        case JointType::Fixed:
            return 0;
    }
    return 0;
}

}  // namespace

int actionSize(const Character& character) {
    int size = 0;
    for (const JointDef& joint : character.joints) {
        size += actionEntries(joint.type);
    }
    return size;
}

int stateSize(const Character& character) {
    return 2 + 13 * character.numJoints();
}

int actionOffset(const Character& character, int joint) {
    if (actionEntries(character.joints[joint].type) == 0) {
        return -1;
    }
    int offset = 0;
    for (int j = 0; j < joint; ++j) {
        offset += actionEntries(character.joints[j].type);
    }
    return offset;
}

ActionNormalization actionNormalization(const Character& character) {
    const int size = actionSize(character);
    ActionNormalization norm;
    norm.offset = Eigen::VectorXd::Zero(size);
    norm.scale = Eigen::VectorXd::Ones(size);
    norm.boundMin = -Eigen::VectorXd::Ones(size);
    norm.boundMax = Eigen::VectorXd::Ones(size);
    int offset = 0;
    for (const JointDef& joint : character.joints) {
        const int entries = actionEntries(joint.type);
        if (entries == 0) {
            continue;
        }
        // The angle's range spans the joint's widest limits; spherical joints use all three.
        const int axes = joint.type == JointType::Spherical ? 3 : 1;
        double low = joint.limitLow.head(axes).minCoeff();
        double high = joint.limitHigh.head(axes).maxCoeff();
        if (!(high > low)) {
            // No limits given (low > high) or an empty range: DeepMimic uses +-pi.
            low = -std::numbers::pi;
            high = std::numbers::pi;
        }
        const double range = high - low;
        const double middle = 0.5 * (high + low);
        norm.scale[offset] = 0.5 / range;
        norm.offset[offset] = joint.type == JointType::Revolute ? -middle : 0.0;
        norm.boundMin[offset] = middle - 2 * range;
        norm.boundMax[offset] = middle + 2 * range;
        if (joint.type == JointType::Spherical) {
            norm.offset[offset + 3] = -0.2;  // mean axis (0, 0, 0.2)
        }
        offset += entries;
    }
    return norm;
}

void actionToTargetPose(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& action,
                        Eigen::Ref<Eigen::VectorXd> targetPose) {
    int a = 0;
    for (int j = 0; j < character.numJoints(); ++j) {
        const int offset = character.paramOffset[j];
        switch (character.joints[j].type) {
            case JointType::Spherical: {
                Eigen::Vector3d axis = action.segment<3>(a + 1);
                const double length = axis.norm();
                axis = length > 0 ? Eigen::Vector3d(axis / length) : Eigen::Vector3d::UnitZ();
                const Eigen::Quaterniond q(Eigen::AngleAxisd(action[a], axis));
                targetPose[offset] = q.w();
                targetPose[offset + 1] = q.x();
                targetPose[offset + 2] = q.y();
                targetPose[offset + 3] = q.z();
                a += 4;
                break;
            }
            case JointType::Revolute:
                targetPose[offset] = action[a];
                a += 1;
                break;
            case JointType::Root:
            case JointType::Fixed:
                break;
        }
    }
}

void poseToAction(const Character& character, const Eigen::Ref<const Eigen::VectorXd>& pose,
                  Eigen::Ref<Eigen::VectorXd> action) {
    int a = 0;
    for (int j = 0; j < character.numJoints(); ++j) {
        const int offset = character.paramOffset[j];
        switch (character.joints[j].type) {
            case JointType::Spherical: {
                const Eigen::Quaterniond q = Eigen::Quaterniond(pose[offset], pose[offset + 1],
                                                                pose[offset + 2], pose[offset + 3])
                                                 .normalized();
                const Eigen::Vector3d xyz(q.x(), q.y(), q.z());
                const double sinHalf = xyz.norm();
                double angle = 0;
                Eigen::Vector3d axis = Eigen::Vector3d::UnitZ();
                if (sinHalf >= 1e-6) {
                    angle = 2 * std::atan2(sinHalf, q.w());
                    axis = xyz / sinHalf;
                    if (angle > std::numbers::pi) {
                        angle -= 2 * std::numbers::pi;
                    }
                }
                action[a] = angle;
                action.segment<3>(a + 1) = axis;
                a += 4;
                break;
            }
            case JointType::Revolute:
                action[a] = pose[offset];
                a += 1;
                break;
            case JointType::Root:
            case JointType::Fixed:
                break;
        }
    }
}

}  // namespace sim
