#pragma once
// `charsim skills`: DeepMimic's pretrained 2018 actors, each on its own clip with its own args
// file, from several fixed start times; a table of survival, reward and pose error, beside what
// the original DeepMimic core measured where its numbers are available.

#include <string>
#include <vector>

namespace app {

struct SkillsOptions {
    std::string deepMimicDir;         // DeepMimic's data (default: ../shared/deepmimic)
    std::vector<std::string> skills;  // empty: every skill with an actor in policies/found/
    int startTimes = 10;              // episodes per skill, starting at k * duration / n
    double seconds = 20;              // episode limit [s]
    int threads = 0;                  // 0: every core
    std::string jsonPath;             // also write the per-episode results here
};

// Runs the table and prints it; returns 0 when every skill could be run.
int runSkills(const SkillsOptions& options);

}  // namespace app
