#pragma once
// Stable (implicit) PD control over the whole character, as DeepMimic's cImpPDController does it
// (Tan, Liu and Turk, "Stable Proportional-Derivative Controllers", 2011): the torque that the PD
// law gives at the state one step ahead, with that step's accelerations solved through the
// character's mass matrix and bias forces.

#include <Eigen/Core>

#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/rigid_body_model.h"

namespace sim {

class StablePdController {
public:
    StablePdController(const Character& character, const ControllerConfig& gains,
                       const RigidBodyModelOptions& modelOptions);

    // Sets the target pose (43-D; only joint entries matter, the target velocity is zero).
    void setTargetPose(const Eigen::Ref<const Eigen::VectorXd>& targetPose);
    const Eigen::VectorXd& targetPose() const { return m_targetPose; }

    // Generalized torques [N m] in the velocity layout (43-D, root entries zero) for one PD
    // update of length dt [s] from `pose` and `velocity`. Not yet clamped. Allocates nothing.
    void computeTorques(const Eigen::Ref<const Eigen::VectorXd>& pose,
                        const Eigen::Ref<const Eigen::VectorXd>& velocity, double dt,
                        Eigen::Ref<Eigen::VectorXd> torques);

    // Scales each joint's torque so its vector norm stays within the joint's TorqueLim.
    void clampTorques(Eigen::Ref<Eigen::VectorXd> torques) const;

private:
    // The pose reached after dt at constant velocity (quaternions renormalized).
    void predictPose(const Eigen::Ref<const Eigen::VectorXd>& pose,
                     const Eigen::Ref<const Eigen::VectorXd>& velocity, double dt);
    // Per-dof error from the predicted pose to the target (local rotation vectors for spherical
    // joints, angle differences for revolute joints; zero for the root).
    void computePoseError();

    const Character& m_character;
    RigidBodyModel m_model;
    Eigen::VectorXd m_kp, m_kd;  // per dof
    Eigen::VectorXd m_targetPose;

    // Scratch, sized at construction.
    Eigen::VectorXd m_predictedPose, m_poseError, m_dofVelocity, m_rhs, m_acceleration;
    Eigen::VectorXd m_dofTorque;
    Eigen::MatrixXd m_system;  // M + dt Kd, factored in place over the joint tree
};

}  // namespace sim
