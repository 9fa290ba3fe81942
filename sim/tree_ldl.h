#pragma once
// Factorization of a joint-space matrix with the sparsity of a kinematic tree, as in Featherstone,
// "Rigid Body Dynamics Algorithms" (2008), section 6.5. Entry (i, k) of a mass matrix is nonzero
// only when one of dofs i and k lies on the other's path to the root, so H = L^T D L with L unit
// lower
// triangular and of that same pattern, computed without fill-in and without pivoting. It costs
// the sum over dofs of their depth squared instead of a dense factorization's n^3 / 3.

#include <Eigen/Core>

#include <vector>

namespace sim {

// For each dof, the dof before it on its path to the root (-1 for the first dof). Every entry
// is below its own index: parents come before children.
using DofParents = std::vector<int>;

// Overwrites the lower triangle of the symmetric positive definite `matrix` with D on the
// diagonal and L below it (entry (k, i) for i an ancestor of k). Entries off the tree's pattern
// are neither read nor written. Allocates nothing. Nothing is checked: a matrix that is not
// positive definite gives a pivot <= 0 and then infinities or NaNs.
void factorTreeLdl(const DofParents& parents, Eigen::Ref<Eigen::MatrixXd> matrix);

// Solves H x = b in place (`rhs` becomes x) with the factors from factorTreeLdl.
void solveTreeLdl(const DofParents& parents, const Eigen::Ref<const Eigen::MatrixXd>& factors,
                  Eigen::Ref<Eigen::VectorXd> rhs);

}  // namespace sim
