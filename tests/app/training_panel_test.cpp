// The window's background trainer without a window: it trains on its thread, publishes weights
// a session runs, pauses between iterations, saves, fine-tunes and joins on destruction.

#include <doctest/doctest.h>

#if CHARSIM_HAVE_GUI

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "app/gui_training_panel.h"
#include "app/session.h"
#include "policy/weights.h"
#include "tests/test_support.h"

namespace {

app::SessionOptions ownFiles(const std::string& policyPath) {
    app::SessionOptions o;
    o.characterPath = test::sourcePath("assets/characters/humanoid.json");
    o.gainsPath = test::sourcePath("assets/characters/humanoid_ctrl.json");
    o.motionPath = test::sourcePath("assets/motions/walk.json");
    o.policyPath = policyPath;
    return o;
}

app::TrainingSettings tinyTraining() {
    app::TrainingSettings s;
    s.ppo.actorHidden = s.ppo.criticHidden = {16};
    s.ppo.batchSamples = 64;
    s.ppo.minibatchSize = 32;
    s.fineTuneFreezeIterations = 2;
    return s;
}

// Polls `done` every 10 ms for at most `seconds`; true when it became true.
bool waitFor(const std::function<bool()>& done, double seconds = 60) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("the training controller trains in the background, pauses, saves and fine-tunes") {
        const std::string out = std::string(CHARSIM_BINARY_DIR) + "/test_training_panel";
        std::filesystem::remove_all(out);
        auto session = app::Session::create(ownFiles(""));
        REQUIRE(session.ok());

        auto created =
            app::TrainingController::create((*session)->options(), tinyTraining(), nullptr);
        REQUIRE(created.ok());
        app::TrainingController& trainer = **created;
        CHECK(trainer.progress().iteration == 0);
        CHECK_FALSE(trainer.takeNewWeights().has_value());

        // Two iterations in the background, then a pause that holds.
        trainer.start();
        REQUIRE(waitFor([&] { return trainer.progress().iteration >= 2; }));
        trainer.pause();
        REQUIRE(waitFor([&] { return !trainer.progress().iterating; }));
        const app::TrainingProgress paused = trainer.progress();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK(trainer.progress().iteration == paused.iteration);
        CHECK(paused.meanReturn.size() == static_cast<size_t>(paused.iteration));
        CHECK(paused.episodeSeconds.size() == static_cast<size_t>(paused.iteration));
        CHECK(paused.samples >= 2 * 64);
        CHECK(paused.samplesPerSecond > 0);

        // The newest weights run in the session; they are handed out once.
        auto weights = trainer.takeNewWeights();
        REQUIRE(weights.has_value());
        CHECK_FALSE(trainer.takeNewWeights().has_value());
        REQUIRE((*session)->setPolicyWeights(std::move(*weights)).ok());
        CHECK((*session)->status().weightsDescription.find(
                  "iteration " + std::to_string(paused.iteration)) != std::string::npos);
        CHECK((*session)->policyWeights()->layers.size() == 2);
        for (int step = 0; step < 10; ++step) {
            (*session)->advanceControlStep();
        }
        CHECK((*session)->status().controlSteps == 10);

        // Saving while paused writes both files; the actor loads where --policy loads it.
        trainer.requestSave(out);
        REQUIRE(waitFor([&] { return trainer.progress().saves == 1; }));
        CHECK(trainer.progress().saveMessage.find("wrote") == 0);
        CHECK(std::filesystem::exists(out + "/checkpoint.safetensors"));
        REQUIRE(policy::loadActorWeights(out + "/actor.safetensors").ok());

        // Resumed, then destroyed mid-run: the destructor joins after the running iteration.
        trainer.start();
        REQUIRE(waitFor([&] { return trainer.progress().iteration > paused.iteration; }));
        created->reset();

        // A new controller continues the saved checkpoint: its counters and its network sizes
        // (the settings' are replaced).
        app::TrainingSettings resume = tinyTraining();
        resume.start = app::TrainingStart::Resume;
        resume.outDir = out;
        resume.ppo.actorHidden = resume.ppo.criticHidden = {8, 8};
        auto resumed = app::TrainingController::create((*session)->options(), resume, nullptr);
        REQUIRE_MESSAGE(resumed.ok(), (resumed.ok() ? "" : resumed.error()));
        CHECK((*resumed)->progress().iteration == paused.iteration);
        CHECK((*resumed)->progress().samples == paused.samples);
        (*resumed)->start();
        REQUIRE(waitFor([&] { return (*resumed)->progress().iteration > paused.iteration; }));
        (*resumed)->pause();
        auto continued = (*resumed)->takeNewWeights();
        REQUIRE(continued.has_value());
        REQUIRE(continued->layers.size() == 2);  // one hidden layer of 16, as saved, not 8, 8
        CHECK(continued->layers[0].weight.rows() == 16);
        resumed->reset();

        // No checkpoint in the folder: refused, naming it.
        resume.outDir = out + "/empty";
        auto missing = app::TrainingController::create((*session)->options(), resume, nullptr);
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().find(out + "/empty/checkpoint.safetensors") != std::string::npos);

        // Fine-tuning from the saved policy takes its sizes; the frozen actor stays as loaded.
        auto tuned = app::Session::create(ownFiles(out + "/actor.safetensors"));
        REQUIRE(tuned.ok());
        app::TrainingSettings fineTune = tinyTraining();
        fineTune.start = app::TrainingStart::FineTune;
        fineTune.ppo.actorHidden = fineTune.ppo.criticHidden = {8, 8};  // replaced by the file's
        auto tuner = app::TrainingController::create((*tuned)->options(), fineTune,
                                                     (*tuned)->policyWeights());
        REQUIRE(tuner.ok());
        (*tuner)->start();
        REQUIRE(waitFor([&] { return (*tuner)->progress().iteration >= 1; }));
        (*tuner)->pause();
        CHECK((*tuner)->progress().actorFrozen);
        auto frozen = (*tuner)->takeNewWeights();
        REQUIRE(frozen.has_value());
        const policy::ActorWeights& loaded = *(*tuned)->policyWeights();
        REQUIRE(frozen->layers.size() == loaded.layers.size());
        CHECK(frozen->layers[0].weight.isApprox(loaded.layers[0].weight, 1e-5f));
        CHECK(frozen->layers[1].bias.isApprox(loaded.layers[1].bias, 1e-4f));
        CHECK((*tuned)->setPolicyWeights(std::move(*frozen)).ok());
    }

    TEST_CASE("fine-tuning without policy weights and mismatched weights are refused") {
        auto session = app::Session::create(ownFiles(""));
        REQUIRE(session.ok());
        app::TrainingSettings fineTune = tinyTraining();
        fineTune.start = app::TrainingStart::FineTune;
        CHECK_FALSE(app::TrainingController::create((*session)->options(), fineTune, nullptr).ok());

        policy::ActorWeights wrong = *(*session)->policyWeights();
        wrong.stateMean.conservativeResize(wrong.stateMean.size() - 1);
        wrong.stateStd.conservativeResize(wrong.stateStd.size() - 1);
        wrong.layers[0].weight.conservativeResize(wrong.layers[0].weight.rows(),
                                                  wrong.layers[0].weight.cols() - 1);
        const std::string before = (*session)->status().weightsDescription;
        CHECK_FALSE((*session)->setPolicyWeights(wrong).ok());
        CHECK((*session)->status().weightsDescription == before);
    }
}  // TEST_SUITE

#endif  // CHARSIM_HAVE_GUI
