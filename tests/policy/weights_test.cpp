#include "policy/weights.h"
#include "policy/safetensors.h"
#include "tests/test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>

namespace {

std::string tempPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "charsim_policy_tests";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

// A small 5 -> 4 -> 3 -> 2 actor; the loaders take sizes from the tensors.
policy::ActorWeights smallActor() {
    return policy::makeInitialActor(5, 2, Eigen::Vector2f(0.5f, -1.0f), Eigen::Vector2f(2, 3), 9);
}

// Writes `w` with tensor `drop` left out and tensor `reshape` given shape `shape`.
std::string writeEdited(const std::string& file, const policy::ActorWeights& w,
                        const std::string& drop, const std::string& reshape = "",
                        std::vector<int64_t> shape = {}) {
    const std::string full = tempPath("full_" + file);
    REQUIRE(policy::saveActorWeights(full, w));
    auto read = policy::readSafetensors(full);
    REQUIRE(read.ok());
    std::vector<policy::SafetensorsTensor> tensors;
    for (const policy::SafetensorsEntry& e : read->entries) {
        if (e.name == drop) {
            continue;
        }
        std::vector<float> v = *read->floats(e);
        std::vector<int64_t> s = e.shape;
        if (e.name == reshape) {
            s = shape;
            int64_t n = 1;
            for (int64_t d : s) {
                n *= d;
            }
            v.resize(static_cast<size_t>(n));
        }
        tensors.push_back(policy::makeF32Tensor(e.name, s, v.data(), v.size()));
    }
    const std::string path = tempPath(file);
    REQUIRE(policy::writeSafetensors(path, tensors));
    return path;
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("actor weights saved as safetensors load back equal with their description") {
        policy::ActorWeights w = smallActor();
        w.layers[0].bias[2] = 0.125f;
        const std::string path = tempPath("actor.safetensors");
        REQUIRE(policy::saveActorWeights(path, w));
        CHECK(policy::detectWeightsFormat(path) == policy::WeightsFormat::Safetensors);
        auto read = policy::readSafetensors(path);
        REQUIRE(read.ok());
        const policy::SafetensorsEntry* first = read->find("actor.0.weight");
        REQUIRE(first != nullptr);
        CHECK(first->shape == std::vector<int64_t>{1024, 5});
        CHECK(read->find("actor.4.weight")->shape == std::vector<int64_t>{2, 512});
        CHECK(read->find("state_norm.std") != nullptr);

        auto back = policy::loadActorWeights(path);
        REQUIRE_MESSAGE(back.ok(), back.error());
        CHECK(back->description == "deterministic init, seed 9");
        CHECK(back->stateMean == w.stateMean);
        CHECK(back->stateStd == w.stateStd);
        CHECK(back->actionMean == w.actionMean);
        CHECK(back->actionStd == w.actionStd);
        REQUIRE(back->layers.size() == 3);
        for (size_t l = 0; l < 3; ++l) {
            CHECK(back->layers[l].weight == w.layers[l].weight);
            CHECK(back->layers[l].bias == w.layers[l].bias);
        }
    }

    TEST_CASE(
        "the rates an actor was trained at survive a save and load, and bad ones are refused") {
        policy::ActorWeights w = smallActor();
        const std::string unknownPath = tempPath("no_rates.safetensors");
        REQUIRE(policy::saveActorWeights(unknownPath, w));
        auto unknown = policy::loadActorWeights(unknownPath);
        REQUIRE(unknown.ok());
        CHECK_FALSE(unknown->trainedRates.known());
        w.trainedRates = {600, 600, 30};
        const std::string path = tempPath("rates.safetensors");
        REQUIRE(policy::saveActorWeights(path, w));
        auto back = policy::loadActorWeights(path);
        REQUIRE_MESSAGE(back.ok(), back.error());
        CHECK(back->trainedRates.physics == 600);
        CHECK(back->trainedRates.pd == 600);
        CHECK(back->trainedRates.policy == 30);

        // The same tensors with edited metadata.
        auto read = policy::readSafetensors(path);
        REQUIRE(read.ok());
        std::vector<policy::SafetensorsTensor> tensors;
        for (const policy::SafetensorsEntry& e : read->entries) {
            std::vector<float> v = *read->floats(e);
            tensors.push_back(policy::makeF32Tensor(e.name, e.shape, v.data(), v.size()));
        }
        const std::map<std::string, std::string> bad[] = {
            {{"physics_rate", "fast"}, {"pd_rate", "600"}, {"policy_rate", "30"}},
            {{"physics_rate", "-600"}, {"pd_rate", "600"}, {"policy_rate", "30"}},
            {{"physics_rate", "inf"}, {"pd_rate", "600"}, {"policy_rate", "30"}},
            {{"physics_rate", "600"}}};
        const char* expected[] = {"metadata 'physics_rate' is \"fast\" (expected a positive",
                                  "metadata 'physics_rate' is \"-600\"",
                                  "metadata 'physics_rate' is \"inf\"",
                                  "expected all three or none"};
        for (int i = 0; i < 4; ++i) {
            const std::string edited = tempPath("bad_rates.safetensors");
            REQUIRE(policy::writeSafetensors(edited, tensors, bad[i]));
            auto refused = policy::loadActorWeights(edited);
            REQUIRE_FALSE(refused.ok());
            CHECK_MESSAGE(refused.error().find(edited) != std::string::npos, refused.error());
            CHECK_MESSAGE(refused.error().find(expected[i]) != std::string::npos, refused.error());
        }
    }

    TEST_CASE("safetensors actor with a missing tensor is refused naming it and its shape") {
        const std::string path = writeEdited("missing.safetensors", smallActor(), "state_norm.std");
        auto w = policy::loadActorWeights(path);
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find(path) != std::string::npos);
        CHECK(w.error().find("missing tensor 'state_norm.std' (expected shape [5])") !=
              std::string::npos);
    }

