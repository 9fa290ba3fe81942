#include "sim/text_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sim {

Result<std::string> readTextFile(const std::string& path, const std::string& what) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        return Error{path + ": cannot open " + what +
                     " file (check the path exists and is readable)"};
    }
    std::ostringstream buffer;
    buffer << stream.rdbuf();
    if (stream.bad()) {
        return Error{path + ": failed while reading " + what + " file"};
    }
    return buffer.str();
}

Status writeTextFile(const std::string& path, const std::string& text, const std::string& what) {
    const std::string temporary = path + ".tmp";
    std::error_code error;
    {
        std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
        stream << text;
        stream.flush();
        if (!stream) {
            std::filesystem::remove(temporary, error);
            return Error{path + ": cannot write " + what + " file (through " + temporary + ")"};
        }
    }
    std::filesystem::rename(temporary, path, error);
    if (error) {
        const std::string message = error.message();
        std::filesystem::remove(temporary, error);
        return Error{path + ": cannot replace it with " + temporary + ": " + message};
    }
    return Status::success();
}

std::string shortNumber(double value) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", value);
    return text;
}

}  // namespace sim
