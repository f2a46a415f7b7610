// What the subcommands that talk to a MongoDB server share (migrate, insert,
// run): the connection flags, turning them into the public API's ConnectOptions
// (querysafe/client.h, as any program using the library does), and printing
// results and diagnostics.
//
// Output contract (as the other commands): results on stdout, one Extended
// JSON value per line (rows of a query, the inserted _id, a count); human
// diagnostics on stderr; exit 0 when accepted, 1 when the input or the query
// was rejected (by querysafe, by the server, or get() found no or several
// documents), 2 for usage and configuration errors (bad flags, a schema or
// KMS setting that is wrong, a server that cannot be reached or configured).
#ifndef QUERYSAFE_TOOLS_EXEC_CLI_H_
#define QUERYSAFE_TOOLS_EXEC_CLI_H_

#include <boost/program_options.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "querysafe/client.h"
#include "querysafe/diagnostic.h"
#include "querysafe/schema.h"
#include "tools/json_style.h"

namespace querysafe::cli {

struct ConnectionFlags {
  std::string schema;               // --schema FILE
  std::string uri;                  // --uri URI
  std::string kms_local_key;        // --kms-local-key BASE64_OR_@FILE
  std::string kms_providers;        // --kms-providers JSON_OR_@FILE
  std::string key_vault_namespace;  // --key-vault-namespace DB.COLL
  std::string kms_tls_options;      // --kms-tls-options JSON_OR_@FILE
  std::string kms_provider;         // --kms-provider NAME (migrate)
  std::string master_key;           // --master-key JSON_OR_@FILE (migrate)
  std::string server_version;       // --server-version X.Y
  bool verbose = false;             // --verbose: the driver's log on stderr
};

// The environment variable that turns the driver's log on, as --verbose does.
inline constexpr char kVerboseEnvironment[] = "QUERYSAFE_VERBOSE";

// Routes mongo-c-driver's log to querysafe: its default handler prints on stdout (about 60
// "monitor: ... Failed to connect" lines for an unreachable server), which must carry only
// results. Installed once at startup; messages are dropped unless `verbose` (or
// $QUERYSAFE_VERBOSE is set and not "0"), then printed on stderr, one line each, prefixed.
// Failures reach the user anyway, as diagnostics: the log is for diagnosing them.
void InstallDriverLog(bool verbose);

// Adds the flags above to `options`; `migrate` adds the key-making ones.
void AddConnectionFlags(boost::program_options::options_description* options,
                        ConnectionFlags* flags, bool migrate);

// ConnectOptions and the schema from the flags: reads and loads the schema and
// reads the optional JSON settings (@FILE); Client::Connect and Migrate check
// the rest. On failure prints why (as `command`) and returns the exit code.
std::optional<int> MakeClientOptions(std::string_view command, const ConnectionFlags& flags,
                                     ConnectOptions* out, std::optional<Schema>* schema);

// Connects as `command`: nullptr, after printing why, when the server or its
// key vault is not usable as configured (exit 2).
std::unique_ptr<Client> ConnectOrReport(std::string_view command, const Schema& schema,
                                        const ConnectOptions& options);

// Prints diagnostics to `err` ("querysafe <command>: <Category>: <message>
// [server code N] (at <location>)", or compiler-style with a caret when they
// point into `text`), and returns the exit code they mean: 2 if one is
// ImproperlyConfigured or says the server could not be reached, else 1.
int ReportDiagnostics(std::string_view command, const Diagnostics& diagnostics,
                      std::string_view text, std::string_view source, std::FILE* err);

// One row as a line of Extended JSON: a document as an object, a
// values_list() tuple as an array, a flat value as the value.
std::string RowJson(const bson_t* row, RowShape shape, const JsonStyle& style);

// Prints what Client::Run returned on `out`: the rows one per line;
// get()/first()/last()/aggregate() the one document (or null); count() and
// update()/delete() the number; exists() true or false. Diagnostics (the
// query's, and a failure while reading the rows) go to `err`, with a caret
// into `query_text` named `source`. Returns the exit code.
int PrintRunResult(RunResult result, std::string_view query_text, std::string_view source,
                   std::FILE* out, std::FILE* err, const JsonStyle& style = {});

}  // namespace querysafe::cli

#endif  // QUERYSAFE_TOOLS_EXEC_CLI_H_
