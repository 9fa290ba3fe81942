#include "policy/tf_checkpoint.h"
#include "policy/crc32c.h"
#include "policy/deepmimic_weights.h"
#include "policy/weights.h"
#include "tests/test_support.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// One row of shared/deepmimic/policies/CHECKPOINT_LAYOUT.md.
struct LayoutRow {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint32_t crc = 0;
};

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(' ');
    const size_t e = s.find_last_not_of(' ');
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// CHECKPOINT_LAYOUT.md as {"deepmimic_2018/humanoid3d_walk.ckpt.index": rows}.
std::map<std::string, std::vector<LayoutRow>> readLayout(const std::string& path) {
    std::map<std::string, std::vector<LayoutRow>> out;
    std::ifstream in(path);
    std::string line;
    std::string section;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) {
            section = trim(line.substr(3));
            continue;
        }
        if (section.empty() || line.rfind("| agent/", 0) != 0) {
            continue;
        }
        std::vector<std::string> cells;
        std::stringstream ss(line.substr(1));
        std::string cell;
        while (std::getline(ss, cell, '|')) {
            cells.push_back(trim(cell));
        }
        REQUIRE(cells.size() >= 6);
        LayoutRow row{cells[0],
                      cells[1],
                      {},
                      std::stoull(cells[3]),
                      std::stoull(cells[4]),
                      static_cast<uint32_t>(std::stoul(cells[5], nullptr, 16))};
        std::stringstream dims(cells[2]);
        std::string dim;
        while (std::getline(dims, dim, 'x')) {
            row.shape.push_back(std::stoll(dim));
        }
        out[section].push_back(row);
    }
    return out;
}

std::vector<unsigned char> readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeAll(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

fs::path tempDir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / "charsim_policy_tests" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// Copies `skill`'s 2018 index into a temp dir and builds its .data from the raw export: each
// of the 10 actor tensors at its index offset (the export is already TF [in,out] layout),
// zeros elsewhere. Returns the bundle stem.
std::string assembleBundle(const std::string& skill, const fs::path& dir) {
    const std::string index =
        test::sharedPath("deepmimic/policies/deepmimic_2018/humanoid3d_" + skill + ".ckpt.index");
    const std::vector<unsigned char> raw =
        readAll(test::sharedPath("deepmimic/policies/found/humanoid3d_" + skill + "_float.bin"));
    REQUIRE(raw.size() == policy::deepMimicRawBytes(197, 36));
    const std::string stem = (dir / ("humanoid3d_" + skill + ".ckpt")).string();
    fs::copy_file(index, stem + ".index");
    auto bundle = policy::readTfBundleIndex(stem);
    REQUIRE_MESSAGE(bundle.ok(), bundle.error());
    std::vector<unsigned char> data(5900116, 0);
    size_t rawOffset = 0;
    for (const std::string& name : policy::deepMimicActorTensorNames()) {
        const policy::TfBundleEntry* e = bundle->find(name);
        REQUIRE(e != nullptr);
        REQUIRE(e->offset + e->size <= data.size());
        std::memcpy(data.data() + e->offset, raw.data() + rawOffset, e->size);
        rawOffset += e->size;
    }
    REQUIRE(rawOffset == raw.size());
    writeAll(bundle->dataPath(0), data);
    return stem;
}

// Minimal bundle writer for synthetic checkpoints: protobuf varints, one data block without
// prefix sharing, one index block, an empty metaindex block and the 48-byte footer.
void putVarint(std::vector<unsigned char>& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<unsigned char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<unsigned char>(v));
}

struct SyntheticTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;
};

std::vector<unsigned char> entryProto(const std::vector<int64_t>& shape, uint64_t offset,
                                      uint64_t size, uint32_t crc) {
    std::vector<unsigned char> dims;
    for (int64_t d : shape) {
        std::vector<unsigned char> dim;
        dim.push_back(0x08);
        putVarint(dim, static_cast<uint64_t>(d));
        dims.push_back(0x12);
        putVarint(dims, dim.size());
        dims.insert(dims.end(), dim.begin(), dim.end());
    }
    std::vector<unsigned char> e = {0x08, 0x01, 0x12};  // dtype float32, shape
    putVarint(e, dims.size());
    e.insert(e.end(), dims.begin(), dims.end());
    e.push_back(0x20);  // offset
    putVarint(e, offset);
    e.push_back(0x28);  // size
    putVarint(e, size);
    e.push_back(0x35);  // crc32c, fixed32
    for (int i = 0; i < 4; ++i) {
        e.push_back(static_cast<unsigned char>(crc >> (8 * i)));
    }
    return e;
}

