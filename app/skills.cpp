#include "app/skills.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numbers>
#include <thread>

#include <unistd.h>

#include "app/args_options.h"
#include "app/session.h"
#include "sim/motion.h"
#include "sim/text_file.h"

namespace app {

namespace fs = std::filesystem;

namespace {

// One episode of one skill.
struct EpisodeResult {
    double startTime = 0;
    double seconds = 0;  // until fall, clip end or the limit
    std::string end;     // "time limit", "clip end", "fall", "invalid"
    long long steps = 0;
    double rewardSum = 0;
    double poseErrorSum = 0;
    std::string error;  // set when the episode could not be run
};

struct SkillJob {
    std::string skill;
    std::string argsPath, policyPath;
    double duration = 0;
    std::vector<EpisodeResult> episodes;
};

EpisodeResult runEpisode(const SkillJob& job, const SkillsOptions& options, double startTime) {
    EpisodeResult result;
    result.startTime = startTime;
    SessionOptions session;
    session.policyPath = job.policyPath;
    session.startTime = startTime;
    session.environment.episodeTimeLimit = options.seconds;
    ExplicitSettings given;
    given.episodeSeconds = true;  // test mode: the args files' training limits do not apply
    sim::Status applied = applyArgsFile(job.argsPath, given, session);
    if (!applied) {
        result.error = applied.error();
        return result;
    }
    auto created = Session::create(session);
    if (!created) {
        result.error = created.error();
        return result;
    }
    Session& s = **created;
    // A fresh scene per episode, as the reference measurement did; run until it ends.
    while (s.status().finishedEpisodes == 0) {
        s.advanceControlStep();
    }
    const SessionStatus& status = s.status();
    result.seconds = status.finishedEpisodeSeconds;
    result.steps = status.controlSteps;
    result.rewardSum = status.rewardSum;
    result.poseErrorSum = status.poseErrorSum;
    result.end = status.ends.fall      ? "fall"
                 : status.ends.invalid ? "invalid"
                 : status.ends.clipEnd ? "clip end"
                                       : "time limit";
    return result;
}

// The original core's numbers for this table (06e5b37, skill args), when present.
nlohmann::json loadReference(const std::string& deepMimicDir) {
    std::ifstream file(deepMimicDir + "/golden/pretrained_in_oracle.json");
    if (!file) {
        return nullptr;
    }
    const nlohmann::json all = nlohmann::json::parse(file, nullptr, false);
    if (all.is_discarded() || !all.contains("results")) {
        return nullptr;
    }
    return all["results"]
        .value("skill_args", nlohmann::json::object())
        .value("06e5b37", nlohmann::json());
}

}  // namespace

int runSkills(const SkillsOptions& options) {
    const std::string dir = options.deepMimicDir;
    std::vector<std::string> skills = options.skills;
    std::error_code missing;
    if (!fs::is_directory(dir + "/policies/found", missing)) {
        std::fprintf(
            stderr,
            "charsim skills: %s/policies/found is not a folder: give DeepMimic's data "
            "folder with --deepmimic DIR (characters/, motions/, args/, policies/found/)\n",
            dir.c_str());
        return 1;
    }
    if (skills.empty()) {
        for (const auto& entry : fs::directory_iterator(dir + "/policies/found")) {
            const std::string name = entry.path().filename().string();
            const std::string prefix = "humanoid3d_", suffix = "_float.bin";
            if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() + suffix.size() &&
                name.substr(name.size() - suffix.size()) == suffix) {
                skills.push_back(
                    name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()));
            }
        }
        std::sort(skills.begin(), skills.end());
    }
    if (skills.empty()) {
        std::fprintf(stderr, "charsim skills: no actors found in %s/policies/found\n", dir.c_str());
        return 1;
    }

    // Each skill's files: its DeepMimic train args (the scene keys equal the run args') and
    // its actor; the clip comes from the args file.
    std::vector<SkillJob> jobs;
    for (const std::string& skill : skills) {
        SkillJob job;
        job.skill = skill;
        job.argsPath = dir + "/args/deepmimic_2018/train_humanoid3d_" + skill + "_args.txt";
        job.policyPath = dir + "/policies/found/humanoid3d_" + skill + "_float.bin";
        SessionOptions probe;
        probe.policyPath = job.policyPath;
        sim::Status applied = applyArgsFile(job.argsPath, {}, probe);
        if (!applied) {
            std::fprintf(stderr, "charsim skills: %s: %s\n", skill.c_str(),
                         applied.error().c_str());
            return 1;
        }
        auto character = sim::loadCharacter(probe.characterPath);
        auto motion = character ? sim::loadMotion(probe.motionPath, *character)
                                : sim::Result<sim::Motion>(sim::Error{character.error()});
        if (!motion) {
            std::fprintf(stderr, "charsim skills: %s: %s\n", skill.c_str(), motion.error().c_str());
            return 1;
        }
        job.duration = motion->duration();
        job.episodes.resize(options.startTimes);
        jobs.push_back(std::move(job));
    }

    // Episodes are independent: share them out over threads.
    std::vector<std::pair<int, int>> work;
    for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
        for (int k = 0; k < options.startTimes; ++k) {
            work.emplace_back(j, k);
        }
    }
    std::atomic<size_t> next{0};
    std::mutex printMutex;
    const bool showProgress = isatty(STDERR_FILENO) != 0;
    size_t finished = 0;
    const int threadCount =
        options.threads > 0 ? options.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    std::vector<std::thread> threads;
    for (int t = 0; t < threadCount; ++t) {
        threads.emplace_back([&]() {
            for (size_t i = next++; i < work.size(); i = next++) {
                auto [j, k] = work[i];
                SkillJob& job = jobs[j];
                const double start = job.duration * k / options.startTimes;
                job.episodes[k] = runEpisode(job, options, start);
                if (showProgress) {
                    std::lock_guard<std::mutex> lock(printMutex);
                    std::fprintf(stderr, "\r%zu/%zu episodes", ++finished, work.size());
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    if (showProgress) {
        std::fprintf(stderr, "\n");
    }

    const nlohmann::json reference = loadReference(dir);
    std::printf(
        "DeepMimic's pretrained 2018 actors in charsim: %d start times per skill "
        "(k * duration / %d), episodes up to %.0f s, each skill's own args\n",
        options.startTimes, options.startTimes, options.seconds);
    std::printf("%-15s %6s %-5s | %8s %7s %7s %8s %9s | %14s %9s\n", "skill", "clip s", "loop",
                "no-fall", "falls", "mean s", "r/step", "pose err", "core no-fall", "core r");
    nlohmann::json out = nlohmann::json::array();
    int failures = 0;
    for (const SkillJob& job : jobs) {
        int noFall = 0, falls = 0, invalid = 0, clipEnds = 0;
        double seconds = 0, rewards = 0, poseErrors = 0;
        long long steps = 0;
        nlohmann::json episodes = nlohmann::json::array();
        for (const EpisodeResult& e : job.episodes) {
            if (!e.error.empty()) {
                std::fprintf(stderr, "charsim skills: %s: %s\n", job.skill.c_str(),
                             e.error.c_str());
                ++failures;
                continue;
            }
            noFall += e.end == "time limit" || e.end == "clip end";
            clipEnds += e.end == "clip end";
            falls += e.end == "fall";
            invalid += e.end == "invalid";
            seconds += e.seconds;
            rewards += e.rewardSum;
            poseErrors += e.poseErrorSum;
            steps += e.steps;
            episodes.push_back({{"start_time", e.startTime},
                                {"seconds", e.seconds},
                                {"end", e.end},
                                {"steps", e.steps},
                                {"mean_reward_per_step", e.steps ? e.rewardSum / e.steps : 0}});
        }
        const int n = static_cast<int>(job.episodes.size());
        const double rewardPerStep = steps ? rewards / static_cast<double>(steps) : 0;
        // Weighted RMS joint angle error per step, in degrees.
        const double poseErrorDegrees =
            steps ? std::sqrt(poseErrors / static_cast<double>(steps)) * 180 / std::numbers::pi : 0;
        const bool loops = job.episodes.empty() ? true : clipEnds == 0;
        std::string coreNoFall = "-", coreReward = "-";
        if (reference.is_object() && reference.contains(job.skill) &&
            reference[job.skill].is_object() &&
            reference[job.skill].value("episodes_without_fall", nlohmann::json()).is_number() &&
            reference[job.skill].value("mean_reward_per_step", nlohmann::json()).is_number()) {
            const nlohmann::json& r = reference[job.skill];
            const size_t coreEpisodes =
                r.contains("episodes") && r["episodes"].is_array() ? r["episodes"].size() : 0;
            coreNoFall = std::to_string(r.value("episodes_without_fall", 0)) + "/" +
                         std::to_string(coreEpisodes);
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.3f", r.value("mean_reward_per_step", 0.0));
            coreReward = buffer;
        }
        char noFallText[32];
        std::snprintf(noFallText, sizeof noFallText, "%d/%d", noFall, n);
        std::printf("%-15s %6.3f %-5s | %8s %7d %7.2f %8.3f %7.1f d | %14s %9s\n",
                    job.skill.c_str(), job.duration, loops ? "wrap" : "none", noFallText, falls,
                    n ? seconds / n : 0, rewardPerStep, poseErrorDegrees, coreNoFall.c_str(),
                    coreReward.c_str());
        if (invalid > 0) {
            std::printf("%-15s   (%d invalid: a body velocity above 100)\n", "", invalid);
        }
        out.push_back({{"skill", job.skill},
                       {"clip_seconds", job.duration},
                       {"no_fall", noFall},
                       {"falls", falls},
                       {"invalid", invalid},
                       {"clip_end", clipEnds},
                       {"mean_seconds", n ? seconds / n : 0},
                       {"mean_reward_per_step", rewardPerStep},
                       {"pose_error_rms_degrees", poseErrorDegrees},
                       {"episodes", episodes}});
    }
    std::printf(
        "no-fall: episodes that reached the limit or the end of a non-looping clip; "
        "pose err: weighted RMS joint angle error per step; core: DeepMimic 06e5b37.\n");
    if (!options.jsonPath.empty()) {
        if (sim::Status written = sim::writeTextFile(options.jsonPath, out.dump(1) + "\n", "JSON");
            !written) {
            std::fprintf(stderr, "charsim skills: %s\n", written.error().c_str());
            return 1;
        }
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace app
