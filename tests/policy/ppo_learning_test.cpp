// Evidence that the trainer learns: on the standing task, a seeded short run raises the mean
// test-episode length and return well above the untrained policy's, both measured here with
// the same deterministic test episodes.

#include <doctest/doctest.h>

#include <chrono>

#include "policy/ppo/ppo_trainer.h"
#include "tests/policy/ppo_standing_task.h"

TEST_SUITE("policy") {
    TEST_CASE("PPO on the standing task outlasts and outscores the untrained policy") {
        const test::StandingTask task;
        // Tuned for a short run (DeepMimic's momentum step sizes need tens of millions of
        // samples): Adam, two epochs per batch, small networks; two threads so the seeded result
        // is the same on any machine.
        policy::PpoSettings s;
        s.actorHidden = {64, 64};
        s.criticHidden = {64, 64};
        s.threads = 2;
        s.seed = 3;
        s.batchSamples = 1024;
        s.minibatchSize = 128;
        s.epochs = 2;
        s.episodeSecondsBegin = s.episodeSecondsEnd = 2.0;
        s.normalizerSamples = 2048;
        s.actorOptimizer = {policy::OptimizerKind::Adam, 1e-4};
        s.criticOptimizer = {policy::OptimizerKind::Adam, 1e-3};
        s.actorWeightDecay = 0;
        auto created = policy::PpoTrainer::create(task.character, task.gains, task.motion,
                                                  sim::EnvSettings{}, s);
        REQUIRE(created.ok());
        policy::PpoTrainer& trainer = **created;

        const int episodes = 16;
        const double seconds = 2.0;
        const auto evaluated = trainer.evaluate(episodes, seconds, 99);
        REQUIRE(evaluated.ok());
        const policy::EvaluationStats before = *evaluated;
        const int iterations = 40;
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < iterations; ++i) {
            auto stats = trainer.iterate();
            REQUIRE(stats.ok());
            MESSAGE("iteration " << stats->iteration << ": return " << stats->meanReturn
                                 << ", episode " << stats->meanEpisodeSeconds << " s, falls "
                                 << stats->falls << "/" << stats->episodes << ", critic loss "
                                 << stats->criticLoss << ", clip " << stats->clipFraction);
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto evaluatedAfter = trainer.evaluate(episodes, seconds, 99);
        REQUIRE(evaluatedAfter.ok());
        const policy::EvaluationStats after = *evaluatedAfter;
        MESSAGE("untrained: episode " << before.meanSeconds << " s, return " << before.meanReturn
                                      << ", falls " << before.falls << "/" << before.episodes);
        MESSAGE("trained (" << trainer.samples() << " samples, " << wall << " s): episode "
                            << after.meanSeconds << " s, return " << after.meanReturn << ", falls "
                            << after.falls << "/" << after.episodes);
        // Measured (40 iterations, 41 k samples): 1.14 s -> 1.53 s, return 12.3 -> 18.8. The
        // reference pose itself, tracked by PD without balance feedback, falls after about 2.5 s.
        // An actor step of 3e-4 rose faster at first (1.44 s after 16 iterations) but collapsed
        // near iteration 40 (return 11.1, below the untrained policy's).
        CHECK(after.meanSeconds >= 1.25 * before.meanSeconds);
        CHECK(after.meanReturn >= 1.4 * before.meanReturn);
    }

}  // TEST_SUITE
