#include "sim/physics_world.h"

#include <BulletCollision/BroadphaseCollision/btDbvtBroadphase.h>
#include <BulletCollision/CollisionDispatch/btCollisionDispatcher.h>
#include <BulletCollision/CollisionDispatch/btDefaultCollisionConfiguration.h>
#include <BulletCollision/CollisionShapes/btBoxShape.h>
#include <BulletCollision/CollisionShapes/btCapsuleShape.h>
#include <BulletCollision/CollisionShapes/btSphereShape.h>
#include <BulletCollision/CollisionShapes/btStaticPlaneShape.h>
#include <BulletDynamics/Dynamics/btRigidBody.h>
#include <BulletDynamics/Featherstone/btMultiBody.h>
#include <BulletDynamics/Featherstone/btMultiBodyConstraintSolver.h>
#include <BulletDynamics/Featherstone/btMultiBodyDynamicsWorld.h>
#include <BulletDynamics/Featherstone/btMultiBodyJointLimitConstraint.h>
#include <BulletDynamics/Featherstone/btMultiBodyLinkCollider.h>

#include <algorithm>
#include <limits>

namespace sim {

namespace {

btVector3 toBullet(const Eigen::Vector3d& v) {
    return {static_cast<btScalar>(v.x()), static_cast<btScalar>(v.y()),
            static_cast<btScalar>(v.z())};
}

btQuaternion toBullet(const Eigen::Quaterniond& q) {
    return {static_cast<btScalar>(q.x()), static_cast<btScalar>(q.y()),
            static_cast<btScalar>(q.z()), static_cast<btScalar>(q.w())};
}

Eigen::Vector3d fromBullet(const btVector3& v) {
    return {v.x(), v.y(), v.z()};
}

// Collision filter bit of a DeepMimic ColGroup: -1 all, 0 none, else 1 << group.
int collisionBits(int group) {
    if (group < 0) {
        return -1;
    }
    return group == 0 ? 0 : (1 << group);
}

}  // namespace

// Bullet objects, owned in construction order and destroyed in reverse.
struct PhysicsWorld::BulletObjects {
    btDefaultCollisionConfiguration collisionConfiguration;
    btCollisionDispatcher dispatcher{&collisionConfiguration};
    btDbvtBroadphase broadphase;
    btMultiBodyConstraintSolver solver;
    btMultiBodyDynamicsWorld world{&dispatcher, &broadphase, &solver, &collisionConfiguration};

    std::unique_ptr<btStaticPlaneShape> groundShape;
    std::unique_ptr<btRigidBody> ground;
    std::vector<std::unique_ptr<btCollisionShape>> linkShapes;
    std::vector<std::unique_ptr<btMultiBodyLinkCollider>> linkColliders;
    std::vector<std::unique_ptr<btMultiBodyJointLimitConstraint>> jointLimits;
    std::unique_ptr<btMultiBody> multiBody;

    // Scratch for forward kinematics after a state change.
    btAlignedObjectArray<btQuaternion> worldToLocal;
    btAlignedObjectArray<btVector3> localOrigin;

