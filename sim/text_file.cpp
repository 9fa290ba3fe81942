#include "sim/text_file.h"

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

}  // namespace sim
