#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "policy/nn/gemm.h"
#include "policy/random.h"

namespace {

struct Product {
    int out, in, n;
};

// Worst |ours - reference| / max(1, |reference|) of y += w x, against a double-precision sum.
double worstScaledError(const Product& p, policy::nn::GemmScratch& scratch, uint64_t seed) {
    policy::Random random(seed);
    std::vector<float> w(static_cast<size_t>(p.out) * p.in), x(static_cast<size_t>(p.in) * p.n);
    std::vector<float> y(static_cast<size_t>(p.out) * p.n);
    for (float& v : w)
        v = static_cast<float>(random.uniform(-1, 1));
    for (float& v : x)
        v = static_cast<float>(random.uniform(-1, 1));
    for (float& v : y)
        v = static_cast<float>(random.uniform(-1, 1));
    std::vector<float> start = y;
    policy::nn::gemmAccumulate(w.data(), p.out, p.in, x.data(), p.n, y.data(), scratch);
    double worst = 0;
    for (int j = 0; j < p.n; ++j) {
        for (int m = 0; m < p.out; ++m) {
            double sum = start[static_cast<size_t>(j) * p.out + m];
            for (int k = 0; k < p.in; ++k) {
                const double wmk = w[static_cast<size_t>(m) * p.in + k];
                const double xkj = x[static_cast<size_t>(j) * p.in + k];
                sum += wmk * xkj;
            }
            const double ours = y[static_cast<size_t>(j) * p.out + m];
            worst = std::max(worst, std::abs(ours - sum) / std::max(1.0, std::abs(sum)));
        }
    }
    return worst;
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("gemm accumulates w x into y on edge-sized and multi-block shapes") {
        // Shapes around the kernel's 32 x 12 tile, its 256-deep and 192-row blocks and its
        // 1536-column block, plus the networks' own layers.
        const std::vector<Product> products{
            {1, 1, 1},      {1, 5, 2},     {2, 32, 3},     {31, 17, 11},  {32, 256, 12},
            {33, 257, 13},  {36, 512, 64}, {191, 300, 25}, {193, 513, 5}, {1024, 197, 40},
            {512, 1024, 7}, {2, 32, 1537}, {70, 30, 1600},
        };
        policy::nn::GemmScratch scratch;
        uint64_t seed = 11;
        for (const Product& p : products) {
            const double worst = worstScaledError(p, scratch, seed++);
            INFO("out " << p.out << " in " << p.in << " n " << p.n << " kernel "
                        << policy::nn::gemmKernelName());
            // float32 sums of up to 1024 products of magnitude < 1
            CHECK(worst < 2e-6 * std::sqrt(static_cast<double>(p.in)));
        }
    }

    TEST_CASE("gemm leaves outputs outside the product untouched") {
        // y is one column longer than the product: the edge tile's masked stores must stop.
        const int out = 35, in = 20, n = 13;
        std::vector<float> w(static_cast<size_t>(out) * in, 0.5f),
            x(static_cast<size_t>(in) * n, 1);
        std::vector<float> y(static_cast<size_t>(out) * (n + 1), 7.0f);
        policy::nn::GemmScratch scratch;
        policy::nn::gemmAccumulate(w.data(), out, in, x.data(), n, y.data(), scratch);
        for (int j = 0; j < n; ++j) {
            for (int m = 0; m < out; ++m) {
                REQUIRE(y[static_cast<size_t>(j) * out + m] == doctest::Approx(7.0f + 10.0f));
            }
        }
        for (int m = 0; m < out; ++m) {
            CHECK(y[static_cast<size_t>(n) * out + m] == 7.0f);
        }
    }
}

TEST_SUITE("policy") {
    TEST_CASE("gemm with weights packed ahead gives the bits of gemm packing them itself") {
        const int out = 200, in = 300, n = 517;  // three column blocks and an edge tile
        policy::Random random(5);
        std::vector<float> w(static_cast<size_t>(out) * in), x(static_cast<size_t>(in) * n);
        for (float& v : w)
            v = static_cast<float>(random.uniform(-1, 1));
        for (float& v : x)
            v = static_cast<float>(random.uniform(-1, 1));
        std::vector<float> plain(static_cast<size_t>(out) * n, 0.25f), packed = plain;
        policy::nn::GemmScratch scratch;
        policy::nn::PackedWeights packing;
        packing.pack(w.data(), out, in);
        CHECK(packing.packs(out, in));
        CHECK_FALSE(packing.packs(in, out));
        policy::nn::gemmAccumulate(w.data(), out, in, x.data(), n, plain.data(), scratch);
        policy::nn::gemmAccumulate(w.data(), out, in, x.data(), n, packed.data(), scratch,
                                   &packing);
        CHECK(plain == packed);
    }
}

TEST_SUITE("policy") {
    TEST_CASE("vectorized ELU follows expm1 across the negative range and passes positives") {
        std::vector<float> x;
        for (int i = -200000; i <= 2000; ++i) {
            x.push_back(static_cast<float>(i) * 1e-4f);  // -20 .. 0.2, through the -0.5 seam
        }
        std::vector<float> y = x;
        policy::nn::eluInPlace(y.data(), y.size());
        double worst = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double v = x[i];
            const double expected = v > 0 ? v : std::expm1(v);
            const double ours = y[i];
            worst = std::max(worst, std::abs(ours - expected) / std::max(1e-3, std::abs(expected)));
        }
        MESSAGE("ELU worst relative error " << worst);
        CHECK(worst < 1e-6);
    }
}