    ~BulletObjects() {
        for (auto& limit : jointLimits) {
            world.removeMultiBodyConstraint(limit.get());
        }
        for (auto& collider : linkColliders) {
            world.removeCollisionObject(collider.get());
        }
        if (multiBody) {
            world.removeMultiBody(multiBody.get());
        }
        if (ground) {
            world.removeRigidBody(ground.get());
        }
    }
};

PhysicsWorld::PhysicsWorld(const Character& character, const PhysicsSettings& settings)
    : m_character(character),
      m_settings(settings),
      m_bullet(std::make_unique<BulletObjects>()),
      m_groundContact(character.numJoints(), 0) {
    const double scale = settings.worldScale;
    btMultiBodyDynamicsWorld& world = m_bullet->world;
    world.setGravity(btVector3(0, static_cast<btScalar>(-settings.gravity * scale), 0));
    btContactSolverInfo& solverInfo = world.getSolverInfo();
    solverInfo.m_solverMode = SOLVER_SIMD | SOLVER_USE_2_FRICTION_DIRECTIONS |
                              SOLVER_FRICTION_SEPARATE | SOLVER_USE_WARMSTARTING;

    // Ground: a static plane through the origin with normal +Y, colliding with everything.
    m_bullet->groundShape = std::make_unique<btStaticPlaneShape>(btVector3(0, 1, 0), 0);
    btRigidBody::btRigidBodyConstructionInfo groundInfo(0, nullptr, m_bullet->groundShape.get());
    m_bullet->ground = std::make_unique<btRigidBody>(groundInfo);
    m_bullet->ground->setFriction(static_cast<btScalar>(settings.friction));
    world.addRigidBody(m_bullet->ground.get(), -1, -1);

    buildMultiBody();
}

PhysicsWorld::~PhysicsWorld() = default;

void PhysicsWorld::buildMultiBody() {
    const double scale = m_settings.worldScale;
    const int numLinks = m_character.numJoints();
    BulletObjects& bt = *m_bullet;

    // A massless floating base at the root joint; link 0 (the root body) is welded to it.
    bt.multiBody = std::make_unique<btMultiBody>(numLinks, 0, btVector3(0, 0, 0), false, false);
    btMultiBody& body = *bt.multiBody;
    body.setBaseWorldTransform(btTransform::getIdentity());

    for (int j = 0; j < numLinks; ++j) {
        const JointDef& joint = m_character.joints[j];
        const BodyDef& def = m_character.bodies[j];
        const Eigen::Vector3d half = shapeHalfExtents(def.shape, def.param) * scale;
        std::unique_ptr<btCollisionShape> shape;
        switch (def.shape) {
            case ShapeType::Sphere:
                shape = std::make_unique<btSphereShape>(static_cast<btScalar>(half.x()));
                break;
            case ShapeType::Capsule:
                shape = std::make_unique<btCapsuleShape>(
                    static_cast<btScalar>(half.x()), static_cast<btScalar>(def.param.y() * scale));
                break;
            case ShapeType::Box:
                shape = std::make_unique<btBoxShape>(toBullet(half));
                break;
        }
        btVector3 inertia(0, 0, 0);
        shape->calculateLocalInertia(static_cast<btScalar>(def.mass), inertia);

        const btScalar mass = static_cast<btScalar>(def.mass);
        const btVector3 pivotToCom = toBullet(def.attach * scale);
        const btQuaternion parentToThis = toBullet(joint.attachRotation.conjugate());
        if (joint.type == JointType::Root) {
            body.setupFixed(j, mass, inertia, -1, btQuaternion::getIdentity(), btVector3(0, 0, 0),
                            pivotToCom, true);
        } else {
            const Eigen::Vector3d parentComToPivot =
                (joint.attach - m_character.bodies[joint.parent].attach) * scale;
            const btVector3 offset = toBullet(parentComToPivot);
            switch (joint.type) {
                case JointType::Spherical:
                    body.setupSpherical(j, mass, inertia, joint.parent, parentToThis, offset,
                                        pivotToCom, true);
                    break;
                case JointType::Revolute:
                    body.setupRevolute(j, mass, inertia, joint.parent, parentToThis,
                                       btVector3(0, 0, 1), offset, pivotToCom, true);
                    break;
                case JointType::Fixed:
                    body.setupFixed(j, mass, inertia, joint.parent, parentToThis, offset,
                                    pivotToCom, true);
                    break;
                case JointType::Root:
                    break;
            }
        }

        auto collider = std::make_unique<btMultiBodyLinkCollider>(&body, j);
        collider->setCollisionShape(shape.get());
        collider->setFriction(static_cast<btScalar>(m_settings.friction));
        body.getLink(j).m_collider = collider.get();
        bt.linkShapes.push_back(std::move(shape));
        bt.linkColliders.push_back(std::move(collider));
    }

    body.finalizeMultiDof();
    body.setHasSelfCollision(m_settings.selfCollision);
    body.setLinearDamping(0);
    body.setAngularDamping(0);
    bt.world.addMultiBody(&body);

    for (int j = 0; j < numLinks; ++j) {
        const int bits = collisionBits(m_character.bodies[j].collisionGroup);
        if (bits != 0) {
            bt.world.addCollisionObject(bt.linkColliders[j].get(), bits, bits);
        }
        const JointDef& joint = m_character.joints[j];
        if (joint.type == JointType::Revolute && joint.limitLow.x() <= joint.limitHigh.x()) {
            auto limit = std::make_unique<btMultiBodyJointLimitConstraint>(
                &body, j, static_cast<btScalar>(joint.limitLow.x()),
                static_cast<btScalar>(joint.limitHigh.x()));
            bt.world.addMultiBodyConstraint(limit.get());
            bt.jointLimits.push_back(std::move(limit));
        }
    }
}

void PhysicsWorld::setState(const Eigen::Ref<const Eigen::VectorXd>& pose,
                            const Eigen::Ref<const Eigen::VectorXd>& velocity) {
    const double scale = m_settings.worldScale;
    BulletObjects& bt = *m_bullet;
    btMultiBody& body = *bt.multiBody;
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int offset = m_character.paramOffset[j];
        switch (m_character.joints[j].type) {
            case JointType::Root: {
                const Eigen::Quaterniond rotation(pose[offset + 3], pose[offset + 4],
                                                  pose[offset + 5], pose[offset + 6]);
                body.setBasePos(toBullet(pose.segment<3>(offset) * scale));
                body.setWorldToBaseRot(toBullet(rotation.normalized().conjugate()));
                body.setBaseVel(toBullet(velocity.segment<3>(offset) * scale));
                body.setBaseOmega(toBullet(velocity.segment<3>(offset + 3)));
                break;
            }
            case JointType::Spherical: {
                const Eigen::Quaterniond q = Eigen::Quaterniond(pose[offset], pose[offset + 1],
                                                                pose[offset + 2], pose[offset + 3])
                                                 .normalized();
                const double position[4] = {q.x(), q.y(), q.z(), q.w()};
                const double rate[3] = {velocity[offset], velocity[offset + 1],
                                        velocity[offset + 2]};
                body.setJointPosMultiDof(j, position);
                body.setJointVelMultiDof(j, rate);
                break;
            }
            case JointType::Revolute:
                body.setJointPos(j, static_cast<btScalar>(pose[offset]));
                body.setJointVel(j, static_cast<btScalar>(velocity[offset]));
                break;
            case JointType::Fixed:
                break;
        }
    }
    body.clearForcesAndTorques();
    body.updateCollisionObjectWorldTransforms(bt.worldToLocal, bt.localOrigin);

