#include "app/recording.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <type_traits>

#include <unistd.h>

#include "policy/safetensors.h"
#include "sim/text_file.h"

namespace app {

namespace {

constexpr const char* kFormat = "charsim-recording";
constexpr const char* kVersion = "1";

// The tensors of a recording, in file order.
constexpr const char* kResetTimes = "reset_times";
constexpr const char* kPushes = "pushes";
constexpr const char* kActions = "actions";
constexpr const char* kRewards = "rewards";
constexpr const char* kEnds = "ends";
constexpr const char* kPlacements = "placements";

// A field added to sim::EnvSettings must go into forEachSetting below and the settings round-trip
// test. The size check catches most additions (a bool may fit in padding and slip past it).
// measureTime is not kept.
static_assert(sizeof(void*) != 8 || sizeof(sim::EnvSettings) == 144,
              "sim::EnvSettings changed: keep forEachSetting in step with it");

// Calls visit(name, field) for every setting a recording keeps: one list serves writing
// (a const description) and reading.
template <class Description, class Visit>
void forEachSetting(Description& description, Visit&& visit) {
    auto& env = description.environment;
    visit("character_path", description.characterPath);
    visit("gains_path", description.gainsPath);
    visit("motion_path", description.motionPath);
    visit("drive", description.drive);
    visit("weights", description.weightsDescription);
    visit("seed", description.seed);
    visit("action_size", description.actionSize);
    visit("body_count", description.bodyCount);
    visit("physics_rate", env.physicsRate);
    visit("pd_rate", env.pdRate);
    visit("policy_rate", env.policyRate);
    visit("world_scale", env.physics.worldScale);
    visit("gravity", env.physics.gravity);
    visit("friction", env.physics.friction);
    visit("contact_distance", env.physics.contactDistance);
    visit("self_collision", env.physics.selfCollision);
    visit("capsule_inertia_2018", env.model.capsuleInertia2018);
    visit("model_gravity", env.model.gravity);
    visit("fall_contact_bodies", env.fallContactBodies);
    visit("enable_fall_contact", env.enableFallContact);
    visit("sync_root_position", env.syncRootPosition);
    visit("sync_root_rotation", env.syncRootRotation);
    visit("episode_time_limit", env.episodeTimeLimit);
    visit("hold_end_time", env.holdEndTime);
    visit("velocity_limit", env.velocityLimit);
}

nlohmann::json settingsJson(const RecordingDescription& description) {
    nlohmann::json settings = nlohmann::json::object();
    forEachSetting(description,
                   [&](const char* name, const auto& value) { settings[name] = value; });
    return settings;
}

// Whether a JSON value has the type of the setting it is read into.
bool hasType(const nlohmann::json& value, const std::string&) {
    return value.is_string();
}
bool hasType(const nlohmann::json& value, bool) {
    return value.is_boolean();
}
bool hasType(const nlohmann::json& value, double) {
    return value.is_number();
}
bool hasType(const nlohmann::json& value, int) {
    return value.is_number_integer() && value.get<int64_t>() >= INT32_MIN &&
           value.get<int64_t>() <= INT32_MAX;
}
bool hasType(const nlohmann::json& value, uint64_t) {
    return value.is_number_unsigned();
}
bool hasType(const nlohmann::json& value, const std::vector<int>&) {
    return value.is_array() && std::all_of(value.begin(), value.end(),
                                           [](const auto& entry) { return hasType(entry, 0); });
}
const char* typeName(const std::string&) {
    return "a string";
}
const char* typeName(bool) {
    return "true or false";
}
const char* typeName(double) {
    return "a number";
}
const char* typeName(int) {
    return "an integer";
}
const char* typeName(uint64_t) {
    return "an integer >= 0";
}
const char* typeName(const std::vector<int>&) {
    return "an array of integers";
}

// Reads the "session" metadata entry's fields; errors name the file and the field.
class SettingsReader {
public:
    SettingsReader(const nlohmann::json& object, std::string where)
        : m_object(object), m_where(std::move(where)) {}

