#include "app/gui_training_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "policy/models/critic.h"
#include "policy/weights.h"

namespace app {

policy::PpoSettings TrainingSettings::defaultPpo() {
    policy::PpoSettings ppo;
    ppo.threads = 1;
    ppo.criticHidden = ppo.actorHidden;
    ppo.actorOptimizer.kind = ppo.criticOptimizer.kind = policy::OptimizerKind::Adam;
    ppo.actorOptimizer.stepSize = policy::defaultStepSize(policy::OptimizerKind::Adam, false);
    ppo.criticOptimizer.stepSize = policy::defaultStepSize(policy::OptimizerKind::Adam, true);
    return ppo;
}

// ---- TrainingController ----

namespace {

// Hidden layer sizes of an actor: the output size of every layer but the last.
std::vector<int> hiddenSizes(const policy::ActorWeights& weights) {
    std::vector<int> sizes;
    for (size_t l = 0; l + 1 < weights.layers.size(); ++l) {
        sizes.push_back(static_cast<int>(weights.layers[l].weight.rows()));
    }
    return sizes;
}

// An optimizer of `kind` with the step size `charsim train` defaults to for it.
policy::OptimizerSettings defaultOptimizer(policy::OptimizerKind kind, bool critic) {
    policy::OptimizerSettings optimizer;
    optimizer.kind = kind;
    optimizer.stepSize = policy::defaultStepSize(kind, critic);
    return optimizer;
}

void pushCapped(std::vector<float>& history, double value, int capacity) {
    history.push_back(static_cast<float>(value));
    if (static_cast<int>(history.size()) > std::max(capacity, 1)) {
        history.erase(history.begin());
    }
}

}  // namespace

sim::Result<std::unique_ptr<TrainingController>> TrainingController::create(
    const SessionOptions& files, const TrainingSettings& settings,
    const policy::ActorWeights* initial) {
    std::unique_ptr<TrainingController> c(new TrainingController());
    c->m_settings = settings;
    c->m_motionName = std::filesystem::path(files.motionPath).filename().string();

    // Files: the session's own, so training is on the clip on screen.
    auto character = sim::loadCharacter(files.characterPath);
    if (!character) {
        return sim::Error{character.error()};
    }
    c->m_character = std::move(character).value();
    auto gains = sim::loadControllerConfig(files.gainsPath, c->m_character);
    if (!gains) {
        return sim::Error{gains.error()};
    }
    c->m_gains = std::move(gains).value();
    auto motion = sim::loadMotion(files.motionPath, c->m_character);
    if (!motion) {
        return sim::Error{motion.error()};
    }
    c->m_motion = std::move(motion).value();

    // Fine-tuning takes the network shape from the weights it starts from, resuming from the
    // checkpoint.
    policy::PpoSettings ppo = settings.ppo;
    sim::EnvSettings environment = files.environment;
    const std::string checkpoint = settings.outDir + "/checkpoint.safetensors";
    if (settings.start == TrainingStart::Resume) {
        auto shape = policy::readCheckpointShape(checkpoint);
        if (!shape) {
            return sim::Error{"resume: " + shape.error()};
        }
        ppo.actorHidden = shape->actorHidden;
        ppo.criticHidden = shape->criticHidden;
        ppo.actorOptimizer = defaultOptimizer(shape->actorOptimizer, false);
        ppo.criticOptimizer = defaultOptimizer(shape->criticOptimizer, true);
        if (shape->rates.known()) {  // go on at the rates it learned with
            environment.physicsRate = shape->rates.physics;
            environment.pdRate = shape->rates.pd;
            environment.policyRate = shape->rates.policy;
        }
    }
    if (settings.start == TrainingStart::FineTune) {
        if (initial == nullptr) {
            return sim::Error{"fine-tuning needs the session's policy weights; it has none"};
        }
        ppo.actorHidden = ppo.criticHidden = hiddenSizes(*initial);
        ppo.freezeActorIterations = settings.fineTuneFreezeIterations;
    }
    auto trainer =
        policy::PpoTrainer::create(c->m_character, c->m_gains, c->m_motion, environment, ppo);
    if (!trainer) {
        return sim::Error{trainer.error()};
    }
    c->m_trainer = std::move(trainer).value();
    if (settings.start == TrainingStart::FineTune) {
        if (sim::Status init = c->m_trainer->initActor(*initial); !init) {
            return sim::Error{"fine-tuning: " + init.error()};
        }
    }
    if (settings.start == TrainingStart::Resume) {
        if (sim::Status loaded = c->m_trainer->loadCheckpoint(checkpoint); !loaded) {
            return sim::Error{"resume: " + loaded.error()};
        }
        c->m_progress.iteration = c->m_trainer->iteration();
        c->m_progress.samples = c->m_trainer->samples();
    }
    c->m_thread = std::thread([raw = c.get()] { raw->run(); });
    return std::unique_ptr<TrainingController>(std::move(c));
}

TrainingController::~TrainingController() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void TrainingController::start() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_progress.running = true;
        m_progress.error.clear();
    }
    m_wake.notify_all();
}

