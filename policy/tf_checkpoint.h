#pragma once
// Native reader for TensorFlow V2 checkpoint bundles (X.ckpt.index + X.ckpt.data-*-of-*),
// no TensorFlow needed. The .index is a LevelDB-style SSTable mapping tensor names to
// BundleEntryProto records; the .data files are the raw tensor bytes at those offsets.

#include "sim/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace policy {

// One tensor of a bundle, as described by its BundleEntryProto.
struct TfBundleEntry {
    std::string name;            // e.g. "agent/main/actor/0/dense/kernel"
    int dtype = 0;               // tensorflow DataType enum (1 float32, 3 int32, ...)
    std::vector<int64_t> shape;  // row-major dimensions; TF dense kernels are [in, out]
    int shardId = 0;             // which .data-NNNNN-of-MMMMM file holds the bytes
    uint64_t offset = 0;         // [bytes] inside that data file
    uint64_t size = 0;           // [bytes]
    uint32_t maskedCrc32c = 0;   // masked crc32c of the tensor bytes (see crc32c.h)
    bool sliced = false;         // partitioned variable (slices); not readable here
};

// The decoded .index of a bundle.
struct TfBundleIndex {
    std::string stem;                    // "X.ckpt": the path without .index / .data-*
    std::string indexPath;               // stem + ".index"
    int numShards = 1;                   // from the header entry (empty key)
    std::vector<TfBundleEntry> entries;  // in key order, header excluded

    // The entry called `name`, or nullptr.
    const TfBundleEntry* find(const std::string& name) const;
    // Path of data shard `shard`: stem + ".data-00000-of-00001" for one shard.
    std::string dataPath(int shard) const;
};

// Bundle stem of a path naming the .index, a .data-* file, or the stem itself.
std::string tfBundleStem(const std::string& path);

// Reads and decodes the .index of the bundle named by `path` (.index, .data-* or stem):
// footer magic, block handles, block checksums, prefix-compressed keys, BundleEntryProto.
sim::Result<TfBundleIndex> readTfBundleIndex(const std::string& path);

// Same as readTfBundleIndex for index bytes already in memory; `label` names them in errors.
sim::Result<TfBundleIndex> parseTfBundleIndex(const std::vector<unsigned char>& bytes,
                                              const std::string& label);

// Bytes of one tensor from its data file, verified against size and masked crc32c.
sim::Result<std::vector<unsigned char>> readTfTensorBytes(const TfBundleIndex& index,
                                                          const TfBundleEntry& entry);

// Values of a float32 tensor (crc-verified), row-major in TF's own layout.
sim::Result<std::vector<float>> readTfFloatTensor(const TfBundleIndex& index,
                                                  const std::string& name);

// Name of a tensorflow DataType value ("float32", "int32", ...), or "dtype N".
std::string tfDtypeName(int dtype);

// Bytes per element of a tensorflow DataType, or 0 when variable or unknown.
int tfDtypeSize(int dtype);

}  // namespace policy
