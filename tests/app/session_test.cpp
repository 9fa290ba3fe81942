// Sessions as the command line and the window run them: defaults, seeds, and the errors a user
// sees for a bad file.

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "app/args_options.h"
#include "app/session.h"
#include "policy/actor.h"
#include "policy/weights.h"
#include "tests/test_support.h"

namespace {

std::unique_ptr<app::Session> open(const app::SessionOptions& options) {
    auto session = app::Session::create(options);
    REQUIRE_MESSAGE(session.ok(), (session.ok() ? "" : session.error()));
    return std::move(session).value();
}

// Runs `seconds` of simulation and returns every body position, flattened.
std::vector<double> positionsAfter(app::Session& session, double seconds) {
    while (session.status().simTime < seconds - 1e-9) {
        session.advanceControlStep();
    }
    app::SceneSnapshot snapshot;
    session.snapshot(snapshot);
    std::vector<double> out;
    for (const app::BodyPlacement& body : snapshot.simulated) {
        out.insert(out.end(), body.position.data(), body.position.data() + 3);
        out.insert(out.end(), body.rotation.coeffs().data(), body.rotation.coeffs().data() + 4);
    }
    return out;
}

std::string writeTemporary(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream(path) << text;
    return path.string();
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("the default session runs the project's own humanoid and walk clip") {
        app::SessionOptions options;
        auto session = open(options);
        CHECK(session->character().numJoints() == 15);
        CHECK(session->options().motionPath.find("assets/motions/walk.json") != std::string::npos);
        CHECK_FALSE(session->status().weightsDescription.empty());
        for (int i = 0; i < 30; ++i) {
            session->advanceControlStep();
        }
        // 30 control steps are 1 s, less where an episode ended inside a step.
        CHECK(session->status().simTime > 0.5);
        CHECK(session->status().simTime <= 1.0 + 1e-9);
        CHECK(session->status().controlSteps == 30);
        CHECK(session->status().episodes >= 1);
    }

    TEST_CASE("the policy `init` is the untrained actor, shipped walk policy or not") {
        app::SessionOptions options;
        options.seed = 4;
        options.policyPath = app::kInitialPolicy;
        auto session = open(options);
        CHECK(session->status().weightsDescription == "deterministic init, seed 4");
        REQUIRE(session->policyWeights() != nullptr);
        CHECK(session->policyWeights()->trainedRates.known() == false);
    }

    TEST_CASE("every fall is put down to a fall-contact body, never to a foot") {
        app::SessionOptions options;
        options.seed = 3;
        options.policyPath = app::kInitialPolicy;
        auto session = open(options);  // the untrained actor falls within a second
        for (int i = 0; i < 150; ++i) {
            session->advanceControlStep();
        }
        const app::SessionStatus& status = session->status();
        REQUIRE(status.falls > 0);
        int attributed = 0;
        for (size_t b = 0; b < status.fallsByBody.size(); ++b) {
            attributed += status.fallsByBody[b];
            if (status.fallsByBody[b] > 0) {
                CHECK_MESSAGE(session->character().bodies[b].enableFallContact,
                              session->character().joints[b].name);
            }
        }
        CHECK(attributed == status.falls);
    }

    TEST_CASE("a policy file's trained rates set the session's unless rates were given") {
        policy::ActorWeights weights = policy::makeInitialActor(197, 36, Eigen::VectorXf::Zero(36),
                                                                Eigen::VectorXf::Ones(36), 4);
        weights.trainedRates = {600, 300, 30};
        const auto path =
            std::filesystem::temp_directory_path() / "charsim_rates_actor.safetensors";
        REQUIRE(policy::saveActorWeights(path.string(), weights));

        app::SessionOptions options;
        options.policyPath = path.string();
        auto adopted = open(options);
        CHECK(adopted->options().environment.physicsRate == 600);
        CHECK(adopted->options().environment.pdRate == 300);
        CHECK(adopted->status().ratesSource == "the policy file");
        adopted->advanceControlStep();
        CHECK(adopted->status().simTime == doctest::Approx(1.0 / 30));

        options.ratesGiven = true;  // e.g. --physics-rate 1200 on the command line
        auto given = open(options);
        CHECK(given->options().environment.physicsRate == 1200);
        CHECK(given->options().environment.pdRate == 600);
        CHECK(given->status().ratesSource == "as given");

        // An args file's substeps win too (DeepMimic's walk args: 600 Hz PD, 2 Bullet steps each).
        app::SessionOptions withArgs;
        withArgs.characterPath = test::sourcePath("assets/characters/humanoid.json");
        withArgs.gainsPath = test::sourcePath("assets/characters/humanoid_ctrl.json");
        withArgs.motionPath = test::sourcePath("assets/motions/walk.json");
        withArgs.policyPath = path.string();
        const std::string args = writeTemporary("charsim_rates_args.txt",
                                                "--num_update_substeps 10\n--num_sim_substeps 2\n");
        REQUIRE(app::applyArgsFile(args, app::ExplicitSettings{}, withArgs).ok());
        CHECK(withArgs.ratesGiven);
        auto fromArgs = open(withArgs);
        CHECK(fromArgs->options().environment.physicsRate == 1200);
        CHECK(fromArgs->options().environment.pdRate == 600);

        // Rates a file records that cannot run are refused naming the file.
        weights.trainedRates = {500, 600, 30};
        const auto odd = std::filesystem::temp_directory_path() / "charsim_odd_rates.safetensors";
        REQUIRE(policy::saveActorWeights(odd.string(), weights));
        app::SessionOptions oddOptions;
        oddOptions.policyPath = odd.string();
        auto refused = app::Session::create(oddOptions);
        REQUIRE_FALSE(refused.ok());
        CHECK_MESSAGE(refused.error().find(odd.string() + " records rates") != std::string::npos,
                      refused.error());
    }

    TEST_CASE("two sessions with one seed give bitwise-identical states after 2 s") {
        app::SessionOptions options;
        options.drive = app::DriveMode::Reference;
        options.seed = 7;  // random reset times drawn from the seed
        auto first = open(options);
        auto second = open(options);
        options.seed = 8;
        auto other = open(options);
        const std::vector<double> a = positionsAfter(*first, 2.0);
        const std::vector<double> b = positionsAfter(*second, 2.0);
        const std::vector<double> c = positionsAfter(*other, 2.0);
        REQUIRE(a.size() == b.size());
        CHECK(std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0);
        CHECK(a != c);  // another seed starts elsewhere, so the check can fail
    }

    TEST_CASE("a missing or malformed file is refused with a message naming it") {
        app::SessionOptions options;
        options.motionPath = "/nonexistent/walk.json";
        auto missing = app::Session::create(options);
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().find("/nonexistent/walk.json") != std::string::npos);

        options.motionPath = writeTemporary("charsim_bad_motion.json",
                                            R"({"Loop": "wrap", "Frames": [[0.1, 1, 2]]})");
        auto shortRow = app::Session::create(options);
        REQUIRE_FALSE(shortRow.ok());
        CHECK(shortRow.error().find("charsim_bad_motion.json") != std::string::npos);
        CHECK(shortRow.error().find("Frames[0]") != std::string::npos);

        options.motionPath.clear();
        options.policyPath = writeTemporary("charsim_bad_policy.safetensors", "not a tensor file");
        auto badPolicy = app::Session::create(options);
        REQUIRE_FALSE(badPolicy.ok());
        CHECK(badPolicy.error().find("charsim_bad_policy.safetensors") != std::string::npos);
    }

}  // TEST_SUITE

TEST_SUITE("app") {
    TEST_CASE("a policy that outputs non-finite actions is reported, not run forever") {
        app::SessionOptions options;
        auto session = open(options);
        policy::ActorWeights weights = *session->policyWeights();
        for (policy::DenseLayer& layer : weights.layers) {
            layer.weight.setConstant(1e30f);  // overflows to inf in the forward pass
        }
        REQUIRE(session->setPolicyWeights(weights).ok());
        for (int i = 0; i < 5; ++i) {
            session->advanceControlStep();
        }
        CHECK(session->status().stepsWithoutProgress == 5);
        CHECK(session->status().simTime == 0.0);
        CHECK(session->status().invalidEpisodes == 5);
        CHECK(app::noProgressMessage(session->status()).find("non-finite") != std::string::npos);
    }

}  // TEST_SUITE