void TrainingController::pause() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_progress.running = false;
}

void TrainingController::requestSave(const std::string& folder) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_saveFolder = folder.empty() ? std::string(".") : folder;
    }
    m_wake.notify_all();
}

std::optional<policy::ActorWeights> TrainingController::takeNewWeights() {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::optional<policy::ActorWeights> weights = std::move(m_newWeights);
    m_newWeights.reset();
    return weights;
}

TrainingProgress TrainingController::progress() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_progress;
}

// The thread: waits for work, then saves (first, so a save does not wait behind training) or
// runs one iteration, until told to quit.
void TrainingController::run() {
    std::unique_lock<std::mutex> lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [&] { return m_quit || m_progress.running || !m_saveFolder.empty(); });
        if (m_quit) {
            return;
        }
        if (!m_saveFolder.empty()) {
            const std::string folder = std::move(m_saveFolder);
            m_saveFolder.clear();
            lock.unlock();
            saveOnce(folder);
            lock.lock();
            continue;
        }
        m_progress.iterating = true;
        lock.unlock();
        iterateOnce();
        lock.lock();
        m_progress.iterating = false;
    }
}

void TrainingController::iterateOnce() {
    auto stats = m_trainer->iterate();
    if (!stats) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_progress.error = stats.error();
        m_progress.running = false;
        return;
    }
    std::ostringstream description;
    description << "PPO in the window on " << m_motionName << ", " << stats->samples
                << " samples, iteration " << stats->iteration;
    policy::ActorWeights weights = m_trainer->actorWeights(description.str());

    std::lock_guard<std::mutex> lock(m_mutex);
    m_newWeights = std::move(weights);
    m_progress.iteration = stats->iteration;
    m_progress.samples = stats->samples;
    const double seconds = stats->sampleSeconds + stats->updateSeconds;
    m_progress.samplesPerSecond = seconds > 0 ? stats->batchSamples / seconds : 0;
    m_progress.actorFrozen = stats->actorFrozen;
    pushCapped(m_progress.meanReturn, stats->meanReturn, m_settings.historyLength);
    pushCapped(m_progress.episodeSeconds, stats->meanEpisodeSeconds, m_settings.historyLength);
}

