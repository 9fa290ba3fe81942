#include "sim/rigid_body_model.h"

#include <cmath>
#include <numbers>

namespace sim {

using spatial::Matrix6d;
using spatial::Vector6d;

namespace {

// A joint's motion subspace S, written out: a spherical joint moves about its three local
// angular axes, a revolute joint about local Z (the angular part comes first in a motion vector).
// Root joints are handled where they occur: their subspace depends on the root's rotation.

// S qd for a joint's `dofRates`.
Vector6d jointMotion(JointType type, const double* dofRates) {
    Vector6d motion = Vector6d::Zero();
    if (type == JointType::Spherical) {
        motion.head<3>() = Eigen::Vector3d(dofRates[0], dofRates[1], dofRates[2]);
    } else if (type == JointType::Revolute) {
        motion[2] = dofRates[0];
    }
    return motion;
}

// S^T f: the force's components along the joint's axes into `out` (3 for a spherical joint, 1
// for a revolute one).
void projectOnAxes(JointType type, const Vector6d& force, double* out) {
    if (type == JointType::Spherical) {
        out[0] = force[0];
        out[1] = force[1];
        out[2] = force[2];
    } else if (type == JointType::Revolute) {
        out[0] = force[2];
    }
}

}  // namespace

Eigen::Vector3d analyticInertia(ShapeType shape, const Eigen::Vector3d& param, double mass,
                                bool capsuleInertia2018) {
    switch (shape) {
        case ShapeType::Sphere: {
            const double r = 0.5 * param.x();
            return Eigen::Vector3d::Constant(0.4 * mass * r * r);
        }
        case ShapeType::Box: {
            const Eigen::Vector3d s = param.cwiseProduct(param);
            return mass / 12.0 * Eigen::Vector3d(s.y() + s.z(), s.x() + s.z(), s.x() + s.y());
        }
        case ShapeType::Capsule: {
            // Mass split by volume between the cylinder and the two hemispheres.
            const double r = 0.5 * param.x();
            const double h = param.y();
            const double cylinderVolume = std::numbers::pi * r * r * h;
            const double sphereVolume = 4.0 / 3.0 * std::numbers::pi * r * r * r;
            const double cylinderMass = mass * cylinderVolume / (cylinderVolume + sphereVolume);
            const double hemisphereMass = 0.5 * (mass - cylinderMass);
            // A hemisphere about the capsule centre: its own moment, shifted by its centroid
            // offset (parallel axis theorem, combined): 2/5 r^2 + 3/8 h r + (h/2)^2.
            const double shiftTerm = capsuleInertia2018 ? 0.5 * h * h : 0.25 * h * h;
            const double transverse =
                cylinderMass * (0.25 * r * r + h * h / 12.0) +
                2.0 * hemisphereMass * (0.4 * r * r + 0.375 * h * r + shiftTerm);
            const double axial = cylinderMass * 0.5 * r * r + 2.0 * hemisphereMass * 0.4 * r * r;
            return {transverse, axial, transverse};
        }
    }
    return Eigen::Vector3d::Zero();
}

RigidBodyModel::RigidBodyModel(const Character& character, const RigidBodyModelOptions& options)
    : m_character(character), m_options(options) {
    const int n = character.numJoints();
    m_bodyInertia.resize(n);
    for (int j = 0; j < n; ++j) {
        const BodyDef& body = character.bodies[j];
        const Eigen::Matrix3d bodyRotation = body.attachRotation.toRotationMatrix();
        const Eigen::Vector3d moments =
            analyticInertia(body.shape, body.param, body.mass, options.capsuleInertia2018);
        const Eigen::Matrix3d inertiaAtCom =
            bodyRotation * moments.asDiagonal() * bodyRotation.transpose();
        m_bodyInertia[j] = spatial::rigidBodyInertia(body.mass, body.attach, inertiaAtCom);
    }
    // A joint's first dof follows the last dof of its nearest ancestor that has any; its other
    // dofs follow each other (a joint's own block of the mass matrix is dense).
    m_dofParents.assign(character.dofCount, -1);
    for (int j = 0; j < n; ++j) {
        const int size = character.dofSize[j];
        if (size == 0) {
            continue;
        }
        int ancestor = character.joints[j].parent;
        while (ancestor >= 0 && character.dofSize[ancestor] == 0) {
            ancestor = character.joints[ancestor].parent;
        }
        const int first = character.dofOffset[j];
        m_dofParents[first] =
            ancestor < 0 ? -1 : character.dofOffset[ancestor] + character.dofSize[ancestor] - 1;
        for (int d = first + 1; d < first + size; ++d) {
            m_dofParents[d] = d - 1;
        }
    }
    m_parentToJoint.resize(n);
    m_velocity.resize(n);
    m_acceleration.resize(n);
    m_force.resize(n);
    m_compositeInertia.resize(n);
    m_dofVelocity.resize(character.dofCount);
    m_massMatrix.resize(character.dofCount, character.dofCount);
    m_biasForces.resize(character.dofCount);
}

void RigidBodyModel::velocityToDofs(const Eigen::Ref<const Eigen::VectorXd>& velocity,
                                    Eigen::Ref<Eigen::VectorXd> dofs) const {
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int size = m_character.dofSize[j];
        dofs.segment(m_character.dofOffset[j], size) =
            velocity.segment(m_character.paramOffset[j], size);
    }
}