    // Forget contacts and cached impulses from before the teleport.
    btOverlappingPairCache* pairs = bt.broadphase.getOverlappingPairCache();
    for (auto& collider : bt.linkColliders) {
        if (collider->getBroadphaseHandle() != nullptr) {
            pairs->cleanProxyFromPairs(collider->getBroadphaseHandle(), &bt.dispatcher);
        }
    }
    bt.world.updateAabbs();
    std::fill(m_groundContact.begin(), m_groundContact.end(), 0);
}

void PhysicsWorld::readState(Eigen::Ref<Eigen::VectorXd> pose,
                             Eigen::Ref<Eigen::VectorXd> velocity) const {
    const double inverseScale = 1.0 / m_settings.worldScale;
    const btMultiBody& body = *m_bullet->multiBody;
    pose.setZero();
    velocity.setZero();
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int offset = m_character.paramOffset[j];
        switch (m_character.joints[j].type) {
            case JointType::Root: {
                pose.segment<3>(offset) = fromBullet(body.getBasePos()) * inverseScale;
                const btQuaternion rotation = body.getWorldToBaseRot().inverse();
                pose[offset + 3] = rotation.w();
                pose[offset + 4] = rotation.x();
                pose[offset + 5] = rotation.y();
                pose[offset + 6] = rotation.z();
                velocity.segment<3>(offset) = fromBullet(body.getBaseVel()) * inverseScale;
                velocity.segment<3>(offset + 3) = fromBullet(body.getBaseOmega());
                break;
            }
            case JointType::Spherical: {
                const btScalar* q = body.getJointPosMultiDof(j);
                const btScalar* w = body.getJointVelMultiDof(j);
                pose[offset] = q[3];
                pose[offset + 1] = q[0];
                pose[offset + 2] = q[1];
                pose[offset + 3] = q[2];
                velocity[offset] = w[0];
                velocity[offset + 1] = w[1];
                velocity[offset + 2] = w[2];
                break;
            }
            case JointType::Revolute:
                pose[offset] = body.getJointPos(j);
                velocity[offset] = body.getJointVel(j);
                break;
            case JointType::Fixed:
                break;
        }
    }
}

