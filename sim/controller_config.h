#pragma once
// PD gains and controller options from a DeepMimic controller file (PDControllers[], phase and
// root-recording flags).

#include <string>
#include <vector>

#include "sim/character.h"
#include "sim/result.h"

namespace sim {

struct ControllerConfig {
    std::string sourcePath;
    std::vector<double> kp;  // proportional gain per joint [N m / rad]
    std::vector<double> kd;  // derivative gain per joint [N m s / rad]
    bool enablePhaseInput = true;     // EnablePhaseInput: state[0] is the clip phase
    bool recordWorldRootPos = false;  // RecordWorldRootPos
    bool recordWorldRootRot = true;   // RecordWorldRootRot: root rotation/velocity stay in world
    double queryRate = 30;            // policy rate [Hz] (DeepMimic ignores UpdateRate)
};

// Reads a controller file for `character`: one PDControllers entry per joint, matched by ID.
Result<ControllerConfig> loadControllerConfig(const std::string& path, const Character& character);
Result<ControllerConfig> parseControllerConfig(const std::string& jsonText,
                                               const std::string& sourceName,
                                               const Character& character);

}  // namespace sim
