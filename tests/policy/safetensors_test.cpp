#include "policy/safetensors.h"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace {

// File bytes: u64 header length, the header text, then `dataBytes` bytes of 0x11.
std::vector<unsigned char> makeBytes(const std::string& header, size_t dataBytes) {
    std::vector<unsigned char> bytes;
    for (int i = 0; i < 8; ++i) {
        bytes.push_back(static_cast<unsigned char>(uint64_t{header.size()} >> (8 * i)));
    }
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.insert(bytes.end(), dataBytes, 0x11);
    return bytes;
}

std::string tempPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "charsim_policy_tests";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

// Error text of parsing `bytes`, or "" when they are accepted.
std::string parseError(std::vector<unsigned char> bytes) {
    auto file = policy::parseSafetensors(std::move(bytes), "t.safetensors");
    return file ? std::string() : file.error();
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("safetensors written then read gives the same tensors and metadata") {
        const std::vector<float> a = {1.0f, -2.5f, 3.25f, 0.0f, 1e-30f, -7.0f};
        const std::vector<float> b = {42.0f};
        const std::string path = tempPath("round_trip.safetensors");
        REQUIRE(policy::writeSafetensors(path,
                                         {policy::makeF32Tensor("a", {2, 3}, a.data(), a.size()),
                                          policy::makeF32Tensor("b", {1}, b.data(), b.size())},
                                         {{"description", "unit test"}}));
        auto file = policy::readSafetensors(path);
        REQUIRE_MESSAGE(file.ok(), file.error());
        CHECK(file->metadata.at("description") == "unit test");
        CHECK(file->dataStart % 8 == 0);
        const policy::SafetensorsEntry* ea = file->find("a");
        REQUIRE(ea != nullptr);
        CHECK(ea->dtype == "F32");
        CHECK(ea->shape == std::vector<int64_t>{2, 3});
        CHECK(*file->floats(*ea) == a);
        CHECK(*file->floats(*file->find("b")) == b);
        CHECK(file->find("c") == nullptr);
    }

    TEST_CASE("safetensors refuses a file shorter than its header length field") {
        CHECK(parseError({1, 2, 3}).find("too short") != std::string::npos);
    }

    TEST_CASE("safetensors refuses a header length past the end of the file") {
        auto bytes = makeBytes("{}", 0);
        const uint64_t huge = 1ull << 40;
        std::memcpy(bytes.data(), &huge, 8);
        const std::string err = parseError(bytes);
        CHECK(err.find("t.safetensors") != std::string::npos);
        CHECK(err.find("header length 1099511627776 runs past the end") != std::string::npos);
    }

    TEST_CASE("safetensors refuses a header that is not well-formed JSON") {
        CHECK(parseError(makeBytes("{\"a\": [", 0)).find("not well-formed JSON") !=
              std::string::npos);
    }

    TEST_CASE("safetensors refuses an unknown dtype and names the tensor") {
        const std::string err =
            parseError(makeBytes(R"({"w":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", 2));
        CHECK(err.find("tensor 'w'") != std::string::npos);
        CHECK(err.find("unknown dtype 'F8'") != std::string::npos);
    }

    TEST_CASE("safetensors refuses a shape whose byte count differs from data_offsets") {
        const std::string err =
            parseError(makeBytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
        CHECK(err.find("tensor 'w'") != std::string::npos);
        CHECK(err.find("needs 12 bytes") != std::string::npos);
    }

    TEST_CASE("safetensors refuses overlapping tensor byte ranges") {
        const std::string err =
            parseError(makeBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                 12));
        CHECK(err.find("tensor 'b'") != std::string::npos);
        CHECK(err.find("overlap tensor 'a'") != std::string::npos);
    }

    TEST_CASE("safetensors refuses a range past the data section and names the tensor") {
        const std::string err =
            parseError(makeBytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 12));
        CHECK(err.find("tensor 'w'") != std::string::npos);
        CHECK(err.find("run past the data section of 12 bytes") != std::string::npos);
    }

    TEST_CASE("safetensors refuses a truncated file") {
        const std::vector<float> v(64, 1.0f);
        const std::string path = tempPath("truncated.safetensors");
        REQUIRE(policy::writeSafetensors(path, {policy::makeF32Tensor("v", {64}, v.data(), 64)}));
        std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
        auto file = policy::readSafetensors(path);
        REQUIRE_FALSE(file.ok());
        CHECK(file.error().find(path) != std::string::npos);
        CHECK(file.error().find("tensor 'v'") != std::string::npos);
        CHECK(file.error().find("truncated") != std::string::npos);
    }

    TEST_CASE("safetensors accepts __metadata__ and refuses non-string metadata values") {
        CHECK(parseError(makeBytes(R"({"__metadata__":{"k":"v"}})", 0)).empty());
        CHECK(parseError(makeBytes(R"({"__metadata__":{"k":1}})", 0)).find("'k'") !=
              std::string::npos);
    }

    TEST_CASE("half and bfloat16 widen exactly to float32") {
        CHECK(policy::halfToFloat(0x3c00) == 1.0f);
        CHECK(policy::halfToFloat(0xc000) == -2.0f);
        CHECK(policy::halfToFloat(0x7bff) == 65504.0f);
        CHECK(policy::halfToFloat(0x3555) == 0.333251953125f);
        CHECK(policy::halfToFloat(0x0400) == std::ldexp(1.0f, -14));
        CHECK(policy::halfToFloat(0x0001) == std::ldexp(1.0f, -24));
        CHECK(policy::halfToFloat(0x03ff) == 1023.0f * std::ldexp(1.0f, -24));
        CHECK(policy::halfToFloat(0x7c00) == std::numeric_limits<float>::infinity());
        CHECK(policy::halfToFloat(0xfc00) == -std::numeric_limits<float>::infinity());
        CHECK(std::isnan(policy::halfToFloat(0x7e00)));
        CHECK(std::bit_cast<uint32_t>(policy::halfToFloat(0x8000)) == 0x80000000u);
        CHECK(policy::bfloat16ToFloat(0x3f80) == 1.0f);
        CHECK(policy::bfloat16ToFloat(0x4049) == 3.140625f);
        CHECK(policy::bfloat16ToFloat(0xff80) == -std::numeric_limits<float>::infinity());
        CHECK(std::bit_cast<uint32_t>(policy::bfloat16ToFloat(0x0001)) == 0x00010000u);
    }

    TEST_CASE("safetensors F16 and BF16 tensors read back widened") {
        const uint16_t half[] = {0x3c00, 0xc000, 0x0001, 0x7bff};
        const uint16_t bf16[] = {0x3f80, 0x4049, 0xc2f7};
        policy::SafetensorsTensor h{"h", "F16", {4}, std::vector<unsigned char>(8)};
        std::memcpy(h.bytes.data(), half, 8);
        policy::SafetensorsTensor b{"b", "BF16", {3}, std::vector<unsigned char>(6)};
        std::memcpy(b.bytes.data(), bf16, 6);
        const std::string path = tempPath("half.safetensors");
        REQUIRE(policy::writeSafetensors(path, {h, b}));
        auto file = policy::readSafetensors(path);
        REQUIRE_MESSAGE(file.ok(), file.error());
        CHECK(*file->floats(*file->find("h")) ==
              std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), 65504.0f});
        CHECK(*file->floats(*file->find("b")) == std::vector<float>{1.0f, 3.140625f, -123.5f});
    }

    TEST_CASE("safetensors integer tensors are refused as float values with the dtype named") {
        const std::string path = tempPath("int.safetensors");
        REQUIRE(policy::writeSafetensors(
            path, {policy::SafetensorsTensor{"i", "I32", {1}, std::vector<unsigned char>(4)}}));
        auto file = policy::readSafetensors(path);
        REQUIRE(file.ok());
        auto values = file->floats(*file->find("i"));
        REQUIRE_FALSE(values.ok());
        CHECK(values.error().find("tensor 'i' has dtype I32") != std::string::npos);
    }

}  // TEST_SUITE
