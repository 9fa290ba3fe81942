#include "sim/stable_pd.h"

#include <cmath>

#include "sim/kinematics.h"

namespace sim {

namespace {

Eigen::Quaterniond readQuaternion(const Eigen::Ref<const Eigen::VectorXd>& v, int offset) {
    return {v[offset], v[offset + 1], v[offset + 2], v[offset + 3]};
}

void writeQuaternion(const Eigen::Quaterniond& q, Eigen::Ref<Eigen::VectorXd> v, int offset) {
    v[offset] = q.w();
    v[offset + 1] = q.x();
    v[offset + 2] = q.y();
    v[offset + 3] = q.z();
}

}  // namespace

StablePdController::StablePdController(const Character& character, const ControllerConfig& gains,
                                       const RigidBodyModelOptions& modelOptions)
    : m_character(character),
      m_model(character, modelOptions),
      m_kp(Eigen::VectorXd::Zero(character.dofCount)),
      m_kd(Eigen::VectorXd::Zero(character.dofCount)),
      m_targetPose(Eigen::VectorXd::Zero(character.poseSize)),
      m_predictedPose(character.poseSize),
      m_poseError(character.dofCount),
      m_dofVelocity(character.dofCount),
      m_rhs(character.dofCount),
      m_acceleration(character.dofCount),
      m_dofTorque(character.dofCount),
      m_system(character.dofCount, character.dofCount) {
    for (int j = 0; j < character.numJoints(); ++j) {
        if (character.joints[j].type == JointType::Root) {
            continue;  // the root is never actuated
        }
        m_kp.segment(character.dofOffset[j], character.dofSize[j]).setConstant(gains.kp[j]);
        m_kd.segment(character.dofOffset[j], character.dofSize[j]).setConstant(gains.kd[j]);
    }
    // Identity rotations for every quaternion in the default target.
    for (int j = 0; j < character.numJoints(); ++j) {
        const JointType type = character.joints[j].type;
        if (type == JointType::Spherical) {
            m_targetPose[character.paramOffset[j]] = 1.0;
        } else if (type == JointType::Root) {
            m_targetPose[character.paramOffset[j] + 3] = 1.0;
        }
    }
}

void StablePdController::setTargetPose(const Eigen::Ref<const Eigen::VectorXd>& targetPose) {
    m_targetPose = targetPose;
}

void StablePdController::predictPose(const Eigen::Ref<const Eigen::VectorXd>& pose,
                                     const Eigen::Ref<const Eigen::VectorXd>& velocity, double dt) {
    m_predictedPose = pose;
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int offset = m_character.paramOffset[j];
        switch (m_character.joints[j].type) {
            case JointType::Root: {
                // World-frame angular velocity: dq/dt = 0.5 (0, w) q.
                m_predictedPose.segment<3>(offset) += dt * velocity.segment<3>(offset);
                const Eigen::Quaterniond q = readQuaternion(pose, offset + 3);
                const Eigen::Vector3d w = velocity.segment<3>(offset + 3);
                Eigen::Quaterniond dq = Eigen::Quaterniond(0, w.x(), w.y(), w.z()) * q;
                Eigen::Quaterniond next(q.coeffs() + 0.5 * dt * dq.coeffs());
                writeQuaternion(next.normalized(), m_predictedPose, offset + 3);
                break;
            }
            case JointType::Spherical: {
                // Local angular velocity: dq/dt = 0.5 q (0, w).
                const Eigen::Quaterniond q = readQuaternion(pose, offset);
                const Eigen::Vector3d w = velocity.segment<3>(offset);
                Eigen::Quaterniond dq = q * Eigen::Quaterniond(0, w.x(), w.y(), w.z());
                Eigen::Quaterniond next(q.coeffs() + 0.5 * dt * dq.coeffs());
                writeQuaternion(next.normalized(), m_predictedPose, offset);
                break;
            }
            case JointType::Revolute:
                m_predictedPose[offset] += dt * velocity[offset];
                break;
            case JointType::Fixed:
                break;
        }
    }
}

void StablePdController::computePoseError() {
    m_poseError.setZero();
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int offset = m_character.paramOffset[j];
        const int dof = m_character.dofOffset[j];
        switch (m_character.joints[j].type) {
            case JointType::Spherical: {
                const Eigen::Quaterniond current = readQuaternion(m_predictedPose, offset);
                const Eigen::Quaterniond target = readQuaternion(m_targetPose, offset);
                m_poseError.segment<3>(dof) =
                    quaternionToRotationVector(current.conjugate() * target);
                break;
            }
            case JointType::Revolute:
                m_poseError[dof] = m_targetPose[offset] - m_predictedPose[offset];
                break;
            case JointType::Root:
            case JointType::Fixed:
                break;
        }
    }
}

void StablePdController::computeTorques(const Eigen::Ref<const Eigen::VectorXd>& pose,
                                        const Eigen::Ref<const Eigen::VectorXd>& velocity,
                                        double dt, Eigen::Ref<Eigen::VectorXd> torques) {
    m_model.update(pose, velocity);
    m_model.velocityToDofs(velocity, m_dofVelocity);
    predictPose(pose, velocity, dt);
    computePoseError();

    // (M + dt Kd) qdd = Kp e - Kd qd - C, then tau = Kp e - Kd (qd + dt qdd).
    m_system = m_model.massMatrix();
    m_system.diagonal() += dt * m_kd;
    m_rhs =
        m_kp.cwiseProduct(m_poseError) - m_kd.cwiseProduct(m_dofVelocity) - m_model.biasForces();
    factorTreeLdl(m_model.dofParents(), m_system);
    m_acceleration = m_rhs;
    solveTreeLdl(m_model.dofParents(), m_system, m_acceleration);
    m_dofTorque =
        m_kp.cwiseProduct(m_poseError) - m_kd.cwiseProduct(m_dofVelocity + dt * m_acceleration);
    m_model.dofsToVelocity(m_dofTorque, torques);
}

void StablePdController::clampTorques(Eigen::Ref<Eigen::VectorXd> torques) const {
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int size = m_character.dofSize[j];
        const JointType type = m_character.joints[j].type;
        if (size == 0 || type == JointType::Root) {
            continue;
        }
        auto jointTorque = torques.segment(m_character.paramOffset[j], size);
        const double limit = m_character.joints[j].torqueLimit;
        const double norm = jointTorque.norm();
        if (norm > limit && norm > 0) {
            jointTorque *= limit / norm;
        }
    }
}

}  // namespace sim
