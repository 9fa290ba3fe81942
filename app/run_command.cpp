#include "app/run_command.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/recording.h"

namespace app {

namespace {

// Finds the pushed body by name; false after saying which names there are.
bool resolvePushBody(const sim::Character& character, PushSchedule& schedule) {
    std::string names;
    for (int j = 0; j < character.numJoints(); ++j) {
        if (character.joints[static_cast<size_t>(j)].name == schedule.body) {
            schedule.bodyIndex = j;
            return true;
        }
        names += (j > 0 ? ", " : "") + character.joints[static_cast<size_t>(j)].name;
    }
    std::fprintf(stderr, "charsim: --push-body %s: the character has no such body (it has %s)\n",
                 schedule.body.c_str(), names.c_str());
    return false;
}

void printPushSchedule(const PushSchedule& schedule) {
    if (schedule.active()) {
        std::printf("  pushes       %g N for %g s on %s every %g s (+x, +z, -x, -z in turn)\n",
                    schedule.force, schedule.seconds, schedule.body.c_str(), schedule.every);
    }
}

// Simulates `seconds` with the scheduled pushes; false (after saying why) when the session
// stopped making progress.
bool simulate(Session& session, double seconds, const PushSchedule& pushes) {
    const SessionStatus& status = session.status();
    double nextPush = pushes.every;
    int pushCount = 0;
    while (status.simTime < seconds - 1e-9) {
        if (pushes.active() && status.simTime >= nextPush - 1e-9) {
            if (sim::Status pushed = session.push(pushes.push(pushCount++)); !pushed) {
                std::fprintf(stderr, "charsim: %s\n", pushed.error().c_str());
                return false;
            }
            nextPush += pushes.every;
        }
        session.advanceControlStep();
        if (status.stepsWithoutProgress > kMaxStepsWithoutProgress) {
            std::fprintf(stderr, "charsim: %s\n", noProgressMessage(status).c_str());
            return false;
        }
    }
    return true;
}

// "right_knee 3, chest 1": the bodies whose ground contact ended the falls, most first.
std::string fallsByBodyText(const std::vector<int>& counts, const sim::Character& character) {
    std::vector<int> order;
    for (size_t b = 0; b < counts.size(); ++b) {
        if (counts[b] > 0) {
            order.push_back(static_cast<int>(b));
        }
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return counts[static_cast<size_t>(a)] > counts[static_cast<size_t>(b)];
    });
    std::string text;
    for (int b : order) {
        text += (text.empty() ? "" : ", ") + character.joints[static_cast<size_t>(b)].name + " " +
                std::to_string(counts[static_cast<size_t>(b)]);
    }
    return text;
}

// {"right_knee": 3, ...} for --json.
nlohmann::json fallsByBodyJson(const std::vector<int>& counts, const sim::Character& character) {
    nlohmann::json out = nlohmann::json::object();
    for (size_t b = 0; b < counts.size(); ++b) {
        if (counts[b] > 0) {
            out[character.joints[b].name] = counts[b];
        }
    }
    return out;
}

// The "rates" line of a summary: what the session ran at and where that came from.
void printRates(const Session& session) {
    const sim::EnvSettings& rates = session.options().environment;
    std::printf("  rates        physics %g Hz, PD %g Hz, policy %g Hz (%s)\n", rates.physicsRate,
                rates.pdRate, rates.policyRate, session.status().ratesSource.c_str());
}

// Mean episode length; episodes still running at the end count with their current length.
double meanEpisodeSeconds(const SessionStatus& status) {
    const int openEpisodes = status.episodes - status.finishedEpisodes;
    return status.episodes > 0
               ? (status.finishedEpisodeSeconds + status.episodeTime * openEpisodes) /
                     status.episodes
               : 0.0;
}

// The summary of a session that has run (`run --headless`, `replay`): printed, and returned
// as a JSON object.
nlohmann::json printSummary(const char* command, const Session& session, double wall) {
    const SessionStatus& status = session.status();
    const double meanLength = meanEpisodeSeconds(status);
    const double meanReward =
        status.controlSteps > 0 ? status.rewardSum / static_cast<double>(status.controlSteps) : 0;
    const double stepsPerSecond = wall > 0 ? static_cast<double>(status.controlSteps) / wall : 0;
    const SessionOptions& options = session.options();

    std::printf("charsim %s: %.2f s simulated with %s drive (%s)\n", command, status.simTime,
                toString(options.drive), status.weightsDescription.c_str());
    std::printf("  motion       %s\n", options.motionPath.c_str());
    printRates(session);
    std::printf("  episodes     %d (falls %d, invalid %d, pushes %d)\n", status.episodes,
                status.falls, status.invalidEpisodes, status.pushes);
    if (status.falls > 0) {
        std::printf("  falls by     %s (the body that touched the ground)\n",
                    fallsByBodyText(status.fallsByBody, session.character()).c_str());
    }
    std::printf("  mean episode %.3f s\n", meanLength);
    std::printf("  mean reward  %.4f per control step (%lld steps)\n", meanReward,
                status.controlSteps);
    std::printf("  speed        %.0f control steps per wall second (%.1fx real time)\n",
                stepsPerSecond, wall > 0 ? status.simTime / wall : 0.0);
    return {
        {"simulated_seconds", status.simTime},
        {"drive", toString(options.drive)},
        {"weights", status.weightsDescription},
        {"character", options.characterPath},
        {"gains", options.gainsPath},
        {"motion", options.motionPath},
        {"physics_rate", options.environment.physicsRate},
        {"pd_rate", options.environment.pdRate},
        {"policy_rate", options.environment.policyRate},
        {"seed", options.seed},
        {"episodes", status.episodes},
        {"falls", status.falls},
        {"falls_by_body", fallsByBodyJson(status.fallsByBody, session.character())},
        {"invalid_episodes", status.invalidEpisodes},
        {"pushes", status.pushes},
        {"mean_episode_seconds", meanLength},
        {"mean_reward_per_step", meanReward},
        {"control_steps", status.controlSteps},
        {"control_steps_per_second", stepsPerSecond},
        {"wall_seconds", wall},
    };
}

// What differed at a replay's first differing step, e.g. "left_knee off by 3e-07".
std::string firstDifferenceText(const ReplayComparison& comparison,
                                const sim::Character& character) {
    std::string text;
    if (comparison.firstDifferentBody >= 0) {
        char size[32];
        std::snprintf(size, sizeof(size), "%.3g", comparison.firstBodyDifference);
        text = character.joints[static_cast<size_t>(comparison.firstDifferentBody)].name +
               " off by " + size;
    }
    if (comparison.firstEndDiffers) {
        text += std::string(text.empty() ? "" : ", ") + "the episode ended in one run only";
    }
    return text.empty() ? "the reward" : text;
}

}  // namespace