// Appends a block of (key, value) entries with its restart array and trailer; returns handle.
std::pair<uint64_t, uint64_t> putBlock(
    std::vector<unsigned char>& file,
    const std::vector<std::pair<std::string, std::vector<unsigned char>>>& entries) {
    const uint64_t offset = file.size();
    for (const auto& [key, value] : entries) {
        putVarint(file, 0);
        putVarint(file, key.size());
        putVarint(file, value.size());
        file.insert(file.end(), key.begin(), key.end());
        file.insert(file.end(), value.begin(), value.end());
    }
    const unsigned char restarts[8] = {0, 0, 0, 0, 1, 0, 0, 0};  // one restart at 0
    file.insert(file.end(), restarts, restarts + 8);
    const uint64_t size = file.size() - offset;
    file.push_back(0);  // uncompressed
    const uint32_t crc = policy::maskCrc32c(policy::crc32c(file.data() + offset, size + 1));
    for (int i = 0; i < 4; ++i) {
        file.push_back(static_cast<unsigned char>(crc >> (8 * i)));
    }
    return {offset, size};
}

// Writes stem.index and stem.data-00000-of-00001 holding `tensors` (sorted by name).
void writeBundle(const std::string& stem, std::vector<SyntheticTensor> tensors) {
    std::sort(tensors.begin(), tensors.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    std::vector<unsigned char> data;
    std::vector<std::pair<std::string, std::vector<unsigned char>>> entries;
    entries.push_back({"", {0x08, 0x01, 0x1a, 0x02, 0x08, 0x01}});  // header: 1 shard
    for (const SyntheticTensor& t : tensors) {
        const size_t bytes = t.values.size() * 4;
        const uint32_t crc = policy::maskCrc32c(policy::crc32c(t.values.data(), bytes));
        entries.push_back({t.name, entryProto(t.shape, data.size(), bytes, crc)});
        const auto* p = reinterpret_cast<const unsigned char*>(t.values.data());
        data.insert(data.end(), p, p + bytes);
    }
    std::vector<unsigned char> index;
    const auto dataBlock = putBlock(index, entries);
    std::vector<unsigned char> handle;
    putVarint(handle, dataBlock.first);
    putVarint(handle, dataBlock.second);
    const auto meta = putBlock(index, {});
    const auto top = putBlock(index, {{tensors.back().name, handle}});
    std::vector<unsigned char> footer;
    putVarint(footer, meta.first);
    putVarint(footer, meta.second);
    putVarint(footer, top.first);
    putVarint(footer, top.second);
    footer.resize(40, 0);
    const uint64_t magic = 0xdb4775248b80fb57ull;
    for (int i = 0; i < 8; ++i) {
        footer.push_back(static_cast<unsigned char>(magic >> (8 * i)));
    }
    index.insert(index.end(), footer.begin(), footer.end());
    writeAll(stem + ".index", index);
    writeAll(stem + ".data-00000-of-00001", data);
}

std::vector<float> ramp(size_t n, float scale) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) {
        v[i] = scale * static_cast<float>(static_cast<int>(i % 17) - 8);
    }
    return v;
}

