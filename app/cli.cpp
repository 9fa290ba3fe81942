#include "app/cli.h"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/args_options.h"
#include "app/bench.h"
#include "app/inspect.h"
#include "app/recording.h"
#include "app/session.h"
#include "app/skills.h"
#include "app/train_command.h"
#ifdef CHARSIM_HAVE_GUI
#include "app/gui_app.h"
#endif

namespace app {

namespace {

// Flags shared by `run`, `view` and `bench`.
struct SessionFlags {
    SessionOptions options;
    std::string drive = "policy";
    std::string argsPath;
    std::string recordPath;  // --record (run and view)
    // Settings given explicitly win over the args file's.
    std::vector<CLI::Option*> environmentFlags;
};

void addSessionFlags(CLI::App& command, SessionFlags& flags) {
    SessionOptions& options = flags.options;
    std::string& drive = flags.drive;
    command.add_option("--args", flags.argsPath,
                       "DeepMimic args file: its scene settings apply and it names the "
                       "character, gains, motion and policy (explicit flags override)");
    command.add_option("--character", options.characterPath, "DeepMimic character file");
    command.add_option("--gains", options.gainsPath, "DeepMimic controller (PD gains) file");
    command.add_option("--motion", options.motionPath, "DeepMimic motion clip");
    command.add_option("--policy", options.policyPath,
                       "actor weights: .safetensors, DeepMimic raw .bin, or TF .ckpt bundle");
    command.add_option("--drive", drive, "what sets the PD targets: policy or reference")
        ->check(CLI::IsMember({"policy", "reference"}));
    command.add_option("--seed", options.seed,
                       "seed of the reset times (and of an initial policy)");
    command
        .add_option("--start-time", options.startTime,
                    "every reset starts the clip at this time [s] (default: random)")
        ->check(CLI::NonNegativeNumber);
    sim::EnvSettings& env = options.environment;
    flags.environmentFlags = {
        command.add_option("--physics-rate", env.physicsRate, "Bullet steps per second")
            ->check(CLI::PositiveNumber),
        command.add_option("--pd-rate", env.pdRate, "PD updates per second")
            ->check(CLI::PositiveNumber),
        command.add_option("--policy-rate", env.policyRate, "policy queries per second")
            ->check(CLI::PositiveNumber),
        command.add_option("--episode-seconds", env.episodeTimeLimit, "episode time limit [s]")
            ->check(CLI::PositiveNumber),
        command.add_option("--fall-contact-bodies", env.fallContactBodies,
                           "bodies whose ground contact ends an episode (default: the "
                           "character file's EnableFallContact)")};
}

void addRecordFlag(CLI::App& command, SessionFlags& flags) {
    command.add_option("--record", flags.recordPath,
                       "record every control step to this file (a safetensors file) for "
                       "`charsim replay`; written when the session ends");
}

// The session's options after applying --args (explicit flags keep their values).
sim::Result<SessionOptions> resolveSessionOptions(const SessionFlags& flags) {
    SessionOptions options = flags.options;
    options.drive = flags.drive == "reference" ? DriveMode::Reference : DriveMode::Policy;
    // Rate flags win over a policy file's rates (applyArgsFile says the same of an args file).
    for (int rate = 0; rate < 3; ++rate) {  // --physics-rate, --pd-rate, --policy-rate
        options.ratesGiven = options.ratesGiven || flags.environmentFlags[rate]->count() > 0;
    }
    if (flags.argsPath.empty()) {
        return options;
    }
    ExplicitSettings given;
    given.physicsRate = flags.environmentFlags[0]->count() > 0;
    given.pdRate = flags.environmentFlags[1]->count() > 0;
    given.policyRate = flags.environmentFlags[2]->count() > 0;
    given.episodeSeconds = flags.environmentFlags[3]->count() > 0;
    given.fallContactBodies = flags.environmentFlags[4]->count() > 0;
    sim::Status status = applyArgsFile(flags.argsPath, given, options);
    if (!status) {
        return sim::Error{status.error()};
    }
    return options;
}

// Simulates `seconds`; false (after saying why) when the session stopped making progress.
bool simulate(Session& session, double seconds) {
    const SessionStatus& status = session.status();
    while (status.simTime < seconds - 1e-9) {
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

// Writes the session's recording, if it keeps one, to `path`; false after saying why not.
bool saveRecording(const Session& session, const std::string& path) {
    if (path.empty() || session.recording() == nullptr) {
        return true;
    }
    const Recording& recording = *session.recording();
    if (sim::Status status = writeRecording(path, recording); !status) {
        std::fprintf(stderr, "charsim: the recording was not written: %s\n",
                     status.error().c_str());
        return false;
    }
    std::printf("  recorded     %lld control steps to %s\n", recording.steps(), path.c_str());
    return true;
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
    std::printf("  episodes     %d (falls %d, invalid %d)\n", status.episodes, status.falls,
                status.invalidEpisodes);
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
        {"mean_episode_seconds", meanLength},
        {"mean_reward_per_step", meanReward},
        {"control_steps", status.controlSteps},
        {"control_steps_per_second", stepsPerSecond},
        {"wall_seconds", wall},
    };
}

int runHeadless(Session& session, double seconds, bool json, const std::string& recordPath) {
    const auto start = std::chrono::steady_clock::now();
    const bool completed = simulate(session, seconds);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!completed) {
        saveRecording(session, recordPath);  // what was recorded is kept all the same
        return 1;
    }
    const nlohmann::json summary = printSummary("run", session, wall);
    const bool recorded = saveRecording(session, recordPath);
    if (json) {
        std::printf("%s\n", summary.dump().c_str());
    }
    return recorded ? 0 : 1;
}

// A session that replays the recording at `path`; errors name the file.
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

// `replay FILE`: re-simulates a recording's actions and says whether every control step lands
// on the recorded body placements bit for bit (exit status 2 when one does not).
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
            "  replay       %lld of %lld control steps: every body placement bit for bit "
            "as recorded\n",
            comparison.comparedSteps, comparison.recordedSteps);
    } else {
        const sim::Character& character = (*session)->character();
        std::printf(
            "  replay       %lld of %lld control steps differ from the recording; the "
            "first is step %lld (body %s off by %.3g), the largest difference %.3g\n",
            comparison.differentSteps, comparison.recordedSteps, comparison.firstDifferentStep,
            character.joints[static_cast<size_t>(comparison.firstDifferentBody)].name.c_str(),
            comparison.firstDifference, comparison.largestDifference);
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

// `run --headless --starts N`: N sessions, the k-th resetting at clip time k * duration / N,
// each simulated for `seconds`; a line per start and whether any fell.
int runHeadlessStarts(const SessionOptions& options, int starts, double seconds, bool json) {
    auto probe = Session::create(options);
    if (!probe) {
        std::fprintf(stderr, "charsim: %s\n", probe.error().c_str());
        return 1;
    }
    const double duration = (*probe)->clipDuration();
    std::printf("charsim run: %d start times x %.2f s with %s drive (%s)\n", starts, seconds,
                toString(options.drive), (*probe)->status().weightsDescription.c_str());
    std::printf("  motion       %s (%.3f s)\n", (*probe)->options().motionPath.c_str(), duration);
    printRates(**probe);
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
        if (!simulate(**session, seconds)) {
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

int runWindow(Session& session, const std::string& screenshot, int frames,
              const std::string& recordPath) {
#ifdef CHARSIM_HAVE_GUI
    GuiOptions gui;
    gui.screenshotPath = screenshot;
    gui.frames = frames;
    const int result = runGui(session, gui);
    return saveRecording(session, recordPath) ? result : kGuiError;
#else
    (void)recordPath;
    (void)session;
    (void)screenshot;
    (void)frames;
    std::fprintf(stderr,
                 "charsim: built without the window (CHARSIM_BUILD_GUI=OFF); use "
                 "`charsim run --headless`\n");
    return 1;
#endif
}

// `replay FILE --window`: the replay in the window (or a screenshot of it).
int watchReplay(const std::string& path, const std::string& screenshot, int frames) {
    auto session = openReplay(path);
    if (!session) {
        std::fprintf(stderr, "charsim: %s\n", session.error().c_str());
        return 1;
    }
    return runWindow(**session, screenshot, frames, "");
}

}  // namespace

int runCommandLine(int argc, char** argv) {
    CLI::App cli{"charsim: a physics-driven character simulator (DeepMimic-compatible)"};
    cli.require_subcommand(0, 1);

    // Each subcommand has its own flags, so resolving reads the ones that were parsed.
    SessionFlags runFlags, viewFlags, benchFlags;
    double seconds = 10;
    bool headless = false;
    bool json = false;
    CLI::App* run = cli.add_subcommand("run", "simulate: in the window, or --headless");
    addSessionFlags(*run, runFlags);
    addRecordFlag(*run, runFlags);
    run->add_flag("--headless", headless, "no window: simulate and print a summary");
    run->add_option("--seconds", seconds, "simulated seconds (headless)")
        ->check(CLI::PositiveNumber);
    run->add_flag("--json", json, "also print the summary as one JSON object on the last line");
    int starts = 0;
    run->add_option("--starts", starts,
                    "headless: N runs of --seconds each, every reset of the k-th at clip time "
                    "k * duration / N (overrides --start-time); a line per start")
        ->check(CLI::PositiveNumber);

    std::string screenshot;
    int frames = 0;
    CLI::App* view = cli.add_subcommand("view", "open the window (or render a screenshot)");
    addSessionFlags(*view, viewFlags);
    addRecordFlag(*view, viewFlags);
    view->add_option("--screenshot", screenshot, "render --frames frames, write this PNG, exit");
    view->add_option("--frames", frames, "frames to render for --screenshot")
        ->check(CLI::NonNegativeNumber);

    BenchOptions benchOptions;
    CLI::App* bench = cli.add_subcommand("bench",
                                         "headless speed: control steps per second and "
                                         "the cost per step by stage");
    addSessionFlags(*bench, benchFlags);
    bench->add_option("--seconds", benchOptions.seconds, "simulated seconds per run")
        ->check(CLI::PositiveNumber);
    bench->add_option("--runs", benchOptions.runs, "runs (medians are reported)")
        ->check(CLI::PositiveNumber);

    SkillsOptions skillsOptions;
    skillsOptions.deepMimicDir = defaultAssetPath("../shared/deepmimic");
    CLI::App* skills = cli.add_subcommand(
        "skills",
        "DeepMimic's pretrained actors on their own clips: survival, reward, pose "
        "error, beside the original core's numbers");
    skills->add_option("--deepmimic", skillsOptions.deepMimicDir,
                       "DeepMimic's data folder (characters/, motions/, args/, policies/found/)");
    skills->add_option("--skills", skillsOptions.skills, "skills to run (default: all found)")
        ->delimiter(',');
    skills->add_option("--start-times", skillsOptions.startTimes, "episodes per skill")
        ->check(CLI::PositiveNumber);
    skills->add_option("--seconds", skillsOptions.seconds, "episode limit [s]")
        ->check(CLI::PositiveNumber);
    skills->add_option("--threads", skillsOptions.threads, "worker threads (0: every core)");
    skills->add_option("--json", skillsOptions.jsonPath, "also write the results as JSON here");

    std::string replayPath;
    bool replayWindow = false;
    CLI::App* replay = cli.add_subcommand(
        "replay",
        "re-simulate a recording (run --record) and check it bit for bit; exit status 2 when a "
        "step differs");
    replay->add_option("file", replayPath, "the recording")->required();
    replay->add_flag("--json", json, "also print the summary as one JSON object on the last line");
    replay->add_flag("--window", replayWindow, "watch the replay in the window instead");
    replay->add_option("--screenshot", screenshot,
                       "with --window: render --frames frames, write this PNG, exit");
    replay->add_option("--frames", frames, "frames to render for --screenshot")
        ->check(CLI::NonNegativeNumber);

    std::string inspectPath;
    CLI::App* inspect = cli.add_subcommand("inspect",
                                           "print what a character, motion or "
                                           "weights file holds");
    inspect->add_option("file", inspectPath, "the file")->required();

    TrainOptions trainOptions;
    CLI::App* train = addTrainCommand(cli, trainOptions);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return cli.exit(error);
    }

    if (train->parsed()) {
        return runTrain(trainOptions);
    }
    if (skills->parsed()) {
        return runSkills(skillsOptions);
    }
    if (inspect->parsed()) {
        return inspectFile(inspectPath);
    }
    if (!screenshot.empty() && frames == 0) {
        frames = 60;
    }
    if (replay->parsed()) {
        return replayWindow ? watchReplay(replayPath, screenshot, frames)
                            : runReplay(replayPath, json);
    }
    const SessionFlags& flags = run->parsed() ? runFlags : bench->parsed() ? benchFlags : viewFlags;
    auto options = resolveSessionOptions(flags);
    if (!options) {
        std::fprintf(stderr, "charsim: %s\n", options.error().c_str());
        return 1;
    }
    if (bench->parsed()) {
        return runBench(*options, benchOptions);
    }
    if (run->parsed() && headless && starts > 0) {
        if (!flags.recordPath.empty()) {
            std::fprintf(stderr, "charsim: --record keeps one session; --starts runs %d\n", starts);
            return 1;
        }
        return runHeadlessStarts(*options, starts, seconds, json);
    }
    options->record = !flags.recordPath.empty();
    if (run->parsed() && headless) {
        options->recordReserveSeconds = seconds;
    }
    auto session = Session::create(*options);
    if (!session) {
        std::fprintf(stderr, "charsim: %s\n", session.error().c_str());
        return 1;
    }
    if (run->parsed() && headless) {
        return runHeadless(**session, seconds, json, flags.recordPath);
    }
    return runWindow(**session, screenshot, frames, flags.recordPath);
}

}  // namespace app
