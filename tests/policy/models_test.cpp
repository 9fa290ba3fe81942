// Parity of the C++ models with their PyTorch definitions (golden files from
// tools/models/make_golden.py), sampling repeatability, scratch reuse, and refused weight files.

#include "policy/actor.h"
#include "policy/models/critic.h"
#include "policy/models/deep_phase.h"
#include "policy/models/normalized_mlp.h"
#include "policy/models/style_vae.h"
#include "policy/models/transition_net.h"
#include "policy/nn/gemm.h"
#include "policy/safetensors.h"
#include "policy/weights.h"
#include "tests/test_support.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

// REQUIRE that a Result holds a value, printing its error otherwise (error() is only read on
// failure, so `-s` success reporting does not touch an empty error).
#define REQUIRE_LOADED(result) \
    REQUIRE_MESSAGE((result).ok(), ((result).ok() ? std::string() : (result).error()))

namespace {

std::string goldenPath(const std::string& model, const std::string& kind) {
    return test::sourcePath("tests/data/models/" + model + "." + kind + ".safetensors");
}

// Tensors of a golden io file by name, as float32.
std::map<std::string, std::vector<float>> readGolden(const std::string& model) {
    auto file = policy::readSafetensors(goldenPath(model, "io"));
    REQUIRE_LOADED(file);
    std::map<std::string, std::vector<float>> out;
    for (const policy::SafetensorsEntry& e : file->entries) {
        out[e.name] = *file->floats(e);
    }
    return out;
}

// Largest |ours - ref| / max(1, |ref|); checks every element is within 1e-5 of that scale.
double compare(const std::vector<float>& ours, const std::vector<float>& ref,
               const std::string& what) {
    REQUIRE(ours.size() == ref.size());
    double worst = 0.0;
    size_t bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double err =
            std::abs(double(ours[i]) - double(ref[i])) / std::max(1.0, std::abs(double(ref[i])));
        worst = std::max(worst, err);
        bad += err > 1e-5 ? 1 : 0;
    }
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " elements off by more than 1e-5 (scaled), "
                                 << "worst " << worst);
    return worst;
}

std::string tempPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "charsim_models_tests";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

std::vector<unsigned char> fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// The golden weights of `model` rewritten as F32, with `edit` applied to the tensor list.
std::string rewrittenWeights(
    const std::string& model, const std::string& name,
    const std::function<void(std::vector<policy::SafetensorsTensor>&)>& edit) {
    auto file = policy::readSafetensors(goldenPath(model, "weights"));
    REQUIRE(file.ok());
    std::vector<policy::SafetensorsTensor> tensors;
    for (const policy::SafetensorsEntry& e : file->entries) {
        const std::vector<float> v = *file->floats(e);
        tensors.push_back(policy::makeF32Tensor(e.name, e.shape, v.data(), v.size()));
    }
    edit(tensors);
    const std::string path = tempPath(name);
    REQUIRE(policy::writeSafetensors(path, tensors));
    return path;
}

