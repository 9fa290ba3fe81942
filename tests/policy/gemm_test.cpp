#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "policy/nn/gemm.h"
#include "policy/random.h"

namespace {

struct Product {
    int out, in, n;
};

std::vector<float> randomFloats(size_t count, policy::Random& random) {
    std::vector<float> values(count);
    for (float& v : values) {
        v = static_cast<float>(random.uniform(-1, 1));
    }
    return values;
}

bool packedKernel() {
    return std::strcmp(policy::nn::gemmKernelName(), "avx512") == 0;
}

// Worst |ours - reference| / max(1, |reference|) of y += w x against a double-precision sum,
// with w packed ahead (`prepack`) or packed by the product itself.
double worstScaledError(const Product& p, bool prepack, policy::nn::GemmScratch& scratch,
                        uint64_t seed) {
    policy::Random random(seed);
    const std::vector<float> w = randomFloats(static_cast<size_t>(p.out) * p.in, random);
    const std::vector<float> x = randomFloats(static_cast<size_t>(p.in) * p.n, random);
    const std::vector<float> start = randomFloats(static_cast<size_t>(p.out) * p.n, random);
    std::vector<float> y = start;
    policy::nn::PackedWeights packing;
    if (prepack) {
        packing.pack(w.data(), p.out, p.in);
        // The AVX-512 kernel packs every layer of 16 outputs or more; the others multiply
        // row-major weights and have nothing to pack.
        const bool expectPacking = packedKernel() && p.out >= 16;
        REQUIRE((packing.data() != nullptr) == expectPacking);
    }
    policy::nn::gemmAccumulate(w.data(), p.out, p.in, x.data(), p.n, y.data(), scratch,
                               prepack ? &packing : nullptr);
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
        // Rows around the 16-output threshold, the 64-row tile and the 192-row block; depths
        // around the 256-deep block; columns around the 6-column tile and the 240-column block;
        // the networks' own layers; single columns (the GEMV path). Each with the weights
        // packed ahead and packed by the product.
        const std::vector<Product> products{
            {1, 1, 1},      {1, 5, 2},      {2, 32, 3},     {15, 17, 5},    {16, 40, 6},
            {17, 255, 7},   {63, 256, 239}, {64, 257, 240}, {65, 100, 241}, {127, 513, 13},
            {129, 300, 12}, {191, 64, 25},  {193, 513, 5},  {36, 512, 64},  {1024, 197, 40},
            {512, 1024, 7}, {70, 30, 1600}, {300, 200, 1},
        };
        policy::nn::GemmScratch scratch;
        uint64_t seed = 11;
        for (const Product& p : products) {
            for (const bool prepack : {false, true}) {
                const double worst = worstScaledError(p, prepack, scratch, seed++);
                INFO("out " << p.out << " in " << p.in << " n " << p.n << " prepacked " << prepack
                            << " kernel " << policy::nn::gemmKernelName());
                // float32 sums of up to 1024 products of magnitude < 1
                CHECK(worst < 2e-6 * std::sqrt(static_cast<double>(p.in)));
            }
        }
    }

    TEST_CASE("gemm leaves outputs outside the product untouched") {
        // y holds one column more than the product, filled with -0: adding a padded row or
        // column's zero to it gives +0, so any store past the product shows in the sign bit.
        for (const int out : {35, 64, 70}) {
            const int in = 20, n = 13;
            std::vector<float> w(static_cast<size_t>(out) * in, 0.5f);
            std::vector<float> x(static_cast<size_t>(in) * n, 1.0f);
            std::vector<float> y(static_cast<size_t>(out) * (n + 1), -0.0f);
            for (size_t i = 0; i < static_cast<size_t>(out) * n; ++i) {
                y[i] = 7.0f;
            }
            policy::nn::GemmScratch scratch;
            policy::nn::PackedWeights packing;
            packing.pack(w.data(), out, in);
            policy::nn::gemmAccumulate(w.data(), out, in, x.data(), n, y.data(), scratch, &packing);
            INFO("out " << out);
            for (size_t i = 0; i < static_cast<size_t>(out) * n; ++i) {
                REQUIRE(y[i] == 17.0f);
            }
            for (int m = 0; m < out; ++m) {
                const float guard = y[static_cast<size_t>(n) * out + static_cast<size_t>(m)];
                CHECK(guard == 0.0f);
                CHECK(std::signbit(guard));
            }
        }
    }