    template <class T>
    void read(const char* field, T& out) {
        if (m_error) {
            return;
        }
        const auto found = m_object.find(field);
        if (found == m_object.end()) {
            m_error = sim::Error{m_where + ": field \"" + field + "\" is missing"};
            return;
        }
        if (!hasType(*found, out)) {
            m_error = sim::Error{m_where + ": field \"" + field + "\" must be " + typeName(out) +
                                 ", found " + found->dump()};
            return;
        }
        out = found->get<T>();
    }
    const std::optional<sim::Error>& error() const { return m_error; }

private:
    const nlohmann::json& m_object;
    std::string m_where;
    std::optional<sim::Error> m_error;
};

sim::Status readSettings(const nlohmann::json& object, const std::string& where,
                         RecordingDescription& description) {
    if (!object.is_object()) {
        return sim::Error{where + " must be a JSON object"};
    }
    SettingsReader reader(object, where);
    forEachSetting(description, [&](const char* name, auto& value) { reader.read(name, value); });
    if (reader.error()) {
        return *reader.error();
    }
    if (description.actionSize <= 0 || description.bodyCount <= 0) {
        return sim::Error{where + ": action_size and body_count must be positive, found " +
                          std::to_string(description.actionSize) + " and " +
                          std::to_string(description.bodyCount)};
    }
    return sim::Status::success();
}

template <class T>
policy::SafetensorsTensor makeTensor(const char* name, const char* dtype,
                                     std::vector<int64_t> shape, const std::vector<T>& values) {
    policy::SafetensorsTensor tensor{name, dtype, std::move(shape), {}};
    tensor.bytes.resize(values.size() * sizeof(T));
    if (!values.empty()) {
        std::memcpy(tensor.bytes.data(), values.data(), tensor.bytes.size());
    }
    return tensor;
}

// Copies tensor `name` into `out` after checking its dtype and shape.
template <class T>
sim::Status readTensor(const policy::SafetensorsFile& file, const char* name, const char* dtype,
                       const std::vector<int64_t>& shape, std::vector<T>& out) {
    const policy::SafetensorsEntry* entry = file.find(name);
    if (entry == nullptr) {
        return sim::Error{file.path + ": tensor \"" + name + "\" is missing"};
    }
    if (entry->dtype != dtype || entry->shape != shape) {
        return sim::Error{file.path + ": tensor \"" + name + "\" must be " + dtype + " " +
                          policy::shapeText(shape) + ", found " + entry->dtype + " " +
                          policy::shapeText(entry->shape)};
    }
    out.resize((entry->end - entry->begin) / sizeof(T));
    if (!out.empty()) {
        std::memcpy(out.data(), file.bytes.data() + file.dataStart + entry->begin,
                    out.size() * sizeof(T));
    }
    return sim::Status::success();
}

// The first step whose values are not what a recording can hold, or an empty status.
sim::Status checkSteps(const std::string& path, const Recording& recording) {
    for (long long step = 0; step < recording.steps(); ++step) {
        // Built only for a message: the loop runs over every step of a long recording.
        const auto where = [&] { return path + ": control step " + std::to_string(step); };
        if (recording.ends[step] > static_cast<uint8_t>(sim::EpisodeEnd::Invalid)) {
            return sim::Error{where() + ": episode end " + std::to_string(recording.ends[step]) +
                              " is not one of 0 (none) to 4 (invalid)"};
        }
        const double resetTime = recording.resetTimes[step];
        if (step == 0 && std::isnan(resetTime)) {
            return sim::Error{where() + ": the first step must start an episode (reset time)"};
        }
        if (!std::isnan(resetTime) && !(std::isfinite(resetTime) && resetTime >= 0)) {
            return sim::Error{where() + ": reset time must be a clip time >= 0 s, found " +
                              std::to_string(resetTime)};
        }
        if (step > 0 && recording.ends[step - 1] != 0 && std::isnan(resetTime)) {
            return sim::Error{where() + ": the episode before it ended, so it must start one"};
        }
        const double body = recording.pushes[static_cast<size_t>(step) * kPushValues];
        if (!(body == std::floor(body) && body >= -1 && body < recording.description.bodyCount)) {
            return sim::Error{where() + ": tensor \"pushes\": the body, " + sim::shortNumber(body) +
                              ", must be -1 (none) or a body index below " +
                              std::to_string(recording.description.bodyCount)};
        }
        // The same check the simulation makes, so a file that loads also replays.
        if (const sim::Push push = recording.push(step); push.body >= 0) {
            if (const sim::Status valid = sim::checkPush(push, recording.description.bodyCount);
                !valid) {
                return sim::Error{where() + ": tensor \"pushes\": " + valid.error()};
            }
        }
    }
    return sim::Status::success();
}

}  // namespace

void Recording::reserve(long long steps) {
    const auto count = static_cast<size_t>(steps);
    resetTimes.reserve(count);
    pushes.reserve(count * kPushValues);
    actions.reserve(count * static_cast<size_t>(description.actionSize));
    rewards.reserve(count);
    ends.reserve(count);
    placements.reserve(count * static_cast<size_t>(description.bodyCount) * kPlacementValues);
}

void Recording::append(double resetTime, const sim::Push& push,
                       const Eigen::Ref<const Eigen::VectorXd>& action, double reward,
                       sim::EpisodeEnd end, const std::vector<double>& stepPlacements) {
    resetTimes.push_back(resetTime);
    const double pushValues[kPushValues] = {static_cast<double>(push.body), push.force.x(),
                                            push.force.y(), push.force.z(), push.seconds};
    pushes.insert(pushes.end(), pushValues, pushValues + kPushValues);
    actions.insert(actions.end(), action.data(), action.data() + action.size());
    rewards.push_back(reward);
    ends.push_back(static_cast<uint8_t>(end));
    placements.insert(placements.end(), stepPlacements.begin(), stepPlacements.end());
}

sim::Push Recording::push(long long step) const {
    const double* values = pushes.data() + step * kPushValues;
    sim::Push push;
    push.body = static_cast<int>(values[0]);
    push.force = Eigen::Vector3d(values[1], values[2], values[3]);
    push.seconds = values[4];
    return push;
}

RecordingSummary summarizeRecording(const Recording& recording) {
    RecordingSummary summary;
    summary.steps = recording.steps();
    double rewardSum = 0;
    for (long long step = 0; step < recording.steps(); ++step) {
        const auto i = static_cast<size_t>(step);
        summary.episodes += std::isnan(recording.resetTimes[i]) ? 0 : 1;
        summary.pushes += recording.push(step).body >= 0 ? 1 : 0;
        const int end = recording.ends[i];
        summary.ends[end < RecordingSummary::kEndKinds ? end : 0] += 1;
        rewardSum += recording.rewards[i];
    }
    if (summary.steps > 0) {
        summary.meanReward = rewardSum / static_cast<double>(summary.steps);
        summary.simulatedSeconds =
            static_cast<double>(summary.steps) / recording.description.environment.policyRate;
    }
    return summary;
}

namespace {

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof(double)) == 0;
}

}  // namespace

