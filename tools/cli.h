// Shared pieces of the querysafe command: the subcommand table, argument parsing helpers and the
// exit-code contract (0 accepted, 1 rejected input, 2 usage or configuration error).
#ifndef QUERYSAFE_TOOLS_CLI_H_
#define QUERYSAFE_TOOLS_CLI_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"
#include "tools/json_style.h"

namespace querysafe::cli {

inline constexpr int kExitAccepted = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

// A subcommand: `args` are the arguments after its name.
struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
};

// Every subcommand, in the order `querysafe help` lists them (tools/commands.cc).
const std::vector<Command>& Commands();

// Reads a whole file; "-" reads standard input.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Prints "querysafe <command>: <message>" to stderr and returns kExitUsage: for configuration and
// I/O errors. Option values quoted in the message are redacted (RedactOptionValues). A mistake in
// the command line itself goes through BadUsage (tools/usage.h), which adds the usage line.
int UsageError(std::string_view command, std::string_view message);

// "WHAT is not valid JSON: unexpected 'b' at character 2" from libbson's reader error, without
// repeating the input (parameter values may be the very values the encryption protects).
std::string NotJson(std::string_view what, const bson_error_t& error);

// Boost.Program_options quotes a whole `--name=VALUE` word in its errors ("unrecognised option
// '--kms-local-key=<the key>'"): this keeps '--name=...' and drops VALUE, which may be a secret.
std::string RedactOptionValues(std::string_view message);

// The QUERY argument of translate, explain, run and parse: "-" reads standard input, "@FILE" a
// file, anything else is the query text itself (a Django query starts with a model name, never
// with '-' or '@'). A query too long for the command line (a 10,000-value `__in` list is ~170 KB;
// Linux caps one argument at 128 KiB) goes through a file or a pipe. Trailing line breaks of a
// file are dropped, so that a caret lands on the query's own last line.
struct QueryText {
  std::string text;
  std::string source;  // the name diagnostics give it: "query", "<stdin>" or the file's path
};
absl::StatusOr<QueryText> ReadQueryArgument(const std::string& argument);

// The environment variable that gives the local master key (base64, or @FILE) when no
// --kms-local-key flag does. A key on the command line is readable by every local user in
// /proc/PID/cmdline and stays in shell history; /proc/PID/environ is readable by its owner only.
inline constexpr char kLocalKeyEnvironment[] = "QUERYSAFE_KMS_LOCAL_KEY";

// The local master key argument to use: `flag` when given, else QUERYSAFE_KMS_LOCAL_KEY when set
// and not empty, else "". The value is passed on unparsed (base64 or @FILE, as the flag).
std::string LocalKeyArgument(const std::string& flag);

// --time-zone (Django's TIME_ZONE): nullopt when it names an IANA zone, else the usage error's
// exit code, after saying why.
std::optional<int> CheckTimeZoneFlag(std::string_view command, std::string_view time_zone);

// The flag's help text, shared by the commands that compile queries.
inline constexpr char kTimeZoneHelp[] =
    "Django's TIME_ZONE (USE_TZ=True): the IANA zone that DateTimeField transforms and "
    "dates()/datetimes() convert to, and naive datetimes are read in (default UTC)";

// What translate, explain and run share: the schema, the server version and bound parameters.
struct CommandContext {
  std::optional<Schema> schema;
  ServerVersion server_version;
  BsonDoc params;
};

// Reads and checks the schema file (diagnostics on stderr), parses --server-version and
// --params. Returns kExitAccepted, or kExitUsage after printing why.
int LoadCommandContext(std::string_view command, const std::string& schema_path,
                       const std::string& server_version, const std::string& params_json,
                       CommandContext* context);

// Turns a translation into the command to print: identity for translate; for explain, the
// command with every placeholder replaced by its payload. Returns diagnostics on failure.
using Finisher = std::function<bool(const Translation&, BsonDoc* command, Diagnostics* errors)>;

// Compiles and translates `query`, then prints {"database", "collection", "command"} in `style`
// (tools/json_style.h; --format text indents it). Rejections print the diagnostics with a caret
// on stderr and, with --format json only, {"errors": [...]} on stdout; they return
// kExitRejected (kExitUsage for configuration problems such as an unknown model).
// `query.source` names the query in the diagnostics on stderr.
int TranslateAndPrint(std::string_view command, const CommandContext& context,
                      const QueryText& query, const CompileOptions& options,
                      const std::string& format, const JsonStyle& style, const Finisher* finish);

}  // namespace querysafe::cli

#endif  // QUERYSAFE_TOOLS_CLI_H_