bool saveRecording(const Session& session, const std::string& path) {
    if (path.empty() || session.recording() == nullptr) {
        return true;
    }
    const Recording& recording = *session.recording();
    if (recording.steps() == 0) {
        std::printf("  recorded     nothing: the session took no control step (%s not written)\n",
                    path.c_str());
        return true;
    }
    if (sim::Status status = writeRecording(path, recording); !status) {
        std::fprintf(stderr, "charsim: the recording was not written: %s\n",
                     status.error().c_str());
        return false;
    }
    std::printf("  recorded     %lld control steps to %s\n", recording.steps(), path.c_str());
    return true;
}

int runHeadless(Session& session, double seconds, bool json, const std::string& recordPath,
                PushSchedule pushes) {
    if (pushes.active() && !resolvePushBody(session.character(), pushes)) {
        return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    const bool completed = simulate(session, seconds, pushes);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!completed) {
        saveRecording(session, recordPath);  // what was recorded is kept all the same
        return 1;
    }
    const nlohmann::json summary = printSummary("run", session, wall);
    printPushSchedule(pushes);
    const bool recorded = saveRecording(session, recordPath);
    if (json) {
        std::printf("%s\n", summary.dump().c_str());
    }
    return recorded ? 0 : 1;
}

sim::Result<std::unique_ptr<Session>> openReplay(const std::string& path) {
    auto recording = readRecording(path);
    if (!recording) {
        return sim::Error{recording.error()};
    }
    SessionOptions options;
    options.replay = std::make_shared<const Recording>(std::move(recording).value());
    auto session = Session::create(options);
    if (!session) {
        return sim::Error{path + ": " + session.error()};
    }
    return session;
}

