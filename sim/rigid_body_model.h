#pragma once
// The character's own rigid-body model, independent of Bullet: joint-space mass matrix and bias
// forces (gravity, Coriolis and centrifugal) over the joint tree, for stable PD control.
// Generalized velocities in dof order: root world linear velocity (3) and world angular velocity
// (3), then per joint: spherical local angular velocity (3), revolute rate (1), fixed none.

#include <Eigen/Core>

#include <vector>

#include "sim/character.h"
#include "sim/spatial.h"
#include "sim/tree_ldl.h"

namespace sim {

struct RigidBodyModelOptions {
    // DeepMimic's 2018 code used 0.5 h^2 instead of 0.25 h^2 for a capsule's hemispheres in this
    // model (fixed in DeepMimic commit 147da59); the 2018 policies were trained with it.
    bool capsuleInertia2018 = false;
    double gravity = 9.8;  // magnitude along -Y [m/s^2]
};

// Principal moments of a shape's inertia about its centre [kg m^2], DeepMimic's analytic forms:
// solid sphere, solid box, capsule as a cylinder plus two hemispheres (axis along local Y).
Eigen::Vector3d analyticInertia(ShapeType shape, const Eigen::Vector3d& param, double mass,
                                bool capsuleInertia2018);

class RigidBodyModel {
public:
    RigidBodyModel(const Character& character, const RigidBodyModelOptions& options);

    // Recomputes the mass matrix and bias forces for a pose and velocity (43-D DeepMimic layout).
    // Allocates nothing.
    void update(const Eigen::Ref<const Eigen::VectorXd>& pose,
                const Eigen::Ref<const Eigen::VectorXd>& velocity);

    const Eigen::MatrixXd& massMatrix() const { return m_massMatrix; }  // [dofs, dofs]
    const Eigen::VectorXd& biasForces() const { return m_biasForces; }  // [dofs]

    // Copies a 43-D velocity-layout vector into dof order and back.
    void velocityToDofs(const Eigen::Ref<const Eigen::VectorXd>& velocity,
                        Eigen::Ref<Eigen::VectorXd> dofs) const;
    void dofsToVelocity(const Eigen::Ref<const Eigen::VectorXd>& dofs,
                        Eigen::Ref<Eigen::VectorXd> velocity) const;

    int dofCount() const { return m_character.dofCount; }
    // The tree behind the mass matrix's sparsity: each dof's predecessor toward the root.
    const DofParents& dofParents() const { return m_dofParents; }

private:
    using Vector6d = spatial::Vector6d;
    using Matrix6d = spatial::Matrix6d;

    void computeTransforms(const Eigen::Ref<const Eigen::VectorXd>& pose);
    void computeBiasForces();
    void computeMassMatrix();

    const Character& m_character;
    RigidBodyModelOptions m_options;

    // Description, fixed at construction.
    std::vector<Matrix6d> m_bodyInertia;  // spatial inertia of body j about joint j's origin
    DofParents m_dofParents;  // per dof, its predecessor toward the root (-1 for the first)

    // Per-update scratch, sized at construction.
    std::vector<spatial::Transform> m_parentToJoint;  // X from parent (world for root) to joint
    std::vector<Vector6d> m_velocity, m_acceleration, m_force;
    std::vector<Matrix6d> m_compositeInertia;
    Eigen::VectorXd m_dofVelocity;
    Eigen::MatrixXd m_massMatrix;
    Eigen::VectorXd m_biasForces;
};

}  // namespace sim
