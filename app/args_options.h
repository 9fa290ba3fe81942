#pragma once
// Session options from a DeepMimic args file (`--args`): its scene settings and the files it
// names, under whatever the command line gave explicitly.

#include <string>

#include "app/session.h"
#include "sim/result.h"

namespace app {

// Environment settings given explicitly on the command line; these win over the args file's.
struct ExplicitSettings {
    bool physicsRate = false, pdRate = false, policyRate = false;
    bool episodeSeconds = false, fallContactBodies = false;
};

// Applies the args file's scene settings to options.environment and fills the empty file paths
// (character, gains, motion; the policy only when the policy drives) from the files it names.
// Sets options.ratesGiven: the args file's rates win over those a policy file records.
sim::Status applyArgsFile(const std::string& argsPath, const ExplicitSettings& given,
                          SessionOptions& options);

}  // namespace app