int runReplay(const std::string& path, bool json) {
    auto session = openReplay(path);
    if (!session) {
        std::fprintf(stderr, "charsim: %s\n", session.error().c_str());
        return 1;
    }
    const ReplayComparison& comparison = *(*session)->replayComparison();
    const auto start = std::chrono::steady_clock::now();
    while (!comparison.finished()) {
        (*session)->advanceControlStep();
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json summary = printSummary("replay", **session, wall);
    const bool same = comparison.differentSteps == 0;
    if (same) {
        std::printf(
            "  replay       %lld of %lld control steps: body placements, rewards and "
            "episode ends bit for bit as recorded\n",
            comparison.comparedSteps, comparison.recordedSteps);
    } else {
        std::printf(
            "  replay       %lld of %lld control steps differ from the recording; the "
            "first is step %lld: %s; the largest placement difference %.3g\n",
            comparison.differentSteps, comparison.recordedSteps, comparison.firstDifferentStep,
            firstDifferenceText(comparison, (*session)->character()).c_str(),
            comparison.largestDifference);
    }
    if (json) {
        summary["recording"] = path;
        summary["replayed_steps"] = comparison.comparedSteps;
        summary["different_steps"] = comparison.differentSteps;
        summary["first_different_step"] = comparison.firstDifferentStep;
        summary["largest_difference"] = comparison.largestDifference;
        std::printf("%s\n", summary.dump().c_str());
    }
    return same ? 0 : 2;
}

int runHeadlessStarts(const SessionOptions& options, int starts, double seconds, bool json,
                      PushSchedule pushes) {
    auto probe = Session::create(options);
    if (!probe) {
        std::fprintf(stderr, "charsim: %s\n", probe.error().c_str());
        return 1;
    }
    if (pushes.active() && !resolvePushBody((*probe)->character(), pushes)) {
        return 1;
    }
    const double duration = (*probe)->clipDuration();
    std::printf("charsim run: %d start times x %.2f s with %s drive (%s)\n", starts, seconds,
                toString(options.drive), (*probe)->status().weightsDescription.c_str());
    std::printf("  motion       %s (%.3f s)\n", (*probe)->options().motionPath.c_str(), duration);
    printRates(**probe);
    printPushSchedule(pushes);
    std::printf("  start [s]  episodes  falls  mean episode [s]  reward per step\n");
    nlohmann::json results = nlohmann::json::array();
    int totalFalls = 0, startsWithFalls = 0;
    std::vector<int> fallsByBody((*probe)->status().fallsByBody.size(), 0);
    for (int k = 0; k < starts; ++k) {
        SessionOptions one = options;
        one.startTime = duration * k / starts;
        auto session = Session::create(one);
        if (!session) {
            std::fprintf(stderr, "charsim: %s\n", session.error().c_str());
            return 1;
        }
        if (!simulate(**session, seconds, pushes)) {
            return 1;
        }
        const SessionStatus& status = (*session)->status();
        const double reward = status.controlSteps > 0
                                  ? status.rewardSum / static_cast<double>(status.controlSteps)
                                  : 0;
        std::printf("  %9.3f  %8d  %5d  %16.3f  %15.4f\n", one.startTime, status.episodes,
                    status.falls, meanEpisodeSeconds(status), reward);
        totalFalls += status.falls;
        startsWithFalls += status.falls > 0 ? 1 : 0;
        for (size_t b = 0; b < fallsByBody.size(); ++b) {
            fallsByBody[b] += status.fallsByBody[b];
        }
        results.push_back({{"start_time", one.startTime},
                           {"episodes", status.episodes},
                           {"falls", status.falls},
                           {"invalid_episodes", status.invalidEpisodes},
                           {"pushes", status.pushes},
                           {"mean_episode_seconds", meanEpisodeSeconds(status)},
                           {"mean_reward_per_step", reward}});
    }
    if (totalFalls == 0) {
        std::printf("  no fall: every start ran %.2f s\n", seconds);
    } else {
        std::printf("  %d falls, from %d of %d start times; by %s\n", totalFalls, startsWithFalls,
                    starts, fallsByBodyText(fallsByBody, (*probe)->character()).c_str());
    }
    if (json) {
        const nlohmann::json summary = {{"simulated_seconds_per_start", seconds},
                                        {"motion", (*probe)->options().motionPath},
                                        {"weights", (*probe)->status().weightsDescription},
                                        {"falls", totalFalls},
                                        {"starts", results}};
        std::printf("%s\n", summary.dump().c_str());
    }
    return 0;
}

}  // namespace app
