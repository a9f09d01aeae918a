#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "config/config.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

// Saves and restores PHOTODESK_CONFIG_DIR around a test.
class ConfigDirEnv : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* v = std::getenv("PHOTODESK_CONFIG_DIR")) saved_ = v;
    }
    void TearDown() override {
        if (saved_) setenv("PHOTODESK_CONFIG_DIR", saved_->c_str(), 1);
        else unsetenv("PHOTODESK_CONFIG_DIR");
    }
    std::optional<std::string> saved_;
};

TEST_F(ConfigDirEnv, DefaultsToTheSourceTreeConfig) {
    unsetenv("PHOTODESK_CONFIG_DIR");
    EXPECT_EQ(default_config_dir(), test::config_dir());
    setenv("PHOTODESK_CONFIG_DIR", "", 1);  // empty counts as unset
    EXPECT_EQ(default_config_dir(), test::config_dir());
}

TEST_F(ConfigDirEnv, EnvironmentOverrides) {
    setenv("PHOTODESK_CONFIG_DIR", "/srv/photodesk/config", 1);
    EXPECT_EQ(default_config_dir(), "/srv/photodesk/config");
}

TEST(ConfigDir, EverythingInTheRepositoryLoads) {
    const std::string dir = test::config_dir();
    for (const std::string& name : list_spec_profiles(dir)) {
        auto p = load_spec_profile(dir, name);
        EXPECT_TRUE(p.ok()) << name << ": " << p.error().message;
    }
    EXPECT_TRUE(load_reasons(dir).ok());
    EXPECT_TRUE(load_calendar(dir).ok());
    EXPECT_TRUE(load_engine_settings(dir).ok());
}

}  // namespace
}  // namespace pd::config
