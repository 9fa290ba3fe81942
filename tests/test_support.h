#pragma once
// Paths and helpers shared by the test suites.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace test {

// The project's own files (assets/, weights/).
inline std::string sourcePath(const std::string& relative) {
    return std::string(CHARSIM_SOURCE_DIR) + "/" + relative;
}

// DeepMimic's data beside the checkout; tests that need it call requireShared() first.
inline std::string sharedPath(const std::string& relative) {
    return std::string(CHARSIM_SHARED_DIR) + "/" + relative;
}

// True when ../shared/deepmimic is present; otherwise prints why the caller skips.
inline bool haveShared(const std::string& relative = "deepmimic/FACTS.md") {
    if (std::filesystem::exists(sharedPath(relative))) {
        return true;
    }
    MESSAGE("skipped: " << sharedPath(relative) << " is absent (DeepMimic's data beside the "
                        << "checkout); this check needs it");
    return false;
}

}  // namespace test
