// The tree-sparse L^T D L factorization against dense factors and against Eigen's LDLT, on
// synthetic trees and on the shipped character's mass matrix.

#include <doctest/doctest.h>

#include <Eigen/Cholesky>

#include <random>

#include "sim/character.h"
#include "sim/rigid_body_model.h"
#include "sim/tree_ldl.h"
#include "tests/test_support.h"

namespace {

// A random tree over n dofs: each dof's parent is one of the dofs before it, or none.
sim::DofParents randomTree(int n, std::mt19937& generator) {
    sim::DofParents parents(n, -1);
    for (int k = 1; k < n; ++k) {
        std::uniform_int_distribution<int> pick(-1, k - 1);
        parents[k] = pick(generator);
    }
    return parents;
}

bool isAncestorOrSelf(const sim::DofParents& parents, int ancestor, int dof) {
    for (int i = dof; i >= 0; i = parents[i]) {
        if (i == ancestor) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("tree LDL recovers the factors of a matrix built from them and solves it") {
        std::mt19937 generator(7);
        std::uniform_real_distribution<double> uniform(-1.0, 1.0);
        for (int trial = 0; trial < 20; ++trial) {
            const int n = 1 + trial * 3;
            const sim::DofParents parents = randomTree(n, generator);
            Eigen::MatrixXd lower = Eigen::MatrixXd::Identity(n, n);
            Eigen::VectorXd pivots(n);
            for (int k = 0; k < n; ++k) {
                pivots[k] = 0.5 + std::abs(uniform(generator));
                for (int i = parents[k]; i >= 0; i = parents[i]) {
                    lower(k, i) = uniform(generator);
                }
            }
            const Eigen::MatrixXd matrix = lower.transpose() * pivots.asDiagonal() * lower;
            // The product has the tree's pattern: nothing between dofs on different branches.
            for (int i = 0; i < n; ++i) {
                for (int k = 0; k < n; ++k) {
                    if (!isAncestorOrSelf(parents, i, k) && !isAncestorOrSelf(parents, k, i)) {
                        REQUIRE(matrix(i, k) == 0.0);
                    }
                }
            }
            Eigen::MatrixXd factors = matrix;
            sim::factorTreeLdl(parents, factors);
            double worstFactor = 0;
            for (int k = 0; k < n; ++k) {
                worstFactor = std::max(worstFactor, std::abs(factors(k, k) - pivots[k]));
                for (int i = parents[k]; i >= 0; i = parents[i]) {
                    worstFactor = std::max(worstFactor, std::abs(factors(k, i) - lower(k, i)));
                }
            }
            CHECK(worstFactor < 1e-10);

            Eigen::VectorXd rhs =
                Eigen::VectorXd::NullaryExpr(n, [&] { return uniform(generator); });
            Eigen::VectorXd solution = rhs;
            sim::solveTreeLdl(parents, factors, solution);
            CHECK((matrix * solution - rhs).norm() <= 1e-10 * (1.0 + rhs.norm()));
        }
    }

    TEST_CASE("tree LDL solves the character's mass matrix as Eigen's dense LDLT does") {
        auto loaded = sim::loadCharacter(test::sourcePath("assets/characters/humanoid.json"));
        REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error()));
        const sim::Character character = std::move(loaded).value();
        sim::RigidBodyModel model(character, {});
        std::mt19937 generator(3);
        std::normal_distribution<double> normal(0.0, 1.0);
        const int n = character.dofCount;
        for (int trial = 0; trial < 10; ++trial) {
            // A random pose: unit quaternions from normal draws, angles and rates from normals.
            Eigen::VectorXd pose =
                Eigen::VectorXd::NullaryExpr(character.poseSize, [&] { return normal(generator); });
            for (int j = 0; j < character.numJoints(); ++j) {
                const int offset = character.paramOffset[j];
                if (character.joints[j].type == sim::JointType::Spherical) {
                    pose.segment<4>(offset).normalize();
                } else if (character.joints[j].type == sim::JointType::Root) {
                    pose.segment<4>(offset + 3).normalize();
                }
            }
            const Eigen::VectorXd velocity =
                Eigen::VectorXd::NullaryExpr(character.poseSize, [&] { return normal(generator); });
            model.update(pose, velocity);
            const Eigen::MatrixXd& mass = model.massMatrix();
            const sim::DofParents& parents = model.dofParents();
            for (int i = 0; i < n; ++i) {
                for (int k = 0; k < n; ++k) {
                    if (!isAncestorOrSelf(parents, i, k) && !isAncestorOrSelf(parents, k, i)) {
                        REQUIRE(mass(i, k) == 0.0);
                    }
                }
            }
            const Eigen::VectorXd rhs =
                Eigen::VectorXd::NullaryExpr(n, [&] { return normal(generator); });
            const Eigen::VectorXd expected = mass.ldlt().solve(rhs);
            Eigen::MatrixXd factors = mass;
            sim::factorTreeLdl(model.dofParents(), factors);
            Eigen::VectorXd solution = rhs;
            sim::solveTreeLdl(model.dofParents(), factors, solution);
            CHECK((solution - expected).norm() <= 1e-9 * expected.norm());
        }
    }
}  // TEST_SUITE