void RigidBodyModel::dofsToVelocity(const Eigen::Ref<const Eigen::VectorXd>& dofs,
                                    Eigen::Ref<Eigen::VectorXd> velocity) const {
    velocity.setZero();
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int size = m_character.dofSize[j];
        velocity.segment(m_character.paramOffset[j], size) =
            dofs.segment(m_character.dofOffset[j], size);
    }
}

void RigidBodyModel::update(const Eigen::Ref<const Eigen::VectorXd>& pose,
                            const Eigen::Ref<const Eigen::VectorXd>& velocity) {
    velocityToDofs(velocity, m_dofVelocity);
    computeTransforms(pose);
    computeBiasForces();
    computeMassMatrix();
}

void RigidBodyModel::computeTransforms(const Eigen::Ref<const Eigen::VectorXd>& pose) {
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const JointDef& joint = m_character.joints[j];
        const int offset = m_character.paramOffset[j];
        Eigen::Quaterniond local = Eigen::Quaterniond::Identity();
        spatial::Transform& x = m_parentToJoint[j];
        if (joint.type == JointType::Root) {
            // The root frame sits at the root joint with the root's world rotation; its "parent"
            // is the world. q_root = [world linear velocity; world angular velocity].
            const Eigen::Quaterniond rootRotation(pose[offset + 3], pose[offset + 4],
                                                  pose[offset + 5], pose[offset + 6]);
            x.rotation = rootRotation.normalized().toRotationMatrix().transpose();
            x.translation = pose.segment<3>(offset);
            continue;
        }
        if (joint.type == JointType::Spherical) {
            local = Eigen::Quaterniond(pose[offset], pose[offset + 1], pose[offset + 2],
                                       pose[offset + 3])
                        .normalized();
        } else if (joint.type == JointType::Revolute) {
            local = Eigen::AngleAxisd(pose[offset], Eigen::Vector3d::UnitZ());
        }
        x.rotation = (joint.attachRotation * local).toRotationMatrix().transpose();
        x.translation = joint.attach;
    }
}

void RigidBodyModel::computeBiasForces() {
    const int n = m_character.numJoints();
    // Forward pass: velocities and velocity-product accelerations with q'' = 0. Gravity enters
    // as an upward acceleration of the world frame.
    for (int j = 0; j < n; ++j) {
        const JointDef& joint = m_character.joints[j];
        const spatial::Transform& x = m_parentToJoint[j];
        const int dof = m_character.dofOffset[j];
        if (joint.type == JointType::Root) {
            const Eigen::Vector3d linear = x.rotation * m_dofVelocity.segment<3>(dof);
            const Eigen::Vector3d angular = x.rotation * m_dofVelocity.segment<3>(dof + 3);
            m_velocity[j] << angular, linear;
            // Root coordinates are world-frame rates, so the body-frame acceleration carries
            // -omega x v (see Featherstone 2.10) on top of the world's gravity acceleration.
            m_acceleration[j].head<3>().setZero();
            m_acceleration[j].tail<3>() =
                x.rotation * Eigen::Vector3d(0, m_options.gravity, 0) - angular.cross(linear);
            continue;
        }
        const int parent = joint.parent;
        const Vector6d jointVelocity = jointMotion(joint.type, m_dofVelocity.data() + dof);
        m_velocity[j] = x.applyMotion(m_velocity[parent]) + jointVelocity;
        m_acceleration[j] = x.applyMotion(m_acceleration[parent]) +
                            spatial::crossMotion(m_velocity[j], jointVelocity);
    }
    for (int j = 0; j < n; ++j) {
        const Vector6d momentum = m_bodyInertia[j] * m_velocity[j];
        m_force[j] =
            m_bodyInertia[j] * m_acceleration[j] + spatial::crossForce(m_velocity[j], momentum);
    }
    // Backward pass: project body forces onto the joint axes and pass them to the parent.
    for (int j = n - 1; j >= 0; --j) {
        const JointDef& joint = m_character.joints[j];
        const int dof = m_character.dofOffset[j];
        if (joint.type == JointType::Root) {
            const Eigen::Matrix3d rootToWorld = m_parentToJoint[j].rotation.transpose();
            m_biasForces.segment<3>(dof) = rootToWorld * m_force[j].tail<3>();
            m_biasForces.segment<3>(dof + 3) = rootToWorld * m_force[j].head<3>();
            continue;
        }
        projectOnAxes(joint.type, m_force[j], m_biasForces.data() + dof);
        m_force[joint.parent] += m_parentToJoint[j].applyForceTranspose(m_force[j]);
    }
}

