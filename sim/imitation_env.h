#pragma once
// The imitation task: a simulated character tracking a reference clip, stepped at fixed rates
// (physics, PD, policy). Split like MuJoCo's step: observe() -> policy -> setAction() -> step().

#include <Eigen/Core>

#include <memory>
#include <random>
#include <vector>

#include "sim/action_layout.h"
#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/imitation_reward.h"
#include "sim/motion.h"
#include "sim/physics_world.h"
#include "sim/result.h"
#include "sim/stable_pd.h"

namespace sim {

struct EnvSettings {
    double physicsRate = 1200;  // Bullet steps per second
    double pdRate = 600;        // stable-PD torque updates per second (torques held in between)
    double policyRate = 30;     // policy queries per second
    PhysicsSettings physics;
    RigidBodyModelOptions model;
    // Bodies whose ground contact ends the episode; empty: the bodies with EnableFallContact.
    std::vector<int> fallContactBodies;
    bool enableFallContact = true;
    bool syncRootPosition = true;  // snap the reference root x,z to the sim root every cycle
    bool syncRootRotation = false;
    double episodeTimeLimit = 20;  // [s]
    double holdEndTime = 0;        // non-looping clips end this long after the clip [s]
    double velocityLimit = 100;    // a body speed component above this invalidates the episode
    bool measureTime = false;      // accumulate wall time per stage in timings()
};

// Wall time spent per stage of step() since the last reset of the counters [s].
struct StageTimings {
    double pd = 0;        // rigid-body model, stable-PD solve, torque clamp
    double physics = 0;   // Bullet steps and contact flags
    double readback = 0;  // reading the state back, kinematics, termination checks, reward
};

enum class EpisodeEnd {
    None,       // still running
    Fall,       // a fall-contact body touched the ground (terminal, value 0)
    TimeLimit,  // the episode time limit was reached (not terminal: bootstrap)
    ClipEnd,    // a non-looping clip ran out
    Invalid,    // a velocity blew up or the state went non-finite
};
const char* toString(EpisodeEnd end);

// A push: a constant force at one body's centre of mass for a while, as DeepMimic perturbs its
// characters to test their policies.
struct Push {
    int body = -1;                                    // the body pushed; -1: none
    Eigen::Vector3d force = Eigen::Vector3d::Zero();  // world frame [N]
    double seconds = 0;                               // how long it acts [s]
};

// The longest push [s]; more than a day is a typo.
inline constexpr double kMaxPushSeconds = 1e5;

// Why `push` cannot act on a character of `bodyCount` bodies (body out of range, force not
// finite, duration negative, not finite or over kMaxPushSeconds), or success.
Status checkPush(const Push& push, int bodyCount);

struct StepResult {
    RewardTerms reward;  // for the interval just simulated (0 after a fall)
    EpisodeEnd end = EpisodeEnd::None;
    int updates = 0;  // PD updates simulated in this control step
};

class ImitationEnv {
public:
    // Checks that the character, gains and clip fit together and the rates divide evenly.
    static Result<std::unique_ptr<ImitationEnv>> create(const Character& character,
                                                        const ControllerConfig& controller,
                                                        const Motion& motion,
                                                        const EnvSettings& settings);

    int stateSize() const { return m_stateSize; }
    int actionSize() const { return m_actionSize; }
    const ActionNormalization& actionNorm() const { return m_actionNorm; }

    // Reference state initialization at clip time `clipTime` [s].
    void reset(double clipTime);
    // Writes the state the policy sees now.
    void observe(Eigen::Ref<Eigen::VectorXd> state) const;
    // Sets the PD targets from a raw (denormalized) action. A non-finite action is not applied:
    // the next step() ends the episode as Invalid without simulating.
    void setAction(const Eigen::Ref<const Eigen::VectorXd>& action);
    // Pushes a body from the next PD update on, for the whole PD updates nearest push.seconds,
    // replacing a push still acting; reset() ends it. Fails as sim::checkPush says.
    Status push(const Push& push);
    // Why push() would refuse `push`, or success.
    Status checkPush(const Push& push) const {
        return sim::checkPush(push, m_character.numJoints());
    }
    // The push acting now, its seconds counting down (body -1 when none).
    const Push& activePush() const { return m_push; }
    // The action that targets the reference pose at the current time.
    void referenceAction(Eigen::Ref<Eigen::VectorXd> action) const;
    // Simulates one control step, or less if the episode ends first.
    StepResult step();

    double time() const { return m_time; }  // controller (clip) time [s]
    double episodeTime() const { return m_time - m_startTime; }
    double phase() const;
    const CharacterKinematics& simulated() const { return m_sim; }
    const CharacterKinematics& reference() const { return m_ref; }
    const Character& character() const { return m_character; }
    const Motion& motion() const { return m_motion; }
    const EnvSettings& settings() const { return m_settings; }
    bool inGroundContact(int body) const { return m_physics->inGroundContact(body); }
    // The first fall-contact body touching the ground (what ended an episode by a fall), or -1.
    int fallenBody() const;
    // Torques of the first PD update of the last control step, before clamping [N m].
    const Eigen::VectorXd& firstUpdateTorques() const { return m_firstUpdateTorques; }
    const StageTimings& timings() const { return m_timings; }
    void clearTimings() { m_timings = {}; }

private:
    ImitationEnv(const Character& character, const ControllerConfig& controller,
                 const Motion& motion, const EnvSettings& settings);

    void updateReference();
    void readSimulated();
    void syncReferenceRoot();
    EpisodeEnd checkEnd() const;

    const Character& m_character;
    const ControllerConfig& m_controller;
    const Motion& m_motion;
    EnvSettings m_settings;
    int m_stateSize = 0, m_actionSize = 0;
    int m_updatesPerStep = 0, m_substepsPerUpdate = 0;
    double m_updateDt = 0;
    ActionNormalization m_actionNorm;
    Eigen::VectorXd m_jointWeights;
    std::vector<char> m_fallBody;

    std::unique_ptr<PhysicsWorld> m_physics;
    std::unique_ptr<StablePdController> m_pd;

    // Episode state.
    double m_time = 0, m_startTime = 0;
    Eigen::Vector3d m_referenceOffset = Eigen::Vector3d::Zero();  // added to the clip's root
    int m_cycle = 0;
    bool m_actionInvalid = false;
    Push m_push;                  // the push acting, if any
    long long m_pushUpdates = 0;  // PD updates it has left
    CharacterKinematics m_sim, m_ref;
    Eigen::VectorXd m_targetPose, m_torques, m_firstUpdateTorques;
    StageTimings m_timings;
};

}  // namespace sim
