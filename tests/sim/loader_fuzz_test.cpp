// Loaders against damaged files: seeded byte-level mutations of real character, controller and
// motion files must be refused or accepted, never crash, and never yield non-finite numbers.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/character.h"
#include "sim/controller_config.h"
#include "sim/motion.h"
#include "tests/test_support.h"

namespace {

std::string readText(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

// Deterministic mutations: replace, delete, duplicate or truncate, with JSON-significant bytes
// favoured so the damage reaches the loaders' checks rather than only the parser.
class Mutator {
public:
    explicit Mutator(uint64_t seed) : m_state(seed) {}

    std::string mutate(const std::string& text) {
        std::string out = text;
        const int edits = 1 + static_cast<int>(next() % 4);
        for (int e = 0; e < edits && !out.empty(); ++e) {
            const size_t at = next() % out.size();
            static const char kBytes[] = "0123456789-.eE,[]{}\":aznull\x00\xff";
            const char byte = kBytes[next() % (sizeof(kBytes) - 1)];
            switch (next() % 4) {
                case 0:
                    out[at] = byte;
                    break;
                case 1:
                    out.erase(at, 1 + next() % 8);
                    break;
                case 2:
                    out.insert(at, out.substr(at, 1 + next() % 16));
                    break;
                default:
                    out.resize(at);
                    break;
            }
        }
        return out;
    }

private:
    uint64_t next() {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 7;
        m_state ^= m_state << 17;
        return m_state;
    }
    uint64_t m_state;
};

}  // namespace

TEST_SUITE("sim") {

TEST_CASE("damaged character, controller and motion files are refused or loaded, never crash") {
    const std::string character = readText(test::sourcePath("assets/characters/humanoid.json"));
    const std::string gains = readText(test::sourcePath("assets/characters/humanoid_ctrl.json"));
    const std::string motion = readText(test::sourcePath("assets/motions/walk.json"));
    REQUIRE(!character.empty());
    REQUIRE(!motion.empty());
    auto base = sim::parseCharacter(character, "humanoid.json");
    REQUIRE(base.ok());

    Mutator mutator(12345);
    int refused = 0, loaded = 0;
    for (int trial = 0; trial < 300; ++trial) {
        auto c = sim::parseCharacter(mutator.mutate(character), "humanoid.json");
        if (c.ok()) {
            ++loaded;
            for (const sim::BodyDef& body : c->bodies) {
                CHECK(std::isfinite(body.mass));
                CHECK(body.param.allFinite());
            }
        } else {
            ++refused;
            CHECK(c.error().find("humanoid.json") != std::string::npos);
        }
        auto g = sim::parseControllerConfig(mutator.mutate(gains), "humanoid_ctrl.json", *base);
        if (!g.ok()) {
            CHECK(g.error().find("humanoid_ctrl.json") != std::string::npos);
        }
        auto m = sim::parseMotion(mutator.mutate(motion), "walk.json", *base);
        if (m.ok()) {
            CHECK(m->framePoses.allFinite());
            CHECK(m->frameVelocities.allFinite());
            CHECK(std::isfinite(m->duration()));
        } else {
            CHECK(m.error().find("walk.json") != std::string::npos);
        }
    }
    MESSAGE("mutated characters: " << refused << " refused, " << loaded << " loaded");
    CHECK(refused > 100);  // the mutations do damage, so the test can fail
}

}  // TEST_SUITE
