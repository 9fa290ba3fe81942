#pragma once
// CRC-32C (Castagnoli), as used by TensorFlow tensor bundles and LevelDB tables.

#include <cstddef>
#include <cstdint>

namespace policy {

// CRC-32C of `size` bytes at `data`, continuing from `crc` (0 to start a new checksum).
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

// LevelDB/TensorFlow storage mask of a crc: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
constexpr uint32_t maskCrc32c(uint32_t crc) {
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

// Inverse of maskCrc32c.
constexpr uint32_t unmaskCrc32c(uint32_t masked) {
    const uint32_t rot = masked - 0xa282ead8u;
    return (rot >> 17) | (rot << 15);
}

}  // namespace policy
