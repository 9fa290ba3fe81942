#pragma once
// Reading the framebuffer back and saving it as a PNG.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/result.h"

namespace render {

// An 8-bit RGB image, rows from the top.
struct Image {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3 bytes
};

// Reads width x height pixels from the current read framebuffer (the back buffer, unless bound
// otherwise), flipping OpenGL's bottom-up rows to top-down.
Image readFramebuffer(int width, int height);
// Writes `image` as a PNG; the error names the path and the likely cause.
sim::Status writePng(const std::string& path, const Image& image);

}  // namespace render
