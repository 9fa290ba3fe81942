#pragma once
// One simulation session as the command line and the window drive it: the imitation
// environment, the drive (policy or reference pose) and running statistics.

#include <Eigen/Core>

#include <memory>
#include <string>
#include <vector>

#include "app/recording.h"
#include "policy/actor.h"
#include "sim/character.h"
#include "sim/imitation_env.h"
#include "sim/result.h"

namespace app {

// What sets the PD targets: the policy, the reference pose, or a recording's actions.
enum class DriveMode { Policy, Reference, Replay };
const char* toString(DriveMode mode);

// A file of the project's own (assets/, weights/): under $CHARSIM_HOME if set, else the source
// tree the program was built from.
std::string defaultAssetPath(const std::string& relative);

// SessionOptions::policyPath that asks for the untrained, deterministically initialized actor.
inline constexpr const char* kInitialPolicy = "init";

// Files and settings a session starts from (defaults: the project's own assets and weights).
struct SessionOptions {
    std::string characterPath;  // empty: assets/characters/humanoid.json
    std::string gainsPath;      // empty: assets/characters/humanoid_ctrl.json
    std::string motionPath;     // empty: assets/motions/walk.json
    // Empty: weights/walk_actor.safetensors if present, else DeepMimic's initialization seeded
    // by `seed`; kInitialPolicy: that initialization even when the walk policy is present.
    std::string policyPath;
    DriveMode drive = DriveMode::Policy;
    unsigned long long seed = 1;
    double startTime = -1;         // >= 0: every reset starts the clip here; < 0: random (RSI)
    sim::EnvSettings environment;  // rates, world scale, fall contacts, episode limit
    // The rates in `environment` were chosen (by flags or an args file). If not, a policy file
    // that records the rates it was trained at (charsim's own actors do) sets them.
    bool ratesGiven = false;
    bool measureTime = false;  // fill SessionStatus::stageSeconds (a little overhead)
    // Keep a Recording of every control step (Session::recording()); room is made up front for
    // this many simulated seconds (and a quarter more, for episodes that end inside a step), so
    // that recording allocates nothing in the step until then.
    bool record = false;
    double recordReserveSeconds = 60;
    // Replay this recording instead: its files' text, settings, reset times, pushes and actions
    // replace everything above but measureTime and record; Session::replayComparison() tells
    // whether each step lands where the recording says.
    std::shared_ptr<const Recording> replay;
};

// Wall time per stage of the control steps so far [s] (with SessionOptions::measureTime).
struct StageSeconds {
    double network = 0;   // state recording and the policy's forward pass
    double pd = 0;        // stable PD (rigid-body model and solve)
    double physics = 0;   // Bullet
    double readback = 0;  // state readback, kinematics, reward, termination
};

// Finished episodes by how they ended.
struct EpisodeEndCounts {
    int fall = 0, timeLimit = 0, clipEnd = 0, invalid = 0;
};

// Reward of the last control step, split into DeepMimic's five terms (each in [0, 1]).
struct RewardReadout {
    double total = 0, pose = 0, velocity = 0, endEffector = 0, root = 0, com = 0;
};

// What a session reports after each control step.
struct SessionStatus {
    double simTime = 0;            // simulated time since the session started [s]
    double episodeTime = 0;        // time in the current episode [s]
    double clipTime = 0;           // reference clip time [s]
    int episodes = 0;              // episodes started
    int falls = 0;                 // episodes ended by a fall
    int invalidEpisodes = 0;       // episodes ended by a velocity blow-up or a non-finite state
    int pushes = 0;                // control steps that began with a push (Session::push)
    long long controlSteps = 0;    // policy steps taken
    double rewardSum = 0;          // sum of per-step rewards
    double poseErrorSum = 0;       // sum of per-step pose errors (RewardTerms::poseError) [rad^2]
    EpisodeEndCounts ends;         // how finished episodes ended
    std::vector<int> fallsByBody;  // per body: falls it ended by touching the ground first
    double finishedEpisodeSeconds = 0;  // total length of finished episodes [s]
    int finishedEpisodes = 0;
    RewardReadout lastReward;
    std::string weightsDescription;        // which weights the policy runs
    std::string ratesSource = "defaults";  // where the simulation rates came from
    StageSeconds stageSeconds;
    // Control steps in a row that simulated no time (each ended invalid before its first
    // update: a non-finite action or torque). Loops that run "until S seconds" watch it.
    int stepsWithoutProgress = 0;
};

// Consecutive steps without progress after which a run gives up.
inline constexpr int kMaxStepsWithoutProgress = 100;
// What a run that gave up says.
std::string noProgressMessage(const SessionStatus& status);

// World placement of every body, for drawing: the simulated character and the reference.
struct BodyPlacement {
    Eigen::Vector3d position;     // centre of mass [m]
    Eigen::Quaterniond rotation;  // body frame
};
struct SceneSnapshot {
    std::vector<BodyPlacement> simulated;
    std::vector<BodyPlacement> reference;
};

class Session {
public:
    static sim::Result<std::unique_ptr<Session>> create(const SessionOptions& options);
    virtual ~Session() = default;

    virtual const sim::Character& character() const = 0;
    virtual const SessionOptions& options() const = 0;
    // Length of the reference clip [s].
    virtual double clipDuration() const = 0;

    // Advances one control step (policy query, then PD updates and physics substeps). Starts a
    // new episode first when the last one ended.
    virtual void advanceControlStep() = 0;
    // Ends the current episode and starts a new one (reference state initialization).
    virtual void reset() = 0;
    virtual void setDriveMode(DriveMode mode) = 0;
    // Pushes a body now (starting a new episode first if the last one ended); it acts from the
    // next control step on and is recorded with it. A replay takes its pushes from the
    // recording and refuses others; errors say why (body out of range, force not finite).
    virtual sim::Status push(const sim::Push& push) {
        (void)push;
        return sim::Error{"this session takes no pushes"};
    }
    // The push acting now (body -1 when none), for drawing.
    virtual const sim::Push& activePush() const {
        static const sim::Push kNone;
        return kNone;
    }

    virtual const SessionStatus& status() const = 0;
    virtual void snapshot(SceneSnapshot& out) const = 0;

    // The control steps recorded so far (SessionOptions::record), else nullptr.
    virtual const Recording* recording() const { return nullptr; }
    // How the replay compares with its recording (SessionOptions::replay), else nullptr. A
    // replayed session ignores reset() and setDriveMode() and stops at the recording's end.
    virtual const ReplayComparison* replayComparison() const { return nullptr; }

    // The weights the policy drive runs; nullptr when the session has no policy.
    virtual const policy::ActorWeights* policyWeights() const { return nullptr; }
    // Swaps in new actor weights (the window's training panel); the running episode goes on.
    // Fails, keeping the old weights, when the sizes do not fit the character.
    virtual sim::Status setPolicyWeights(policy::ActorWeights weights) {
        (void)weights;
        return sim::Error{"this session runs no policy"};
    }
};

}  // namespace app