void compareReplayStep(const Recording& recording, const std::vector<double>& placements,
                       double reward, sim::EpisodeEnd end, ReplayComparison& comparison) {
    const long long step = comparison.comparedSteps++;
    const double* recorded = recording.placementsAfter(step);
    int firstBody = -1;
    double firstBodyDifference = 0, largest = 0;
    for (size_t i = 0; i < placements.size(); ++i) {
        if (sameBits(placements[i], recorded[i])) {
            continue;
        }
        // A NaN on one side only counts as an infinite difference.
        const double difference = std::abs(placements[i] - recorded[i]);
        const double size = std::isnan(difference) ? HUGE_VAL : difference;
        const int body = static_cast<int>(i / kPlacementValues);
        if (firstBody < 0) {
            firstBody = body;
        }
        if (body == firstBody) {
            firstBodyDifference = std::max(firstBodyDifference, size);
        }
        largest = std::max(largest, size);
    }
    const bool endDiffers = recording.ends[static_cast<size_t>(step)] != static_cast<uint8_t>(end);
    if (firstBody < 0 && !endDiffers &&
        sameBits(reward, recording.rewards[static_cast<size_t>(step)])) {
        return;
    }
    if (comparison.differentSteps++ == 0) {
        comparison.firstDifferentStep = step;
        comparison.firstDifferentBody = firstBody;
        comparison.firstBodyDifference = firstBodyDifference;
        comparison.firstEndDiffers = endDiffers;
    }
    comparison.largestDifference = std::max(comparison.largestDifference, largest);
}

sim::Status checkRecordable(const RecordingDescription& description) {
    std::string nonFinite;
    forEachSetting(description, [&](const char* name, const auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, double>) {
            if (!std::isfinite(value) && nonFinite.empty()) {
                nonFinite = name;
            }
        }
    });
    if (!nonFinite.empty()) {
        return sim::Error{"the session's setting \"" + nonFinite +
                          "\" is not a finite number; a recording keeps only finite settings"};
    }
    return sim::Status::success();
}

