// The PPO trainer on a cheap task: the project's humanoid holding a standing pose (a two-frame
// clip made here) with short episodes. Exact resume, determinism, non-finite updates, and
// evidence that a few iterations learn.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "policy/models/critic.h"
#include "policy/ppo/ppo_trainer.h"
#include "policy/random.h"
#include "policy/safetensors.h"
#include "policy/weights.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"
#include "tests/policy/ppo_standing_task.h"
#include "tests/test_support.h"

namespace {

policy::PpoSettings smallSettings(int threads) {
    policy::PpoSettings s;
    s.actorHidden = {32, 32};
    s.criticHidden = {32, 32};
    s.threads = threads;
    s.seed = 5;
    s.batchSamples = 200;
    s.minibatchSize = 50;
    s.episodeSecondsBegin = s.episodeSecondsEnd = 1.0;
    s.normalizerSamples = 300;
    s.actorOptimizer = {policy::OptimizerKind::Adam, 1e-3};
    s.criticOptimizer = {policy::OptimizerKind::Momentum, 1e-2, 0.9};
    return s;
}

std::unique_ptr<policy::PpoTrainer> makeTrainer(const test::StandingTask& task,
                                                const policy::PpoSettings& settings) {
    auto trainer = policy::PpoTrainer::create(task.character, task.gains, task.motion,
                                              sim::EnvSettings{}, settings);
    REQUIRE(trainer.ok());
    return std::move(trainer).value();
}

bool sameBits(const Eigen::VectorXf& a, const Eigen::VectorXf& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0;
}

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof(double)) == 0;
}