void RigidBodyModel::computeMassMatrix() {
    const int n = m_character.numJoints();
    for (int j = 0; j < n; ++j) {
        m_compositeInertia[j] = m_bodyInertia[j];
    }
    for (int j = n - 1; j > 0; --j) {
        const Matrix6d x = m_parentToJoint[j].motionMatrix();
        m_compositeInertia[m_character.joints[j].parent] +=
            x.transpose() * m_compositeInertia[j] * x;
    }
    m_massMatrix.setZero();
    // Column block of joint j: the composite-inertia force of a unit motion of each of j's dofs,
    // carried up the tree and projected onto every ancestor's axes (CRBA). Both triangles are
    // written, entry by entry.
    Eigen::Matrix<double, 6, 6> forces;
    Eigen::Matrix<double, 6, 6> projected;  // (ancestor dof, column)
    for (int j = 0; j < n; ++j) {
        const int size = m_character.dofSize[j];
        if (size == 0) {
            continue;
        }
        const int dof = m_character.dofOffset[j];
        const JointType type = m_character.joints[j].type;
        const Matrix6d& inertia = m_compositeInertia[j];
        if (type == JointType::Root) {
            // Root body-frame velocity = [R^T w; R^T v] for q = [v; w].
            const Eigen::Matrix3d& worldToRoot = m_parentToJoint[j].rotation;
            Matrix6d subspace = Matrix6d::Zero();
            subspace.block<3, 3>(0, 3) = worldToRoot;
            subspace.block<3, 3>(3, 0) = worldToRoot;
            forces.noalias() = inertia * subspace;
            m_massMatrix.block<6, 6>(dof, dof).noalias() = subspace.transpose() * forces;
            continue;  // the root has no ancestors
        }
        for (int c = 0; c < size; ++c) {
            forces.col(c) = inertia.col(type == JointType::Revolute ? 2 : c);
            projectOnAxes(type, forces.col(c), projected.col(c).data());
            for (int r = 0; r < size; ++r) {
                m_massMatrix(dof + r, dof + c) = projected(r, c);
            }
        }

        int child = j;
        while (m_character.joints[child].parent >= 0) {
            for (int c = 0; c < size; ++c) {
                forces.col(c) = m_parentToJoint[child].applyForceTranspose(forces.col(c));
            }
            const int ancestor = m_character.joints[child].parent;
            const int ancestorDof = m_character.dofOffset[ancestor];
            const int ancestorSize = m_character.dofSize[ancestor];
            const JointType ancestorType = m_character.joints[ancestor].type;
            if (ancestorType == JointType::Root) {
                const Eigen::Matrix3d rootToWorld = m_parentToJoint[ancestor].rotation.transpose();
                for (int c = 0; c < size; ++c) {
                    projected.col(c).head<3>() = rootToWorld * forces.col(c).tail<3>();
                    projected.col(c).tail<3>() = rootToWorld * forces.col(c).head<3>();
                }
            } else {
                for (int c = 0; c < size; ++c) {
                    projectOnAxes(ancestorType, forces.col(c), projected.col(c).data());
                }
            }
            for (int c = 0; c < size; ++c) {
                for (int r = 0; r < ancestorSize; ++r) {
                    m_massMatrix(ancestorDof + r, dof + c) = projected(r, c);
                    m_massMatrix(dof + c, ancestorDof + r) = projected(r, c);
                }
            }
            child = ancestor;
        }
    }
}

}  // namespace sim