    TEST_CASE("gemm with weights packed ahead gives the bits of gemm packing them itself") {
        const int out = 200, in = 300, n = 517;  // three column blocks and an edge tile
        policy::Random random(5);
        const std::vector<float> w = randomFloats(static_cast<size_t>(out) * in, random);
        const std::vector<float> x = randomFloats(static_cast<size_t>(in) * n, random);
        std::vector<float> plain(static_cast<size_t>(out) * n, 0.25f), packed = plain;
        policy::nn::GemmScratch scratch;
        policy::nn::PackedWeights packing;
        packing.pack(w.data(), out, in);
        CHECK(packing.packs(out, in));
        CHECK_FALSE(packing.packs(in, out));
        if (!packedKernel()) {
            MESSAGE("kernel " << policy::nn::gemmKernelName() << " packs nothing ahead");
        }
        // A copy keeps the packing aligned (its loads are aligned ones).
        const policy::nn::PackedWeights copy = packing;
        policy::nn::gemmAccumulate(w.data(), out, in, x.data(), n, plain.data(), scratch);
        policy::nn::gemmAccumulate(w.data(), out, in, x.data(), n, packed.data(), scratch, &copy);
        CHECK(plain == packed);
    }

    TEST_CASE("a dense layer's fused bias and ReLU give the bits of separate passes") {
        // Edge rows, several depth blocks (the bias enters in the first, the ReLU in the last),
        // one depth block (both in one store), the GEMV and Eigen paths, weights packed ahead
        // and by the product; NaN must survive the ReLU, as std::max(y, 0) leaves it.
        const std::vector<Product> products{
            {70, 600, 13}, {1024, 197, 40}, {36, 512, 250}, {8, 40, 9}, {300, 200, 1}};
        policy::nn::GemmScratch scratch;
        uint64_t seed = 21;
        for (const Product& p : products) {
            for (const bool relu : {false, true}) {
                policy::Random random(seed++);
                const std::vector<float> w =
                    randomFloats(static_cast<size_t>(p.out) * p.in, random);
                std::vector<float> x = randomFloats(static_cast<size_t>(p.in) * p.n, random);
                const std::vector<float> bias = randomFloats(static_cast<size_t>(p.out), random);
                x[0] = std::nanf("");  // column 0 turns NaN wherever row weights meet it
                policy::nn::PackedWeights packing;
                packing.pack(w.data(), p.out, p.in);

                std::vector<float> separate(static_cast<size_t>(p.out) * p.n);
                for (int j = 0; j < p.n; ++j) {
                    std::copy(bias.begin(), bias.end(), separate.begin() + j * p.out);
                }
                policy::nn::gemmAccumulate(w.data(), p.out, p.in, x.data(), p.n, separate.data(),
                                           scratch, &packing);
                if (relu) {
                    for (float& v : separate) {
                        v = std::max(v, 0.0f);
                    }
                }
                std::vector<float> fused(separate.size(), 123.0f);  // old values must not leak
                const bool packAhead = (seed % 2) == 0;
                policy::nn::gemmLayer(w.data(), p.out, p.in, x.data(), p.n, fused.data(),
                                      {bias.data(), relu}, scratch, packAhead ? &packing : nullptr);
                INFO("out " << p.out << " in " << p.in << " n " << p.n << " relu " << relu);
                REQUIRE(std::isnan(fused[0]));
                REQUIRE(std::memcmp(fused.data(), separate.data(), fused.size() * 4) == 0);
            }
        }
    }

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
