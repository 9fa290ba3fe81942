// Gradients of the PPO losses through the trainable MLP against central finite differences in
// double precision, and the small pure pieces (returns, optimizers, normalizer) against
// closed-form answers.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "policy/ppo/mlp.h"
#include "policy/ppo/optimizer.h"
#include "policy/ppo/ppo_loss.h"
#include "policy/ppo/running_normalizer.h"
#include "policy/random.h"

namespace {

using Mlpd = policy::Mlp<double>;

Eigen::MatrixXd randomMatrix(int rows, int cols, policy::Random& random, double scale) {
    Eigen::MatrixXd m(rows, cols);
    for (int c = 0; c < cols; ++c) {
        for (int r = 0; r < rows; ++r) {
            m(r, c) = scale * random.normal();
        }
    }
    return m;
}

// Largest relative error between the analytic gradient and central differences, over all
// parameters whose gradient is not negligible (|g| > 1e-7 * max |g|).
template <class Loss>
double maxRelativeError(Mlpd& mlp, const Loss& loss, const Eigen::VectorXd& analytic) {
    const double h = 1e-6;
    const double floor = 1e-7 * analytic.cwiseAbs().maxCoeff();
    double worst = 0;
    for (int i = 0; i < mlp.numParams(); ++i) {
        const double saved = mlp.params()[i];
        mlp.params()[i] = saved + h;
        const double up = loss();
        mlp.params()[i] = saved - h;
        const double down = loss();
        mlp.params()[i] = saved;
        const double numeric = (up - down) / (2 * h);
        const double scale = std::max({std::abs(numeric), std::abs(analytic[i]), floor});
        if (scale > floor) {
            worst = std::max(worst, std::abs(numeric - analytic[i]) / scale);
        }
    }
    return worst;
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("PPO actor loss gradient through the MLP matches finite differences") {
        policy::Random random(7);
        Mlpd mlp({5, 8, 6, 3});
        policy::initializeMlp(mlp, 0.5, 3);
        for (int i = 0; i < mlp.numParams(); ++i) {
            mlp.params()[i] += 0.05 * random.normal();  // non-zero biases
        }
        const int n = 16;
        const Eigen::MatrixXd input = randomMatrix(5, n, random, 1.0);
        policy::MlpCache<double> cache;
        const Eigen::MatrixXd mean0 = mlp.forward(input, cache);
        // Actions near the mean; old densities from a shifted mean so some ratios leave the clip
        // range; bounds tight enough that some means violate them.
        const Eigen::MatrixXd actions = mean0 + randomMatrix(3, n, random, 0.05);
        Eigen::VectorXd oldLogDensity(n), advantages(n);
        for (int i = 0; i < n; ++i) {
            const Eigen::VectorXd shifted = mean0.col(i) + 0.03 * randomMatrix(3, 1, random, 1.0);
            oldLogDensity[i] = policy::gaussianLogDensity<double>(actions.col(i), shifted, 0.05);
            advantages[i] = random.normal();
        }
        const Eigen::VectorXd boundMin = Eigen::VectorXd::Constant(3, -0.2);
        const Eigen::VectorXd boundMax = Eigen::VectorXd::Constant(3, 0.2);
        policy::ActorLossSettings settings;
        const double decay = 5e-4;

        auto loss = [&]() {
            policy::MlpCache<double> c;
            Eigen::MatrixXd grad;
            double value =
                policy::actorLoss<double>(mlp.forward(input, c), actions, oldLogDensity, advantages,
                                          boundMin, boundMax, settings, grad);
            Eigen::VectorXd unused = Eigen::VectorXd::Zero(mlp.numParams());
            mlp.addWeightDecay(decay, value, unused);
            return value;
        };
        Eigen::MatrixXd meanGradient;
        policy::ActorLossStats stats;
        double value =
            policy::actorLoss<double>(mlp.forward(input, cache), actions, oldLogDensity, advantages,
                                      boundMin, boundMax, settings, meanGradient, &stats);
        Eigen::VectorXd gradient = Eigen::VectorXd::Zero(mlp.numParams());
        mlp.backward(meanGradient, cache, gradient);
        mlp.addWeightDecay(decay, value, gradient);

        CHECK(stats.clipFraction > 0);  // the clipped branch is exercised
        CHECK(stats.clipFraction < 1);
        CHECK(stats.boundPenalty > 0);  // and the bound penalty
        const double error = maxRelativeError(mlp, loss, gradient);
        MESSAGE("actor loss: max relative gradient error " << error);
        CHECK(error <= 1e-6);
    }

    TEST_CASE("critic regression gradient through the MLP matches finite differences") {
        policy::Random random(11);
        Mlpd mlp({6, 10, 7, 1});
        policy::initializeMlp(mlp, 0, 5);
        for (int i = 0; i < mlp.numParams(); ++i) {
            mlp.params()[i] += 0.05 * random.normal();
        }
        const Eigen::MatrixXd input = randomMatrix(6, 20, random, 1.0);
        const Eigen::MatrixXd target = randomMatrix(1, 20, random, 1.0);
        auto loss = [&]() {
            policy::MlpCache<double> c;
            Eigen::MatrixXd grad;
            return policy::criticLoss<double>(mlp.forward(input, c), target, grad);
        };
        policy::MlpCache<double> cache;
        Eigen::MatrixXd valueGradient;
        policy::criticLoss<double>(mlp.forward(input, cache), target, valueGradient);
        Eigen::VectorXd gradient = Eigen::VectorXd::Zero(mlp.numParams());
        mlp.backward(valueGradient, cache, gradient);
        const double error = maxRelativeError(mlp, loss, gradient);
        MESSAGE("critic loss: max relative gradient error " << error);
        CHECK(error <= 1e-6);
    }

    TEST_CASE("TD(lambda) returns equal value plus the GAE advantage") {
        const float rewards[5] = {0.5f, 0.9f, 0.1f, 0.7f, 0.3f};
        const float values[5] = {3.0f, 2.5f, 4.0f, 1.0f, 2.0f};
        auto r = [&](int t) { return static_cast<double>(rewards[t]); };
        auto v = [&](int t) { return static_cast<double>(values[t]); };
        const double gamma = 0.95, lambda = 0.9;
        for (double endValue : {0.0, 6.0}) {
            float returns[5];
            policy::lambdaReturns(rewards, values, 5, endValue, gamma, lambda, returns);
            double advantage = 0;
            for (int t = 4; t >= 0; --t) {
                const double next = t == 4 ? endValue : v(t + 1);
                const double delta = r(t) + gamma * next - v(t);
                advantage = delta + gamma * lambda * advantage;
                CHECK(static_cast<double>(returns[t]) ==
                      doctest::Approx(v(t) + advantage).epsilon(1e-6));
            }
        }
        // lambda = 1: the discounted sum of rewards plus the discounted end value.
        float returns[5];
        policy::lambdaReturns(rewards, values, 5, 6.0, gamma, 1.0, returns);
        double discounted = 6.0;
        for (int t = 4; t >= 0; --t) {
            discounted = r(t) + gamma * discounted;
        }
        CHECK(static_cast<double>(returns[0]) == doctest::Approx(discounted).epsilon(1e-6));
    }

    TEST_CASE("advantages are normalized to zero mean and unit std, then clipped") {
        Eigen::VectorXf adv(6);
        adv << 1, 2, 3, 4, 5, 100;
        policy::normalizeAdvantages(adv, 1.5);
        CHECK(adv.maxCoeff() == doctest::Approx(1.5));
        Eigen::VectorXf plain(4);
        plain << -1, 1, -1, 1;
        policy::normalizeAdvantages(plain, 4);
        CHECK(plain.mean() == doctest::Approx(0).epsilon(1e-6));
        CHECK(plain[1] == doctest::Approx(1).epsilon(1e-4));
    }

    TEST_CASE("momentum step follows v = m v + g, p -= lr v; Adam's first step is lr sign(g)") {
        policy::OptimizerSettings momentum{policy::OptimizerKind::Momentum, 0.1, 0.9};
        Eigen::VectorXf p(2), g(2);
        p << 1, 2;
        g << 0.5f, -1;
        policy::OptimizerState state = policy::makeOptimizerState(momentum, 2);
        policy::optimizerStep(momentum, g, p, state);
        policy::optimizerStep(momentum, g, p, state);
        // v1 = g, v2 = 1.9 g; p = p0 - 0.1 * 2.9 g.
        CHECK(p[0] == doctest::Approx(1 - 0.29 * 0.5));
        CHECK(p[1] == doctest::Approx(2 + 0.29));

        policy::OptimizerSettings adam{policy::OptimizerKind::Adam, 0.01};
        Eigen::VectorXf q = Eigen::VectorXf::Zero(2);
        policy::OptimizerState adamState = policy::makeOptimizerState(adam, 2);
        policy::optimizerStep(adam, g, q, adamState);
        CHECK(q[0] == doctest::Approx(-0.01).epsilon(1e-4));
        CHECK(q[1] == doctest::Approx(0.01).epsilon(1e-4));
    }

    TEST_CASE("state normalizer fits the first samples, floors the std, keeps the phase fixed") {
        policy::RunningNormalizer norm(3, 4, 0.02);
        norm.fix(0, 0.5, 0.5);
        Eigen::MatrixXf samples(3, 2);
        samples << 0.1f, 0.9f,  // phase
            1.0f, 3.0f,         // mean 2, std 1
            5.0f, 5.0f;         // constant: std floored
        norm.update(samples);
        CHECK(norm.mean()[0] == doctest::Approx(0.5));
        CHECK(norm.std()[0] == doctest::Approx(0.5));
        CHECK(norm.mean()[1] == doctest::Approx(2));
        CHECK(norm.std()[1] == doctest::Approx(1));
        CHECK(norm.std()[2] == doctest::Approx(0.02));
        CHECK_FALSE(norm.frozen());
        norm.update(samples);
        CHECK(norm.frozen());
        Eigen::MatrixXf other = Eigen::MatrixXf::Constant(3, 2, 100);
        norm.update(other);  // frozen: ignored
        CHECK(norm.mean()[1] == doctest::Approx(2));
    }

}  // TEST_SUITE
