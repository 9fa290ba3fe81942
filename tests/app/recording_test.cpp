// Recording a session and replaying it: the file keeps every field, a replay lands on the
// recorded placements bit for bit, a changed action is caught at its step, and a damaged file
// is refused with a message naming it.

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "app/recording.h"
#include "app/session.h"
#include "policy/safetensors.h"

namespace {

std::unique_ptr<app::Session> open(const app::SessionOptions& options) {
    auto session = app::Session::create(options);
    REQUIRE_MESSAGE(session.ok(), (session.ok() ? "" : session.error()));
    return std::move(session).value();
}

// A recorded session of `steps` control steps on the default assets, with episodes short
// enough that the recording holds several resets.
app::Recording recordSession(app::DriveMode drive, int steps) {
    app::SessionOptions options;
    options.drive = drive;
    options.seed = 7;
    options.environment.physicsRate = 600;
    options.environment.episodeTimeLimit = 0.5;
    options.ratesGiven = true;
    options.record = true;
    auto session = open(options);
    for (int i = 0; i < steps; ++i) {
        session->advanceControlStep();
    }
    REQUIRE(session->recording() != nullptr);
    return *session->recording();
}

// Replays `recording` to its end and returns the comparison.
app::ReplayComparison replay(app::Recording recording) {
    app::SessionOptions options;
    options.replay = std::make_shared<const app::Recording>(std::move(recording));
    auto session = open(options);
    REQUIRE(session->replayComparison() != nullptr);
    while (!session->replayComparison()->finished()) {
        session->advanceControlStep();
    }
    return *session->replayComparison();
}

std::string temporaryPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / name).string();
}

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

int countResets(const app::Recording& recording) {
    int resets = 0;
    for (double time : recording.resetTimes) {
        resets += std::isnan(time) ? 0 : 1;
    }
    return resets;
}

}  // namespace

