#include "sim/deepmimic_args.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sim {

namespace fs = std::filesystem;

namespace {

Error argsError(const DeepMimicArgs& args, const std::string& key, const std::string& message) {
    return Error{args.sourcePath + ": --" + key + " " + message};
}

// The single word of `key`, or "" when absent.
std::string word(const DeepMimicArgs& args, const std::string& key) {
    const auto it = args.values.find(key);
    return it == args.values.end() || it->second.empty() ? std::string() : it->second.front();
}

Result<bool> readBool(const DeepMimicArgs& args, const std::string& key, bool fallback) {
    const std::string value = word(args, key);
    if (value.empty()) {
        return fallback;
    }
    if (value == "true") {
        return true;
    }
    if (value == "false") {
        return false;
    }
    return argsError(args, key, "must be true or false, found \"" + value + "\"");
}

Result<double> readNumber(const DeepMimicArgs& args, const std::string& key, double fallback) {
    const std::string value = word(args, key);
    if (value.empty()) {
        return fallback;
    }
    try {
        size_t used = 0;
        const double number = std::stod(value, &used);
        if (used == value.size() && std::isfinite(number)) {
            return number;
        }
    } catch (const std::exception&) {
    }
    return argsError(args, key, "must be a finite number, found \"" + value + "\"");
}

// Candidate locations of a path named in an args file, most preferred first.
std::vector<fs::path> candidates(const DeepMimicArgs& args, const std::string& named) {
    std::vector<fs::path> out;
    const fs::path path(named);
    out.push_back(path);
    fs::path stripped = path;
    if (!path.empty() && *path.begin() == "data") {
        stripped = path.lexically_relative("data");
    }
    const fs::path folder = stripped.parent_path();
    const fs::path file = stripped.filename();
    // The args file's folder and the two above it: a DeepMimic checkout keeps args/ beside
    // data/; a data-only copy keeps args/<era>/ two levels below its root.
    fs::path dir = fs::absolute(args.sourcePath).parent_path();
    for (int level = 0; level < 3 && !dir.empty(); ++level, dir = dir.parent_path()) {
        out.push_back(dir / path);
        out.push_back(dir / folder / "deepmimic_2018" / file);
        out.push_back(dir / folder / "deepmimic_2018_variants" / file);
        out.push_back(dir / folder.parent_path() / "deepmimic_2018" / file);
        out.push_back(dir / stripped);
        if (dir == dir.root_path()) {
            break;
        }
    }
    return out;
}

}  // namespace

Result<DeepMimicArgs> parseDeepMimicArgs(const std::string& text, const std::string& sourceName) {
    DeepMimicArgs args;
    args.sourcePath = sourceName;
    std::istringstream lines(text);
    std::string line;
    std::string key;
    int lineNumber = 0;
    while (std::getline(lines, line)) {
        ++lineNumber;
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string token;
        while (words >> token) {
            if (token.rfind("--", 0) == 0 && token.size() > 2) {
                key = token.substr(2);
                args.values[key];
            } else if (key.empty()) {
                return Error{sourceName + ":" + std::to_string(lineNumber) + ": \"" + token +
                             "\" comes before any --key"};
            } else {
                args.values[key].push_back(token);
            }
        }
    }
    return args;
}

Result<DeepMimicArgs> loadDeepMimicArgs(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        return Error{path + ": cannot open the args file"};
    }
    std::stringstream text;
    text << file.rdbuf();
    return parseDeepMimicArgs(text.str(), path);
}

