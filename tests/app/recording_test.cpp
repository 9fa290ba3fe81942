// Recording a session and replaying it: the file keeps every field, a replay lands on the
// recorded placements bit for bit, a changed action is caught at its step, and a damaged file
// is refused with a message naming it.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

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
app::Recording recordSession(app::DriveMode drive, int steps, const sim::Push& push = {}) {
    app::SessionOptions options;
    options.drive = drive;
    options.seed = 7;
    options.environment.physicsRate = 600;
    options.environment.episodeTimeLimit = 0.5;
    options.ratesGiven = true;
    options.record = true;
    auto session = open(options);
    for (int i = 0; i < steps; ++i) {
        if (push.body >= 0 && i % 10 == 5) {
            REQUIRE(session->push(push).ok());
        }
        session->advanceControlStep();
    }
    REQUIRE(session->recording() != nullptr);
    return *session->recording();
}

std::string temporaryPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / name).string();
}

// Writes `recording` to a file, reads it back and replays it to its end: the comparison.
app::ReplayComparison replay(const app::Recording& recording) {
    const std::string path = temporaryPath("charsim_recording_replayed.safetensors");
    REQUIRE(app::writeRecording(path, recording).ok());
    auto read = app::readRecording(path);
    REQUIRE_MESSAGE(read.ok(), read.error());
    std::filesystem::remove(path);
    app::SessionOptions options;
    options.replay = std::make_shared<const app::Recording>(std::move(read).value());
    auto session = open(options);
    REQUIRE(session->replayComparison() != nullptr);
    while (!session->replayComparison()->finished()) {
        session->advanceControlStep();
    }
    return *session->replayComparison();
}

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Rewrites the recording at `path` with one field of its "session" metadata replaced.
void rewriteSessionField(const std::string& path, const char* field, const nlohmann::json& value) {
    auto file = policy::readSafetensors(path);
    REQUIRE(file.ok());
    std::vector<policy::SafetensorsTensor> tensors;
    for (const policy::SafetensorsEntry& entry : file->entries) {
        const auto begin = file->bytes.begin() + static_cast<std::ptrdiff_t>(file->dataStart);
        tensors.push_back(
            {entry.name, entry.dtype, entry.shape,
             std::vector<unsigned char>(begin + static_cast<std::ptrdiff_t>(entry.begin),
                                        begin + static_cast<std::ptrdiff_t>(entry.end))});
    }
    std::map<std::string, std::string> metadata = file->metadata;
    nlohmann::json session = nlohmann::json::parse(metadata.at("session"));
    session[field] = value;
    metadata["session"] = session.dump();
    REQUIRE(policy::writeSafetensors(path, tensors, metadata).ok());
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

    TEST_CASE("a replay gives the recorded pushes at their steps, bit for bit") {
        const sim::Push push{0, Eigen::Vector3d(0, 0, 250), 0.2};
        const app::Recording recorded = recordSession(app::DriveMode::Reference, 45, push);
        int pushedSteps = 0;
        for (long long step = 0; step < recorded.steps(); ++step) {
            pushedSteps += recorded.push(step).body >= 0 ? 1 : 0;
        }
        CHECK(pushedSteps == 4);  // before steps 5, 15, 25 and 35
        CHECK(replay(recorded).differentSteps == 0);
        // Without its pushes the same actions land elsewhere: the pushes are what replays.
        app::Recording unpushed = recorded;
        std::fill(unpushed.pushes.begin(), unpushed.pushes.end(), 0.0);
        for (long long step = 0; step < unpushed.steps(); ++step) {
            unpushed.pushes[static_cast<size_t>(step) * app::kPushValues] = -1;
        }
        const app::ReplayComparison without = replay(unpushed);
        CHECK(without.firstDifferentStep == 5);
    }

    TEST_CASE("a push of no duration cancels the acting one, in the run and in its replay") {
        app::SessionOptions options;
        options.drive = app::DriveMode::Reference;
        options.startTime = 0.2;
        options.record = true;
        auto session = open(options);
        for (int step = 0; step < 20; ++step) {
            if (step == 3) {
                REQUIRE(session->push({0, Eigen::Vector3d(400, 0, 0), 1.0}).ok());
            }
            if (step == 6) {
                REQUIRE(session->activePush().body == 0);
                REQUIRE(session->push({0, Eigen::Vector3d::Zero(), 0.0}).ok());
                CHECK(session->activePush().body == -1);
            }
            session->advanceControlStep();
        }
        CHECK(session->status().pushes == 2);
        const app::ReplayComparison comparison = replay(*session->recording());
        CHECK(comparison.comparedSteps == 20);
        CHECK(comparison.differentSteps == 0);
    }

    TEST_CASE("a replay step matches on equal bits: the same NaN matches, -0 and +0 do not") {
        app::Recording recording;
        recording.description.actionSize = 1;
        recording.description.bodyCount = 1;
        std::vector<double> placements(app::kPlacementValues, 0.5);
        placements[1] = std::nan("");
        recording.append(0.0, {}, Eigen::VectorXd::Zero(1), 0.25, sim::EpisodeEnd::None,
                         placements);
        placements[2] = -0.0;
        recording.append(std::nan(""), {}, Eigen::VectorXd::Zero(1), 0.25, sim::EpisodeEnd::None,
                         placements);
        app::ReplayComparison comparison;
        comparison.recordedSteps = 2;
        std::vector<double> replayed(app::kPlacementValues, 0.5);
        replayed[1] = std::nan("");
        app::compareReplayStep(recording, replayed, 0.25, sim::EpisodeEnd::None, comparison);
        CHECK(comparison.differentSteps == 0);
        replayed[2] = 0.0;  // +0 where the recording has -0
        app::compareReplayStep(recording, replayed, 0.25, sim::EpisodeEnd::None, comparison);
        CHECK(comparison.differentSteps == 1);
        CHECK(comparison.firstDifferentStep == 1);
        CHECK(comparison.firstDifferentBody == 0);
    }

    TEST_CASE("a recording's summary counts its episodes, their ends, pushes and rewards") {
        app::Recording recording;
        recording.description.actionSize = 1;
        recording.description.bodyCount = 1;
        recording.description.environment.policyRate = 30;
        const std::vector<double> placements(app::kPlacementValues, 0.5);
        const Eigen::VectorXd action = Eigen::VectorXd::Zero(1);
        const double continued = std::nan("");
        const sim::Push none, push{0, Eigen::Vector3d(10, 0, 0), 0.2};
        // Two episodes: the first pushed and fallen, the second pushed and timed out.
        recording.append(0.0, none, action, 0.5, sim::EpisodeEnd::None, placements);
        recording.append(continued, push, action, 0.7, sim::EpisodeEnd::Fall, placements);
        recording.append(0.3, none, action, 0.6, sim::EpisodeEnd::None, placements);
        recording.append(continued, push, action, 0.2, sim::EpisodeEnd::TimeLimit, placements);
        const app::RecordingSummary summary = app::summarizeRecording(recording);
        CHECK(summary.steps == 4);
        CHECK(summary.episodes == 2);
        CHECK(summary.pushes == 2);
        CHECK(summary.ends[static_cast<int>(sim::EpisodeEnd::None)] == 2);
        CHECK(summary.ends[static_cast<int>(sim::EpisodeEnd::Fall)] == 1);
        CHECK(summary.ends[static_cast<int>(sim::EpisodeEnd::TimeLimit)] == 1);
        CHECK(summary.ends[static_cast<int>(sim::EpisodeEnd::ClipEnd)] == 0);
        CHECK(summary.ends[static_cast<int>(sim::EpisodeEnd::Invalid)] == 0);
        CHECK(summary.meanReward == doctest::Approx(0.5));
        CHECK(summary.simulatedSeconds == doctest::Approx(4.0 / 30.0));
    }

    TEST_CASE("every simulation setting a recording keeps reads back as written") {
        app::Recording recording;
        app::RecordingDescription& description = recording.description;
        description.characterText = "{}";
        description.gainsText = "{}";
        description.motionText = "{}";
        description.characterPath = "c.json";
        description.gainsPath = "g.json";
        description.motionPath = "m.json";
        description.drive = "reference";
        description.weightsDescription = "none";
        description.seed = 1ull << 60;
        description.actionSize = 1;
        description.bodyCount = 1;
        sim::EnvSettings& env = description.environment;
        env.physicsRate = 480;
        env.pdRate = 240;
        env.policyRate = 24;
        env.physics.worldScale = 2.5;
        env.physics.gravity = 9.81;
        env.physics.friction = 0.7;
        env.physics.contactDistance = 0.002;
        env.physics.selfCollision = false;
        env.model.capsuleInertia2018 = true;
        env.model.gravity = 9.81;
        env.fallContactBodies = {2, 5};
        env.enableFallContact = false;
        env.syncRootPosition = false;
        env.syncRootRotation = true;
        env.episodeTimeLimit = 7.5;
        env.holdEndTime = 0.25;
        env.velocityLimit = 55;
        recording.append(0.0, {}, Eigen::VectorXd::Zero(1), 0, sim::EpisodeEnd::None,
                         std::vector<double>(app::kPlacementValues, 0.0));
        const std::string path = temporaryPath("charsim_recording_settings.safetensors");
        REQUIRE(app::writeRecording(path, recording).ok());
        auto read = app::readRecording(path);
        REQUIRE_MESSAGE(read.ok(), read.error());
        std::filesystem::remove(path);
        const app::RecordingDescription& back = read->description;
        const sim::EnvSettings& e = back.environment;
        CHECK(back.characterPath == "c.json");
        CHECK(back.gainsPath == "g.json");
        CHECK(back.motionPath == "m.json");
        CHECK(back.drive == "reference");
        CHECK(back.weightsDescription == "none");
        CHECK(back.seed == 1ull << 60);
        CHECK(e.physicsRate == 480);
        CHECK(e.pdRate == 240);
        CHECK(e.policyRate == 24);
        CHECK(e.physics.worldScale == 2.5);
        CHECK(e.physics.gravity == 9.81);
        CHECK(e.physics.friction == 0.7);
        CHECK(e.physics.contactDistance == 0.002);
        CHECK_FALSE(e.physics.selfCollision);
        CHECK(e.model.capsuleInertia2018);
        CHECK(e.model.gravity == 9.81);
        CHECK(e.fallContactBodies == std::vector<int>{2, 5});
        CHECK_FALSE(e.enableFallContact);
        CHECK_FALSE(e.syncRootPosition);
        CHECK(e.syncRootRotation);
        CHECK(e.episodeTimeLimit == 7.5);
        CHECK(e.holdEndTime == 0.25);
        CHECK(e.velocityLimit == 55);

        // A setting that is not finite is refused when writing, by name.
        env.velocityLimit = HUGE_VAL;
        const sim::Status infinite = app::writeRecording(path, recording);
        REQUIRE_FALSE(infinite.ok());
        CHECK(infinite.error().find("velocity_limit") != std::string::npos);
    }

    TEST_CASE("a replay finds the first step whose recorded action was changed") {
        app::Recording recorded = recordSession(app::DriveMode::Policy, 45);
        // Step 20 continues an episode; steps before it must still match exactly.
        REQUIRE(std::isnan(recorded.resetTimes[20]));
        recorded.actions[20 * 36 + 3] += 0.2;
        const app::ReplayComparison comparison = replay(recorded);
        CHECK(comparison.firstDifferentStep == 20);
        CHECK(comparison.differentSteps >= 1);
        CHECK(comparison.firstDifferentBody >= 0);
        CHECK(comparison.firstBodyDifference > 0);
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
        SUBCASE("no control steps") {
            app::Recording empty;
            empty.description = recorded.description;
            const sim::Status written = app::writeRecording(path, empty);
            REQUIRE_FALSE(written.ok());
            CHECK(written.error().find("at least one control step") != std::string::npos);
        }
        SUBCASE("a pushed body that is not an index") {
            app::Recording broken = recorded;
            broken.pushes[2 * app::kPushValues] = 3.5;
            REQUIRE(app::writeRecording(path, broken).ok());
            auto read = app::readRecording(path);
            REQUIRE_FALSE(read.ok());
            CHECK(read.error().find("control step 2: tensor \"pushes\": the body, 3.5") !=
                  std::string::npos);
        }
        SUBCASE("a push longer than the simulation takes") {
            // Body, force (x, y, z) [N], duration [s]: valid but for the duration, over a day.
            app::Recording broken = recorded;
            const double push[app::kPushValues] = {1, 50, 0, 0, 2e5};
            std::copy(push, push + app::kPushValues, broken.pushes.begin() + 2 * app::kPushValues);
            REQUIRE(app::writeRecording(path, broken).ok());
            auto read = app::readRecording(path);
            REQUIRE_FALSE(read.ok());
            CHECK(read.error().find("control step 2: tensor \"pushes\": push: the duration must "
                                    "be 0 to 100000 s, found 200000") != std::string::npos);
        }
        SUBCASE("settings of the wrong JSON type") {
            // The session metadata rewritten with one field changed at a time.
            const std::pair<const char*, nlohmann::json> wrong[] = {
                {"action_size", 36.0},
                {"seed", -1},
                {"self_collision", 1},
                {"fall_contact_bodies", nlohmann::json::array({0.5})}};
            for (const auto& [field, value] : wrong) {
                CAPTURE(field);
                REQUIRE(app::writeRecording(path, recorded).ok());
                rewriteSessionField(path, field, value);
                auto read = app::readRecording(path);
                REQUIRE_FALSE(read.ok());
                CHECK(read.error().find(std::string("field \"") + field + "\" must be") !=
                      std::string::npos);
            }
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
