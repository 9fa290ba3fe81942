// The trainer's evaluation from fixed start times is the check `charsim run --starts` makes:
// with the actor it saves, a session from each start time lands on the same episode, bit for
// bit, so a run that stops because no start fell hands over an actor that `run` sees walk.

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "app/session.h"
#include "policy/ppo/ppo_trainer.h"
#include "policy/weights.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace {

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof(double)) == 0;
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("an evaluation from start times lands where a session with the saved actor does") {
        auto character = sim::loadCharacter(test::sourcePath("assets/characters/humanoid.json"));
        REQUIRE(character.ok());
        auto gains = sim::loadControllerConfig(
            test::sourcePath("assets/characters/humanoid_ctrl.json"), *character);
        REQUIRE(gains.ok());
        auto motion = sim::loadMotion(test::sourcePath("assets/motions/walk.json"), *character);
        REQUIRE(motion.ok());
        policy::PpoSettings settings;
        settings.threads = 2;
        settings.seed = 5;
        sim::EnvSettings environment;
        environment.physicsRate = 600;
        auto trainer =
            policy::PpoTrainer::create(*character, *gains, *motion, environment, settings);
        REQUIRE(trainer.ok());

        // The untrained actor falls from some starts and not from others within 0.5 s.
        const int starts = 4;
        const double seconds = 0.5;
        const auto evaluation = (*trainer)->evaluateFromStarts(starts, seconds);
        REQUIRE(evaluation.ok());
        REQUIRE(evaluation->list.size() == static_cast<size_t>(starts));
        // Both endings are compared: some starts fall, some run the whole time.
        CHECK(evaluation->falls > 0);
        CHECK(evaluation->falls < starts);

        const std::string actorPath =
            std::string(CHARSIM_BINARY_DIR) + "/test_evaluated_actor.safetensors";
        REQUIRE(policy::saveActorWeights(actorPath, (*trainer)->actorWeights("evaluated")).ok());
        for (int k = 0; k < starts; ++k) {
            CAPTURE(k);
            const policy::TestEpisode& episode = evaluation->list[static_cast<size_t>(k)];
            app::SessionOptions options;
            options.policyPath = actorPath;
            options.startTime = episode.startTime;
            auto created = app::Session::create(options);
            REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error()));
            app::Session& session = **created;
            // One episode, as the evaluation runs it: to its end or to `seconds`.
            while (session.status().finishedEpisodes == 0 &&
                   session.status().episodeTime < seconds - 1e-9) {
                session.advanceControlStep();
            }
            const app::SessionStatus& status = session.status();
            CHECK(status.falls == (episode.end == sim::EpisodeEnd::Fall ? 1 : 0));
            CHECK(sameBits(status.episodeTime, episode.seconds));
            CHECK(sameBits(status.rewardSum, episode.episodeReturn));
        }
        std::filesystem::remove(actorPath);
    }
}
