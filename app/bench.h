#pragma once
// `charsim bench`: headless control steps per second, and the cost of one control step split
// into the network, stable PD, Bullet and readback, as medians over repeated runs.

#include "app/session.h"

namespace app {

struct BenchOptions {
    double seconds = 30;                     // simulated seconds per run
    int runs = 3;                            // runs; medians are reported
    double baselineStepsPerSecond = 413.21;  // DeepMimic 2018 core, one core, no network
    // Share of the DeepMimic core's control step spent in Bullet (its perf profile, walk scene).
    double baselineBulletShare = 0.48;
};

// Runs the benchmark and prints its table; returns the exit code.
int runBench(const SessionOptions& sessionOptions, const BenchOptions& options);

}  // namespace app