sim::Status writeRecording(const std::string& path, const Recording& recording) {
    const RecordingDescription& description = recording.description;
    const int64_t steps = recording.steps();
    if (sim::Status recordable = checkRecordable(description); !recordable) {
        return sim::Error{path + ": " + recordable.error()};
    }
    if (steps == 0) {
        return sim::Error{path + ": a recording needs at least one control step"};
    }
    std::vector<policy::SafetensorsTensor> tensors;
    tensors.push_back(makeTensor(kResetTimes, "F64", {steps}, recording.resetTimes));
    tensors.push_back(makeTensor(kPushes, "F64", {steps, kPushValues}, recording.pushes));
    tensors.push_back(
        makeTensor(kActions, "F64", {steps, description.actionSize}, recording.actions));
    tensors.push_back(makeTensor(kRewards, "F64", {steps}, recording.rewards));
    tensors.push_back(makeTensor(kEnds, "U8", {steps}, recording.ends));
    tensors.push_back(makeTensor(kPlacements, "F64",
                                 {steps, description.bodyCount, kPlacementValues},
                                 recording.placements));
    const std::map<std::string, std::string> metadata = {
        {"format", kFormat},
        {"version", kVersion},
        {"session", settingsJson(description).dump()},
        {"character", description.characterText},
        {"gains", description.gainsText},
        {"motion", description.motionText},
    };
    return policy::writeSafetensors(path, tensors, metadata);
}

sim::Status checkRecordingWritable(const std::string& path) {
    // A probe of this process's own, created exclusively so that it never truncates a file:
    // FILE.tmp may be another writer's, and a probe a crash left behind is not ours to reuse.
    const std::string probe = path + ".writable-" + std::to_string(getpid());
    std::FILE* file = std::fopen(probe.c_str(), "wx");
    if (file == nullptr) {
        return sim::Error{path +
                          ": cannot create the recording's file there (check that the "
                          "folder exists and is writable)"};
    }
    std::fclose(file);
    std::filesystem::remove(probe);
    return sim::Status::success();
}

sim::Result<Recording> readRecording(const std::string& path) {
    auto file = policy::readSafetensors(path);
    if (!file) {
        return sim::Error{path +
                          ": not a charsim recording (a safetensors file written by run "
                          "--record): " +
                          file.error()};
    }
    const std::map<std::string, std::string>& metadata = file->metadata;
    auto text = [&](const char* key) -> const std::string* {
        const auto found = metadata.find(key);
        return found == metadata.end() ? nullptr : &found->second;
    };
    const std::string* format = text("format");
    if (format == nullptr || *format != kFormat) {
        return sim::Error{path + ": not a charsim recording (metadata \"format\" must be \"" +
                          kFormat + "\")"};
    }
    const std::string* version = text("version");
    if (version == nullptr || *version != kVersion) {
        return sim::Error{path + ": recording version \"" + (version ? *version : "") +
                          "\" is not the one this build reads (" + kVersion + ")"};
    }
    Recording recording;
    RecordingDescription& description = recording.description;
    for (const char* key : {"session", "character", "gains", "motion"}) {
        if (text(key) == nullptr) {
            return sim::Error{path + ": metadata entry \"" + key + "\" is missing"};
        }
    }
    description.characterText = *text("character");
    description.gainsText = *text("gains");
    description.motionText = *text("motion");
    const nlohmann::json settings = nlohmann::json::parse(*text("session"), nullptr, false);
    if (settings.is_discarded()) {
        return sim::Error{path + ": metadata entry \"session\" is not valid JSON"};
    }
    if (sim::Status status = readSettings(settings, path + ": metadata \"session\"", description);
        !status) {
        return sim::Error{status.error()};
    }

    const policy::SafetensorsEntry* resetEntry = file->find(kResetTimes);
    if (resetEntry == nullptr || resetEntry->shape.size() != 1) {
        return sim::Error{path + ": tensor \"" + kResetTimes + "\" must be F64 [steps]"};
    }
    const int64_t steps = resetEntry->shape[0];
    if (steps == 0) {
        return sim::Error{path + ": the recording holds no control steps"};
    }
    const int64_t actionSize = description.actionSize, bodies = description.bodyCount;
    sim::Status status = readTensor(*file, kResetTimes, "F64", {steps}, recording.resetTimes);
    if (status) {
        status = readTensor(*file, kPushes, "F64", {steps, kPushValues}, recording.pushes);
    }
    if (status) {
        status = readTensor(*file, kActions, "F64", {steps, actionSize}, recording.actions);
    }
    if (status) {
        status = readTensor(*file, kRewards, "F64", {steps}, recording.rewards);
    }
    if (status) {
        status = readTensor(*file, kEnds, "U8", {steps}, recording.ends);
    }
    if (status) {
        status = readTensor(*file, kPlacements, "F64", {steps, bodies, kPlacementValues},
                            recording.placements);
    }
    if (status) {
        status = checkSteps(path, recording);
    }
    if (!status) {
        return sim::Error{status.error()};
    }
    return recording;
}

}  // namespace app