TEST_SUITE("app") {
    TEST_CASE("a recording keeps the files' text, the settings and every step it holds") {
        const app::Recording recorded = recordSession(app::DriveMode::Policy, 40);
        CHECK(recorded.steps() == 40);
        CHECK(countResets(recorded) >= 2);  // 40 steps of 0.5 s episodes
        CHECK(recorded.description.drive == "policy");
        CHECK(recorded.description.actionSize == 36);
        CHECK(recorded.description.bodyCount == 15);
        CHECK(recorded.description.motionText.find("Frames") != std::string::npos);

        const std::string path = temporaryPath("charsim_recording_round_trip.safetensors");
        REQUIRE(app::writeRecording(path, recorded).ok());
        CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
        auto read = app::readRecording(path);
        REQUIRE_MESSAGE(read.ok(), read.error());
        const app::RecordingDescription& a = recorded.description;
        const app::RecordingDescription& b = read->description;
        CHECK(b.characterText == a.characterText);
        CHECK(b.gainsText == a.gainsText);
        CHECK(b.motionText == a.motionText);
        CHECK(b.motionPath == a.motionPath);
        CHECK(b.weightsDescription == a.weightsDescription);
        CHECK(b.seed == 7);
        CHECK(b.environment.physicsRate == 600);
        CHECK(b.environment.episodeTimeLimit == 0.5);
        CHECK(b.environment.physics.worldScale == a.environment.physics.worldScale);
        CHECK(b.environment.fallContactBodies == a.environment.fallContactBodies);
        CHECK(sameBits(read->actions, recorded.actions));
        CHECK(sameBits(read->placements, recorded.placements));
        CHECK(sameBits(read->rewards, recorded.rewards));
        CHECK(read->ends == recorded.ends);
        // NaN marks the steps that continue an episode; memcmp sees those bits too.
        CHECK(sameBits(read->resetTimes, recorded.resetTimes));
        std::filesystem::remove(path);
    }

    TEST_CASE("a replay lands on every recorded placement bit for bit") {
        for (app::DriveMode drive : {app::DriveMode::Policy, app::DriveMode::Reference}) {
            CAPTURE(app::toString(drive));
            const app::Recording recorded = recordSession(drive, 45);
            const app::ReplayComparison comparison = replay(recorded);
            CHECK(comparison.recordedSteps == 45);
            CHECK(comparison.comparedSteps == 45);
            CHECK(comparison.differentSteps == 0);
            CHECK(comparison.firstDifferentStep == -1);
        }
    }

    TEST_CASE("a replay finds the first step whose recorded action was changed") {
        app::Recording recorded = recordSession(app::DriveMode::Policy, 45);
        // Step 20 continues an episode; steps before it must still match exactly.
        REQUIRE(std::isnan(recorded.resetTimes[20]));
        recorded.actions[20 * 36 + 3] += 0.2;
        const app::ReplayComparison comparison = replay(recorded);
        CHECK(comparison.firstDifferentStep == 20);
        CHECK(comparison.differentSteps >= 1);
        CHECK(comparison.firstDifference > 0);
        CHECK(comparison.largestDifference >= comparison.firstDifference);
    }

    TEST_CASE("a replayed session ignores reset and drive changes and stops at the end") {
        const app::Recording recorded = recordSession(app::DriveMode::Reference, 10);
        app::SessionOptions options;
        options.replay = std::make_shared<const app::Recording>(recorded);
        auto session = open(options);
        CHECK((session->options().drive == app::DriveMode::Replay));
        session->setDriveMode(app::DriveMode::Policy);
        session->advanceControlStep();
        session->reset();
        for (int i = 0; i < 20; ++i) {
            session->advanceControlStep();
        }
        CHECK(session->status().controlSteps == 10);
        CHECK(session->replayComparison()->differentSteps == 0);
        CHECK(session->policyWeights() == nullptr);
    }

    TEST_CASE("reading a damaged recording names the file and what is wrong") {
        const app::Recording recorded = recordSession(app::DriveMode::Reference, 5);
        const std::string path = temporaryPath("charsim_recording_damaged.safetensors");

        SUBCASE("not a recording") {
            const std::vector<float> values{1, 2};
            REQUIRE(policy::writeSafetensors(
                        path, {policy::makeF32Tensor("w", {2}, values.data(), values.size())})
                        .ok());
            auto read = app::readRecording(path);
            REQUIRE_FALSE(read.ok());
            CHECK(read.error().find(path) != std::string::npos);
            CHECK(read.error().find("not a charsim recording") != std::string::npos);
        }
        SUBCASE("an action row of the wrong size") {
            app::Recording broken = recorded;
            broken.description.actionSize = 35;
            broken.actions.resize(5 * 35);
            REQUIRE(app::writeRecording(path, broken).ok());
            // The file is consistent with itself; the replay finds it does not fit the character.
            auto read = app::readRecording(path);
            REQUIRE(read.ok());
            app::SessionOptions options;
            options.replay = std::make_shared<const app::Recording>(std::move(read).value());
            auto session = app::Session::create(options);
            REQUIRE_FALSE(session.ok());
            CHECK(session.error().find("35 action entries") != std::string::npos);
        }
        SUBCASE("an episode end code out of range") {
            app::Recording broken = recorded;
            broken.ends[3] = 9;
            REQUIRE(app::writeRecording(path, broken).ok());
            auto read = app::readRecording(path);
            REQUIRE_FALSE(read.ok());
            CHECK(read.error().find("control step 3") != std::string::npos);
        }
        SUBCASE("a step after a finished episode that starts none") {
            app::Recording broken = recorded;
            broken.ends[1] = static_cast<uint8_t>(sim::EpisodeEnd::Fall);
            broken.resetTimes[2] = std::nan("");
            REQUIRE(app::writeRecording(path, broken).ok());
            auto read = app::readRecording(path);
            REQUIRE_FALSE(read.ok());
            CHECK(read.error().find("control step 2") != std::string::npos);
        }
        SUBCASE("a file cut short") {
            REQUIRE(app::writeRecording(path, recorded).ok());
            std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
            auto read = app::readRecording(path);
            REQUIRE_FALSE(read.ok());
            CHECK(read.error().find(path) != std::string::npos);
        }
        std::filesystem::remove(path);
    }
}
