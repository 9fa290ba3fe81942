#pragma once
// The project's random numbers: xoshiro256** (Blackman and Vigna 2018) seeded by splitmix64,
// with uniform and Gaussian draws computed here (not by <random>'s distributions, whose
// algorithms differ between standard libraries), so a seed gives the same run on every
// platform. The state is exposed for checkpoints.

#include <array>
#include <cmath>
#include <cstdint>

namespace policy {

// One step of splitmix64 (also used to derive independent seeds).
inline uint64_t splitMix64(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Seed of stream `index` of a run seeded with `seed` (independent streams per env, per iteration).
inline uint64_t streamSeed(uint64_t seed, uint64_t index) {
    uint64_t x = seed ^ (0xd1b54a32d192ed03ull * (index + 1));
    splitMix64(x);
    return splitMix64(x);
}

// The generator behind network initialization, training and sampling.
class Random {
public:
    using State = std::array<uint64_t, 4>;

    explicit Random(uint64_t seed = 1) {
        for (uint64_t& s : m_s) {
            s = splitMix64(seed);
        }
    }

    uint64_t next() {
        const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
    // Uniform integer in [0, n) (n > 0; the modulo bias is below 2^-40 for n < 2^24).
    uint64_t below(uint64_t n) { return next() % n; }
    // Standard normal by Box-Muller (one value per call; the second is discarded to keep the
    // state a plain 256-bit word).
    double normal() {
        const double u1 = 1.0 - uniform01();  // (0, 1]
        const double u2 = uniform01();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

    const State& state() const { return m_s; }
    void setState(const State& state) { m_s = state; }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    State m_s{};
};

}  // namespace policy
