#pragma once
// The Bullet side of the simulation: a btMultiBodyDynamicsWorld with a ground plane and the
// character as one btMultiBody, built the way DeepMimic builds it. Everything crossing this
// interface is in metres; the internal Bullet world may be scaled (DeepMimic uses 4x).

#include <Eigen/Core>
#include <Eigen/Geometry>

#include <memory>
#include <vector>

#include "sim/character.h"

namespace sim {

struct PhysicsSettings {
    // Lengths inside Bullet are multiplied by this. 4 matches DeepMimic: Bullet's collision
    // margins and contact thresholds are absolute lengths, so the scale changes contacts.
    double worldScale = 4;
    double gravity = 9.8;            // along -Y [m/s^2]
    double friction = 0.9;           // on every link and on the ground (Bullet multiplies them)
    double contactDistance = 0.001;  // a manifold point this close counts as contact [m]
    bool selfCollision = true;       // links collide with each other except parent and child
};

class PhysicsWorld {
public:
    PhysicsWorld(const Character& character, const PhysicsSettings& settings);
    ~PhysicsWorld();
    PhysicsWorld(const PhysicsWorld&) = delete;
    PhysicsWorld& operator=(const PhysicsWorld&) = delete;

    // Places the character at a pose with a velocity (43-D DeepMimic layouts, metres).
    void setState(const Eigen::Ref<const Eigen::VectorXd>& pose,
                  const Eigen::Ref<const Eigen::VectorXd>& velocity);
    // Reads the character's pose and velocity back from Bullet.
    void readState(Eigen::Ref<Eigen::VectorXd> pose, Eigen::Ref<Eigen::VectorXd> velocity) const;

    // Adds joint torques [N m] in the velocity layout (spherical: joint frame) for the next step.
    void applyJointTorques(const Eigen::Ref<const Eigen::VectorXd>& torques);

    // Adds a force [N, world frame] at body j's centre of mass for the next step; like the
    // torques it acts on every substep and is cleared afterwards.
    void applyBodyForce(int body, const Eigen::Vector3d& force);

    // Advances by dt [s] in `substeps` equal Bullet steps; torques applied before the call act
    // on every substep and are cleared afterwards. Then refreshes the contact flags.
    void step(double dt, int substeps);

    // Lowest point of any body's bounding box [m].
    double lowestPoint() const;

    // True if body j touched the ground in the last step (within contactDistance).
    bool inGroundContact(int body) const { return m_groundContact[body] != 0; }

    const PhysicsSettings& settings() const { return m_settings; }

private:
    struct BulletObjects;
    void buildMultiBody();
    void updateGroundContacts();

    const Character& m_character;
    PhysicsSettings m_settings;
    std::unique_ptr<BulletObjects> m_bullet;
    std::vector<char> m_groundContact;
};

}  // namespace sim