Status applyDeepMimicArgs(const DeepMimicArgs& args, EnvSettings& settings) {
    // Unsupported scene features are refused rather than silently ignored.
    const std::pair<const char*, const char*> expected[] = {
        {"scene", "imitate"}, {"char_types", "general"}, {"char_ctrls", "ct_pd"}};
    for (const auto& [key, value] : expected) {
        const std::string found = word(args, key);
        if (!found.empty() && found != value) {
            return argsError(args, key,
                             std::string("must be ") + value +
                                 " (the only kind "
                                 "charsim simulates), found \"" +
                                 found + "\"");
        }
    }
    const std::string terrain = word(args, "terrain_file");
    if (!terrain.empty() && fs::path(terrain).filename() != "plane.txt") {
        return argsError(args, "terrain_file",
                         "names " + terrain +
                             ": charsim has a flat "
                             "ground plane only (plane.txt)");
    }
    auto softContact = readBool(args, "enable_char_soft_contact", false);
    auto rootRotFail = readBool(args, "enable_root_rot_fail", false);
    auto contactFall = readBool(args, "enable_char_contact_fall", true);
    auto syncPosition = readBool(args, "sync_char_root_pos", settings.syncRootPosition);
    auto syncRotation = readBool(args, "sync_char_root_rot", settings.syncRootRotation);
    for (const auto* flag :
         {&softContact, &rootRotFail, &contactFall, &syncPosition, &syncRotation}) {
        if (!flag->ok()) {
            return Error{flag->error()};
        }
    }
    if (*softContact) {
        return argsError(args, "enable_char_soft_contact", "true is not supported");
    }
    if (*rootRotFail) {
        return argsError(args, "enable_root_rot_fail", "true is not supported");
    }
    if (*syncRotation) {
        return argsError(args, "sync_char_root_rot", "true is not supported");
    }
    settings.enableFallContact = *contactFall;
    settings.syncRootPosition = *syncPosition;

    // DeepMimic.py updates the world at 60 Hz, split into num_update_substeps scene updates,
    // each split into num_sim_substeps Bullet steps.
    auto updateSubsteps = readNumber(args, "num_update_substeps", settings.pdRate / 60.0);
    auto simSubsteps = readNumber(args, "num_sim_substeps", settings.physicsRate / settings.pdRate);
    auto scale = readNumber(args, "world_scale", settings.physics.worldScale);
    auto hold = readNumber(args, "hold_end_frame", settings.holdEndTime);
    for (const auto* number : {&updateSubsteps, &simSubsteps, &scale, &hold}) {
        if (!number->ok()) {
            return Error{number->error()};
        }
    }
    if (*updateSubsteps < 1 || *simSubsteps < 1 || !(*scale > 0) || *hold < 0) {
        return Error{args.sourcePath +
                     ": num_update_substeps and num_sim_substeps must be at "
                     "least 1, world_scale positive and hold_end_frame not negative"};
    }
    settings.pdRate = 60.0 * *updateSubsteps;
    settings.physicsRate = settings.pdRate * *simSubsteps;
    settings.physics.worldScale = *scale;
    settings.holdEndTime = *hold;

    if (args.has("fall_contact_bodies")) {
        settings.fallContactBodies.clear();
        for (const std::string& body : args.values.at("fall_contact_bodies")) {
            size_t used = 0;
            int index = -1;
            try {
                index = std::stoi(body, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != body.size()) {
                return argsError(args, "fall_contact_bodies",
                                 "must list body indices, found \"" + body + "\"");
            }
            settings.fallContactBodies.push_back(index);
        }
    }
    return Status::success();
}

Result<std::string> resolveDeepMimicArgsFile(const DeepMimicArgs& args, const std::string& key) {
    const std::string named = word(args, key);
    if (named.empty()) {
        return std::string();
    }
    std::ostringstream tried;
    for (const fs::path& candidate : candidates(args, named)) {
        std::error_code error;
        fs::path checkpointIndex = candidate;
        checkpointIndex += ".index";
        if (fs::is_regular_file(candidate, error) || fs::is_regular_file(checkpointIndex, error)) {
            return candidate.lexically_normal().string();
        }
        tried << "\n  " << candidate.lexically_normal().string();
    }
    return argsError(args, key, named + " was not found; tried:" + tried.str());
}

}  // namespace sim
