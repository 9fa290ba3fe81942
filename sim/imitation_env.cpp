#include "sim/imitation_env.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "sim/text_file.h"

namespace sim {

namespace {

// Lowest body point allowed after a reset, above the ground [m] (DeepMimic's 1 mm pad).
constexpr double kGroundPad = 0.001;

// Adds the time since the last mark to a stage counter, when measuring.
class StageClock {
public:
    explicit StageClock(bool enabled) : m_enabled(enabled) {
        if (enabled) {
            m_last = std::chrono::steady_clock::now();
        }
    }
    void charge(double& counter) {
        if (m_enabled) {
            const auto now = std::chrono::steady_clock::now();
            counter += std::chrono::duration<double>(now - m_last).count();
            m_last = now;
        }
    }

private:
    bool m_enabled;
    std::chrono::steady_clock::time_point m_last;
};

// Substeps per update and updates per policy step are whole numbers in [1, 10000].
bool isWholeMultiple(double ratio) {
    return ratio >= 1 && ratio <= 10000 && std::abs(ratio - std::round(ratio)) < 1e-9;
}

}  // namespace

const char* toString(EpisodeEnd end) {
    switch (end) {
        case EpisodeEnd::None:
            return "none";
        case EpisodeEnd::Fall:
            return "fall";
        case EpisodeEnd::TimeLimit:
            return "time limit";
        case EpisodeEnd::ClipEnd:
            return "clip end";
        case EpisodeEnd::Invalid:
            return "invalid";
    }
    return "?";
}

Result<std::unique_ptr<ImitationEnv>> ImitationEnv::create(const Character& character,
                                                           const ControllerConfig& controller,
                                                           const Motion& motion,
                                                           const EnvSettings& settings) {
    std::ostringstream error;
    if (static_cast<int>(controller.kp.size()) != character.numJoints()) {
        error << controller.sourcePath << ": has gains for " << controller.kp.size()
              << " joints, but " << character.sourcePath << " has " << character.numJoints();
    } else if (motion.framePoses.cols() != character.poseSize) {
        error << motion.sourcePath << ": frames hold " << motion.framePoses.cols()
              << " pose entries, but " << character.sourcePath << " needs " << character.poseSize;
    } else if (!isWholeMultiple(settings.physicsRate / settings.pdRate)) {
        error << "physics rate " << settings.physicsRate << " Hz must be a whole multiple (1 to "
              << "10000) of the PD rate " << settings.pdRate << " Hz";
    } else if (!isWholeMultiple(settings.pdRate / settings.policyRate)) {
        error << "PD rate " << settings.pdRate << " Hz must be a whole multiple (1 to 10000) of "
              << "the policy rate " << settings.policyRate << " Hz";
    } else if (!(settings.physics.worldScale > 0) || !std::isfinite(settings.physics.worldScale)) {
        error << "world scale must be positive and finite, found " << settings.physics.worldScale;
    } else if (!(settings.episodeTimeLimit > 0) || !(settings.holdEndTime >= 0) ||
               !std::isfinite(settings.holdEndTime)) {
        error << "the episode limit must be positive and hold_end_frame finite and not negative, "
              << "found " << settings.episodeTimeLimit << " and " << settings.holdEndTime;
    }
    for (int b : settings.fallContactBodies) {
        if (error.tellp() == 0 && (b < 0 || b >= character.numJoints())) {
            error << "fall-contact body " << b << " is not a body of " << character.sourcePath
                  << " (0.." << character.numJoints() - 1 << ")";
        }
    }
    for (int b = 0; b < character.numJoints() && error.tellp() == 0; ++b) {
        if (character.bodies[b].attachRotation.angularDistance(Eigen::Quaterniond::Identity()) >
            1e-9) {
            error << character.sourcePath << ": BodyDefs[" << b << "]: non-zero AttachTheta is "
                  << "not supported by the simulation (body frames must align with joints)";
        }
    }
    if (error.tellp() != 0) {
        return Error{error.str()};
    }
    return std::unique_ptr<ImitationEnv>(new ImitationEnv(character, controller, motion, settings));
}

ImitationEnv::ImitationEnv(const Character& character, const ControllerConfig& controller,
                           const Motion& motion, const EnvSettings& settings)
    : m_character(character), m_controller(controller), m_motion(motion), m_settings(settings) {
    m_stateSize = sim::stateSize(character);
    m_actionSize = sim::actionSize(character);
    m_updatesPerStep = static_cast<int>(std::round(settings.pdRate / settings.policyRate));
    m_substepsPerUpdate = static_cast<int>(std::round(settings.physicsRate / settings.pdRate));
    m_updateDt = 1.0 / settings.pdRate;
    m_actionNorm = actionNormalization(character);
    m_jointWeights = jointRewardWeights(character);

    m_fallBody.assign(character.numJoints(), 0);
    if (settings.fallContactBodies.empty()) {
        for (int b = 0; b < character.numJoints(); ++b) {
            m_fallBody[b] = character.bodies[b].enableFallContact ? 1 : 0;
        }
    } else {
        for (int b : settings.fallContactBodies) {
            m_fallBody[b] = 1;
        }
    }

    m_physics = std::make_unique<PhysicsWorld>(character, settings.physics);
    m_pd = std::make_unique<StablePdController>(character, controller, settings.model);
    m_sim.resize(character);
    m_ref.resize(character);
    m_targetPose = Eigen::VectorXd::Zero(character.poseSize);
    m_torques = Eigen::VectorXd::Zero(character.poseSize);
    m_firstUpdateTorques = Eigen::VectorXd::Zero(character.poseSize);
    reset(0);
}

double ImitationEnv::phase() const {
    const double duration = m_motion.duration();
    if (duration <= 0) {
        return 0;
    }
    const double cycles = m_time / duration;
    return cycles - std::floor(cycles);
}

void ImitationEnv::updateReference() {
    samplePose(m_character, m_motion, m_time, m_ref.pose);
    sampleVelocity(m_character, m_motion, m_time, m_ref.velocity);
    m_ref.pose.head<3>() += m_referenceOffset;
    m_ref.groundHeight = m_referenceOffset.y();
    m_ref.update(m_character);
}

void ImitationEnv::readSimulated() {
    m_physics->readState(m_sim.pose, m_sim.velocity);
    m_sim.update(m_character);
}

void ImitationEnv::reset(double clipTime) {
    m_time = m_startTime = clipTime;
    m_actionInvalid = false;
    m_push = {};
    m_pushUpdates = 0;
    m_cycle = cycleCount(m_motion, clipTime);

    // The reference at clipTime, moved so that its root stands over the world origin.
    m_referenceOffset.setZero();
    samplePose(m_character, m_motion, clipTime, m_ref.pose);
    m_referenceOffset = Eigen::Vector3d(-m_ref.pose[0], 0, -m_ref.pose[2]);
    updateReference();

    // The simulated character copies it; both are lifted if a body reaches below the ground.
    m_physics->setState(m_ref.pose, m_ref.velocity);
    const double lowest = m_physics->lowestPoint();
    if (lowest < kGroundPad) {
        m_referenceOffset.y() += kGroundPad - lowest;
        updateReference();
        m_physics->setState(m_ref.pose, m_ref.velocity);
    }
    readSimulated();
    m_targetPose = m_ref.pose;
    m_pd->setTargetPose(m_targetPose);
}

Status checkPush(const Push& push, int bodyCount) {
    if (push.body < 0 || push.body >= bodyCount) {
        return Error{"push: body " + std::to_string(push.body) + " is not one of the character's " +
                     std::to_string(bodyCount) + " bodies"};
    }
    if (!push.force.allFinite()) {
        return Error{"push: the force must be finite, found (" + shortNumber(push.force.x()) +
                     ", " + shortNumber(push.force.y()) + ", " + shortNumber(push.force.z()) +
                     ") N"};
    }
    if (!(push.seconds >= 0 && push.seconds <= kMaxPushSeconds)) {
        return Error{"push: the duration must be 0 to " + shortNumber(kMaxPushSeconds) +
                     " s, found " + shortNumber(push.seconds)};
    }
    return Status::success();
}

Status ImitationEnv::push(const Push& push) {
    CHARSIM_TRY(checkPush(push));
    m_push = push;
    m_pushUpdates = std::llround(push.seconds / m_updateDt);
    if (m_pushUpdates == 0) {
        m_push = {};
    }
    return Status::success();
}

void ImitationEnv::observe(Eigen::Ref<Eigen::VectorXd> state) const {
    recordState(m_character, m_controller, m_sim, phase(), state);
}

void ImitationEnv::setAction(const Eigen::Ref<const Eigen::VectorXd>& action) {
    m_actionInvalid = !action.allFinite();
    if (m_actionInvalid) {
        return;  // keep NaN out of the simulation
    }
    actionToTargetPose(m_character, action, m_targetPose);
    m_pd->setTargetPose(m_targetPose);
}

void ImitationEnv::referenceAction(Eigen::Ref<Eigen::VectorXd> action) const {
    poseToAction(m_character, m_ref.pose, action);
}

void ImitationEnv::syncReferenceRoot() {
    // Reference root x,z moved onto the simulated root at the start of each cycle.
    Eigen::VectorXd& pose = m_ref.pose;
    samplePose(m_character, m_motion, m_time, pose);
    m_referenceOffset.x() = m_sim.pose[0] - pose[0];
    m_referenceOffset.z() = m_sim.pose[2] - pose[2];
}

int ImitationEnv::fallenBody() const {
    if (!m_settings.enableFallContact) {
        return -1;
    }
    for (int b = 0; b < m_character.numJoints(); ++b) {
        if (m_fallBody[b] && m_physics->inGroundContact(b)) {
            return b;
        }
    }
    return -1;
}

EpisodeEnd ImitationEnv::checkEnd() const {
    if (!m_sim.pose.allFinite() || !m_sim.velocity.allFinite()) {
        return EpisodeEnd::Invalid;
    }
    for (int b = 0; b < m_character.numJoints(); ++b) {
        if (m_sim.bodyVelocity.linear[b].cwiseAbs().maxCoeff() > m_settings.velocityLimit ||
            m_sim.bodyVelocity.angular[b].cwiseAbs().maxCoeff() > m_settings.velocityLimit) {
            return EpisodeEnd::Invalid;
        }
    }
    if (fallenBody() >= 0) {
        return EpisodeEnd::Fall;
    }
    if (m_motion.loop == LoopMode::None && m_time > m_motion.duration() + m_settings.holdEndTime) {
        return EpisodeEnd::ClipEnd;
    }
    // DeepMimic ends an episode on the first update past the limit.
    if (episodeTime() > m_settings.episodeTimeLimit + 1e-9) {
        return EpisodeEnd::TimeLimit;
    }
    return EpisodeEnd::None;
}

StepResult ImitationEnv::step() {
    StepResult result;
    if (m_actionInvalid) {
        result.end = EpisodeEnd::Invalid;
        return result;
    }
    StageClock clock(m_settings.measureTime);
    for (int update = 0; update < m_updatesPerStep; ++update) {
        // The reference advances first; on a new cycle it is re-rooted under the character.
        const double nextTime = m_time + m_updateDt;
        const int nextCycle = cycleCount(m_motion, nextTime);
        if (nextCycle != m_cycle) {
            m_cycle = nextCycle;
            if (m_settings.syncRootPosition) {
                const double time = m_time;
                m_time = nextTime;
                syncReferenceRoot();
                m_time = time;
            }
        }

        // Stable PD from the current state; torques held over the physics substeps.
        m_pd->computeTorques(m_sim.pose, m_sim.velocity, m_updateDt, m_torques);
        if (update == 0) {
            m_firstUpdateTorques = m_torques;
        }
        m_pd->clampTorques(m_torques);
        clock.charge(m_timings.pd);
        if (!m_torques.allFinite()) {
            result.end = EpisodeEnd::Invalid;
            break;
        }
        m_physics->applyJointTorques(m_torques);
        if (m_pushUpdates > 0) {
            m_physics->applyBodyForce(m_push.body, m_push.force);
            m_push.seconds = --m_pushUpdates * m_updateDt;
            if (m_pushUpdates == 0) {
                m_push = {};
            }
        }
        m_physics->step(m_updateDt, m_substepsPerUpdate);
        clock.charge(m_timings.physics);
        m_time = nextTime;
        ++result.updates;

        readSimulated();
        result.end = checkEnd();
        clock.charge(m_timings.readback);
        if (result.end != EpisodeEnd::None) {
            break;
        }
    }
    updateReference();
    result.reward = imitationReward(m_character, m_jointWeights, m_sim, m_ref);
    if (result.end == EpisodeEnd::Fall || result.end == EpisodeEnd::Invalid) {
        // A failed interval earns nothing; the pose error is kept for reports.
        const double poseError = result.reward.poseError;
        result.reward = {};
        result.reward.poseError = poseError;
    }
    clock.charge(m_timings.readback);
    return result;
}

}  // namespace sim
