// `charsim train` end to end on a tiny network: files written, resume continues the log and
// the counters, and the actor loads where `charsim run --policy` loads it.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/train_command.h"
#include "policy/models/critic.h"
#include "policy/weights.h"
#include "tests/test_support.h"

namespace {

int csvRows(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    int rows = -1;  // header
    while (std::getline(in, line)) {
        ++rows;
    }
    return rows;
}

app::TrainOptions tinyRun(const std::string& out, long long iterations) {
    app::TrainOptions o;
    o.motionPath = test::sourcePath("assets/motions/walk.json");
    o.outDir = out;
    o.iterations = iterations;
    o.checkpointEvery = 1;
    o.optimizer = "adam";
    o.ppo.actorHidden = {16};
    o.ppo.threads = 1;
    o.ppo.batchSamples = 64;
    o.ppo.minibatchSize = 32;
    return o;
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("charsim train writes actor, checkpoint and log, and --resume continues them") {
        const std::string out = std::string(CHARSIM_BINARY_DIR) + "/test_train_command";
        std::filesystem::remove_all(out);
        REQUIRE(app::runTrain(tinyRun(out, 2)) == 0);
        CHECK(std::filesystem::exists(out + "/checkpoint.safetensors"));
        CHECK(csvRows(out + "/log.csv") == 2);
        auto weights = policy::loadActorWeights(out + "/actor.safetensors");
        REQUIRE(weights.ok());
        CHECK(weights->layers.size() == 2);
        CHECK(weights->description.find("iteration 2") != std::string::npos);
        CHECK(weights->trainedRates.physics == 1200);  // the defaults, recorded for `run`
        CHECK(weights->trainedRates.policy == 30);
        CHECK(policy::loadCriticWeights(out + "/critic.safetensors").ok());
        CHECK_FALSE(std::filesystem::exists(out + "/actor.safetensors.tmp"));

        // A new run starts from both saved networks; a wrong critic file is refused.
        const std::string tuned = out + "_tuned";
        std::filesystem::remove_all(tuned);
        app::TrainOptions fineTune = tinyRun(tuned, 1);
        fineTune.initPath = out + "/actor.safetensors";
        fineTune.initCriticPath = out + "/critic.safetensors";
        CHECK(app::runTrain(fineTune) == 0);
        fineTune.initCriticPath = out + "/actor.safetensors";
        CHECK(app::runTrain(fineTune) == 1);

        app::TrainOptions resumed = tinyRun(out, 3);
        resumed.resume = true;
        REQUIRE(app::runTrain(resumed) == 0);
        CHECK(csvRows(out + "/log.csv") == 3);
        auto after = policy::loadActorWeights(out + "/actor.safetensors");
        REQUIRE(after.ok());
        CHECK(after->description.find("iteration 3") != std::string::npos);
    }

    TEST_CASE("a resumed run puts back a log's lost header and drops rows after its checkpoint") {
        const std::string out = std::string(CHARSIM_BINARY_DIR) + "/test_train_command_logs";
        std::filesystem::remove_all(out);
        REQUIRE(app::runTrain(tinyRun(out, 2)) == 0);
        // An evaluation log as an older charsim left it: no header, and a row from after the
        // checkpoint (iteration 5) that the resumed run must not keep.
        std::ofstream(out + "/eval.csv") << "1,64,2,0,0.1,2.5\n5,320,2,0,0.1,2.5\n";
        app::TrainOptions resumed = tinyRun(out, 3);
        resumed.resume = true;
        resumed.evalEvery = 3;
        resumed.evalStarts = 2;
        resumed.evalSeconds = 0.1;
        REQUIRE(app::runTrain(resumed) == 0);
        std::ifstream in(out + "/eval.csv");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == "iteration,samples,starts,falls,mean_episode_seconds,mean_return");
        CHECK(lines[1] == "1,64,2,0,0.1,2.5");
        CHECK(lines[2].rfind("3,192,2,", 0) == 0);
        CHECK(csvRows(out + "/log.csv") == 3);
        CHECK_FALSE(std::filesystem::exists(out + "/eval.csv.tmp"));
    }

    TEST_CASE("charsim train at a chosen physics rate records it in the actor file") {
        const std::string out = std::string(CHARSIM_BINARY_DIR) + "/test_train_command_rates";
        std::filesystem::remove_all(out);
        app::TrainOptions o = tinyRun(out, 1);
        o.physicsRate = 600;
        REQUIRE(app::runTrain(o) == 0);
        auto weights = policy::loadActorWeights(out + "/actor.safetensors");
        REQUIRE(weights.ok());
        CHECK(weights->trainedRates.physics == 600);
        CHECK(weights->trainedRates.pd == 600);

        // Resumed without rates, it goes on at the checkpoint's, not the defaults.
        app::TrainOptions resumed = tinyRun(out, 2);
        resumed.resume = true;
        REQUIRE(app::runTrain(resumed) == 0);
        auto after = policy::loadActorWeights(out + "/actor.safetensors");
        REQUIRE(after.ok());
        CHECK(after->description.find("iteration 2") != std::string::npos);
        CHECK(after->trainedRates.physics == 600);

        // Fine-tuned without rates, an actor goes on at the rates it was trained at.
        const std::string tuned = out + "_tuned";
        std::filesystem::remove_all(tuned);
        app::TrainOptions fineTune = tinyRun(tuned, 1);
        fineTune.initPath = out + "/actor.safetensors";
        REQUIRE(app::runTrain(fineTune) == 0);
        auto tunedWeights = policy::loadActorWeights(tuned + "/actor.safetensors");
        REQUIRE(tunedWeights.ok());
        CHECK(tunedWeights->trainedRates.physics == 600);

        o.physicsRate = 500;  // not a whole multiple of the PD rate
        std::filesystem::remove_all(out);
        CHECK(app::runTrain(o) == 1);
    }

    TEST_CASE("charsim train --resume without a checkpoint fails with the path named") {
        const std::string out = std::string(CHARSIM_BINARY_DIR) + "/test_train_missing";
        std::filesystem::remove_all(out);
        app::TrainOptions o = tinyRun(out, 1);
        o.resume = true;
        CHECK(app::runTrain(o) == 1);
    }

}  // TEST_SUITE
