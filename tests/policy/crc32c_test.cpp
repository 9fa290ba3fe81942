#include "policy/crc32c.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

TEST_SUITE("policy") {
    TEST_CASE("crc32c of \"123456789\" is the Castagnoli check value 0xe3069283") {
        const std::string text = "123456789";
        CHECK(policy::crc32c(text.data(), text.size()) == 0xe3069283u);
    }

    TEST_CASE("crc32c continued over split input equals crc32c of the whole") {
        std::vector<unsigned char> bytes(1000);
        for (size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = static_cast<unsigned char>(i * 37 + 11);
        }
        const uint32_t whole = policy::crc32c(bytes.data(), bytes.size());
        for (size_t split :
             {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{333}, size_t{999}}) {
            const uint32_t first = policy::crc32c(bytes.data(), split);
            CHECK(policy::crc32c(bytes.data() + split, bytes.size() - split, first) == whole);
        }
    }

    TEST_CASE("masked crc of empty data is the mask constant and unmask inverts mask") {
        CHECK(policy::crc32c(nullptr, 0) == 0u);
        CHECK(policy::maskCrc32c(0) == 0xa282ead8u);
        for (uint32_t c : {0u, 1u, 0xe3069283u, 0xffffffffu, 0x12345678u}) {
            CHECK(policy::unmaskCrc32c(policy::maskCrc32c(c)) == c);
        }
    }

}  // TEST_SUITE
