#include "policy/nn/weight_reader.h"

#include <cmath>
#include <sstream>
#include <utility>

namespace policy::nn {

sim::Result<WeightReader> WeightReader::open(const std::string& path) {
    auto file = readSafetensors(path);
    if (!file) {
        return sim::Error{file.error()};
    }
    return WeightReader(std::move(file).value());
}

WeightReader::WeightReader(SafetensorsFile file) : m_file(std::move(file)) {}

std::vector<float> WeightReader::read(const std::string& name, const std::vector<int64_t>& shape) {
    int64_t count = 1;
    for (int64_t d : shape) {
        count *= d;
    }
    std::vector<float> zeros(static_cast<size_t>(count), 0.0f);
    m_read.insert(name);
    if (!m_error.empty()) {
        return zeros;
    }
    const SafetensorsEntry* e = m_file.find(name);
    if (e == nullptr) {
        m_error = m_file.path + ": missing tensor '" + name + "' (expected shape " +
                  shapeText(shape) + ")";
        return zeros;
    }
    if (e->shape != shape) {
        m_error = m_file.path + ": tensor '" + name + "' has shape " + shapeText(e->shape) +
                  ", expected " + shapeText(shape);
        return zeros;
    }
    auto values = m_file.floats(*e);
    if (!values) {
        m_error = values.error();
        return zeros;
    }
    for (size_t i = 0; i < values->size(); ++i) {
        if (!std::isfinite((*values)[i])) {
            std::ostringstream msg;
            msg << m_file.path << ": tensor '" << name << "' element " << i << " is "
                << (*values)[i] << ", expected a finite value";
            m_error = msg.str();
            return zeros;
        }
    }
    return std::move(values).value();
}

sim::Status WeightReader::finish() const {
    if (!m_error.empty()) {
        return sim::Error{m_error};
    }
    for (const SafetensorsEntry& e : m_file.entries) {
        if (m_read.count(e.name) == 0) {
            return sim::Error{m_file.path + ": unexpected tensor '" + e.name + "' " +
                              shapeText(e.shape) +
                              " (not part of this model; is it the "
                              "weights of another model?)"};
        }
    }
    return sim::Status::success();
}

std::string WeightReader::description() const {
    const auto it = m_file.metadata.find("description");
    return it != m_file.metadata.end() ? it->second : "safetensors " + m_file.path;
}

}  // namespace policy::nn
