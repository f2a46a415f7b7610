// The capability report: `querysafe version` and GetCapabilities() say the same, and the text
// capabilities follow the linked libmongocrypt's version (the previews 1.15, prefix/suffix 1.19,
// substring 1.20: its changelog).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "lib/common/bson_util.h"
#include "querysafe/capabilities.h"

namespace querysafe {
namespace {

using ::testing::HasSubstr;

// Runs `querysafe ARGS` and returns its stdout (the exit code in *code).
std::string RunCli(const std::string& args, int* code) {
  std::string out;
  FILE* pipe = popen((std::string(QUERYSAFE_CLI) + " " + args + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

int MinorVersion(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return 0;
  return major * 1000 + minor;
}

TEST(Capabilities, FollowTheLinkedLibmongocrypt) {
  const Capabilities c = GetCapabilities();
  EXPECT_FALSE(c.querysafe_version.empty());
  EXPECT_GE(MinorVersion(c.libmongoc_version), 1028) << c.libmongoc_version;
  const int crypt = MinorVersion(c.libmongocrypt_version);
  EXPECT_GE(crypt, 1011) << c.libmongocrypt_version;
  EXPECT_TRUE(c.range);
  // 1.21 removed the previews (and 1.19.0 alone lacked prefixPreview/suffixPreview).
  EXPECT_EQ(c.text_preview, crypt >= 1015 && crypt < 1021 && c.libmongocrypt_version != "1.19.0")
      << c.libmongocrypt_version;
  EXPECT_EQ(c.text, crypt >= 1019) << c.libmongocrypt_version;
  EXPECT_EQ(c.text_substring, crypt >= 1020) << c.libmongocrypt_version;
}

TEST(CliVersion, PrintsTheLinkedVersionsAndWhatTheyEncrypt) {
  const Capabilities c = GetCapabilities();
  int code = -1;
  const std::string out = RunCli("version", &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("querysafe " + c.querysafe_version + "\n"));
  EXPECT_THAT(out, HasSubstr("libmongoc " + c.libmongoc_version + "\n"));
  EXPECT_THAT(out, HasSubstr("libmongocrypt " + c.libmongocrypt_version + "\n"));
  EXPECT_THAT(out,
              HasSubstr(c.text ? "prefix, suffix (MongoDB 9.0+)" : "needs libmongocrypt 1.19"));
}

TEST(CliVersion, PrintsJsonWhenAsked) {
  int code = -1;
  const std::string out = RunCli("version --format json", &code);
  EXPECT_EQ(code, 0);
  // The API's JSON, in the command's one layout (tools/json_style.h).
  EXPECT_EQ(out, LayoutJson(CapabilitiesJson(GetCapabilities()), JsonLayout::kCompact) + "\n");
  EXPECT_THAT(out, HasSubstr("\"encrypts\":{\"range\":true"));
}

TEST(CliVersion, DashDashVersionPrintsOneLine) {
  int code = -1;
  EXPECT_EQ(RunCli("--version", &code), "querysafe " + GetCapabilities().querysafe_version + "\n");
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace querysafe
