#pragma once
// Actor weight files: format detection, the project's safetensors layout, and inspection.
// Tensor names and formats are documented in docs/weights.md.

#include "policy/actor.h"
#include "sim/result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace policy {

struct SafetensorsFile;

// Weight file formats loadActorWeights understands.
enum class WeightsFormat { Safetensors, DeepMimicRaw, TfCheckpoint, Unknown };

// Human-readable name of a format ("safetensors", "DeepMimic raw float32", "TF V2 checkpoint").
const char* weightsFormatName(WeightsFormat format);

// Format of the file at `path` from its name and first bytes.
WeightsFormat detectWeightsFormat(const std::string& path);

// Loads actor weights in any supported format, validated (shapes chain, finite values,
// normalizer std > 0). Errors name the file, the tensor and what was expected.
sim::Result<ActorWeights> loadActorWeights(const std::string& path);

// Loads the project's safetensors layout: actor.{0,2,4,...}.weight [out,in] / .bias [out],
// state_norm.{mean,std} [stateSize], action_norm.{mean,std} [actionSize].
sim::Result<ActorWeights> loadSafetensorsActor(const std::string& path);

// Writes weights in the project's safetensors layout (F32), description in __metadata__.
sim::Status saveActorWeights(const std::string& path, const ActorWeights& weights);

// The physics_rate, pd_rate and policy_rate entries of a safetensors __metadata__ (actor files
// and PPO checkpoints): all three or none, each a positive number of Hz; errors name the file
// and the entry.
sim::Result<TrainedRates> readTrainedRates(const SafetensorsFile& file);
// Adds the three entries when the rates are known.
void writeTrainedRates(const TrainedRates& rates, std::map<std::string, std::string>& metadata);

// One tensor of an inspected file.
struct TensorReport {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    bool checked = false;  // a check (crc, range) was run
    bool ok = true;        // the check passed (true when not checked)
    std::string note;      // "crc ok", the failure, or why it was not checked
};

// What `charsim inspect` prints about a weight file.
struct WeightsReport {
    std::string path;
    WeightsFormat format = WeightsFormat::Unknown;
    std::vector<TensorReport> tensors;
    std::vector<std::string> notes;  // file-level facts: sizes, metadata, data file, actor load
    bool actorLoads = false;         // loadActorWeights succeeds on this file

    // Multi-line text: format, one line per tensor (name, dtype, shape, check), notes.
    std::string text() const;
};

// Lists a weight file's contents and checks; an error only when the file cannot be parsed.
sim::Result<WeightsReport> inspectWeights(const std::string& path);

}  // namespace policy