    TEST_CASE("safetensors actor with a wrong shape is refused naming tensor and expected shape") {
        const std::string path =
            writeEdited("shape.safetensors", smallActor(), "", "actor.2.weight", {512, 1000});
        auto w = policy::loadActorWeights(path);
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find("tensor 'actor.2.weight' has shape [512,1000], expected [512,1024]") !=
              std::string::npos);

        const std::string bias =
            writeEdited("bias.safetensors", smallActor(), "", "actor.4.bias", {3});
        auto wb = policy::loadActorWeights(bias);
        REQUIRE_FALSE(wb.ok());
        CHECK(wb.error().find("tensor 'actor.4.bias' has shape [3], expected [2]") !=
              std::string::npos);
    }

    TEST_CASE("actor weights with NaN or non-positive state std are refused with the index") {
        policy::ActorWeights nan = smallActor();
        nan.layers[1].weight(0, 3) = std::numeric_limits<float>::quiet_NaN();
        REQUIRE(policy::saveActorWeights(tempPath("nan.safetensors"), nan));
        auto a = policy::loadActorWeights(tempPath("nan.safetensors"));
        REQUIRE_FALSE(a.ok());
        CHECK(a.error().find("actor.2.weight[3] = nan") != std::string::npos);

        policy::ActorWeights zero = smallActor();
        zero.stateStd[4] = 0.0f;
        REQUIRE(policy::saveActorWeights(tempPath("zero.safetensors"), zero));
        auto b = policy::loadActorWeights(tempPath("zero.safetensors"));
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().find("state_norm.std[4] = 0, expected a finite value > 0") !=
              std::string::npos);
    }

    TEST_CASE("a file in no known weight format is refused listing the formats") {
        const std::string path = tempPath("notes.txt");
        {
            std::ofstream out(path);
            out << "hello, these are not weights";
        }
        auto w = policy::loadActorWeights(path);
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find("unrecognized weight file") != std::string::npos);
        CHECK(policy::loadActorWeights(tempPath("absent.safetensors")).error().find("not found") !=
              std::string::npos);
    }

    TEST_CASE("inspect lists each safetensors tensor with dtype and shape") {
        const std::string path = tempPath("inspect.safetensors");
        REQUIRE(policy::saveActorWeights(path, smallActor()));
        auto report = policy::inspectWeights(path);
        REQUIRE_MESSAGE(report.ok(), report.error());
        CHECK(report->format == policy::WeightsFormat::Safetensors);
        CHECK(report->tensors.size() == 10);
        CHECK(report->actorLoads);
        const std::string text = report->text();
        CHECK(text.find("safetensors, 10 tensors") != std::string::npos);
        CHECK(text.find("actor.0.weight  F32 [1024,5]  ok") != std::string::npos);
        CHECK(text.find("metadata description: deterministic init, seed 9") != std::string::npos);
    }

    TEST_CASE("trained walk weights survive conversion to safetensors bit for bit") {
        const std::string walk = "deepmimic/policies/found/humanoid3d_walk_float.bin";
        if (!test::haveShared(walk)) {
            return;
        }
        auto raw = policy::loadActorWeights(test::sharedPath(walk));
        REQUIRE(raw.ok());
        const std::string path = tempPath("walk_actor.safetensors");
        REQUIRE(policy::saveActorWeights(path, *raw));
        auto back = policy::loadActorWeights(path);
        REQUIRE_MESSAGE(back.ok(), back.error());
        CHECK(back->description == raw->description);
        policy::Actor a(std::move(raw.value()));
        policy::Actor b(std::move(back.value()));
        Eigen::VectorXf state = a.weights().stateMean + a.weights().stateStd * 0.3f;
        Eigen::VectorXf actionA(36);
        Eigen::VectorXf actionB(36);
        a.act(state, actionA);
        b.act(state, actionB);
        CHECK(actionA == actionB);
    }

}  // TEST_SUITE
