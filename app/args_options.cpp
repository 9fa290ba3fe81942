#include "app/args_options.h"

#include "sim/deepmimic_args.h"

namespace app {

sim::Status applyArgsFile(const std::string& argsPath, const ExplicitSettings& given,
                          SessionOptions& options) {
    auto args = sim::loadDeepMimicArgs(argsPath);
    if (!args) {
        return sim::Error{args.error()};
    }
    const sim::EnvSettings explicitValues = options.environment;
    options.ratesGiven = true;  // the args file's (or the flags') rates win over a policy file's
    sim::Status applied = sim::applyDeepMimicArgs(*args, options.environment);
    if (!applied) {
        return applied;
    }
    sim::EnvSettings& env = options.environment;
    if (given.physicsRate) {
        env.physicsRate = explicitValues.physicsRate;
    }
    if (given.pdRate) {
        env.pdRate = explicitValues.pdRate;
    }
    if (given.policyRate) {
        env.policyRate = explicitValues.policyRate;
    }
    if (given.episodeSeconds) {
        env.episodeTimeLimit = explicitValues.episodeTimeLimit;
    }
    if (given.fallContactBodies) {
        env.fallContactBodies = explicitValues.fallContactBodies;
    }

    const std::pair<std::string*, const char*> files[] = {
        {&options.characterPath, "character_files"},
        {&options.gainsPath, "char_ctrl_files"},
        {&options.motionPath, "motion_file"},
        {&options.policyPath, "model_files"}};
    for (const auto& [path, key] : files) {
        // Explicit files win; the args file's policy is taken only when the policy drives.
        if (!path->empty() ||
            (path == &options.policyPath && options.drive == DriveMode::Reference)) {
            continue;
        }
        auto resolved = sim::resolveDeepMimicArgsFile(*args, key);
        if (!resolved) {
            return sim::Error{resolved.error() + "\n(give the file with its flag to override)"};
        }
        *path = *resolved;
    }
    return sim::Status::success();
}

}  // namespace app
