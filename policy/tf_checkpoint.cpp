#include "policy/tf_checkpoint.h"

#include "policy/crc32c.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace policy {
namespace {

using sim::Error;

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;       // two padded block handles (40) + magic (8)
constexpr size_t kBlockTrailerSize = 5;  // compression type (1) + masked crc32c (4)

// Bounds-checked cursor over protobuf wire format and LevelDB varints.
class WireReader {
public:
    WireReader(const unsigned char* data, size_t size) : m_p(data), m_end(data + size) {}

    bool done() const { return m_p == m_end; }
    size_t remaining() const { return static_cast<size_t>(m_end - m_p); }
    const unsigned char* data() const { return m_p; }

    bool advanceBy(uint64_t n) {
        if (remaining() < n) {
            return false;
        }
        m_p += n;
        return true;
    }

    bool varint(uint64_t& value) {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_p == m_end) {
                return false;
            }
            const unsigned char byte = *m_p++;
            value |= static_cast<uint64_t>(byte & 0x7fu) << shift;
            if ((byte & 0x80u) == 0) {
                return true;
            }
        }
        return false;
    }

    bool fixed32(uint32_t& value) {
        if (remaining() < 4) {
            return false;
        }
        std::memcpy(&value, m_p, 4);
        m_p += 4;
        return true;
    }

    bool bytes(const unsigned char*& data, size_t& size) {
        uint64_t n = 0;
        if (!varint(n) || n > remaining()) {
            return false;
        }
        data = m_p;
        size = static_cast<size_t>(n);
        m_p += n;
        return true;
    }

    // Skips a field of the given wire type whose tag was already read.
    bool skip(uint64_t wireType) {
        uint64_t ignored = 0;
        const unsigned char* p = nullptr;
        size_t n = 0;
        switch (wireType) {
            case 0:
                return varint(ignored);
            case 1:
                return advanceBy(8);
            case 2:
                return bytes(p, n);
            case 5:
                return advanceBy(4);
            default:
                return false;
        }
    }

private:
    const unsigned char* m_p;
    const unsigned char* m_end;
};

struct BlockHandle {
    uint64_t offset = 0;
    uint64_t size = 0;
};

// Decodes a TensorShapeProto (field 2: repeated Dim{1: size}).
bool parseShape(const unsigned char* data, size_t size, std::vector<int64_t>& shape) {
    WireReader r(data, size);
    while (!r.done()) {
        uint64_t tag = 0;
        if (!r.varint(tag)) {
            return false;
        }
        if (tag >> 3 != 2 || (tag & 7) != 2) {
            if (!r.skip(tag & 7)) {
                return false;
            }
            continue;
        }
        const unsigned char* dim = nullptr;
        size_t dimSize = 0;
        if (!r.bytes(dim, dimSize)) {
            return false;
        }
        WireReader d(dim, dimSize);
        int64_t extent = 0;
        while (!d.done()) {
            uint64_t dtag = 0;
            uint64_t v = 0;
            if (!d.varint(dtag)) {
                return false;
            }
            if (dtag == (1 << 3)) {
                if (!d.varint(v)) {
                    return false;
                }
                extent = static_cast<int64_t>(v);
            } else if (!d.skip(dtag & 7)) {
                return false;
            }
        }
        shape.push_back(extent);
    }
    return true;
}

