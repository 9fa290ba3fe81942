#pragma once
// `charsim train`: PPO on a motion clip, headless, with progress, a CSV log, checkpoints and
// an actor file `charsim run --policy` loads. Resumes from the output folder's checkpoint.

#include <CLI/CLI.hpp>

#include <string>

#include "policy/ppo/ppo_trainer.h"

namespace app {

struct TrainOptions {
    std::string characterPath, gainsPath, motionPath;  // empty: the project's assets
    std::string outDir;                    // checkpoint.safetensors, actor.safetensors, log.csv
    long long iterations = 0;              // stop after this many iterations in all (0: unset)
    long long samples = 0;                 // or once this many samples were collected (0: unset)
    bool resume = false;                   // continue from outDir/checkpoint.safetensors
    std::string initPath;                  // start the actor from these weights (fine-tuning)
    std::string initCriticPath;            // and the critic from these (critic.safetensors)
    int checkpointEvery = 10;              // iterations between checkpoints
    std::string optimizer = "momentum";    // momentum or adam (both networks)
    double actorStep = 0, criticStep = 0;  // 0: the optimizer's default
    policy::PpoSettings ppo;
    // Simulation rates [Hz]; 0: the checkpoint's when resuming one that records them, else the
    // defaults (1200 / 600 / 30). The actor file records them for `run`.
    double physicsRate = 0, pdRate = 0, policyRate = 0;
    // Every evalEvery iterations (0: never), the mean action from evalStarts evenly spaced clip
    // times, an episode of up to evalSeconds each: a line, and a row of outDir/eval.csv.
    int evalEvery = 0;
    int evalStarts = 10;
    double evalSeconds = 20;
    bool stopWhenNoFalls = false;  // end the run at the first evaluation without a fall
};

// Adds the `train` subcommand and its flags, filling `options` when parsed.
CLI::App* addTrainCommand(CLI::App& cli, TrainOptions& options);

// Runs training; returns the process exit code.
int runTrain(TrainOptions options);

}  // namespace app
