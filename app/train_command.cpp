#include "app/train_command.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "app/cli_checks.h"
#include "app/session.h"
#include "policy/models/critic.h"
#include "policy/weights.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"
#include "sim/text_file.h"

namespace app {

namespace {

std::atomic<bool> g_interrupted{false};

void onInterrupt(int) {
    g_interrupted = true;
}

constexpr const char* kCsvHeader =
    "iteration,samples,wall_seconds,samples_per_second,mean_return,mean_episode_seconds,"
    "episodes,falls,invalid,exploration_rate,episode_limit,actor_loss,critic_loss,"
    "clip_fraction,dropped_updates,sample_seconds,update_seconds,actor_frozen";

std::string csvRow(const policy::IterationStats& s, double wall, double rate) {
    char row[512];
    std::snprintf(row, sizeof(row),
                  "%lld,%lld,%.3f,%.1f,%.5f,%.4f,%d,%d,%d,%.5f,%.4f,%.6g,%.6g,%.4f,%d,%.3f,%.3f,%d",
                  s.iteration, s.samples, wall, rate, s.meanReturn, s.meanEpisodeSeconds,
                  s.episodes, s.falls, s.invalidEpisodes, s.explorationRate, s.episodeLimit,
                  s.actorLoss, s.criticLoss, s.clipFraction, s.droppedUpdates, s.sampleSeconds,
                  s.updateSeconds, s.actorFrozen ? 1 : 0);
    return row;
}

// Keeps the rows of iterations up to `iteration` (a resumed run rewrites the iterations after
// its checkpoint) under `header`, written anew whatever header line the file had. The file is
// rewritten through `path`.tmp and a rename, so a failure leaves the old log whole; a missing
// file stays missing.
sim::Status trimCsv(const std::string& path, const char* header, long long iteration) {
    if (!std::filesystem::exists(path)) {
        return sim::Status::success();
    }
    auto old = sim::readTextFile(path, "log");
    if (!old) {
        return sim::Error{old.error()};
    }
    std::istringstream in(*old);
    std::string text = std::string(header) + "\n";
    for (std::string line; std::getline(in, line);) {
        // Rows start with their iteration; anything else is a header (ours is written above).
        const bool row = !line.empty() && std::isdigit(static_cast<unsigned char>(line[0]));
        if (row && std::atoll(line.c_str()) <= iteration) {
            text += line + "\n";
        }
    }
    return sim::writeTextFile(path, text, "log");
}

// Starts `path` with `header` unless it already holds a line (a resumed run's log).
sim::Status startCsv(const std::string& path, const char* header) {
    std::error_code error;
    if (std::filesystem::exists(path) && std::filesystem::file_size(path, error) > 0) {
        return sim::Status::success();
    }
    std::ofstream out(path, std::ios::trunc);
    out << header << "\n";
    out.flush();
    return out ? sim::Status::success() : sim::Error{path + ": cannot write the log"};
}

constexpr const char* kEvalCsvHeader =
    "iteration,samples,starts,falls,mean_episode_seconds,mean_return";

// Runs the evaluation, prints its line (with each start's episode length) and appends its
// row; the stats, or why the evaluation could not run.
sim::Result<policy::EvaluationStats> evaluateAndLog(policy::PpoTrainer& trainer,
                                                    const TrainOptions& options, bool tty) {
    auto stats = trainer.evaluateFromStarts(options.evalStarts, options.evalSeconds);
    if (!stats) {
        return stats;
    }
    std::string lengths;
    for (const policy::TestEpisode& episode : stats->list) {
        char text[32];
        std::snprintf(text, sizeof(text), "%s%.1f", lengths.empty() ? "" : " ", episode.seconds);
        lengths += text;
    }
    std::printf(
        "%sevaluation at iteration %lld: %d of %d starts fell, mean episode %.2f s of %g "
        "(per start: %s), return %.2f\n",
        tty ? "\n" : "", trainer.iteration(), stats->falls, stats->episodes, stats->meanSeconds,
        options.evalSeconds, lengths.c_str(), stats->meanReturn);
    std::ofstream(options.outDir + "/eval.csv", std::ios::app)
        << trainer.iteration() << "," << trainer.samples() << "," << stats->episodes << ","
        << stats->falls << "," << stats->meanSeconds << "," << stats->meanReturn << "\n";
    return stats;
}

std::string clock(double seconds) {
    const long long s = static_cast<long long>(seconds + 0.5);
    char text[32];
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    return text;
}

bool done(const TrainOptions& options, const policy::PpoTrainer& trainer) {
    return (options.iterations > 0 && trainer.iteration() >= options.iterations) ||
           (options.samples > 0 && trainer.samples() >= options.samples);
}

// Fraction of the run still to do, from whichever limit was given.
double remainingFraction(const TrainOptions& options, const policy::PpoTrainer& trainer,
                         long long startIteration, long long startSamples) {
    if (options.samples > 0) {
        const double total = static_cast<double>(options.samples - startSamples);
        return total > 0 ? static_cast<double>(options.samples - trainer.samples()) / total : 0;
    }
    const double total = static_cast<double>(options.iterations - startIteration);
    return total > 0 ? static_cast<double>(options.iterations - trainer.iteration()) / total : 0;
}

sim::Status saveOutputs(const policy::PpoTrainer& trainer, const TrainOptions& options) {
    sim::Status status = trainer.saveCheckpoint(options.outDir + "/checkpoint.safetensors");
    if (!status) {
        return status;
    }
    std::ostringstream description;
    description << "PPO on " << std::filesystem::path(options.motionPath).filename().string()
                << ", " << trainer.samples() << " samples, iteration " << trainer.iteration();
    status = policy::saveActorWeights(options.outDir + "/actor.safetensors",
                                      trainer.actorWeights(description.str()));
    if (!status) {
        return status;
    }
    return policy::saveCriticWeights(options.outDir + "/critic.safetensors",
                                     trainer.criticWeights(description.str()));
}

}  // namespace

CLI::App* addTrainCommand(CLI::App& cli, TrainOptions& o) {
    CLI::App* train = cli.add_subcommand("train",
                                         "learn a policy that imitates a motion clip "
                                         "(DeepMimic's PPO, headless)");
    train->add_option("--motion", o.motionPath, "motion clip to imitate")->required();
    train->add_option("--character", o.characterPath, "DeepMimic character file");
    train->add_option("--gains", o.gainsPath, "DeepMimic controller (PD gains) file");
    train->add_option("--out", o.outDir, "output folder (checkpoint, actor, log.csv)")->required();
    auto* iterations = train->add_option("--iterations", o.iterations, "iterations in all")
                           ->check(positiveInteger());
    train->add_option("--samples", o.samples, "or: samples in all")
        ->check(positiveInteger())
        ->excludes(iterations);
    train->add_option("--threads", o.ppo.threads, "sampling threads (0: every core)");
    train
        ->add_option("--envs-per-thread", o.ppo.environmentsPerThread,
                     "environments each thread steps together, one batched actor query per "
                     "step (default 0: as many as keep an episode's worth of samples each)")
        ->check(nonNegativeInteger());
    train->add_flag("--resume", o.resume, "continue from OUT/checkpoint.safetensors");
    train->add_option("--init", o.initPath, "start the actor from these weights (fine-tuning)");
    train->add_option("--init-critic", o.initCriticPath,
                      "start the critic from these weights (a critic.safetensors)");
    train->add_option("--seed", o.ppo.seed, "seed of the networks, resets and noise")
        ->check(nonNegativeInteger());
    train->add_option("--checkpoint-every", o.checkpointEvery, "iterations between checkpoints")
        ->check(positiveInteger());
    train->add_option("--batch", o.ppo.batchSamples, "samples per iteration")
        ->check(positiveInteger());
    train->add_option("--minibatch", o.ppo.minibatchSize, "samples per minibatch step")
        ->check(positiveInteger());
    train->add_option("--epochs", o.ppo.epochs, "passes over each batch")->check(positiveInteger());
    train->add_option("--optimizer", o.optimizer, "momentum (DeepMimic) or adam")
        ->check(CLI::IsMember({"momentum", "adam"}));
    train->add_option("--actor-step", o.actorStep, "actor step size (default 2.5e-6 / 1e-4)");
    train->add_option("--critic-step", o.criticStep, "critic step size (default 1e-2 / 1e-3)");
    train->add_option("--hidden", o.ppo.actorHidden, "hidden layer sizes of both networks")
        ->delimiter(',');
    train->add_option("--freeze-actor", o.ppo.freezeActorIterations,
                      "first iterations train only the critic (fine-tuning)");
    train->add_option("--episode-begin", o.ppo.episodeSecondsBegin, "first episode limit [s]");
    train->add_option("--episode-end", o.ppo.episodeSecondsEnd, "final episode limit [s]");
    train->add_option("--episode-anneal", o.ppo.episodeAnnealSamples,
                      "samples over which the episode limit anneals");
    train->add_option("--explore-anneal", o.ppo.explorationAnnealSamples,
                      "samples over which the exploration rate goes from 1 to 0.2");
    train->add_option("--normalizer-samples", o.ppo.normalizerSamples,
                      "samples the state normalizer is fitted on");
    auto* evalEvery =
        train
            ->add_option("--eval-every", o.evalEvery,
                         "every N iterations, run the mean action from --eval-starts start times "
                         "and log the falls to OUT/eval.csv (default: never)")
            ->check(positiveInteger());
    train->add_option("--eval-starts", o.evalStarts, "start times per evaluation (10)")
        ->check(positiveInteger())
        ->needs(evalEvery);
    train->add_option("--eval-seconds", o.evalSeconds, "longest evaluation episode [s] (20)")
        ->check(positiveNumber())
        ->needs(evalEvery);
    train
        ->add_flag("--stop-when-no-falls", o.stopWhenNoFalls,
                   "end the run at the first evaluation in which no start falls")
        ->needs("--eval-every");
    train->add_option("--physics-rate", o.physicsRate, "Bullet steps per second (default 1200)")
        ->check(positiveNumber());
    train->add_option("--pd-rate", o.pdRate, "PD updates per second (default 600)")
        ->check(positiveNumber());
    train->add_option("--policy-rate", o.policyRate, "policy queries per second (default 30)")
        ->check(positiveNumber());
    return train;
}

int runTrain(TrainOptions options) {
    auto resolve = [](std::string& path, const char* fallback) {
        if (path.empty()) {
            path = defaultAssetPath(fallback);
        }
    };
    resolve(options.characterPath, "assets/characters/humanoid.json");
    resolve(options.gainsPath, "assets/characters/humanoid_ctrl.json");
    if (options.iterations == 0 && options.samples == 0) {
        options.iterations = 100;
    }
    policy::PpoSettings& ppo = options.ppo;
    ppo.criticHidden = ppo.actorHidden;
    const bool adam = options.optimizer == "adam";
    ppo.actorOptimizer.kind = ppo.criticOptimizer.kind =
        adam ? policy::OptimizerKind::Adam : policy::OptimizerKind::Momentum;
    ppo.actorOptimizer.stepSize = options.actorStep > 0
                                      ? options.actorStep
                                      : policy::defaultStepSize(ppo.actorOptimizer.kind, false);
    ppo.criticOptimizer.stepSize = options.criticStep > 0
                                       ? options.criticStep
                                       : policy::defaultStepSize(ppo.criticOptimizer.kind, true);

    // Files, then the trainer.
    auto character = sim::loadCharacter(options.characterPath);
    if (!character) {
        std::fprintf(stderr, "charsim train: %s\n", character.error().c_str());
        return 1;
    }
    auto gains = sim::loadControllerConfig(options.gainsPath, *character);
    auto motion = gains ? sim::loadMotion(options.motionPath, *character)
                        : sim::Result<sim::Motion>(sim::Error{gains.error()});
    if (!motion) {
        std::fprintf(stderr, "charsim train: %s\n", motion.error().c_str());
        return 1;
    }
    // Rates: given, else the resumed checkpoint's or the --init actor's, else the defaults.
    const std::string checkpoint = options.outDir + "/checkpoint.safetensors";
    policy::TrainedRates recorded;
    const char* recordedBy = "the checkpoint";
    std::optional<policy::ActorWeights> initActor;
    if (options.resume) {
        if (auto shape = policy::readCheckpointShape(checkpoint)) {
            recorded = shape->rates;
        }  // else loadCheckpoint below reports the problem
    } else if (!options.initPath.empty()) {
        auto weights = policy::loadActorWeights(options.initPath);
        if (!weights) {
            std::fprintf(stderr, "charsim train: --init: %s\n", weights.error().c_str());
            return 1;
        }
        initActor = std::move(weights).value();
        recorded = initActor->trainedRates;  // a fine-tuned actor goes on at its own rates
        recordedBy = "the --init actor";
    }
    sim::EnvSettings environment;
    auto pick = [](double given, double fromCheckpoint, double fallback) {
        return given > 0 ? given : fromCheckpoint > 0 ? fromCheckpoint : fallback;
    };
    environment.physicsRate = pick(options.physicsRate, recorded.physics, environment.physicsRate);
    environment.pdRate = pick(options.pdRate, recorded.pd, environment.pdRate);
    environment.policyRate = pick(options.policyRate, recorded.policy, environment.policyRate);
    if (recorded.known() &&
        (environment.physicsRate != recorded.physics || environment.pdRate != recorded.pd ||
         environment.policyRate != recorded.policy)) {
        std::printf(
            "charsim train: %s trained at %g / %g / %g Hz; going on at %g / %g / %g Hz as "
            "asked\n",
            recordedBy, recorded.physics, recorded.pd, recorded.policy, environment.physicsRate,
            environment.pdRate, environment.policyRate);
    }
    auto created = policy::PpoTrainer::create(*character, *gains, *motion, environment, ppo);
    if (!created) {
        std::fprintf(stderr, "charsim train: %s\n", created.error().c_str());
        return 1;
    }
    policy::PpoTrainer& trainer = **created;
    std::filesystem::create_directories(options.outDir);
    const std::string csvPath = options.outDir + "/log.csv";
    if (options.resume) {
        sim::Status loaded = trainer.loadCheckpoint(checkpoint);
        if (!loaded) {
            std::fprintf(stderr, "charsim train: --resume: %s\n", loaded.error().c_str());
            return 1;
        }
        const std::pair<const char*, const char*> logs[] = {{"/log.csv", kCsvHeader},
                                                            {"/eval.csv", kEvalCsvHeader}};
        for (const auto& [log, header] : logs) {
            if (sim::Status trimmed = trimCsv(options.outDir + log, header, trainer.iteration());
                !trimmed) {
                std::fprintf(stderr, "charsim train: --resume: %s\n", trimmed.error().c_str());
                return 1;
            }
        }
    } else {
        if (initActor) {
            if (sim::Status init = trainer.initActor(*initActor); !init) {
                std::fprintf(stderr, "charsim train: --init: %s\n", init.error().c_str());
                return 1;
            }
        }
        if (!options.initCriticPath.empty()) {
            auto weights = policy::loadCriticWeights(options.initCriticPath);
            sim::Status init =
                weights ? trainer.initCritic(*weights) : sim::Status(sim::Error{weights.error()});
            if (!init) {
                std::fprintf(stderr, "charsim train: --init-critic: %s\n", init.error().c_str());
                return 1;
            }
        }
    }
    if (done(options, trainer)) {
        // --iterations and --samples count the whole run, not this sitting.
        const bool byIterations =
            options.iterations > 0 && trainer.iteration() >= options.iterations;
        std::printf(
            "charsim train: nothing to do: the run is at iteration %lld, %lld samples, which "
            "already reaches --%s %lld (totals of the whole run)\n",
            trainer.iteration(), trainer.samples(), byIterations ? "iterations" : "samples",
            byIterations ? options.iterations : options.samples);
        return 0;
    }
    const std::string evalCsvPath = options.outDir + "/eval.csv";
    if (!options.resume) {
        // A new run in an old folder: no rows of the old run stay.
        for (const std::string& log : {csvPath, evalCsvPath}) {
            std::error_code error;
            if (std::filesystem::remove(log, error); error) {
                std::fprintf(stderr, "charsim train: %s: cannot remove the old log: %s\n",
                             log.c_str(), error.message().c_str());
                return 1;
            }
        }
    }
    sim::Status started = startCsv(csvPath, kCsvHeader);
    if (started && options.evalEvery > 0) {
        started = startCsv(evalCsvPath, kEvalCsvHeader);
    }
    if (!started) {
        std::fprintf(stderr, "charsim train: %s\n", started.error().c_str());
        return 1;
    }

    std::printf("charsim train: %s on %s, %d threads x %d environments, %s, %s iteration %lld\n",
                options.motionPath.c_str(), options.characterPath.c_str(), trainer.threads(),
                trainer.environmentsPerThread(), options.optimizer.c_str(),
                options.resume ? "resuming after" : "from", trainer.iteration());
    std::printf(
        "  physics %g Hz, stable PD %g Hz, policy %g Hz (the actor file will record them)\n",
        environment.physicsRate, environment.pdRate, environment.policyRate);
    std::signal(SIGINT, onInterrupt);
    const bool tty = isatty(fileno(stdout)) != 0;
    const long long startIteration = trainer.iteration(), startSamples = trainer.samples();
    const auto start = std::chrono::steady_clock::now();
    policy::IterationStats last;
    int status = 0;
    bool noStartFell = false;  // an evaluation saw no fall (with --stop-when-no-falls)
    while (!done(options, trainer) && !g_interrupted && !noStartFell) {
        auto stats = trainer.iterate();
        if (!stats) {
            std::fprintf(stderr, "\ncharsim train: %s\n", stats.error().c_str());
            status = 2;
            break;
        }
        last = *stats;
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double rate = static_cast<double>(trainer.samples() - startSamples) / wall;
        std::ofstream(csvPath, std::ios::app) << csvRow(last, wall, rate) << "\n";
        const double fraction = remainingFraction(options, trainer, startIteration, startSamples);
        const double left = fraction < 1 ? wall * fraction / (1 - fraction) : 0;
        std::printf(
            "%siteration %lld  samples %lld  %.0f samples/s  return %.2f  episode %.2f s"
            "  left %s%s",
            tty ? "\r" : "", last.iteration, last.samples, rate, last.meanReturn,
            last.meanEpisodeSeconds, clock(left).c_str(), tty ? "   " : "\n");
        std::fflush(stdout);
        if (options.evalEvery > 0 && trainer.iteration() % options.evalEvery == 0) {
            const auto evaluation = evaluateAndLog(trainer, options, tty);
            if (!evaluation) {
                std::fprintf(stderr, "\ncharsim train: %s\n", evaluation.error().c_str());
                status = 2;
                break;
            }
            noStartFell = evaluation->falls == 0 && options.stopWhenNoFalls;
        }
        if (trainer.iteration() % options.checkpointEvery == 0) {
            sim::Status saved = saveOutputs(trainer, options);
            if (!saved) {
                std::fprintf(stderr, "\ncharsim train: %s\n", saved.error().c_str());
                return 1;
            }
        }
    }
    sim::Status saved = saveOutputs(trainer, options);
    if (!saved) {
        std::fprintf(stderr, "\ncharsim train: %s\n", saved.error().c_str());
        return 1;
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = static_cast<double>(trainer.samples() - startSamples) / wall;
    std::printf(
        "%scharsim train: %s after iteration %lld, %lld samples (%.0f s, %.0f samples/s, "
        "%.0f per thread)\n",
        tty ? "\n" : "",
        g_interrupted ? "interrupted"
        : status      ? "stopped"
        : noStartFell ? "no start fell: done"
                      : "done",
        trainer.iteration(), trainer.samples(), wall, rate, rate / trainer.threads());
    std::printf("  last iteration: mean return %.3f, mean episode %.3f s, %lld updates dropped\n",
                last.meanReturn, last.meanEpisodeSeconds, trainer.droppedUpdates());
    std::printf("  wrote %s/{actor, critic, checkpoint}.safetensors and log.csv%s\n",
                options.outDir.c_str(), options.evalEvery > 0 ? ", eval.csv" : "");
    return status;
}

}  // namespace app