// Decodes a BundleEntryProto: 1 dtype, 2 shape, 3 shard_id, 4 offset, 5 size, 6 crc32c,
// 7 slices.
bool parseEntry(const unsigned char* data, size_t size, TfBundleEntry& entry) {
    WireReader r(data, size);
    while (!r.done()) {
        uint64_t tag = 0;
        uint64_t v = 0;
        if (!r.varint(tag)) {
            return false;
        }
        const uint64_t field = tag >> 3;
        const uint64_t wire = tag & 7;
        const unsigned char* sub = nullptr;
        size_t subSize = 0;
        bool ok = true;
        if (wire == 0 && field >= 1 && field <= 5 && field != 2) {
            ok = r.varint(v);
            if (field == 1) {
                entry.dtype = static_cast<int>(v);
            } else if (field == 3) {
                entry.shardId = static_cast<int>(v);
            } else if (field == 4) {
                entry.offset = v;
            } else if (field == 5) {
                entry.size = v;
            }
        } else if (field == 2 && wire == 2) {
            ok = r.bytes(sub, subSize) && parseShape(sub, subSize, entry.shape);
        } else if (field == 6 && wire == 5) {
            ok = r.fixed32(entry.maskedCrc32c);
        } else if (field == 7 && wire == 2) {
            entry.sliced = true;
            ok = r.skip(wire);
        } else {
            ok = r.skip(wire);
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

// Decodes a BundleHeaderProto: 1 num_shards, 2 endianness (0 little), 3 version.
sim::Status parseHeader(const unsigned char* data, size_t size, TfBundleIndex& index,
                        const std::string& label) {
    WireReader r(data, size);
    while (!r.done()) {
        uint64_t tag = 0;
        uint64_t v = 0;
        if (!r.varint(tag)) {
            return Error{label + ": bundle header (empty key) is not valid protobuf"};
        }
        if ((tag & 7) == 0 && (tag >> 3 == 1 || tag >> 3 == 2)) {
            if (!r.varint(v)) {
                return Error{label + ": bundle header (empty key) is not valid protobuf"};
            }
            if (tag >> 3 == 1) {
                index.numShards = static_cast<int>(v);
            } else if (v != 0) {
                return Error{label + ": bundle is big-endian; only little-endian is supported"};
            }
        } else if (!r.skip(tag & 7)) {
            return Error{label + ": bundle header (empty key) is not valid protobuf"};
        }
    }
    if (index.numShards < 1 || index.numShards > 99999) {
        return Error{label + ": bundle header num_shards = " + std::to_string(index.numShards)};
    }
    return sim::Status::success();
}

// Contents of the block at `handle`, after checking bounds, compression byte and checksum.
sim::Result<WireReader> readBlock(const std::vector<unsigned char>& file, BlockHandle handle,
                                  const std::string& label, const std::string& what) {
    std::ostringstream where;
    where << label << ": " << what << " block at offset " << handle.offset << " size "
          << handle.size;
    if (handle.offset > file.size() || handle.size > file.size() - handle.offset ||
        kBlockTrailerSize > file.size() - handle.offset - handle.size) {
        return Error{where.str() + " runs past the end of the " + std::to_string(file.size()) +
                     "-byte file"};
    }
    const unsigned char* block = file.data() + handle.offset;
    const unsigned char type = block[handle.size];
    if (type != 0) {
        return Error{where.str() + " is compressed (type " + std::to_string(type) +
                     "); only uncompressed tables are supported"};
    }
    uint32_t stored = 0;
    std::memcpy(&stored, block + handle.size + 1, 4);
    const uint32_t actual = crc32c(block + handle.size, 1, crc32c(block, handle.size));
    if (unmaskCrc32c(stored) != actual) {
        return Error{where.str() + " fails its crc32c check (index file corrupted)"};
    }
    return WireReader(block, handle.size);
}

// Walks one block's prefix-compressed entries, calling visit(key, value, size) for each.
template <class Visit>
sim::Status forEachEntry(WireReader block, const std::string& label, const std::string& what,
                         Visit&& visit) {
    // The block ends with uint32 restart offsets and their uint32 count; entries precede them.
    const size_t size = block.remaining();
    const unsigned char* base = block.data();
    const std::string bad = label + ": " + what + " block is malformed";
    if (size < 4) {
        return Error{bad + " (shorter than its restart count)"};
    }
    uint32_t numRestarts = 0;
    std::memcpy(&numRestarts, base + size - 4, 4);
    if (numRestarts == 0 || numRestarts > (size - 4) / 4) {
        return Error{bad + " (restart count " + std::to_string(numRestarts) + ")"};
    }
    const size_t entriesEnd = size - 4 - 4 * static_cast<size_t>(numRestarts);
    WireReader r(base, entriesEnd);
    std::string key;
    while (!r.done()) {
        uint64_t shared = 0;
        uint64_t unshared = 0;
        uint64_t valueSize = 0;
        if (!r.varint(shared) || !r.varint(unshared) || !r.varint(valueSize) ||
            shared > key.size() || unshared > r.remaining() ||
            valueSize > r.remaining() - unshared) {
            return Error{bad + " (entry after key '" + key + "')"};
        }
        const unsigned char* p = r.data();
        key.resize(shared);
        key.append(reinterpret_cast<const char*>(p), unshared);
        if (!r.advanceBy(unshared + valueSize)) {
            return Error{bad};
        }
        if (sim::Status st = visit(key, p + unshared, static_cast<size_t>(valueSize)); !st) {
            return st;
        }
    }
    return sim::Status::success();
}

bool decodeHandle(WireReader& r, BlockHandle& handle) {
    return r.varint(handle.offset) && r.varint(handle.size);
}

}  // namespace

const TfBundleEntry* TfBundleIndex::find(const std::string& name) const {
    for (const TfBundleEntry& e : entries) {
        if (e.name == name) {
            return &e;
        }
    }
    return nullptr;
}

std::string TfBundleIndex::dataPath(int shard) const {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, numShards);
    return stem + suffix;
}

std::string tfBundleStem(const std::string& path) {
    const std::string index = ".index";
    if (path.size() > index.size() &&
        path.compare(path.size() - index.size(), index.size(), index) == 0) {
        return path.substr(0, path.size() - index.size());
    }
    const size_t data = path.rfind(".data-");
    if (data != std::string::npos && path.find('/', data) == std::string::npos) {
        return path.substr(0, data);
    }
    return path;
}

sim::Result<TfBundleIndex> parseTfBundleIndex(const std::vector<unsigned char>& bytes,
                                              const std::string& label) {
    TfBundleIndex index;
    // Footer: metaindex handle, index handle (varints, zero padded to 40 bytes), magic.
    if (bytes.size() < kFooterSize) {
        return Error{label + ": " + std::to_string(bytes.size()) +
                     " bytes is too short for an SSTable footer (48 bytes)"};
    }
    const unsigned char* footer = bytes.data() + bytes.size() - kFooterSize;
    uint64_t magic = 0;
    std::memcpy(&magic, footer + 40, 8);
    if (magic != kTableMagic) {
        return Error{label + ": footer magic is not 0xdb4775248b80fb57; not a TF checkpoint index"};
    }
    WireReader footerReader(footer, 40);
    BlockHandle metaHandle;
    BlockHandle indexHandle;
    if (!decodeHandle(footerReader, metaHandle) || !decodeHandle(footerReader, indexHandle)) {
        return Error{label + ": footer block handles are malformed"};
    }
    auto indexBlock = readBlock(bytes, indexHandle, label, "index");
    if (!indexBlock) {
        return Error{indexBlock.error()};
    }
    // Each index entry's value is the handle of one data block; each data entry is a tensor.
    bool haveHeader = false;
    const auto visitTensor = [&](const std::string& key, const unsigned char* value,
                                 size_t size) -> sim::Status {
        if (key.empty()) {
            haveHeader = true;
            return parseHeader(value, size, index, label);
        }
        TfBundleEntry entry;
        entry.name = key;
        if (!parseEntry(value, size, entry)) {
            return Error{label + ": tensor '" + key + "' BundleEntryProto is malformed"};
        }
        index.entries.push_back(std::move(entry));
        return sim::Status::success();
    };
    const auto visitBlock = [&](const std::string&, const unsigned char* value,
                                size_t size) -> sim::Status {
        WireReader r(value, size);
        BlockHandle handle;
        if (!decodeHandle(r, handle)) {
            return Error{label + ": index block holds a malformed block handle"};
        }
        auto block = readBlock(bytes, handle, label, "data");
        if (!block) {
            return Error{block.error()};
        }
        return forEachEntry(block.value(), label, "data", visitTensor);
    };
    if (sim::Status st = forEachEntry(indexBlock.value(), label, "index", visitBlock); !st) {
        return Error{st.error()};
    }
    if (!haveHeader) {
        return Error{label + ": no bundle header (empty key); not a TF V2 checkpoint index"};
    }
    return index;
}

sim::Result<TfBundleIndex> readTfBundleIndex(const std::string& path) {
    const std::string stem = tfBundleStem(path);
    const std::string indexPath = stem + ".index";
    std::ifstream in(indexPath, std::ios::binary);
    if (!in) {
        return Error{indexPath + ": cannot open the checkpoint index (given '" + path + "')"};
    }
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    auto index = parseTfBundleIndex(bytes, indexPath);
    if (index) {
        index->stem = stem;
        index->indexPath = indexPath;
    }
    return index;
}

sim::Result<std::vector<unsigned char>> readTfTensorBytes(const TfBundleIndex& index,
                                                          const TfBundleEntry& entry) {
    const std::string where = "tensor '" + entry.name + "'";
    if (entry.sliced) {
        return Error{index.indexPath + ": " + where +
                     " is a partitioned (sliced) variable; "
                     "only whole tensors are supported"};
    }
    uint64_t elements = 1;
    for (int64_t d : entry.shape) {
        elements *= static_cast<uint64_t>(d);
    }
    const int itemSize = tfDtypeSize(entry.dtype);
    if (itemSize == 0 || elements * static_cast<uint64_t>(itemSize) != entry.size) {
        return Error{index.indexPath + ": " + where + " (" + tfDtypeName(entry.dtype) + ") size " +
                     std::to_string(entry.size) + " bytes does not match its shape"};
    }
    if (entry.shardId < 0 || entry.shardId >= index.numShards) {
        return Error{index.indexPath + ": " + where + " names shard " +
                     std::to_string(entry.shardId) + " of " + std::to_string(index.numShards)};
    }
    const std::string dataPath = index.dataPath(entry.shardId);
    std::ifstream in(dataPath, std::ios::binary | std::ios::ate);
    if (!in) {
        return Error{dataPath +
                     ": checkpoint data file is missing (only the .index was found; "
                     "place the matching .data file beside it)"};
    }
    const auto fileSize = static_cast<uint64_t>(in.tellg());
    if (entry.offset > fileSize || entry.size > fileSize - entry.offset) {
        std::ostringstream msg;
        msg << dataPath << ": " << where << " needs bytes [" << entry.offset << ", "
            << entry.offset + entry.size << ") but the file is " << fileSize
            << " bytes (truncated?)";
        return Error{msg.str()};
    }
    std::vector<unsigned char> bytes(static_cast<size_t>(entry.size));
    in.seekg(static_cast<std::streamoff>(entry.offset));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!in) {
        return Error{dataPath + ": read failed for " + where};
    }
    const uint32_t actual = maskCrc32c(crc32c(bytes.data(), bytes.size()));
    if (actual != entry.maskedCrc32c) {
        char msg[160];
        std::snprintf(msg, sizeof msg,
                      ": %s fails its crc32c check (masked 0x%08x in the index, "
                      "0x%08x in the data)",
                      where.c_str(), entry.maskedCrc32c, actual);
        return Error{dataPath + msg};
    }
    return bytes;
}

