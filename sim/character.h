#pragma once
// The description of an articulated character, as DeepMimic's character files give it: a tree
// of joints (Skeleton.Joints), one rigid body per joint (BodyDefs) and shapes drawn for looks only
// (DrawShapeDefs). Loaded once and then read only; everything that changes lives elsewhere.

#include <Eigen/Core>
#include <Eigen/Geometry>

#include <string>
#include <vector>

#include "sim/result.h"

namespace sim {

enum class JointType {
    Root,       // "none": the floating root, 7 pose parameters (position, quaternion)
    Revolute,   // one angle about the joint-local Z axis
    Spherical,  // a local rotation quaternion
    Fixed,      // welded to the parent, no parameters
};

enum class ShapeType { Sphere, Capsule, Box };

const char* toString(JointType type);
const char* toString(ShapeType type);

struct JointDef {
    std::string name;
    JointType type = JointType::Revolute;
    int parent = -1;                     // index of the parent joint, -1 for the root
    Eigen::Vector3d attach{0, 0, 0};     // joint origin in the parent joint frame [m]
    Eigen::Quaterniond attachRotation{1, 0, 0, 0};  // from AttachTheta (Rz * Ry * Rx)
    Eigen::Vector3d limitLow{1, 1, 1};   // LimLow0..2 [rad]; low > high means "no limit"
    Eigen::Vector3d limitHigh{0, 0, 0};  // LimHigh0..2 [rad]
    double torqueLimit = 0;  // TorqueLim: bound on the torque's norm [N m]; loader default +inf
    double forceLimit = 0;   // ForceLim [N] (unused by the humanoid); loader default +inf
    bool isEndEffector = false;          // IsEndEffector: counts in the end-effector reward
    double diffWeight = 1;               // DiffWeight: weight in the pose and velocity rewards
};

struct BodyDef {
    ShapeType shape = ShapeType::Sphere;
    double mass = 0;                          // [kg]
    int collisionGroup = 1;  // ColGroup: 0 none, -1 all (loader default), else bit (1 << group)
    bool enableFallContact = false;           // EnableFallContact as written in the file
    Eigen::Vector3d attach{0, 0, 0};          // body centre (= COM) in its joint frame [m]
    Eigen::Quaterniond attachRotation{1, 0, 0, 0};
    Eigen::Vector3d param{0, 0, 0};           // Param0..2: see shapeHalfExtents() for meaning
    Eigen::Vector4d color{0.6, 0.6, 0.6, 1};  // ColorR/G/B/A
};

struct DrawShapeDef {
    ShapeType shape = ShapeType::Sphere;
    int parentJoint = 0;
    Eigen::Vector3d attach{0, 0, 0};
    Eigen::Quaterniond attachRotation{1, 0, 0, 0};
    Eigen::Vector3d param{0, 0, 0};
    Eigen::Vector4d color{0.6, 0.6, 0.6, 1};
};

// Loaded character plus the layouts derived from it. Joint i owns body i.
struct Character {
    std::string sourcePath;
    std::vector<JointDef> joints;
    std::vector<BodyDef> bodies;
    std::vector<DrawShapeDef> drawShapes;

    // Pose and velocity vectors (DeepMimic's layout): root 7, spherical 4, revolute 1, fixed 0.
    // The velocity vector has the same size: root = linear 3 + angular 3 + pad, spherical =
    // local angular velocity 3 + pad.
    std::vector<int> paramOffset;  // first entry of joint j in a pose or velocity vector
    std::vector<int> paramSize;    // entries of joint j in a pose or velocity vector
    int poseSize = 0;              // 43 for humanoid3d

    // Degrees of freedom (no pads): root 6, spherical 3, revolute 1, fixed 0.
    std::vector<int> dofOffset;
    std::vector<int> dofSize;
    int dofCount = 0;  // 34 for humanoid3d

    int numJoints() const { return static_cast<int>(joints.size()); }
    double totalMass() const;
    bool isEndEffector(int joint) const { return joints[joint].isEndEffector; }
};

// Reads a DeepMimic character file. Errors name the file, the array entry and the field.
// Refused: planar/prismatic joints, cylinder/null shapes, a root other than joint 0 of type
// "none", parents not below the joint's index, IDs other than the array index, non-positive
// masses or sizes, non-finite or |x| > 1e9 numbers, and BodyDefs not one per joint.
Result<Character> loadCharacter(const std::string& path);
// Parses character JSON text; `sourceName` is used in error messages.
Result<Character> parseCharacter(const std::string& jsonText, const std::string& sourceName);

// Half extents of a shape's bounding box in its own frame [m] (capsules along local Y).
Eigen::Vector3d shapeHalfExtents(ShapeType shape, const Eigen::Vector3d& param);

}  // namespace sim