std::string scratchPath(const std::string& name) {
    const std::filesystem::path dir = std::filesystem::path(CHARSIM_BINARY_DIR) / "test_ppo";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("PPO resume from a checkpoint computes the next iteration bit for bit") {
        const test::StandingTask task;
        for (auto kind : {policy::OptimizerKind::Momentum, policy::OptimizerKind::Adam}) {
            policy::PpoSettings settings = smallSettings(1);
            settings.actorOptimizer.kind = kind;
            settings.criticOptimizer.kind = kind;
            const std::string path = scratchPath(std::string("resume_") + toString(kind));

            auto uninterrupted = makeTrainer(task, settings);
            REQUIRE(uninterrupted->iterate().ok());
            REQUIRE(uninterrupted->iterate().ok());
            REQUIRE(uninterrupted->saveCheckpoint(path).ok());
            CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
            auto expected = uninterrupted->iterate();
            REQUIRE(expected.ok());

            auto resumed = makeTrainer(task, settings);
            const sim::Status loaded = resumed->loadCheckpoint(path);
            REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error()));
            CHECK(resumed->iteration() == 2);
            auto actual = resumed->iterate();
            REQUIRE(actual.ok());
            CHECK(actual->samples == expected->samples);
            CHECK(actual->meanReturn == expected->meanReturn);
            CHECK(sameBits(resumed->actor().params(), uninterrupted->actor().params()));
            CHECK(sameBits(resumed->critic().params(), uninterrupted->critic().params()));
            CHECK(sameBits(resumed->stateNormalizer().mean(),
                           uninterrupted->stateNormalizer().mean()));
        }
    }

    TEST_CASE("a resumed run with automatic environments keeps the checkpoint's count") {
        const test::StandingTask task;
        policy::PpoSettings explicitCount = smallSettings(1);
        explicitCount.environmentsPerThread = 3;
        auto first = makeTrainer(task, explicitCount);
        REQUIRE(first->iterate().ok());
        const std::string path = scratchPath("resume_environments");
        REQUIRE(first->saveCheckpoint(path).ok());
        auto expected = first->iterate();
        REQUIRE(expected.ok());

        policy::PpoSettings automatic = smallSettings(1);
        automatic.environmentsPerThread = 0;
        auto resumed = makeTrainer(task, automatic);
        CHECK(resumed->environmentsPerThread() != 3);  // 200 samples, 1 s limit: 6 at 30 Hz
        REQUIRE(resumed->loadCheckpoint(path).ok());
        CHECK(resumed->environmentsPerThread() == 3);
        auto actual = resumed->iterate();
        REQUIRE(actual.ok());
        CHECK(actual->meanReturn == expected->meanReturn);
        CHECK(sameBits(resumed->actor().params(), first->actor().params()));
    }

    TEST_CASE("PPO checkpoint of other network sizes is refused with both sizes named") {
        const test::StandingTask task;
        auto trainer = makeTrainer(task, smallSettings(1));
        const std::string path = scratchPath("sizes");
        REQUIRE(trainer->saveCheckpoint(path).ok());
        policy::PpoSettings other = smallSettings(1);
        other.actorHidden = {16};
        auto wrong = makeTrainer(task, other);
        const sim::Status loaded = wrong->loadCheckpoint(path);
        REQUIRE_FALSE(loaded.ok());
        CHECK(loaded.error().find("32,32") != std::string::npos);
        CHECK(loaded.error().find("16") != std::string::npos);
    }

    TEST_CASE("a checkpoint's shape is read from its metadata, and bad entries are named") {
        const test::StandingTask task;
        auto trainer = makeTrainer(task, smallSettings(1));
        const std::string path = scratchPath("shape");
        REQUIRE(trainer->saveCheckpoint(path).ok());
        auto shape = policy::readCheckpointShape(path);
        REQUIRE_MESSAGE(shape.ok(), (shape.ok() ? "" : shape.error()));
        CHECK(shape->actorHidden == std::vector<int>{32, 32});
        CHECK(shape->criticHidden == std::vector<int>{32, 32});
        CHECK((shape->actorOptimizer == policy::OptimizerKind::Adam));
        CHECK((shape->criticOptimizer == policy::OptimizerKind::Momentum));
        CHECK(shape->rates.physics == 1200);  // sim::EnvSettings' defaults, as trained
        CHECK(shape->rates.policy == 30);

        auto file = policy::readSafetensors(path);
        REQUIRE(file.ok());
        std::vector<policy::SafetensorsTensor> tensors;
        for (const policy::SafetensorsEntry& e : file->entries) {
            const auto begin = file->bytes.begin() + static_cast<std::ptrdiff_t>(file->dataStart);
            tensors.push_back({e.name,
                               e.dtype,
                               e.shape,
                               {begin + static_cast<std::ptrdiff_t>(e.begin),
                                begin + static_cast<std::ptrdiff_t>(e.end)}});
        }
        const std::pair<const char*, const char*> damaged[] = {
            {"actor_sizes", "197,x,36"}, {"critic_sizes", ""}, {"actor_optimizer", "sgd"}};
        for (const auto& [key, value] : damaged) {
            std::map<std::string, std::string> meta = file->metadata;
            meta[key] = value;
            const std::string edited = scratchPath("shape_damaged");
            REQUIRE(policy::writeSafetensors(edited, tensors, meta));
            auto refused = policy::readCheckpointShape(edited);
            REQUIRE_FALSE(refused.ok());
            CHECK_MESSAGE(
                refused.error().find(edited + ": metadata '" + key + "'") != std::string::npos,
                refused.error());
        }
    }

    TEST_CASE("PPO runs with the same seed and thread count are identical, with 2 threads too") {
        const test::StandingTask task;
        for (int threads : {1, 2}) {
            auto a = makeTrainer(task, smallSettings(threads));
            auto b = makeTrainer(task, smallSettings(threads));
            for (int i = 0; i < 2; ++i) {
                REQUIRE(a->iterate().ok());
                REQUIRE(b->iterate().ok());
            }
            CHECK(sameBits(a->actor().params(), b->actor().params()));
            CHECK(sameBits(a->critic().params(), b->critic().params()));
        }
    }

    TEST_CASE("an evaluation from fixed start times does not depend on the thread count") {
        // Each start runs in a world of its own: with two threads the starts are split between
        // them, so a shared world would leave contact caches that change the last digits.
        const test::StandingTask task;
        auto one = makeTrainer(task, smallSettings(1));
        auto two = makeTrainer(task, smallSettings(2));
        const int starts = 5;
        const auto a = one->evaluateFromStarts(starts, 1.0);
        const auto b = two->evaluateFromStarts(starts, 1.0);
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        REQUIRE(a->list.size() == static_cast<size_t>(starts));
        REQUIRE(b->list.size() == static_cast<size_t>(starts));
        CHECK(a->episodes == starts);
        CHECK(a->falls == b->falls);
        for (int k = 0; k < starts; ++k) {
            CAPTURE(k);
            const policy::TestEpisode& x = a->list[static_cast<size_t>(k)];
            const policy::TestEpisode& y = b->list[static_cast<size_t>(k)];
            CHECK(x.startTime == task.motion.duration() * k / starts);
            CHECK(sameBits(x.startTime, y.startTime));
            CHECK(sameBits(x.seconds, y.seconds));
            CHECK(sameBits(x.episodeReturn, y.episodeReturn));
            CHECK(sim::toString(x.end) == std::string(sim::toString(y.end)));
            CHECK(x.seconds > 0);
            CHECK(x.seconds <= 1.0 + 1e-9);
        }
        CHECK(sameBits(a->meanReturn, b->meanReturn));
        CHECK(sameBits(a->meanSeconds, b->meanSeconds));
    }

    TEST_CASE("an evaluation refuses no starts and episode lengths that are not a time") {
        const test::StandingTask task;
        auto trainer = makeTrainer(task, smallSettings(1));
        const auto none = trainer->evaluateFromStarts(0, 1.0);
        REQUIRE_FALSE(none.ok());
        CHECK(none.error().find("at least one episode") != std::string::npos);
        for (double seconds : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
            CAPTURE(seconds);
            const auto refused = trainer->evaluate(3, seconds, 1);
            REQUIRE_FALSE(refused.ok());
            CHECK(refused.error().find("finite number of seconds > 0") != std::string::npos);
        }
    }

    TEST_CASE("critic and actor gradients computed at once give the bits of one after the other") {
        const test::StandingTask task;
        policy::PpoSettings sequential = smallSettings(2);
        sequential.concurrentGradients = false;
        auto a = makeTrainer(task, smallSettings(2));
        auto b = makeTrainer(task, sequential);
        for (int i = 0; i < 2; ++i) {
            REQUIRE(a->iterate().ok());
            REQUIRE(b->iterate().ok());
        }
        CHECK(sameBits(a->actor().params(), b->actor().params()));
        CHECK(sameBits(a->critic().params(), b->critic().params()));
    }

    TEST_CASE("PPO drops non-finite updates, keeps the last good weights, stops when it persists") {
        const test::StandingTask task;
        auto trainer = makeTrainer(task, smallSettings(1));
        REQUIRE(trainer->iterate().ok());

        // Every third actor gradient poisoned: those updates are dropped and counted.
        int calls = 0;
        trainer->gradientHook = [&](bool actor, Eigen::VectorXf& gradient) {
            if (actor && ++calls % 3 == 0) {
                gradient[0] = std::nanf("");
            }
        };
        auto stats = trainer->iterate();
        REQUIRE(stats.ok());
        CHECK(stats->droppedUpdates == calls / 3);
        CHECK(trainer->droppedUpdates() == calls / 3);
        CHECK(trainer->actor().params().allFinite());

        // Every gradient poisoned: the run stops with a message, the weights unchanged.
        const Eigen::VectorXf actorBefore = trainer->actor().params();
        const Eigen::VectorXf criticBefore = trainer->critic().params();
        trainer->gradientHook = [](bool, Eigen::VectorXf& gradient) {
            gradient[1] = std::numeric_limits<float>::infinity();
        };
        policy::PpoSettings settings = trainer->settings();
        bool stopped = false;
        for (int i = 0; i < 10 && !stopped; ++i) {
            auto result = trainer->iterate();
            if (!result.ok()) {
                stopped = true;
                CHECK(result.error().find("non-finite") != std::string::npos);
                CHECK(result.error().find("last good weights") != std::string::npos);
            }
        }
        CHECK(stopped);
        CHECK(sameBits(trainer->actor().params(), actorBefore));
        CHECK(sameBits(trainer->critic().params(), criticBefore));
        CHECK(settings.maxConsecutiveDrops > 0);
    }

    TEST_CASE("PPO exported actor runs in policy::Actor like the trainer's network") {
        const test::StandingTask task;
        auto trainer = makeTrainer(task, smallSettings(1));
        REQUIRE(trainer->iterate().ok());
        const std::string path = scratchPath("actor.safetensors");
        REQUIRE(policy::saveActorWeights(path, trainer->actorWeights("test")).ok());
        auto weights = policy::loadActorWeights(path);
        REQUIRE(weights.ok());
        policy::Actor actor(std::move(weights).value());

        auto again = makeTrainer(task, smallSettings(1));
        REQUIRE(again->initActor(actor.weights()).ok());
        CHECK(sameBits(again->actor().params(), trainer->actor().params()));
    }

    TEST_CASE("a saved critic starts another run's critic with the same values") {
        const test::StandingTask task;
        auto source = makeTrainer(task, smallSettings(1));
        REQUIRE(source->iterate().ok());
        REQUIRE(source->iterate().ok());  // the state normalizer is fitted after 300 samples
        const std::string path = scratchPath("critic.safetensors");
        REQUIRE(policy::saveCriticWeights(path, source->criticWeights("test")).ok());
        auto saved = policy::loadCriticWeights(path);
        REQUIRE_MESSAGE(saved.ok(), (saved.ok() ? "" : saved.error()));
        CHECK(saved->trainedRates.physics == 1200);

        // The target run has another value normalizer and, through its actor, another state
        // normalizer: the critic's first and last layers are rescaled to them.
        policy::PpoSettings other = smallSettings(1);
        other.valueMean = 3;
        other.valueStd = 2;
        auto target = makeTrainer(task, other);
        policy::ActorWeights actor = source->actorWeights("shifted");
        actor.stateMean.array() += 0.5f;
        actor.stateStd *= 1.5f;
        REQUIRE(target->initActor(actor).ok());
        REQUIRE(target->initCritic(*saved).ok());
        const policy::ActorWeights moved = target->criticWeights("moved");
        CHECK(moved.stateMean.isApprox(actor.stateMean));
        CHECK(moved.actionMean[0] == 3.0f);

        policy::Critic before(std::move(saved).value()), after(moved);
        policy::Random random(8);
        double worst = 0;
        for (int i = 0; i < 20; ++i) {
            Eigen::VectorXf state = source->criticWeights("").stateMean;
            for (Eigen::Index j = 0; j < state.size(); ++j) {
                state[j] += static_cast<float>(random.uniform(-1, 1));
            }
            const double a = before.value(state.data()), b = after.value(state.data());
            worst = std::max(worst, std::abs(a - b) / std::max(1.0, std::abs(a)));
        }
        CHECK(worst < 1e-4);
        // Rescaled, not copied: the check above compared two different networks.
        CHECK_FALSE(moved.layers[0].weight.isApprox(before.weights().layers[0].weight));
        CHECK_FALSE(moved.layers.back().bias.isApprox(before.weights().layers.back().bias));

        policy::PpoSettings wider = smallSettings(1);
        wider.criticHidden = {16};
        auto wrong = makeTrainer(task, wider);
        const sim::Status refused = wrong->initCritic(before.weights());
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().find("set the hidden sizes") != std::string::npos);
    }

}  // TEST_SUITE
