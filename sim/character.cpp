#include "sim/character.h"

#include <cmath>
#include <limits>

#include "sim/json_util.h"

namespace sim {

using json::Json;
using json::Where;

const char* toString(JointType type) {
    switch (type) {
        case JointType::Root:
            return "none";
        case JointType::Revolute:
            return "revolute";
        case JointType::Spherical:
            return "spherical";
        case JointType::Fixed:
            return "fixed";
    }
    return "unknown";
}

const char* toString(ShapeType type) {
    switch (type) {
        case ShapeType::Sphere:
            return "sphere";
        case ShapeType::Capsule:
            return "capsule";
        case ShapeType::Box:
            return "box";
    }
    return "unknown";
}

double Character::totalMass() const {
    double mass = 0;
    for (const BodyDef& body : bodies) {
        mass += body.mass;
    }
    return mass;
}

Eigen::Vector3d shapeHalfExtents(ShapeType shape, const Eigen::Vector3d& param) {
    switch (shape) {
        case ShapeType::Sphere: {
            double radius = 0.5 * param.x();
            return {radius, radius, radius};
        }
        case ShapeType::Capsule: {
            // Param0 is the diameter, Param1 the length of the cylinder part along local Y.
            double radius = 0.5 * param.x();
            return {radius, 0.5 * param.y() + radius, radius};
        }
        case ShapeType::Box:
            return 0.5 * param;
    }
    return Eigen::Vector3d::Zero();
}

namespace {

// DeepMimic's AttachTheta Euler triple, applied as Rz * Ry * Rx.
Eigen::Quaterniond eulerRotation(const Eigen::Vector3d& theta) {
    Eigen::Quaterniond q = Eigen::AngleAxisd(theta.z(), Eigen::Vector3d::UnitZ()) *
                           Eigen::AngleAxisd(theta.y(), Eigen::Vector3d::UnitY()) *
                           Eigen::AngleAxisd(theta.x(), Eigen::Vector3d::UnitX());
    return q.normalized();
}

// Reads `prefix`X/Y/Z into `out` (missing components keep their value).
Status readVector(const Json& object, const Where& where, const std::string& prefix,
                  Eigen::Vector3d& out) {
    CHARSIM_TRY(json::readNumber(object, where, prefix + "X", out.x()));
    CHARSIM_TRY(json::readNumber(object, where, prefix + "Y", out.y()));
    CHARSIM_TRY(json::readNumber(object, where, prefix + "Z", out.z()));
    return Status::success();
}

Status readParams(const Json& object, const Where& where, Eigen::Vector3d& param) {
    for (int i = 0; i < 3; ++i) {
        CHARSIM_TRY(json::readNumber(object, where, "Param" + std::to_string(i), param[i]));
    }
    return Status::success();
}

Status readColor(const Json& object, const Where& where, Eigen::Vector4d& color) {
    const char* names[4] = {"ColorR", "ColorG", "ColorB", "ColorA"};
    for (int i = 0; i < 4; ++i) {
        CHARSIM_TRY(json::readNumber(object, where, names[i], color[i]));
    }
    return Status::success();
}

// Optional "ID" that must equal the array index when present.
Status checkId(const Json& object, const Where& where, int index) {
    int id = index;
    std::string expected = "the entry's array index " + std::to_string(index);
    CHARSIM_TRY(json::readInt(object, where, "ID", id, false, expected));
    if (id != index) {
        return json::fieldError(where, "ID", expected, json::member(object, "ID"));
    }
    return Status::success();
}

// "Shape": sphere, capsule or box. Cylinders and null shapes are refused: Bullet and the
// stable-PD model here only build the three shapes the humanoid uses.
Status readShape(const Json& object, const Where& where, ShapeType& out) {
    std::string name;
    CHARSIM_TRY(json::readString(object, where, "Shape", name, true));
    if (name == "sphere") {
        out = ShapeType::Sphere;
    } else if (name == "capsule") {
        out = ShapeType::Capsule;
    } else if (name == "box") {
        out = ShapeType::Box;
    } else {
        std::string expected = "one of \"sphere\", \"capsule\", \"box\"";
        if (name == "cylinder" || name == "null") {
            expected += " (\"" + name + "\" is valid in DeepMimic but not supported by charsim)";
        }
        return json::fieldError(where, "Shape", expected, json::member(object, "Shape"));
    }
    return Status::success();
}

// Shape sizes must be positive where they matter (capsule cylinder length may be zero).
Status checkShapeParams(const Json& object, const Where& where, ShapeType shape,
                        const Eigen::Vector3d& param) {
    int count = shape == ShapeType::Box ? 3 : (shape == ShapeType::Capsule ? 2 : 1);
    for (int i = 0; i < count; ++i) {
        bool zeroAllowed = shape == ShapeType::Capsule && i == 1;
        bool bad = zeroAllowed ? param[i] < 0 : param[i] <= 0;
        if (bad) {
            std::string field = "Param" + std::to_string(i);
            std::string expected = zeroAllowed ? "a non-negative " : "a positive ";
            expected += std::string(toString(shape)) + " size [m]";
            return json::fieldError(where, field, expected, json::member(object, field));
        }
    }
    return Status::success();
}

Status readJointType(const Json& object, const Where& where, JointType& out) {
    const Json* value = json::member(object, "Type");
    if (value == nullptr) {
        out = JointType::Revolute;  // DeepMimic's default
        return Status::success();
    }
    std::string name = value->is_string() ? value->get<std::string>() : "";
    if (name == "none") {
        out = JointType::Root;
    } else if (name == "revolute") {
        out = JointType::Revolute;
    } else if (name == "spherical") {
        out = JointType::Spherical;
    } else if (name == "fixed") {
        out = JointType::Fixed;
    } else {
        std::string expected = "one of \"none\", \"revolute\", \"spherical\", \"fixed\"";
        if (name == "planar" || name == "prismatic") {
            expected += " (\"" + name + "\" is valid in DeepMimic but not supported by charsim)";
        }
        return json::fieldError(where, "Type", expected, value);
    }
    return Status::success();
}

Result<JointDef> parseJoint(const Json& object, const Where& where, int index) {
    JointDef joint;
    joint.torqueLimit = std::numeric_limits<double>::infinity();
    joint.forceLimit = std::numeric_limits<double>::infinity();
    CHARSIM_TRY(checkId(object, where, index));
    CHARSIM_TRY(readJointType(object, where, joint.type));

    // Parent: -1 for the root (joint 0), else an earlier joint.
    std::string parentExpected = index == 0
                                     ? "-1 (joint 0 is the root)"
                                     : "an integer joint index below " + std::to_string(index);
    joint.parent = -1;
    CHARSIM_TRY(json::readInt(object, where, "Parent", joint.parent, index > 0, parentExpected));
    bool parentOk = index == 0 ? joint.parent == -1 : joint.parent >= 0 && joint.parent < index;
    if (!parentOk) {
        return json::fieldError(where, "Parent", parentExpected, json::member(object, "Parent"));
    }
    if ((index == 0) != (joint.type == JointType::Root)) {
        std::string expected = index == 0 ? "\"none\" (joint 0 is the root)"
                                          : "\"revolute\", \"spherical\" or \"fixed\" (only "
                                            "joint 0 may be the root \"none\")";
        return json::fieldError(where, "Type", expected, json::member(object, "Type"));
    }

    Eigen::Vector3d theta = Eigen::Vector3d::Zero();
    CHARSIM_TRY(readVector(object, where, "Attach", joint.attach));
    CHARSIM_TRY(readVector(object, where, "AttachTheta", theta));
    joint.attachRotation = eulerRotation(theta);
    if (index == 0) {
        joint.attach.setZero();  // DeepMimic forces the root's attach point to the origin
    }
    for (int i = 0; i < 3; ++i) {
        CHARSIM_TRY(
            json::readNumber(object, where, "LimLow" + std::to_string(i), joint.limitLow[i]));
        CHARSIM_TRY(
            json::readNumber(object, where, "LimHigh" + std::to_string(i), joint.limitHigh[i]));
    }
    CHARSIM_TRY(json::readNumber(object, where, "TorqueLim", joint.torqueLimit));
    CHARSIM_TRY(json::readNumber(object, where, "ForceLim", joint.forceLimit));
    CHARSIM_TRY(json::readBool(object, where, "IsEndEffector", joint.isEndEffector));
    CHARSIM_TRY(json::readNumber(object, where, "DiffWeight", joint.diffWeight));
    double offset = 0;
    CHARSIM_TRY(json::readNumber(object, where, "Offset", offset));  // read for validation only
    if (joint.torqueLimit < 0) {
        return json::fieldError(where, "TorqueLim", "a non-negative torque [N m]",
                                json::member(object, "TorqueLim"));
    }
    if (joint.diffWeight < 0) {
        return json::fieldError(where, "DiffWeight", "a non-negative weight",
                                json::member(object, "DiffWeight"));
    }
    return joint;
}

Result<BodyDef> parseBody(const Json& object, const Where& where, int index) {
    BodyDef body;
    body.collisionGroup = -1;  // DeepMimic's default: collides with all
    CHARSIM_TRY(checkId(object, where, index));
    CHARSIM_TRY(readShape(object, where, body.shape));
    CHARSIM_TRY(json::readNumber(object, where, "Mass", body.mass, true));
    if (body.mass <= 0) {
        return json::fieldError(where, "Mass", "a positive mass [kg]",
                                json::member(object, "Mass"));
    }
    CHARSIM_TRY(json::readInt(object, where, "ColGroup", body.collisionGroup, false,
                              "an integer collision group (-1 all, 0 none, else a bit index)"));
    if (body.collisionGroup < -1 || body.collisionGroup > 15) {
        // DeepMimic's collision masks are 16 bits wide.
        return json::fieldError(where, "ColGroup", "a collision group from -1 to 15",
                                json::member(object, "ColGroup"));
    }
    CHARSIM_TRY(json::readBool(object, where, "EnableFallContact", body.enableFallContact));
    Eigen::Vector3d theta = Eigen::Vector3d::Zero();
    CHARSIM_TRY(readVector(object, where, "Attach", body.attach));
    CHARSIM_TRY(readVector(object, where, "AttachTheta", theta));
    body.attachRotation = eulerRotation(theta);
    CHARSIM_TRY(readParams(object, where, body.param));
    CHARSIM_TRY(checkShapeParams(object, where, body.shape, body.param));
    CHARSIM_TRY(readColor(object, where, body.color));
    return body;
}

Result<DrawShapeDef> parseDrawShape(const Json& object, const Where& where, int index,
                                    int numJoints) {
    DrawShapeDef shape;
    CHARSIM_TRY(checkId(object, where, index));
    CHARSIM_TRY(readShape(object, where, shape.shape));
    std::string parentExpected =
        "an integer joint index in [0, " + std::to_string(numJoints - 1) + "]";
    CHARSIM_TRY(
        json::readInt(object, where, "ParentJoint", shape.parentJoint, true, parentExpected));
    if (shape.parentJoint < 0 || shape.parentJoint >= numJoints) {
        return json::fieldError(where, "ParentJoint", parentExpected,
                                json::member(object, "ParentJoint"));
    }
    Eigen::Vector3d theta = Eigen::Vector3d::Zero();
    CHARSIM_TRY(readVector(object, where, "Attach", shape.attach));
    CHARSIM_TRY(readVector(object, where, "AttachTheta", theta));
    shape.attachRotation = eulerRotation(theta);
    CHARSIM_TRY(readParams(object, where, shape.param));
    CHARSIM_TRY(checkShapeParams(object, where, shape.shape, shape.param));
    CHARSIM_TRY(readColor(object, where, shape.color));
    double meshId = -1;
    CHARSIM_TRY(json::readNumber(object, where, "MeshID", meshId));  // read for validation only
    return shape;
}

// `Skeleton.Joints[4] ("right_knee")`, the name included when the entry has one.
std::string entryName(const std::string& array, int index, const Json& object) {
    std::string entry = array + "[" + std::to_string(index) + "]";
    const Json* name = json::member(object, "Name");
    if (name != nullptr && name->is_string()) {
        entry += " (\"" + name->get<std::string>() + "\")";
    }
    return entry;
}

// Pose/velocity and degree-of-freedom layouts, in joint order.
void buildLayouts(Character& character) {
    int numJoints = character.numJoints();
    character.paramOffset.assign(numJoints, 0);
    character.paramSize.assign(numJoints, 0);
    character.dofOffset.assign(numJoints, 0);
    character.dofSize.assign(numJoints, 0);
    int param = 0;
    int dof = 0;
    for (int j = 0; j < numJoints; ++j) {
        int paramSize = 0;
        int dofSize = 0;
        switch (character.joints[j].type) {
            case JointType::Root:
                paramSize = 7;
                dofSize = 6;
                break;
            case JointType::Spherical:
                paramSize = 4;
                dofSize = 3;
                break;
            case JointType::Revolute:
                paramSize = 1;
                dofSize = 1;
                break;
            case JointType::Fixed:
                break;
        }
        character.paramOffset[j] = param;
        character.paramSize[j] = paramSize;
        character.dofOffset[j] = dof;
        character.dofSize[j] = dofSize;
        param += paramSize;
        dof += dofSize;
    }
    character.poseSize = param;
    character.dofCount = dof;
}

Status parseJoints(const Json& root, const std::string& source, Character& character) {
    Where top{source, ""};
    const Json* skeleton = json::member(root, "Skeleton");
    if (skeleton == nullptr || !skeleton->is_object()) {
        return json::fieldError(top, "Skeleton", "an object holding \"Joints\"", skeleton);
    }
    std::optional<Error> error;
    const Json* joints =
        json::readArray(*skeleton, Where{source, "Skeleton"}, "Joints", true, error);
    if (joints == nullptr) {
        return *error;
    }
    if (joints->empty()) {
        return json::entryError(Where{source, "Skeleton.Joints"},
                                "must hold at least the root joint, found an empty array");
    }
    for (int j = 0; j < static_cast<int>(joints->size()); ++j) {
        const Json& object = (*joints)[j];
        Where where{source, entryName("Skeleton.Joints", j, object)};
        if (!object.is_object()) {
            return json::entryError(where, "must be an object, found " + json::describe(&object));
        }
        Result<JointDef> joint = parseJoint(object, where, j);
        if (!joint) {
            return Error{joint.error()};
        }
        joint->name = "joint" + std::to_string(j);
        CHARSIM_TRY(json::readString(object, where, "Name", joint->name));
        character.joints.push_back(std::move(joint.value()));
    }
    return Status::success();
}

Status parseBodies(const Json& root, const std::string& source, Character& character) {
    std::optional<Error> error;
    const Json* bodies = json::readArray(root, Where{source, ""}, "BodyDefs", true, error);
    if (bodies == nullptr) {
        return *error;
    }
    if (bodies->size() != character.joints.size()) {
        return json::entryError(Where{source, "BodyDefs"},
                                "must hold one entry per joint (" +
                                    std::to_string(character.joints.size()) + "), found " +
                                    std::to_string(bodies->size()));
    }
    for (int b = 0; b < static_cast<int>(bodies->size()); ++b) {
        const Json& object = (*bodies)[b];
        Where where{source, entryName("BodyDefs", b, object)};
        if (!object.is_object()) {
            return json::entryError(where, "must be an object, found " + json::describe(&object));
        }
        Result<BodyDef> body = parseBody(object, where, b);
        if (!body) {
            return Error{body.error()};
        }
        character.bodies.push_back(std::move(body.value()));
    }
    return Status::success();
}

Status parseDrawShapes(const Json& root, const std::string& source, Character& character) {
    std::optional<Error> error;
    const Json* shapes = json::readArray(root, Where{source, ""}, "DrawShapeDefs", false, error);
    if (shapes == nullptr) {
        return error ? Status(*error) : Status::success();
    }
    for (int s = 0; s < static_cast<int>(shapes->size()); ++s) {
        const Json& object = (*shapes)[s];
        Where where{source, entryName("DrawShapeDefs", s, object)};
        if (!object.is_object()) {
            return json::entryError(where, "must be an object, found " + json::describe(&object));
        }
        Result<DrawShapeDef> shape = parseDrawShape(object, where, s, character.numJoints());
        if (!shape) {
            return Error{shape.error()};
        }
        character.drawShapes.push_back(std::move(shape.value()));
    }
    return Status::success();
}

}  // namespace

Result<Character> parseCharacter(const std::string& jsonText, const std::string& sourceName) {
    Result<Json> root = json::parseText(jsonText, sourceName);
    if (!root) {
        return Error{root.error()};
    }
    if (!root->is_object()) {
        return Error{sourceName +
                     ": must be a JSON object with \"Skeleton\" and \"BodyDefs\", "
                     "found " +
                     json::describe(&root.value())};
    }
    Character character;
    character.sourcePath = sourceName;
    CHARSIM_TRY(parseJoints(*root, sourceName, character));
    CHARSIM_TRY(parseBodies(*root, sourceName, character));
    CHARSIM_TRY(parseDrawShapes(*root, sourceName, character));
    buildLayouts(character);
    return character;
}

Result<Character> loadCharacter(const std::string& path) {
    Result<std::string> text = json::readTextFile(path, "character");
    if (!text) {
        return Error{text.error()};
    }
    return parseCharacter(*text, path);
}

}  // namespace sim
