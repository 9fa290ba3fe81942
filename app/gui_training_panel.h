#pragma once
// Training in the window: a PPO trainer on a background thread that the GUI starts and pauses,
// whose newest actor weights the on-screen character runs, and the ImGui panel that drives it.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/session.h"
#include "policy/actor.h"
#include "policy/ppo/ppo_trainer.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"
#include "sim/result.h"

namespace app {

// Where a run in the window starts from.
enum class TrainingStart {
    Scratch,   // new networks
    FineTune,  // the actor from the session's weights; the critic learns first
    Resume,    // outDir/checkpoint.safetensors (from the panel's Save or `charsim train`)
};

// How the window trains: the trainer's settings plus where the panel saves.
struct TrainingSettings {
    // DeepMimic's settings with Adam (1e-4 / 1e-3) and one sampling thread, so the window keeps
    // a core to itself on small machines.
    policy::PpoSettings ppo = defaultPpo();
    TrainingStart start = TrainingStart::Scratch;
    int fineTuneFreezeIterations = 5;          // fine-tuning trains only the critic at first
    std::string outDir = "runs/gui_training";  // Save writes actor and checkpoint here
    int historyLength = 300;                   // iterations kept for the plots

    static policy::PpoSettings defaultPpo();
};

// What the trainer has done so far, copied out for the GUI.
struct TrainingProgress {
    long long iteration = 0;            // iterations completed
    long long samples = 0;              // samples collected
    double samplesPerSecond = 0;        // over the last iteration (sampling and update)
    bool running = false;               // asked to train (false: paused or never started)
    bool iterating = false;             // an iteration is in progress right now
    bool actorFrozen = false;           // the last iteration trained only the critic
    std::vector<float> meanReturn;      // per iteration, oldest first (undiscounted)
    std::vector<float> episodeSeconds;  // mean episode length per iteration [s]
    std::string error;                  // why training stopped, empty while it is fine
    std::string saveMessage;            // result of the last save ("wrote ..." or the error)
    int saves = 0;                      // saves finished (successful or not)
};

// Owns a PpoTrainer on the session's character, gains and clip, and a thread that runs its
// iterations while asked to. The trainer is only touched from that thread once it exists.
class TrainingController {
public:
    // Loads the session's files and builds the trainer. Fine-tuning starts the actor from
    // `initial` (its hidden sizes replace the settings'); resuming takes network sizes and
    // optimizers from the checkpoint (step sizes are those optimizers' defaults) and continues
    // its counters. Errors name the file or the size.
    static sim::Result<std::unique_ptr<TrainingController>> create(
        const SessionOptions& files, const TrainingSettings& settings,
        const policy::ActorWeights* initial);
    // Stops after the running iteration and joins the thread.
    ~TrainingController();
    TrainingController(const TrainingController&) = delete;
    TrainingController& operator=(const TrainingController&) = delete;

    // Starts or resumes iterating.
    void start();
    // Lets the running iteration finish, then waits; weights and history stay.
    void pause();
    // Asks the thread to write actor, critic and checkpoint .safetensors into `folder`
    // (created if missing) between iterations; progress().saves counts when it is done.
    void requestSave(const std::string& folder);

    // Actor weights published after the last call, if any (each set is handed out once).
    std::optional<policy::ActorWeights> takeNewWeights();
    TrainingProgress progress() const;
    const TrainingSettings& settings() const { return m_settings; }

private:
    TrainingController() = default;
    void run();
    void iterateOnce();
    void saveOnce(const std::string& folder);

    TrainingSettings m_settings;
    std::string m_motionName;
    // The trainer keeps references to these three.
    sim::Character m_character;
    sim::ControllerConfig m_gains;
    sim::Motion m_motion;
    std::unique_ptr<policy::PpoTrainer> m_trainer;

    mutable std::mutex m_mutex;  // guards everything below
    std::condition_variable m_wake;
    bool m_quit = false;
    std::string m_saveFolder;  // non-empty: a save is requested
    std::optional<policy::ActorWeights> m_newWeights;
    TrainingProgress m_progress;
    std::thread m_thread;  // last: starts after everything above exists
};

// The "training" window: Start / Pause, scratch, fine-tune or resume, progress, plots, Save.
class TrainingPanel {
public:
    // Hands weights the trainer published since the last frame to the session.
    void update(Session& session);
    // Draws the window (call between ImGui::NewFrame and ImGui::Render).
    void draw(Session& session);

private:
    void drawButtons(Session& session, const TrainingProgress& progress);

    TrainingSettings m_settings;
    std::unique_ptr<TrainingController> m_controller;
    std::string m_message;  // the last error or note for the user
    char m_outDir[256] = "runs/gui_training";
};

}  // namespace app
