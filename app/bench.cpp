#include "app/bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace app {

namespace {

struct RunResult {
    double stepsPerSecond = 0;
    double realTimeFactor = 0;
    long long steps = 0;
    int episodes = 0;
    StageSeconds stages;
    double wall = 0;
};

}  // namespace

int runBench(const SessionOptions& sessionOptions, const BenchOptions& options) {
    SessionOptions timed = sessionOptions;
    timed.measureTime = true;
    std::vector<RunResult> runs;
    // The rates as the sessions ran them: a policy file may have set them.
    sim::EnvSettings rates = sessionOptions.environment;
    for (int r = 0; r < options.runs; ++r) {
        auto session = Session::create(timed);
        if (!session) {
            std::fprintf(stderr, "charsim bench: %s\n", session.error().c_str());
            return 1;
        }
        Session& s = **session;
        rates = s.options().environment;
        const auto start = std::chrono::steady_clock::now();
        while (s.status().simTime < options.seconds - 1e-9) {
            s.advanceControlStep();
            if (s.status().stepsWithoutProgress > kMaxStepsWithoutProgress) {
                std::fprintf(stderr, "charsim bench: %s\n", noProgressMessage(s.status()).c_str());
                return 1;
            }
        }
        RunResult run;
        run.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        run.steps = s.status().controlSteps;
        run.episodes = s.status().episodes;
        run.stepsPerSecond = static_cast<double>(run.steps) / run.wall;
        run.realTimeFactor = s.status().simTime / run.wall;
        run.stages = s.status().stageSeconds;
        runs.push_back(run);
        std::printf("run %d: %.1f control steps/s, %lld steps, %d episodes, %.2f s wall\n", r + 1,
                    run.stepsPerSecond, run.steps, run.episodes, run.wall);
    }

    // The run with the median speed gives the split, so its stages add up to its total.
    std::vector<RunResult> sorted = runs;
    std::sort(sorted.begin(), sorted.end(), [](const RunResult& a, const RunResult& b) {
        return a.stepsPerSecond < b.stepsPerSecond;
    });
    const RunResult& middle = sorted[sorted.size() / 2];
    const double steps = static_cast<double>(middle.steps);
    const double network = 1e6 * middle.stages.network / steps;
    const double pd = 1e6 * middle.stages.pd / steps;
    const double physics = 1e6 * middle.stages.physics / steps;
    const double readback = 1e6 * middle.stages.readback / steps;
    const double total = 1e6 * middle.wall / steps;
    const double speed = middle.stepsPerSecond;
    const int physicsSteps = static_cast<int>(rates.physicsRate / rates.policyRate + 0.5);
    const sim::EnvSettings coreRates;  // the defaults are the 2018 core's

    std::printf("\ncharsim bench: %s drive, %.0f simulated s per run, median of %d runs\n",
                toString(sessionOptions.drive), options.seconds, options.runs);
    std::printf("  control steps per second   %8.1f  (%d physics steps each, %.1fx real time)\n",
                speed, physicsSteps, middle.realTimeFactor);
    std::printf("  ratio to DeepMimic core    %8.2f  (%.0f steps/s, one core, no network)\n",
                speed / options.baselineStepsPerSecond, options.baselineStepsPerSecond);
    // The same Bullet steps the same scene in both (their trajectories agree to float32
    // round-off), so Bullet's cost here, divided by its share of DeepMimic's step, estimates
    // what the DeepMimic core would do on this machine.
    const double estimatedBaseline = 1e6 / (physics / options.baselineBulletShare);
    std::printf(
        "  DeepMimic core, estimated  %8.1f  steps/s on this machine (Bullet here / %.0f %%)"
        "; ratio %.2f\n",
        estimatedBaseline, 100 * options.baselineBulletShare, speed / estimatedBaseline);
    if (rates.physicsRate != coreRates.physicsRate || rates.pdRate != coreRates.pdRate ||
        rates.policyRate != coreRates.policyRate) {
        std::printf(
            "  (these rates, %g / %g / %g Hz, are not the core's %g / %g / %g Hz: the two "
            "ratios compare different amounts of simulation)\n",
            rates.physicsRate, rates.pdRate, rates.policyRate, coreRates.physicsRate,
            coreRates.pdRate, coreRates.policyRate);
    }
    std::printf("  cost per control step [us] %8.1f\n", total);
    std::printf("    network (state + MLP)    %8.1f  %5.1f %%\n", network, 100 * network / total);
    std::printf("    stable PD                %8.1f  %5.1f %%\n", pd, 100 * pd / total);
    std::printf("    Bullet physics           %8.1f  %5.1f %%\n", physics, 100 * physics / total);
    std::printf("    readback + reward        %8.1f  %5.1f %%\n", readback, 100 * readback / total);
    const double other = total - network - pd - physics - readback;
    std::printf("    other (resets, loop)     %8.1f  %5.1f %%\n", other, 100 * other / total);
    return 0;
}

}  // namespace app
