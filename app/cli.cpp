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
#include "app/cli_checks.h"
#include "app/inspect.h"
#include "app/recording.h"
#include "app/run_command.h"
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
                       "actor weights: .safetensors, DeepMimic raw .bin, or TF .ckpt bundle; "
                       "`init` for the untrained actor (DeepMimic's initialization, --seed); "
                       "default: weights/walk_actor.safetensors");
    command.add_option("--drive", drive, "what sets the PD targets: policy or reference")
        ->check(CLI::IsMember({"policy", "reference"}));
    command
        .add_option("--seed", options.seed, "seed of the reset times (and of an initial policy)")
        ->check(nonNegativeInteger());
    command
        .add_option("--start-time", options.startTime,
                    "every reset starts the clip at this time [s] (default: random)")
        ->check(nonNegativeNumber());
    sim::EnvSettings& env = options.environment;
    flags.environmentFlags = {
        command.add_option("--physics-rate", env.physicsRate, "Bullet steps per second")
            ->check(positiveNumber()),
        command.add_option("--pd-rate", env.pdRate, "PD updates per second")
            ->check(positiveNumber()),
        command.add_option("--policy-rate", env.policyRate, "policy queries per second")
            ->check(positiveNumber()),
        command.add_option("--episode-seconds", env.episodeTimeLimit, "episode time limit [s]")
            ->check(positiveNumber()),
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

int runWindow(Session& session, const std::string& screenshot, int frames,
              const std::string& recordPath) {
#ifdef CHARSIM_HAVE_GUI
    GuiOptions gui;
    gui.screenshotPath = screenshot;
    gui.frames = frames;
    gui.recordPath = recordPath;
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
    run->add_option("--seconds", seconds, "simulated seconds (headless)")->check(positiveNumber());
    run->add_flag("--json", json, "also print the summary as one JSON object on the last line");
    int starts = 0;
    run->add_option("--starts", starts,
                    "headless: N runs of --seconds each, every reset of the k-th at clip time "
                    "k * duration / N (overrides --start-time); a line per start")
        ->check(positiveInteger());
    PushSchedule pushes;
    run->add_option("--push-force", pushes.force,
                    "headless: push a body with this force [N] every --push-every seconds, "
                    "along +x, +z, -x, -z in turn")
        ->check(nonNegativeNumber());
    run->add_option("--push-every", pushes.every, "simulated seconds between pushes (2)")
        ->check(positiveNumber());
    run->add_option("--push-seconds", pushes.seconds, "how long each push acts [s] (0.2)")
        ->check(positiveNumber());
    run->add_option("--push-body", pushes.body, "the body pushed (root)");

    std::string screenshot;
    int frames = 0;
    CLI::App* view = cli.add_subcommand("view", "open the window (or render a screenshot)");
    addSessionFlags(*view, viewFlags);
    addRecordFlag(*view, viewFlags);
    view->add_option("--screenshot", screenshot, "render --frames frames, write this PNG, exit");
    view->add_option("--frames", frames, "frames to render for --screenshot")
        ->check(nonNegativeInteger());

    BenchOptions benchOptions;
    CLI::App* bench = cli.add_subcommand("bench",
                                         "headless speed: control steps per second and "
                                         "the cost per step by stage");
    addSessionFlags(*bench, benchFlags);
    bench->add_option("--seconds", benchOptions.seconds, "simulated seconds per run")
        ->check(positiveNumber());
    bench->add_option("--runs", benchOptions.runs, "runs (medians are reported)")
        ->check(positiveInteger());

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
        ->check(positiveInteger());
    skills->add_option("--seconds", skillsOptions.seconds, "episode limit [s]")
        ->check(positiveNumber());
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
    CLI::Option* replayWindowFlag = replay->get_option("--window");
    replay
        ->add_option("--screenshot", screenshot,
                     "with --window: render --frames frames, write this PNG, exit")
        ->needs(replayWindowFlag);
    replay->add_option("--frames", frames, "frames to render for --screenshot")
        ->needs(replayWindowFlag)
        ->check(nonNegativeInteger());

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
    if (run->parsed() && !headless && pushes.active()) {
        std::fprintf(stderr,
                     "charsim: --push-force schedules pushes for --headless runs; in the "
                     "window the panel's push buttons push\n");
        return 1;
    }
    if (run->parsed() && headless && starts > 0) {
        if (!flags.recordPath.empty()) {
            std::fprintf(stderr, "charsim: --record keeps one session; --starts runs %d\n", starts);
            return 1;
        }
        return runHeadlessStarts(*options, starts, seconds, json, pushes);
    }
    options->record = !flags.recordPath.empty();
    if (options->record) {
        // A recording that cannot be written is found out now, not after the session.
        if (sim::Status writable = checkRecordingWritable(flags.recordPath); !writable) {
            std::fprintf(stderr, "charsim: --record: %s\n", writable.error().c_str());
            return 1;
        }
    }
    if (run->parsed() && headless) {
        options->recordReserveSeconds = seconds;
    }
    auto session = Session::create(*options);
    if (!session) {
        std::fprintf(stderr, "charsim: %s\n", session.error().c_str());
        return 1;
    }
    if (run->parsed() && headless) {
        return runHeadless(**session, seconds, json, flags.recordPath, pushes);
    }
    return runWindow(**session, screenshot, frames, flags.recordPath);
}

}  // namespace app
