#include "sim/controller_config.h"

#include "sim/json_util.h"

namespace sim {

using json::Json;
using json::Where;

namespace {

// One PDControllers entry: its ID picks the joint, Kp/Kd must be non-negative.
Status parsePdEntry(const Json& object, const Where& where, const Character& character,
                    ControllerConfig& config, std::vector<bool>& seen) {
    int numJoints = character.numJoints();
    std::string idExpected = "an integer joint index in [0, " + std::to_string(numJoints - 1) + "]";
    int id = -1;
    CHARSIM_TRY(json::readInt(object, where, "ID", id, true, idExpected));
    if (id < 0 || id >= numJoints) {
        return json::fieldError(where, "ID", idExpected, json::member(object, "ID"));
    }
    if (seen[id]) {
        return json::fieldError(where, "ID", "a joint not already listed in PDControllers",
                                json::member(object, "ID"));
    }
    seen[id] = true;
    double kp = 0;
    double kd = 0;
    CHARSIM_TRY(json::readNumber(object, where, "Kp", kp, true));
    CHARSIM_TRY(json::readNumber(object, where, "Kd", kd, true));
    if (kp < 0) {
        return json::fieldError(where, "Kp", "a non-negative gain", json::member(object, "Kp"));
    }
    if (kd < 0) {
        return json::fieldError(where, "Kd", "a non-negative gain", json::member(object, "Kd"));
    }
    config.kp[id] = kp;
    config.kd[id] = kd;
    return Status::success();
}

}  // namespace

Result<ControllerConfig> parseControllerConfig(const std::string& jsonText,
                                               const std::string& sourceName,
                                               const Character& character) {
    Result<Json> root = json::parseText(jsonText, sourceName);
    if (!root) {
        return Error{root.error()};
    }
    Where top{sourceName, ""};
    if (!root->is_object()) {
        return Error{sourceName + ": must be a JSON object with \"PDControllers\", found " +
                     json::describe(&root.value())};
    }
    ControllerConfig config;
    config.sourcePath = sourceName;
    config.kp.assign(character.numJoints(), 0.0);
    config.kd.assign(character.numJoints(), 0.0);
    CHARSIM_TRY(json::readBool(*root, top, "EnablePhaseInput", config.enablePhaseInput));
    CHARSIM_TRY(json::readBool(*root, top, "RecordWorldRootPos", config.recordWorldRootPos));
    CHARSIM_TRY(json::readBool(*root, top, "RecordWorldRootRot", config.recordWorldRootRot));
    // UpdateRate is ignored, as in DeepMimic; only QueryRate sets the policy rate.
    CHARSIM_TRY(json::readNumber(*root, top, "QueryRate", config.queryRate));
    if (config.queryRate <= 0) {
        return json::fieldError(top, "QueryRate", "a positive rate [Hz]",
                                json::member(*root, "QueryRate"));
    }

    std::optional<Error> error;
    const Json* entries = json::readArray(*root, top, "PDControllers", true, error);
    if (entries == nullptr) {
        return *error;
    }
    std::vector<bool> seen(character.numJoints(), false);
    for (int i = 0; i < static_cast<int>(entries->size()); ++i) {
        const Json& object = (*entries)[i];
        std::string entry = "PDControllers[" + std::to_string(i) + "]";
        const Json* name = json::member(object, "Name");
        if (name != nullptr && name->is_string()) {
            entry += " (\"" + name->get<std::string>() + "\")";
        }
        Where where{sourceName, entry};
        if (!object.is_object()) {
            return json::entryError(where, "must be an object, found " + json::describe(&object));
        }
        CHARSIM_TRY(parsePdEntry(object, where, character, config, seen));
    }
    return config;
}

Result<ControllerConfig> loadControllerConfig(const std::string& path, const Character& character) {
    Result<std::string> text = json::readTextFile(path, "controller");
    if (!text) {
        return Error{text.error()};
    }
    return parseControllerConfig(*text, path, character);
}

}  // namespace sim
