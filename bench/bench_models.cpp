// Times the five C++ models on one thread: batch-1 latency (median of many calls) and
// throughput at larger batches. Prints one JSON object per line for tools/bench/compare.py:
//   {"model": "actor", "batch": 1, "median_us": 12.3, "samples_per_s": 81300}
// and, per model, the floor under any batch-1 latency on this machine: the time to read the
// model's float32 weights once when they are as hot as repeated calls keep them
//   {"model": "actor", "weights_bytes": 2976912, "weights_read_us": 104.2}
//
//   bench_models [--weights DIR] [--batches 1,64,4096] [--seconds S] [--models a,b]
// DIR holds <model>.weights.safetensors (default: tests/data/models of the source tree).

#include "policy/actor.h"
#include "policy/models/critic.h"
#include "policy/models/deep_phase.h"
#include "policy/models/normalized_mlp.h"
#include "policy/models/style_vae.h"
#include "policy/models/transition_net.h"
#include "policy/nn/gemm.h"
#include "policy/safetensors.h"
#include "policy/weights.h"

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string weights = std::string(CHARSIM_SOURCE_DIR) + "/tests/data/models";
    std::vector<int> batches = {1, 64, 4096};
    double seconds = 1.0;  // time budget per (model, batch)
    std::vector<std::string> models = {"deep_phase", "style_vae",    "transition_net",
                                       "actor",      "policy_actor", "critic"};
};

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string item; std::getline(s, item, ',');) {
        out.push_back(item);
    }
    return out;
}

// Runs `call` repeatedly for about `seconds`: median and mean seconds per call.
std::pair<double, double> timeCalls(const std::function<void()>& call, double seconds) {
    call();  // first call sizes the scratch
    std::vector<double> times;
    const auto start = Clock::now();
    while (times.size() < 5 ||
           (std::chrono::duration<double>(Clock::now() - start).count() < seconds &&
            times.size() < 20000)) {
        const auto t0 = Clock::now();
        call();
        times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    double total = 0.0;
    for (double t : times) {
        total += t;
    }
    std::nth_element(times.begin(), times.begin() + long(times.size() / 2), times.end());
    return {times[times.size() / 2], total / double(times.size())};
}

// Bytes of `model`'s weights as float32 (the runtime keeps them so, whatever the file holds).
size_t weightBytes(const std::string& model, const std::string& dir) {
    const std::string path =
        dir + "/" + (model == "policy_actor" ? "actor" : model) + ".weights.safetensors";
    const auto file = policy::readSafetensors(path);
    if (!file.ok()) {
        return 0;
    }
    size_t count = 0;
    for (const policy::SafetensorsEntry& entry : file->entries) {
        size_t elements = 1;
        for (int64_t d : entry.shape) {
            elements *= static_cast<size_t>(d);
        }
        count += elements;
    }
    return count * sizeof(float);
}

// Median seconds to sum `bytes` of floats that earlier passes left in the caches.
double readSeconds(size_t bytes, double seconds) {
    std::vector<float> data(bytes / sizeof(float), 1.0f);
    volatile float sink = 0;
    const auto [median, mean] = timeCalls(
        [&] {
            // 64 independent sums (four AVX-512 vectors) so the adds keep up with the loads.
            constexpr size_t kLanes = 64;
            float sums[kLanes] = {};
            const size_t n = data.size() / kLanes * kLanes;
            for (size_t i = 0; i < n; i += kLanes) {
                for (size_t lane = 0; lane < kLanes; ++lane) {
                    sums[lane] += data[i + lane];
                }
            }
            float total = 0;
            for (float s : sums) {
                total += s;
            }
            sink = sink + total;
        },
        seconds);
    (void)mean;
    return median;
}

// A forward of `model` at batch n on fixed inputs; empty when the weights do not load.
std::function<void()> makeCall(const std::string& model, const std::string& dir, int n) {
    const std::string path =
        dir + "/" + (model == "policy_actor" ? "actor" : model) + ".weights.safetensors";
    std::vector<float> in(size_t(60) * 196 * size_t(n), 0.25f);
    std::vector<float> out(size_t(60) * 196 * size_t(n));
    const auto fail = [&](const std::string& error) {
        std::fprintf(stderr, "bench_models: %s\n", error.c_str());
        return std::function<void()>();
    };
    if (model == "deep_phase") {
        auto m = policy::DeepPhase::load(path);
        if (!m)
            return fail(m.error());
        return [m = std::move(m).value(), in, out, n]() mutable {
            m.forward(in.data(), n, out.data());
        };
    }
    if (model == "style_vae") {
        auto m = policy::StyleVAE::load(path);
        if (!m)
            return fail(m.error());
        return [m = std::move(m).value(), in, out, n]() mutable {
            m.reconstruct(in.data(), n, out.data());
        };
    }
    if (model == "transition_net") {
        auto m = policy::TransitionNet::load(path);
        if (!m)
            return fail(m.error());
        return [m = std::move(m).value(), in, out, n]() mutable {
            m.forward(in.data(), in.data(), in.data(), n, out.data());
        };
    }
    if (model == "actor" || model == "critic") {
        auto w =
            model == "actor" ? policy::loadActorWeights(path) : policy::loadCriticWeights(path);
        if (!w)
            return fail(w.error());
        return [m = policy::NormalizedMlp(std::move(w).value()), in, out, n]() mutable {
            m.forward(in.data(), n, out.data());
        };
    }
    if (model == "policy_actor") {  // the vertical slice's policy::Actor
        auto w = policy::loadActorWeights(path);
        if (!w)
            return fail(w.error());
        Eigen::MatrixXf states = Eigen::MatrixXf::Constant(197, n, 0.25f);
        Eigen::MatrixXf actions(36, n);
        Eigen::VectorXf s = states.col(0), a(36);
        return [actor = policy::Actor(std::move(w).value()), states, actions, s, a, n]() mutable {
            if (n == 1) {
                actor.act(s, a);
            } else {
                actor.actBatch(states, actions);
            }
        };
    }
    return fail("unknown model " + model);
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const std::string value = argv[i + 1];
        if (key == "--weights") {
            opt.weights = value;
        } else if (key == "--batches") {
            opt.batches.clear();
            for (const std::string& b : split(value)) {
                opt.batches.push_back(std::atoi(b.c_str()));
            }
        } else if (key == "--seconds") {
            opt.seconds = std::atof(value.c_str());
        } else if (key == "--models") {
            opt.models = split(value);
        } else {
            std::fprintf(stderr, "bench_models: unknown option %s\n", key.c_str());
            return 2;
        }
    }
    Eigen::setNbThreads(1);
    std::printf("{\"kernel\": \"%s\"}\n", policy::nn::gemmKernelName());
    for (const std::string& model : opt.models) {
        for (int n : opt.batches) {
            const std::function<void()> call = makeCall(model, opt.weights, n);
            if (!call) {
                return 1;
            }
            const auto [median, mean] = timeCalls(call, opt.seconds);
            std::printf(
                "{\"model\": \"%s\", \"batch\": %d, \"median_us\": %.3f, "
                "\"samples_per_s\": %.1f}\n",
                model.c_str(), n, median * 1e6, double(n) / mean);
            std::fflush(stdout);
        }
        if (const size_t bytes = weightBytes(model, opt.weights); bytes > 0) {
            std::printf("{\"model\": \"%s\", \"weights_bytes\": %zu, \"weights_read_us\": %.3f}\n",
                        model.c_str(), bytes, readSeconds(bytes, opt.seconds) * 1e6);
            std::fflush(stdout);
        }
    }
    return 0;
}
