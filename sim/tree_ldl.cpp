#include "sim/tree_ldl.h"

#include <cassert>

namespace sim {

void factorTreeLdl(const DofParents& parents, Eigen::Ref<Eigen::MatrixXd> matrix) {
    const int n = static_cast<int>(parents.size());
    // From the leaves up: dof k's row is scaled by its pivot and its outer product is taken
    // out of the ancestors' block, which touches only ancestor pairs (i, j) with j above i.
    for (int k = n - 1; k >= 0; --k) {
        assert(parents[k] < k);
        const double pivot = matrix(k, k);
        for (int i = parents[k]; i >= 0; i = parents[i]) {
            const double factor = matrix(k, i) / pivot;
            for (int j = i; j >= 0; j = parents[j]) {
                matrix(i, j) -= factor * matrix(k, j);
            }
            matrix(k, i) = factor;
        }
    }
}

void solveTreeLdl(const DofParents& parents, const Eigen::Ref<const Eigen::MatrixXd>& factors,
                  Eigen::Ref<Eigen::VectorXd> rhs) {
    const int n = static_cast<int>(parents.size());
    // L^T y = b, from the leaves up.
    for (int k = n - 1; k >= 0; --k) {
        for (int i = parents[k]; i >= 0; i = parents[i]) {
            rhs[i] -= factors(k, i) * rhs[k];
        }
    }
    // D z = y.
    for (int k = 0; k < n; ++k) {
        rhs[k] /= factors(k, k);
    }
    // L x = z, from the root down.
    for (int k = 0; k < n; ++k) {
        for (int i = parents[k]; i >= 0; i = parents[i]) {
            rhs[k] -= factors(k, i) * rhs[i];
        }
    }
}

}  // namespace sim
