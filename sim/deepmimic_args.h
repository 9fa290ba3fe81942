#pragma once
// DeepMimic's args files (args/*.txt): `--key value ...` lines and `#` comments. charsim applies
// their scene settings and resolves the files they name (paths relative to a DeepMimic
// checkout).

#include <map>
#include <string>
#include <vector>

#include "sim/imitation_env.h"
#include "sim/result.h"

namespace sim {

struct DeepMimicArgs {
    std::string sourcePath;
    std::map<std::string, std::vector<std::string>> values;  // key without "--" -> its words

    bool has(const std::string& key) const { return values.count(key) != 0; }
};

// Reads an args file. Errors name the file and line.
Result<DeepMimicArgs> loadDeepMimicArgs(const std::string& path);
Result<DeepMimicArgs> parseDeepMimicArgs(const std::string& text, const std::string& sourceName);

// Applies the scene settings to `settings`: update and sim substeps (rates), world scale, fall
// contact bodies and the contact-fall switch, root sync, hold_end_frame. Settings charsim does
// not support (soft contact, non-plane terrain, root-rotation fail, other characters or
// controllers) are refused with a message naming the key.
Status applyDeepMimicArgs(const DeepMimicArgs& args, EnvSettings& settings);

// Resolves the file an args key names (character_files, char_ctrl_files, motion_file,
// model_files): "" when the key is absent; an error naming the key and the paths tried when it
// is named but not found. A path is tried relative to the current folder and to every folder
// above the args file (a DeepMimic checkout holds args/ beside data/); then without its leading
// "data/" (a data-only copy's layout), preferring the folder's 2018 copy ("deepmimic_2018/" or
// "deepmimic_2018_variants/"), since these args files belong to the 2018 layout. A TF
// checkpoint stem (X.ckpt) resolves when X.ckpt.index exists.
Result<std::string> resolveDeepMimicArgsFile(const DeepMimicArgs& args, const std::string& key);

}  // namespace sim
