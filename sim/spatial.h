#pragma once
// Minimal spatial (6-D) algebra for the rigid-body model: motion and force vectors ordered
// [angular; linear], Pluecker transforms, and spatial inertias (Featherstone, "Rigid Body
// Dynamics Algorithms", 2008, chapter 2).

#include <Eigen/Core>
#include <Eigen/Geometry>

namespace sim::spatial {

using Vector6d = Eigen::Matrix<double, 6, 1>;
using Matrix6d = Eigen::Matrix<double, 6, 6>;

inline Eigen::Matrix3d skew(const Eigen::Vector3d& v) {
    Eigen::Matrix3d m;
    m << 0, -v.z(), v.y(), v.z(), 0, -v.x(), -v.y(), v.x(), 0;
    return m;
}

// Coordinate transform from frame A to frame B, where B's origin sits at `translation` in A's
// coordinates and `rotation` maps A-coordinates to B-coordinates.
struct Transform {
    Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();
    Eigen::Vector3d translation = Eigen::Vector3d::Zero();

    // Motion vector from A to B coordinates.
    Vector6d applyMotion(const Vector6d& m) const {
        Vector6d out;
        const Eigen::Vector3d w = m.head<3>();
        out.head<3>() = rotation * w;
        out.tail<3>() = rotation * (m.tail<3>() - translation.cross(w));
        return out;
    }
    // Force vector from B back to A coordinates (the transpose of applyMotion's matrix).
    Vector6d applyForceTranspose(const Vector6d& f) const {
        Vector6d out;
        const Eigen::Vector3d force = rotation.transpose() * f.tail<3>();
        out.head<3>() = rotation.transpose() * f.head<3>() + translation.cross(force);
        out.tail<3>() = force;
        return out;
    }
    // The 6x6 matrix of applyMotion.
    Matrix6d motionMatrix() const {
        Matrix6d x = Matrix6d::Zero();
        x.topLeftCorner<3, 3>() = rotation;
        x.bottomRightCorner<3, 3>() = rotation;
        x.bottomLeftCorner<3, 3>() = -rotation * skew(translation);
        return x;
    }
};

// Spatial cross product for motion vectors: v x m.
inline Vector6d crossMotion(const Vector6d& v, const Vector6d& m) {
    Vector6d out;
    const Eigen::Vector3d w = v.head<3>();
    out.head<3>() = w.cross(m.head<3>());
    out.tail<3>() = w.cross(m.tail<3>()) + v.tail<3>().cross(m.head<3>());
    return out;
}

// Spatial cross product for force vectors: v x* f.
inline Vector6d crossForce(const Vector6d& v, const Vector6d& f) {
    Vector6d out;
    const Eigen::Vector3d w = v.head<3>();
    out.head<3>() = w.cross(f.head<3>()) + v.tail<3>().cross(f.tail<3>());
    out.tail<3>() = w.cross(f.tail<3>());
    return out;
}

// Spatial inertia about a frame's origin of a body with `mass` [kg], centre of mass `com` and
// rotational inertia `inertiaAtCom` about the centre of mass, both in that frame.
inline Matrix6d rigidBodyInertia(double mass, const Eigen::Vector3d& com,
                                 const Eigen::Matrix3d& inertiaAtCom) {
    const Eigen::Matrix3d c = skew(com);
    Matrix6d inertia;
    inertia.topLeftCorner<3, 3>() = inertiaAtCom + mass * c * c.transpose();
    inertia.topRightCorner<3, 3>() = mass * c;
    inertia.bottomLeftCorner<3, 3>() = mass * c.transpose();
    inertia.bottomRightCorner<3, 3>() = mass * Eigen::Matrix3d::Identity();
    return inertia;
}

}  // namespace sim::spatial