std::string deepPhaseError(const std::string& path) {
    auto m = policy::DeepPhase::load(path);
    return m ? std::string() : m.error();
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("DeepPhase matches PyTorch at batch 1 and 32, phase by atan2 and amplitude by norm") {
        auto model = policy::DeepPhase::load(goldenPath("deep_phase", "weights"));
        REQUIRE_LOADED(model);
        auto g = readGolden("deep_phase");
        double worst = 0.0;
        for (int n : {1, 32}) {
            const std::string b = "b" + std::to_string(n);
            std::vector<float> points(2 * n), phase(n), amplitude(n);
            model->forward(g[b + ".in.features"].data(), n, points.data());
            for (int i = 0; i < n; ++i) {
                const policy::PhasePoint p = policy::DeepPhase::phaseAmplitude(&points[2 * i]);
                phase[i] = p.phase;
                amplitude[i] = p.amplitude;
            }
            worst = std::max(worst, compare(points, g[b + ".out.point"], b + " point"));
            worst = std::max(worst, compare(phase, g[b + ".out.phase"], b + " phase"));
            worst = std::max(worst, compare(amplitude, g[b + ".out.amplitude"], b + " amplitude"));
        }
        MESSAGE("deep_phase max scaled error " << worst << " (gemm kernel "
                                               << std::string(policy::nn::gemmKernelName()) << ")");
    }

    TEST_CASE("StyleVAE deterministic mode matches PyTorch: reconstruction, mu and logvar") {
        auto model = policy::StyleVAE::load(goldenPath("style_vae", "weights"));
        REQUIRE_LOADED(model);
        auto g = readGolden("style_vae");
        double worst = 0.0;
        for (int n : {1, 32}) {
            const std::string b = "b" + std::to_string(n);
            std::vector<float> recon(size_t(60) * 196 * n), mu(256 * n), logvar(256 * n);
            model->reconstruct(g[b + ".in.window"].data(), n, recon.data(), mu.data(),
                               logvar.data());
            worst = std::max(worst, compare(recon, g[b + ".out.reconstruction"], b + " recon"));
            worst = std::max(worst, compare(mu, g[b + ".out.mu"], b + " mu"));
            worst = std::max(worst, compare(logvar, g[b + ".out.logvar"], b + " logvar"));
        }
        MESSAGE("style_vae max scaled error " << worst);
    }

    TEST_CASE("StyleVAE sampling repeats with the same seed and differs with another") {
        auto model = policy::StyleVAE::load(goldenPath("style_vae", "weights"));
        REQUIRE(model.ok());
        auto g = readGolden("style_vae");
        const float* window = g["b32.in.window"].data();
        const size_t size = size_t(60) * 196 * 4;
        std::vector<float> a(size), b(size), c(size), za(256 * 4), zb(256 * 4), mean(size);
        policy::InitRandom r1(7), r2(7), r3(8);
        model->sample(window, 4, r1, a.data(), za.data());
        model->sample(window, 4, r2, b.data(), zb.data());
        model->sample(window, 4, r3, c.data());
        model->reconstruct(window, 4, mean.data());
        CHECK(a == b);
        CHECK(za == zb);
        CHECK(a != c);
        CHECK(a != mean);
        // z - mu over exp(logvar / 2) is the drawn eps: roughly standard normal.
        std::vector<float> mu(256 * 4), lv(256 * 4);
        model->encode(window, 4, mu.data(), lv.data());
        double sum = 0.0, sq = 0.0;
        for (size_t i = 0; i < mu.size(); ++i) {
            const double eps = double(za[i] - mu[i]) / std::exp(0.5 * double(lv[i]));
            sum += eps;
            sq += eps * eps;
        }
        const double m = sum / double(mu.size());
        CHECK(std::abs(m) < 0.15);
        CHECK(std::abs(sq / double(mu.size()) - m * m - 1.0) < 0.15);
    }

    TEST_CASE("TransitionNet matches PyTorch at batch 1 and 32 (30 frames out)") {
        auto model = policy::TransitionNet::load(goldenPath("transition_net", "weights"));
        REQUIRE_LOADED(model);
        auto g = readGolden("transition_net");
        double worst = 0.0;
        for (int n : {1, 32}) {
            const std::string b = "b" + std::to_string(n);
            std::vector<float> frames(size_t(30) * 196 * n);
            model->forward(g[b + ".in.source"].data(), g[b + ".in.target"].data(),
                           g[b + ".in.style"].data(), n, frames.data());
            worst = std::max(worst, compare(frames, g[b + ".out.frames"], b + " frames"));
        }
        MESSAGE("transition_net max scaled error " << worst);
    }

    TEST_CASE(
        "actor from a PyTorch state_dict matches PyTorch in policy::Actor and NormalizedMlp") {
        auto weights = policy::loadActorWeights(goldenPath("actor", "weights"));
        REQUIRE_LOADED(weights);
        policy::Actor actor(*weights);
        policy::NormalizedMlp mlp(*weights);
        auto g = readGolden("actor");
        double worst = 0.0;
        for (int n : {1, 32}) {
            const std::string b = "b" + std::to_string(n);
            const std::vector<float>& s = g[b + ".in.state"];
            std::vector<float> viaActor(36 * n), viaMlp(36 * n);
            Eigen::Map<Eigen::MatrixXf> out(viaActor.data(), 36, n);
            actor.actBatch(Eigen::Map<const Eigen::MatrixXf>(s.data(), 197, n), out);
            mlp.forward(s.data(), n, viaMlp.data());
            worst = std::max(worst, compare(viaActor, g[b + ".out.action"], b + " Actor"));
            worst = std::max(worst, compare(viaMlp, g[b + ".out.action"], b + " NormalizedMlp"));
        }
        MESSAGE("actor max scaled error " << worst);
    }

    TEST_CASE("critic matches PyTorch at batch 1 and 32 with its value normalizer") {
        auto weights = policy::loadCriticWeights(goldenPath("critic", "weights"));
        REQUIRE_LOADED(weights);
        CHECK(weights->layers.size() == 3);
        policy::Critic critic(*weights);
        auto g = readGolden("critic");
        double worst = 0.0;
        for (int n : {1, 32}) {
            const std::string b = "b" + std::to_string(n);
            std::vector<float> v(n);
            critic.values(g[b + ".in.state"].data(), n, v.data());
            worst = std::max(worst, compare(v, g[b + ".out.value"], b + " value"));
        }
        CHECK(compare({critic.value(g["b1.in.state"].data())}, g["b1.out.value"], "value()") <
              1e-5);
        MESSAGE("critic max scaled error " << worst);
    }

    TEST_CASE("forward passes grow no scratch after the first call at a batch size") {
        auto phase = policy::DeepPhase::load(goldenPath("deep_phase", "weights"));
        auto vae = policy::StyleVAE::load(goldenPath("style_vae", "weights"));
        auto trans = policy::TransitionNet::load(goldenPath("transition_net", "weights"));
        auto critic = policy::loadCriticWeights(goldenPath("critic", "weights"));
        REQUIRE((phase.ok() && vae.ok() && trans.ok() && critic.ok()));
        policy::Critic c(*critic);
        std::vector<float> in(size_t(60) * 196 * 12, 0.1f), out(size_t(60) * 196 * 12);
        const auto runAll = [&](int n) {
            phase->forward(in.data(), n, out.data());
            vae->reconstruct(in.data(), n, out.data());
            trans->forward(in.data(), in.data(), in.data(), n, out.data());
            c.values(in.data(), n, out.data());
        };
        runAll(12);  // a whole number of the packed kernel's 6-column tiles
        const long grown = policy::nn::scratchGrowths();
        for (int n : {12, 1, 5, 3, 8, 12, 1}) {  // and smaller batches with partial tiles
            runAll(n);
        }
        CHECK(policy::nn::scratchGrowths() == grown);
    }

    TEST_CASE("an F16 weight file and its F32 copy give the same outputs") {
        // The golden file is F16; widening is exact, so the F32 copy must give identical bits.
        const std::string f32 = rewrittenWeights("deep_phase", "dp_f32.safetensors", [](auto&) {});
        auto a = policy::DeepPhase::load(goldenPath("deep_phase", "weights"));
        auto b = policy::DeepPhase::load(f32);
        REQUIRE((a.ok() && b.ok()));
        auto g = readGolden("deep_phase");
        std::vector<float> pa(64), pb(64);
        a->forward(g["b32.in.features"].data(), 32, pa.data());
        b->forward(g["b32.in.features"].data(), 32, pb.data());
        CHECK(pa == pb);
    }

    TEST_CASE("corrupted weight files are refused with a message naming the tensor") {
        const std::string good = goldenPath("deep_phase", "weights");
        REQUIRE(deepPhaseError(good).empty());

        SUBCASE("truncated") {
            std::vector<unsigned char> bytes = fileBytes(good);
            bytes.resize(bytes.size() - 100);
            const std::string path = tempPath("truncated.safetensors");
            writeBytes(path, bytes);
            const std::string err = deepPhaseError(path);
            CHECK(err.find("truncated.safetensors") != std::string::npos);
            CHECK(err.find("net.") != std::string::npos);  // the last tensor's name
        }
        SUBCASE("wrong shape") {
            const std::string path =
                rewrittenWeights("deep_phase", "shape.safetensors", [](auto& t) {
                    for (auto& x : t) {
                        if (x.name == "net.2.weight") {
                            x.shape = {256, 128};
                        }
                    }
                });
            const std::string err = deepPhaseError(path);
            CHECK(err.find("'net.2.weight' has shape [256,128], expected [128,256]") !=
                  std::string::npos);
        }
        SUBCASE("wrong dtype") {
            const std::string path =
                rewrittenWeights("deep_phase", "dtype.safetensors", [](auto& t) {
                    for (auto& x : t) {
                        if (x.name == "net.4.bias") {
                            x.dtype = "I32";
                        }
                    }
                });
            const std::string err = deepPhaseError(path);
            CHECK(err.find("net.4.bias") != std::string::npos);
            CHECK(err.find("floating-point") != std::string::npos);
        }
        SUBCASE("bad header") {
            std::vector<unsigned char> bytes = fileBytes(good);
            bytes[12] = '#';  // inside the JSON
            const std::string path = tempPath("header.safetensors");
            writeBytes(path, bytes);
            CHECK(deepPhaseError(path).find("header.safetensors") != std::string::npos);
            bytes = fileBytes(good);
            bytes[6] = 0x7f;  // header length far past the end of the file
            writeBytes(path, bytes);
            CHECK(!deepPhaseError(path).empty());
        }
        SUBCASE("missing and unexpected tensors") {
            const std::string missing = rewrittenWeights("deep_phase", "missing.safetensors",
                                                         [](auto& t) { t.pop_back(); });
            CHECK(deepPhaseError(missing).find("missing tensor 'net.6.weight' (expected shape "
                                               "[2,32])") != std::string::npos);
            const std::string extra =
                rewrittenWeights("deep_phase", "extra.safetensors", [](auto& t) {
                    const float v = 1.0f;
                    t.push_back(policy::makeF32Tensor("net.8.bias", {1}, &v, 1));
                });
            CHECK(deepPhaseError(extra).find("unexpected tensor 'net.8.bias'") !=
                  std::string::npos);
            CHECK(!policy::StyleVAE::load(good).ok());  // another model's file
        }
        SUBCASE("non-finite value") {
            const std::string path = rewrittenWeights("deep_phase", "nan.safetensors", [](auto& t) {
                const float nan = std::nanf("");
                std::memcpy(t[0].bytes.data() + 4, &nan, 4);
            });
            CHECK(deepPhaseError(path).find("element 1 is nan") != std::string::npos);
        }
        SUBCASE("critic value_norm of the wrong size") {
            const std::string path = rewrittenWeights("critic", "vnorm.safetensors", [](auto& t) {
                for (auto& x : t) {
                    if (x.name == "value_norm.std") {
                        const float v[2] = {1.0f, 2.0f};
                        x = policy::makeF32Tensor("value_norm.std", {2}, v, 2);
                    }
                }
            });
            auto w = policy::loadCriticWeights(path);
            REQUIRE(!w.ok());
            CHECK(w.error().find("'value_norm.std' has shape [2], expected [1]") !=
                  std::string::npos);
        }
    }

}  // TEST_SUITE