sim::Result<std::vector<float>> readTfFloatTensor(const TfBundleIndex& index,
                                                  const std::string& name) {
    const TfBundleEntry* entry = index.find(name);
    if (entry == nullptr) {
        return Error{index.indexPath + ": tensor '" + name + "' is not in the checkpoint"};
    }
    if (entry->dtype != 1) {
        return Error{index.indexPath + ": tensor '" + name + "' is " + tfDtypeName(entry->dtype) +
                     ", expected float32"};
    }
    auto bytes = readTfTensorBytes(index, *entry);
    if (!bytes) {
        return Error{bytes.error()};
    }
    std::vector<float> values(bytes->size() / 4);
    std::memcpy(values.data(), bytes->data(), values.size() * 4);
    return values;
}

std::string tfDtypeName(int dtype) {
    switch (dtype) {
        case 1:
            return "float32";
        case 2:
            return "float64";
        case 3:
            return "int32";
        case 4:
            return "uint8";
        case 5:
            return "int16";
        case 6:
            return "int8";
        case 7:
            return "string";
        case 9:
            return "int64";
        case 10:
            return "bool";
        case 14:
            return "bfloat16";
        case 19:
            return "float16";
        default:
            return "dtype " + std::to_string(dtype);
    }
}

int tfDtypeSize(int dtype) {
    switch (dtype) {
        case 1:
        case 3:
            return 4;
        case 2:
        case 9:
            return 8;
        case 4:
        case 6:
        case 10:
            return 1;
        case 5:
        case 14:
        case 19:
            return 2;
        default:
            return 0;
    }
}

}  // namespace policy
