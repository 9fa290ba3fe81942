// inspectWeights and WeightsReport::text (declared in weights.h).
#include "policy/deepmimic_weights.h"
#include "policy/safetensors.h"
#include "policy/tf_checkpoint.h"
#include "policy/weights.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace policy {
namespace {

using sim::Error;

sim::Status inspectSafetensors(WeightsReport& report) {
    auto file = readSafetensors(report.path);
    if (!file) {
        return Error{file.error()};
    }
    for (const SafetensorsEntry& e : file->entries) {
        report.tensors.push_back(
            {e.name, e.dtype, e.shape, true, true,
             "bytes " + std::to_string(e.begin) + "-" + std::to_string(e.end) + " in range"});
    }
    for (const auto& [key, value] : file->metadata) {
        report.notes.push_back("metadata " + key + ": " + value);
    }
    return sim::Status::success();
}

sim::Status inspectRaw(WeightsReport& report) {
    static const std::vector<std::vector<int64_t>> kShapes = {
        {197}, {197}, {36}, {36}, {197, 1024}, {1024}, {1024, 512}, {512}, {512, 36}, {36}};
    const auto names = deepMimicActorTensorNames();
    const auto size = std::filesystem::file_size(report.path);
    const size_t expected = deepMimicRawBytes(197, 36);
    const bool sizeOk = size == expected;
    for (size_t i = 0; i < names.size(); ++i) {
        report.tensors.push_back({names[i], "float32", kShapes[i], true, sizeOk,
                                  sizeOk ? "TF [in,out] layout" : "file size wrong"});
    }
    report.notes.push_back("file " + std::to_string(size) + " bytes, expected " +
                           std::to_string(expected) + " (no header, no checksum)");
    return sim::Status::success();
}

sim::Status inspectTf(WeightsReport& report) {
    auto index = readTfBundleIndex(report.path);
    if (!index) {
        return Error{index.error()};
    }
    report.notes.push_back("index " + index->indexPath + ", " + std::to_string(index->numShards) +
                           " shard(s)");
    bool dataMissing = false;
    for (int shard = 0; shard < index->numShards; ++shard) {
        if (!std::filesystem::exists(index->dataPath(shard))) {
            report.notes.push_back("data file missing: " + index->dataPath(shard) +
                                   " (crc checks not run)");
            dataMissing = true;
        }
    }
    for (const TfBundleEntry& e : index->entries) {
        char crc[48];
        std::snprintf(crc, sizeof crc, "offset %llu size %llu crc 0x%08x",
                      static_cast<unsigned long long>(e.offset),
                      static_cast<unsigned long long>(e.size), e.maskedCrc32c);
        TensorReport t{e.name, tfDtypeName(e.dtype), e.shape, false, true, crc};
        if (!dataMissing) {
            auto bytes = readTfTensorBytes(*index, e);
            t.checked = true;
            t.ok = bytes.ok();
            t.note += bytes.ok() ? ": crc ok" : ": " + bytes.error();
        }
        report.tensors.push_back(std::move(t));
    }
    return sim::Status::success();
}

}  // namespace

sim::Result<WeightsReport> inspectWeights(const std::string& path) {
    WeightsReport report;
    report.path = path;
    report.format = detectWeightsFormat(path);
    sim::Status st = Error{path +
                           ": unrecognized weight file (expected safetensors, a "
                           "DeepMimic raw float32 .bin, or a TF checkpoint)"};
    switch (report.format) {
        case WeightsFormat::Safetensors:
            st = inspectSafetensors(report);
            break;
        case WeightsFormat::DeepMimicRaw:
            st = inspectRaw(report);
            break;
        case WeightsFormat::TfCheckpoint:
            st = inspectTf(report);
            break;
        default:
            break;
    }
    if (!st) {
        return Error{st.error()};
    }
    auto actor = loadActorWeights(path);
    report.actorLoads = actor.ok();
    report.notes.push_back(actor.ok() ? "actor loads: " + actor->description + " (state " +
                                            std::to_string(actor->stateMean.size()) + ", action " +
                                            std::to_string(actor->actionMean.size()) + ")"
                                      : "actor does not load: " + actor.error());
    return report;
}

std::string WeightsReport::text() const {
    std::ostringstream out;
    out << path << ": " << weightsFormatName(format) << ", " << tensors.size() << " tensors\n";
    for (const TensorReport& t : tensors) {
        out << "  " << t.name << "  " << t.dtype << " [";
        for (size_t i = 0; i < t.shape.size(); ++i) {
            out << (i ? "," : "") << t.shape[i];
        }
        out << "]  " << (t.checked ? (t.ok ? "ok" : "FAILED") : "unchecked") << "  " << t.note
            << "\n";
    }
    for (const std::string& note : notes) {
        out << "  " << note << "\n";
    }
    return out.str();
}

}  // namespace policy