const char* const kSkillsWithBoth[] = {"walk", "run", "backflip", "cartwheel", "jump", "spinkick"};

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("every shared .index decodes to the names, shapes, offsets and crcs of the layout") {
        if (!test::haveShared("deepmimic/policies/CHECKPOINT_LAYOUT.md")) {
            return;
        }
        const auto layout = readLayout(test::sharedPath("deepmimic/policies/CHECKPOINT_LAYOUT.md"));
        REQUIRE(layout.size() >= 6);
        int in2018 = 0;
        for (const auto& [file, rows] : layout) {
            CAPTURE(file);
            in2018 += file.rfind("deepmimic_2018/", 0) == 0 ? 1 : 0;
            auto index = policy::readTfBundleIndex(test::sharedPath("deepmimic/policies/" + file));
            REQUIRE_MESSAGE(index.ok(), index.error());
            CHECK(index->numShards == 1);
            REQUIRE(index->entries.size() == rows.size());
            for (size_t i = 0; i < rows.size(); ++i) {
                const policy::TfBundleEntry& e = index->entries[i];
                CAPTURE(rows[i].name);
                CHECK(e.name == rows[i].name);
                CHECK(policy::tfDtypeName(e.dtype) == rows[i].dtype);
                CHECK(e.shape == rows[i].shape);
                CHECK(e.offset == rows[i].offset);
                CHECK(e.size == rows[i].size);
                CHECK(e.maskedCrc32c == rows[i].crc);
                CHECK(e.shardId == 0);
            }
        }
        CHECK(in2018 == 6);
    }

    TEST_CASE("a TF bundle is found from its .index, its .data or its stem") {
        CHECK(policy::tfBundleStem("a/x.ckpt.index") == "a/x.ckpt");
        CHECK(policy::tfBundleStem("a/x.ckpt.data-00000-of-00001") == "a/x.ckpt");
        CHECK(policy::tfBundleStem("a/x.ckpt") == "a/x.ckpt");
        CHECK(policy::tfBundleStem("a.data-1/x.ckpt") == "a.data-1/x.ckpt");
    }

    TEST_CASE("TF index reader refuses a corrupted index with the block named") {
        if (!test::haveShared("deepmimic/policies/deepmimic_2018/humanoid3d_walk.ckpt.index")) {
            return;
        }
        std::vector<unsigned char> bytes = readAll(
            test::sharedPath("deepmimic/policies/deepmimic_2018/humanoid3d_walk.ckpt.index"));
        auto flipped = bytes;
        flipped[40] ^= 0x01;  // inside a tensor name of the data block
        auto bad = policy::parseTfBundleIndex(flipped, "w.index");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().find("data block") != std::string::npos);
        CHECK(bad.error().find("crc32c") != std::string::npos);

        auto noMagic = bytes;
        noMagic.back() ^= 0xff;
        CHECK(policy::parseTfBundleIndex(noMagic, "w.index").error().find("footer magic") !=
              std::string::npos);
        const std::vector<unsigned char> tiny(bytes.begin(), bytes.begin() + 20);
        CHECK(policy::parseTfBundleIndex(tiny, "w.index").error().find("too short") !=
              std::string::npos);
    }

    TEST_CASE("TF checkpoint without its .data file is refused naming the missing file") {
        if (!test::haveShared("deepmimic/policies/deepmimic_2018/humanoid3d_walk.ckpt.index")) {
            return;
        }
        auto w = policy::loadActorWeights(
            test::sharedPath("deepmimic/policies/deepmimic_2018/humanoid3d_walk.ckpt.index"));
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find("humanoid3d_walk.ckpt.data-00000-of-00001") != std::string::npos);
        CHECK(w.error().find("missing") != std::string::npos);
    }

    TEST_CASE(
        "data assembled from the raw exports matches the stored crc32c of every actor tensor") {
        if (!test::haveShared("deepmimic/policies/found/humanoid3d_walk_float.bin")) {
            return;
        }
        const fs::path dir = tempDir("assembled");
        for (const char* skill : kSkillsWithBoth) {
            CAPTURE(skill);
            const std::string stem = assembleBundle(skill, dir);
            auto index = policy::readTfBundleIndex(stem + ".index");
            REQUIRE(index.ok());
            for (const std::string& name : policy::deepMimicActorTensorNames()) {
                CAPTURE(name);
                auto bytes = policy::readTfTensorBytes(*index, *index->find(name));
                CHECK_MESSAGE(bytes.ok(), (bytes.ok() ? "" : bytes.error()));
            }
            // The three ways to name the bundle load the same actor as the raw export.
            auto raw = policy::loadDeepMimicRaw(test::sharedPath(
                "deepmimic/policies/found/humanoid3d_" + std::string(skill) + "_float.bin"));
            REQUIRE(raw.ok());
            for (const std::string& path : {stem, stem + ".index", index->dataPath(0)}) {
                auto tf = policy::loadActorWeights(path);
                REQUIRE_MESSAGE(tf.ok(), tf.error());
                CHECK(tf->stateMean == raw->stateMean);
                CHECK(tf->actionStd == raw->actionStd);
                REQUIRE(tf->layers.size() == 3);
                for (size_t l = 0; l < 3; ++l) {
                    CHECK(tf->layers[l].weight == raw->layers[l].weight);
                    CHECK(tf->layers[l].bias == raw->layers[l].bias);
                }
            }
        }
    }

    TEST_CASE("a flipped byte in the .data fails the crc check naming the tensor") {
        if (!test::haveShared("deepmimic/policies/found/humanoid3d_walk_float.bin")) {
            return;
        }
        const fs::path dir = tempDir("flipped");
        const std::string stem = assembleBundle("walk", dir);
        auto index = policy::readTfBundleIndex(stem);
        REQUIRE(index.ok());
        const policy::TfBundleEntry* kernel = index->find("agent/main/actor/1/dense/kernel");
        REQUIRE(kernel != nullptr);
        std::vector<unsigned char> data = readAll(index->dataPath(0));
        data[kernel->offset + 1000] ^= 0x04;
        writeAll(index->dataPath(0), data);

        auto w = policy::loadActorWeights(stem);
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find("'agent/main/actor/1/dense/kernel' fails its crc32c check") !=
              std::string::npos);
        CHECK(w.error().find("masked 0x150f7a87 in the index") != std::string::npos);

        auto report = policy::inspectWeights(stem + ".index");
        REQUIRE(report.ok());
        CHECK_FALSE(report->actorLoads);
        int failed = 0;
        for (const policy::TensorReport& t : report->tensors) {
            CHECK(t.checked);
            if (t.name == "agent/main/actor/0/dense/kernel") {
                CHECK(t.ok);
            }
            if (t.name == "agent/main/actor/1/dense/kernel") {
                CHECK_FALSE(t.ok);
            }
            failed += t.ok ? 0 : 1;
        }
        CHECK(failed >= 1);  // also the critic, which the raw export does not hold
        CHECK(report->text().find("TF V2 checkpoint, 36 tensors") != std::string::npos);
    }

    TEST_CASE("a truncated .data names the tensor and the bytes it needs") {
        if (!test::haveShared("deepmimic/policies/found/humanoid3d_walk_float.bin")) {
            return;
        }
        const fs::path dir = tempDir("truncated");
        const std::string stem = assembleBundle("walk", dir);
        auto index = policy::readTfBundleIndex(stem);
        REQUIRE(index.ok());
        fs::resize_file(index->dataPath(0), 3000000);
        auto w = policy::loadActorWeights(stem);
        REQUIRE_FALSE(w.ok());
        CHECK(w.error().find("agent/resource/s_norm/mean' needs bytes [5896940, 5897728)") !=
              std::string::npos);
    }

    TEST_CASE("a HEAD-layout bundle (dist_gauss_diag/mean head) loads with kernels transposed") {
        const fs::path dir = tempDir("head_layout");
        const std::string stem = (dir / "head.ckpt").string();
        const int s = 6;
        const int h0 = 5;
        const int h1 = 4;
        const int a = 3;
        std::vector<float> stdev(s, 2.0f);
        writeBundle(stem,
                    {{"agent/resource/s_norm/mean", {s}, ramp(s, 0.1f)},
                     {"agent/resource/s_norm/std", {s}, stdev},
                     {"agent/resource/a_norm/mean", {a}, ramp(a, 1.0f)},
                     {"agent/resource/a_norm/std", {a}, {3.14f, 3.14f, 6.28f}},
                     {"agent/main/actor/0/dense/kernel", {s, h0}, ramp(s * h0, 0.01f)},
                     {"agent/main/actor/0/dense/bias", {h0}, ramp(h0, 0.02f)},
                     {"agent/main/actor/1/dense/kernel", {h0, h1}, ramp(h0 * h1, 0.03f)},
                     {"agent/main/actor/1/dense/bias", {h1}, ramp(h1, 0.04f)},
                     {"agent/main/actor/dist_gauss_diag/mean/kernel", {h1, a}, ramp(h1 * a, 0.05f)},
                     {"agent/main/actor/dist_gauss_diag/mean/bias", {a}, ramp(a, 0.06f)},
                     {"agent/main/actor/dist_gauss_diag/logstd/bias", {a}, ramp(a, 0.0f)}});
        auto w = policy::loadActorWeights(stem + ".index");
        REQUIRE_MESSAGE(w.ok(), w.error());
        REQUIRE(w->layers.size() == 3);
        CHECK(w->layers[0].weight.rows() == h0);
        CHECK(w->layers[0].weight.cols() == s);
        CHECK(w->layers[2].weight.rows() == a);
        const std::vector<float> k1 = ramp(h0 * h1, 0.03f);
        CHECK(w->layers[1].weight(3, 2) == k1[2 * h1 + 3]);  // TF [in][out] -> [out, in]
        CHECK(w->actionStd[2] == 6.28f);
        CHECK(w->description == "DeepMimic TF checkpoint " + stem);

        auto report = policy::inspectWeights(stem);
        REQUIRE(report.ok());
        CHECK(report->tensors.size() == 11);
        CHECK(report->actorLoads);
        for (const policy::TensorReport& t : report->tensors) {
            CHECK(t.checked);
            CHECK(t.ok);
        }
    }

}  // TEST_SUITE