void PhysicsWorld::applyJointTorques(const Eigen::Ref<const Eigen::VectorXd>& torques) {
    const double torqueScale = m_settings.worldScale * m_settings.worldScale;
    btMultiBody& body = *m_bullet->multiBody;
    for (int j = 0; j < m_character.numJoints(); ++j) {
        const int offset = m_character.paramOffset[j];
        switch (m_character.joints[j].type) {
            case JointType::Spherical:
                for (int axis = 0; axis < 3; ++axis) {
                    body.addJointTorqueMultiDof(
                        j, axis, static_cast<btScalar>(torques[offset + axis] * torqueScale));
                }
                break;
            case JointType::Revolute:
                body.addJointTorque(j, static_cast<btScalar>(torques[offset] * torqueScale));
                break;
            case JointType::Root:
            case JointType::Fixed:
                break;
        }
    }
}

void PhysicsWorld::applyBodyForce(int body, const Eigen::Vector3d& force) {
    // Bullet's lengths are scaled and its masses are not, so its forces scale with the lengths.
    m_bullet->multiBody->addLinkForce(body, toBullet(force * m_settings.worldScale));
}

void PhysicsWorld::step(double dt, int substeps) {
    m_bullet->world.stepSimulation(static_cast<btScalar>(dt), substeps,
                                   static_cast<btScalar>(dt / substeps));
    updateGroundContacts();
}

void PhysicsWorld::updateGroundContacts() {
    std::fill(m_groundContact.begin(), m_groundContact.end(), 0);
    const btScalar threshold =
        static_cast<btScalar>(m_settings.contactDistance * m_settings.worldScale);
    btCollisionDispatcher& dispatcher = m_bullet->dispatcher;
    const btCollisionObject* ground = m_bullet->ground.get();
    for (int m = 0; m < dispatcher.getNumManifolds(); ++m) {
        const btPersistentManifold* manifold = dispatcher.getManifoldByIndexInternal(m);
        const btCollisionObject* a = manifold->getBody0();
        const btCollisionObject* b = manifold->getBody1();
        const btCollisionObject* other = a == ground ? b : (b == ground ? a : nullptr);
        if (other == nullptr) {
            continue;  // a contact between two links: not a ground contact
        }
        const auto* link = btMultiBodyLinkCollider::upcast(other);
        if (link == nullptr || link->m_multiBody != m_bullet->multiBody.get()) {
            continue;
        }
        for (int p = 0; p < manifold->getNumContacts(); ++p) {
            if (manifold->getContactPoint(p).getDistance() <= threshold) {
                m_groundContact[link->m_link] = 1;
                break;
            }
        }
    }
}

double PhysicsWorld::lowestPoint() const {
    double lowest = std::numeric_limits<double>::infinity();
    for (const auto& collider : m_bullet->linkColliders) {
        btVector3 low, high;
        collider->getCollisionShape()->getAabb(collider->getWorldTransform(), low, high);
        lowest = std::min(lowest, static_cast<double>(low.y()));
    }
    return lowest / m_settings.worldScale;
}

}  // namespace sim
