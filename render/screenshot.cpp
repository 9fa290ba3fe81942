#include "render/screenshot.h"

#include <glad/gl.h>

// The implementation comes from libstb (linked through charsim_imgui_backends).
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace render {

Image readFramebuffer(int width, int height) {
    Image image;
    if (width <= 0 || height <= 0) {
        return image;
    }
    image.width = width;
    image.height = height;
    const auto rowBytes = static_cast<std::size_t>(width) * 3;
    std::vector<std::uint8_t> bottomUp(rowBytes * static_cast<std::size_t>(height));
    // Rows of 3-byte pixels are not 4-byte aligned in general.
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, bottomUp.data());
    image.rgb.resize(bottomUp.size());
    for (int row = 0; row < height; ++row) {
        const auto from = static_cast<std::size_t>(height - 1 - row) * rowBytes;
        std::memcpy(image.rgb.data() + static_cast<std::size_t>(row) * rowBytes,
                    bottomUp.data() + from, rowBytes);
    }
    return image;
}

sim::Status writePng(const std::string& path, const Image& image) {
    if (image.width <= 0 || image.height <= 0 ||
        image.rgb.size() !=
            static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3) {
        return sim::Error{"render: cannot write " + path + ": the image is empty (" +
                          std::to_string(image.width) + " x " + std::to_string(image.height) +
                          " pixels)"};
    }
    const int ok = stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(),
                                  image.width * 3);
    if (ok == 0) {
        const std::filesystem::path parent = std::filesystem::path(path).parent_path();
        std::string why = "check that the folder exists and is writable";
        if (!parent.empty() && !std::filesystem::is_directory(parent)) {
            why = "the folder " + parent.string() + " does not exist";
        }
        return sim::Error{"render: cannot write the screenshot " + path + ": " + why};
    }
    return sim::Status::success();
}

}  // namespace render
