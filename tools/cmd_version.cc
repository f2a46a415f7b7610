// querysafe version [--format text|json]: querysafe's version, the libmongoc and libmongocrypt it
// runs with, and which QE query types that libmongocrypt can encrypt (explain, run). Translate
// works for every query type whatever is linked.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "querysafe/capabilities.h"
#include "tools/cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

void PrintCapability(const char* what, bool yes, const char* needs) {
  std::printf("  %-52s %s\n", what, yes ? "yes" : needs);
}

}  // namespace

int RunVersion(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options("querysafe version [options]\n\nOptions");
  std::string format = "text";
  options.add_options()("help,h", "show this help")(
      "format", po::value<std::string>(&format)->default_value("text"), "text or json");
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/false);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("version", {&options}, args, &vm)) return *exit;
  if (format != "text" && format != "json") return BadUsage("version", "--format is text or json");
  const Capabilities c = GetCapabilities();
  if (format == "json") {
    std::printf("%s\n", StyledJson(CapabilitiesJson(c), style).c_str());
    return kExitAccepted;
  }
  std::printf("querysafe %s\nlibmongoc %s\nlibmongocrypt %s\n", c.querysafe_version.c_str(),
              c.libmongoc_version.c_str(), c.libmongocrypt_version.c_str());
  std::printf("encrypts (explain, run; translate takes every query type):\n");
  PrintCapability("equality", true, "");
  PrintCapability("range (MongoDB 8.0+)", c.range, "no: needs libmongocrypt 1.10");
  // Without the previews but with 9.0's types, the library is one that dropped them (1.21+).
  PrintCapability("prefixPreview, suffixPreview, substringPreview (8.2)", c.text_preview,
                  c.text ? "no: libmongocrypt 1.21 removed them; use prefix, suffix, substring"
                         : "no: needs libmongocrypt 1.15");
  PrintCapability("prefix, suffix (MongoDB 9.0+)", c.text, "no: needs libmongocrypt 1.19");
  PrintCapability("substring (MongoDB 9.0+)", c.text_substring, "no: needs libmongocrypt 1.20");
  return kExitAccepted;
}

}  // namespace querysafe::cli
