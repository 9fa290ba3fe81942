#pragma once
// The headless commands: `run --headless` (one session, or N start times, with scheduled pushes
// and a recording) and `replay` (a recording re-simulated and compared step by step).

#include <Eigen/Core>

#include <memory>
#include <string>

#include "app/session.h"
#include "sim/imitation_env.h"
#include "sim/result.h"

namespace app {

// `run --headless --push-force F`: a push every `every` simulated seconds, its direction
// turning +x (the walk's forward), +z, -x, -z in turn, as DeepMimic tests robustness.
struct PushSchedule {
    double force = 0;           // [N]; 0: no pushes
    double every = 2;           // simulated time between pushes [s]
    double seconds = 0.2;       // how long each acts [s]
    std::string body = "root";  // the body pushed
    int bodyIndex = -1;         // resolved by resolvePushBody

    bool active() const { return force > 0; }
    // The k-th push.
    sim::Push push(int k) const {
        static const Eigen::Vector3d kDirections[4] = {
            Eigen::Vector3d::UnitX(), Eigen::Vector3d::UnitZ(), -Eigen::Vector3d::UnitX(),
            -Eigen::Vector3d::UnitZ()};
        return {bodyIndex, kDirections[k % 4] * force, seconds};
    }
};

// `run --headless`: simulates `seconds` with the scheduled pushes, prints the summary (and JSON
// with `json`), writes the recording to `recordPath` if the session keeps one. Exit status.
int runHeadless(Session& session, double seconds, bool json, const std::string& recordPath,
                PushSchedule pushes);

// `run --headless --starts N`: N sessions, the k-th resetting at clip time k * duration / N,
// each simulated for `seconds`; a line per start and whether any fell. Exit status.
int runHeadlessStarts(const SessionOptions& options, int starts, double seconds, bool json,
                      PushSchedule pushes);

// Writes the session's recording, if it keeps one, to `path`; false after saying why not.
bool saveRecording(const Session& session, const std::string& path);

// A session that replays the recording at `path`; errors name the file.
sim::Result<std::unique_ptr<Session>> openReplay(const std::string& path);

// `replay FILE`: re-simulates a recording and says whether every control step lands where it
// did, bit for bit. Exit status 0, 1 on an error, 2 when a step differs.
int runReplay(const std::string& path, bool json);

}  // namespace app
