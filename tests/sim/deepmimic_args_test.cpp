// DeepMimic args files: scene settings applied, odd values refused by key, files resolved in a
// DeepMimic-style layout.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "sim/deepmimic_args.h"
#include "tests/test_support.h"

namespace {

sim::Status apply(const std::string& text, sim::EnvSettings& settings) {
    auto args = sim::parseDeepMimicArgs(text, "run_args.txt");
    REQUIRE_MESSAGE(args.ok(), args.error());
    return sim::applyDeepMimicArgs(*args, settings);
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("args files set rates, scale, fall bodies and root sync") {
        sim::EnvSettings settings;
        const sim::Status status = apply(R"(--scene imitate   # comment
--num_update_substeps 20
--num_sim_substeps 3
--world_scale 2
--fall_contact_bodies 0 1 2
--enable_char_contact_fall false
--sync_char_root_pos false
--hold_end_frame 0.3)",
                                         settings);
        REQUIRE_MESSAGE(status.ok(), status.error());
        CHECK(settings.pdRate == doctest::Approx(1200));
        CHECK(settings.physicsRate == doctest::Approx(3600));
        CHECK(settings.physics.worldScale == doctest::Approx(2));
        CHECK(settings.fallContactBodies == std::vector<int>{0, 1, 2});
        CHECK_FALSE(settings.enableFallContact);
        CHECK_FALSE(settings.syncRootPosition);
        CHECK(settings.holdEndTime == doctest::Approx(0.3));
    }

    TEST_CASE("args values that are not finite numbers or whole indices are refused by key") {
        for (const auto& [text, key] :
             {std::pair{"--world_scale inf", "--world_scale"},
              std::pair{"--hold_end_frame nan", "--hold_end_frame"},
              std::pair{"--num_sim_substeps two", "--num_sim_substeps"},
              std::pair{"--fall_contact_bodies 1,2", "--fall_contact_bodies"},
              std::pair{"--fall_contact_bodies 1.5", "--fall_contact_bodies"},
              std::pair{"--enable_char_soft_contact true", "--enable_char_soft_contact"},
              std::pair{"--terrain_file data/terrain/mountains.txt", "--terrain_file"}}) {
            sim::EnvSettings settings;
            const sim::Status status = apply(text, settings);
            REQUIRE_FALSE(status.ok());
            CHECK_MESSAGE(status.error().find(key) != std::string::npos, status.error());
            CHECK(status.error().find("run_args.txt") != std::string::npos);
        }
    }

    TEST_CASE("files named in an args file resolve in DeepMimic's data layout, 2018 copies first") {
        if (!test::haveShared("deepmimic/args/deepmimic_2018/run_humanoid3d_spinkick_args.txt")) {
            return;
        }
        auto args = sim::loadDeepMimicArgs(
            test::sharedPath("deepmimic/args/deepmimic_2018/run_humanoid3d_spinkick_args.txt"));
        REQUIRE(args.ok());
        auto controller = sim::resolveDeepMimicArgsFile(*args, "char_ctrl_files");
        auto motion = sim::resolveDeepMimicArgsFile(*args, "motion_file");
        REQUIRE_MESSAGE(controller.ok(), controller.error());
        REQUIRE_MESSAGE(motion.ok(), motion.error());
        CHECK(controller->find("controllers/deepmimic_2018/humanoid3d_ctrl.txt") !=
              std::string::npos);
        CHECK(motion->find("deepmimic_2018_variants/humanoid3d_spinkick.txt") != std::string::npos);
        CHECK(sim::resolveDeepMimicArgsFile(*args, "no_such_key")->empty());
    }

}  // TEST_SUITE