void TrainingController::saveOnce(const std::string& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    sim::Status status = ec ? sim::Status(sim::Error{folder + ": cannot create: " + ec.message()})
                            : m_trainer->saveCheckpoint(folder + "/checkpoint.safetensors");
    if (status) {
        std::ostringstream description;
        description << "PPO in the window on " << m_motionName << ", " << m_trainer->samples()
                    << " samples, iteration " << m_trainer->iteration();
        status = policy::saveActorWeights(folder + "/actor.safetensors",
                                          m_trainer->actorWeights(description.str()));
        if (status) {
            status = policy::saveCriticWeights(folder + "/critic.safetensors",
                                               m_trainer->criticWeights(description.str()));
        }
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    m_progress.saveMessage = status ? "wrote " + folder + "/{actor, critic, checkpoint}.safetensors"
                                    : "save failed: " + status.error();
    ++m_progress.saves;
}

// ---- TrainingPanel ----

void TrainingPanel::update(Session& session) {
    if (!m_controller) {
        return;
    }
    if (std::optional<policy::ActorWeights> weights = m_controller->takeNewWeights()) {
        if (sim::Status status = session.setPolicyWeights(std::move(*weights)); !status) {
            m_message = status.error();
            m_controller->pause();
        }
    }
}

void TrainingPanel::drawButtons(Session& session, const TrainingProgress& progress) {
    if (!progress.running) {
        if (ImGui::Button(m_controller ? "Resume" : "Start")) {
            if (!m_controller) {
                m_settings.outDir = m_outDir;
                auto created = TrainingController::create(session.options(), m_settings,
                                                          session.policyWeights());
                if (created) {
                    m_controller = std::move(created).value();
                    m_message.clear();
                } else {
                    m_message = created.error();
                }
            }
            if (m_controller) {
                m_controller->start();
            }
        }
    } else if (ImGui::Button("Pause")) {
        m_controller->pause();
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(!m_controller);
    if (ImGui::Button("Save")) {
        m_controller->requestSave(m_outDir);
    }
    ImGui::SameLine();
    // A new run (with another start) needs the old trainer gone; it waits for its iteration.
    ImGui::BeginDisabled(progress.running || progress.iterating);
    if (ImGui::Button("Discard")) {
        m_controller.reset();
        m_message.clear();
    }
    ImGui::EndDisabled();
    ImGui::EndDisabled();
}

void TrainingPanel::draw(Session& session) {
    const ImGuiIO& io = ImGui::GetIO();
    // Collapsed in the top right at first, so it covers little of the view until opened.
    ImGui::SetNextWindowPos(ImVec2(std::max(io.DisplaySize.x - 370.0f, 360.0f), 10),
                            ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(360, 0), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowCollapsed(true, ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("training")) {
        ImGui::End();
        return;
    }
    const TrainingProgress progress = m_controller ? m_controller->progress() : TrainingProgress{};
    ImGui::BeginDisabled(m_controller != nullptr);
    int start = static_cast<int>(m_settings.start);
    ImGui::RadioButton("from scratch", &start, static_cast<int>(TrainingStart::Scratch));
    ImGui::SameLine();
    ImGui::RadioButton("fine-tune loaded policy", &start,
                       static_cast<int>(TrainingStart::FineTune));
    ImGui::RadioButton("resume the output folder's checkpoint", &start,
                       static_cast<int>(TrainingStart::Resume));
    m_settings.start = static_cast<TrainingStart>(start);
    ImGui::EndDisabled();
    drawButtons(session, progress);
    ImGui::InputText("output folder", m_outDir, sizeof(m_outDir));

    ImGui::Text("iteration %lld   samples %lld   %.0f samples/s%s", progress.iteration,
                progress.samples, progress.samplesPerSecond,
                progress.actorFrozen ? "   (critic only)" : "");
    ImGui::TextDisabled("%s", progress.running     ? (progress.iterating ? "training" : "starting")
                              : progress.iterating ? "pausing after this iteration"
                              : m_controller       ? "paused"
                                                   : "not started");
    const ImVec2 plotSize(ImGui::GetContentRegionAvail().x, 70);
    auto plot = [&](const char* label, const std::vector<float>& values) {
        char overlay[48];
        std::snprintf(overlay, sizeof(overlay), "%.3f",
                      values.empty() ? 0.0 : static_cast<double>(values.back()));
        ImGui::PlotLines(label, values.data(), static_cast<int>(values.size()), 0, overlay, FLT_MAX,
                         FLT_MAX, plotSize);
    };
    ImGui::TextUnformatted("mean return");
    plot("##return", progress.meanReturn);
    ImGui::TextUnformatted("mean episode length [s]");
    plot("##episode", progress.episodeSeconds);
    if (!progress.saveMessage.empty()) {
        ImGui::TextWrapped("%s", progress.saveMessage.c_str());
    }
    if (!progress.error.empty()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.3f, 1), "stopped: %s", progress.error.c_str());
    }
    if (!m_message.empty()) {
        ImGui::TextColored(ImVec4(1, 0.4f, 0.3f, 1), "%s", m_message.c_str());
    }
    ImGui::End();
}

}  // namespace app
