#include "policy/deepmimic_weights.h"
#include "policy/weights.h"
#include "tests/test_support.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

const char* const kWalk = "deepmimic/policies/found/humanoid3d_walk_float.bin";

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("raw DeepMimic export size is 746486 floats for state 197 and action 36") {
        CHECK(policy::deepMimicRawBytes(197, 36) == 746486u * 4u);
    }

    TEST_CASE("raw walk export loads with the action normalizer of FACTS.md section 4") {
        if (!test::haveShared(kWalk)) {
            return;
        }
        auto w = policy::loadActorWeights(test::sharedPath(kWalk));
        REQUIRE_MESSAGE(w.ok(), w.error());
        CHECK(w->description.find("DeepMimic raw float32 export") != std::string::npos);
        REQUIRE(w->layers.size() == 3);
        CHECK(w->layers[0].weight.rows() == 1024);
        CHECK(w->layers[0].weight.cols() == 197);
        CHECK(w->layers[1].weight.rows() == 512);
        CHECK(w->layers[2].weight.rows() == 36);
        REQUIRE(w->actionMean.size() == 36);
        const float tol = 1e-2f;
        CHECK(w->actionStd[0] == doctest::Approx(4.8f).epsilon(tol));      // chest angle
        CHECK(w->actionStd[4] == doctest::Approx(4.0f).epsilon(tol));      // neck angle
        CHECK(w->actionMean[3] == doctest::Approx(0.2f).epsilon(tol));     // chest axis z
        CHECK(w->actionMean[12] == doctest::Approx(-1.57f).epsilon(tol));  // right knee
        CHECK(w->actionStd[12] == doctest::Approx(6.28f).epsilon(tol));
        CHECK(w->actionMean[26] == doctest::Approx(-1.57f).epsilon(tol));  // left knee
        CHECK(w->actionMean[21] == doctest::Approx(1.57f).epsilon(tol));   // right elbow
        CHECK(w->actionStd[17] == doctest::Approx(12.56f).epsilon(tol));   // right shoulder
        CHECK(w->actionStd[31] == doctest::Approx(9.28f).epsilon(tol));    // left shoulder
        // Phase normalizer is fixed at mean 0.5, std 0.5; learned stds respect the 0.02 floor.
        CHECK(w->stateMean[0] == doctest::Approx(0.5f));
        CHECK(w->stateStd[0] == doctest::Approx(0.5f));
        CHECK(w->stateStd.minCoeff() >= 0.02f - 1e-6f);
    }

    TEST_CASE("raw export kernels are transposed from TF [in][out] into [out, in]") {
        if (!test::haveShared(kWalk)) {
            return;
        }
        std::ifstream in(test::sharedPath(kWalk), std::ios::binary);
        std::vector<float> f(746486);
        in.read(reinterpret_cast<char*>(f.data()), static_cast<std::streamsize>(f.size() * 4));
        auto w = policy::loadDeepMimicRaw(test::sharedPath(kWalk));
        REQUIRE(w.ok());
        // Kernel 0 starts at float 466 with row i (input) of 1024 outputs.
        CHECK(w->layers[0].weight(5, 3) == f[466 + 3 * 1024 + 5]);
        CHECK(w->layers[1].weight(7, 900) == f[203218 + 900 * 512 + 7]);
        CHECK(w->layers[2].weight(35, 511) == f[728018 + 511 * 36 + 35]);
        CHECK(w->layers[2].bias[35] == f[746485]);
    }

    TEST_CASE("raw export of the wrong size is refused stating the expected bytes") {
        const auto path = std::filesystem::temp_directory_path() / "charsim_short_actor.bin";
        {
            std::ofstream out(path, std::ios::binary);
            out << std::string(1000, '\0');
        }
        auto w = policy::loadActorWeights(path.string());
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find(path.string()) != std::string::npos);
        CHECK(w.error().find("exactly 2985944 bytes") != std::string::npos);
        CHECK(w.error().find("file is 1000 bytes") != std::string::npos);
    }

    TEST_CASE("every found raw export loads and maps a zero-offset state to finite actions") {
        if (!test::haveShared(kWalk)) {
            return;
        }
        int loaded = 0;
        for (const auto& entry :
             std::filesystem::directory_iterator(test::sharedPath("deepmimic/policies/found"))) {
            if (entry.path().extension() != ".bin") {
                continue;
            }
            CAPTURE(entry.path().string());
            auto w = policy::loadActorWeights(entry.path().string());
            REQUIRE_MESSAGE(w.ok(), w.error());
            policy::Actor actor(std::move(w.value()));
            Eigen::VectorXf action(36);
            actor.act(actor.weights().stateMean, action);
            CHECK(action.allFinite());
            ++loaded;
        }
        CHECK(loaded == 10);
    }

}  // TEST_SUITE
